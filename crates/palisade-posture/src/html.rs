//! The report as one self-contained HTML page: inline CSS, inline SVG, a
//! small inline script (filters for the findings table; the page reads
//! fully without it). Nothing is loaded from anywhere.
//!
//! The markup is in askama templates (`templates/`, compiled in and
//! checked at build time; every `{{ }}` is HTML-escaped): `report.html`
//! on palisade-threat's `page.html` (the skeleton the threat model's page
//! shares, found through `askama.toml`), one partial per section under
//! `report/`, and palisade-threat's `attack-path.html` for the attack
//! paths. This module computes what the templates show.

use crate::text::{inline, md_html};
use crate::views::{Coverage, NetpolView, OUTSIDE};
use crate::{Action, FindingRow, FixText, Posture, Status, format_time, svg};
use askama::Template;
use palisade_findings::Severity;

#[derive(Template)]
#[template(path = "report.html")]
struct Page<'a> {
    p: &'a Posture,
    /// When the report was made (RFC 3339).
    generated: String,
}

/// The page.
pub fn html(p: &Posture) -> String {
    Page {
        p,
        generated: format_time(p.generated),
    }
    .render()
    .expect("rendering into a String does not fail")
}

impl<'a> Page<'a> {
    fn gauge(&self) -> String {
        svg::gauge(self.p.score.value)
    }

    fn explanation(&self) -> String {
        crate::score::explanation(self.p)
    }

    /// How many actions have each status (those that some have).
    fn status_counts(&self) -> Vec<(Status, usize)> {
        [
            Status::Fail,
            Status::Warn,
            Status::Pass,
            Status::Documented,
            Status::NotAssessed,
        ]
        .into_iter()
        .map(|st| (st, self.p.actions.iter().filter(|a| a.status == st).count()))
        .filter(|&(_, n)| n > 0)
        .collect()
    }

    fn severity_counts(&self) -> Vec<(Severity, usize)> {
        Severity::ALL
            .iter()
            .map(|&s| (s, self.p.counts.get(s)))
            .collect()
    }

    /// The three checks that weigh most: findings × severity weight.
    fn weighing_most(&self) -> Vec<&'a FixText> {
        let p: &'a Posture = self.p;
        let mut top: Vec<_> = p
            .fixes
            .iter()
            .map(|f| (f.findings as u64 * u64::from(f.severity.weight()), f))
            .filter(|(w, _)| *w > 0)
            .collect();
        top.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.check.cmp(b.1.check)));
        top.into_iter().take(3).map(|(_, f)| f).collect()
    }

    /// Since the previous recorded run: up, down or unchanged, from, to.
    fn trend(&self) -> Option<(&'static str, u32, u32)> {
        match self.p.history.as_slice() {
            [.., a, b] => Some((
                match b.score.cmp(&a.score) {
                    std::cmp::Ordering::Greater => "up",
                    std::cmp::Ordering::Less => "down",
                    std::cmp::Ordering::Equal => "unchanged",
                },
                a.score,
                b.score,
            )),
            _ => None,
        }
    }

    fn findings_of(&self, a: &Action) -> usize {
        self.p
            .findings
            .iter()
            .filter(|f| f.action == a.number)
            .count()
    }

    /// "N Roles, N ClusterRoles, …".
    fn rbac_objects(&self) -> String {
        let r = &self.p.rbac;
        [
            (r.roles, "Role"),
            (r.cluster_roles, "ClusterRole"),
            (r.role_bindings, "RoleBinding"),
            (r.cluster_role_bindings, "ClusterRoleBinding"),
        ]
        .iter()
        .map(|(n, k)| format!("{n} {k}{}", if *n == 1 { "" } else { "s" }))
        .collect::<Vec<_>>()
        .join(", ")
    }

    /// The findings of a fix's check, with their row numbers (1-based).
    fn found_on(&self, f: &FixText) -> Vec<(usize, &'a FindingRow)> {
        let p: &'a Posture = self.p;
        p.findings
            .iter()
            .enumerate()
            .filter(|(_, x)| x.check == f.check)
            .map(|(i, x)| (i + 1, x))
            .collect()
    }
}

// What the templates call besides the methods above (askama passes
// arguments by reference); `inline` and `md_html` are imported for them.

fn severity_color(s: &Severity) -> &'static str {
    svg::severity_color(*s)
}

fn score_color(v: &u32) -> &'static str {
    svg::score_color(*v)
}

fn action_name(n: &u8) -> &'static str {
    palisade_findings::action_name(*n)
}

/// Some of an action could not be assessed.
fn partly(a: &Action) -> bool {
    !a.gaps.is_empty() && a.status != Status::NotAssessed
}

/// A cell of the namespace matrix.
struct Cell {
    allowed: usize,
    possible: usize,
    /// From green (#dcfce7, closed) to red (#fca5a5, wide open).
    background: String,
    title: String,
}

/// Each group's row of the matrix (`None`: no pair possible).
fn matrix(v: &NetpolView) -> Vec<(&str, Vec<Option<Cell>>)> {
    v.cells
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let cells = row
                .iter()
                .enumerate()
                .map(|(j, &(a, n))| {
                    if n == 0 {
                        return None;
                    }
                    let ratio = a as f64 / n as f64;
                    let mix = |x: u8, y: u8| -> u8 {
                        (f64::from(x) + (f64::from(y) - f64::from(x)) * ratio).round() as u8
                    };
                    let (from, to) = (&v.groups[i], &v.groups[j]);
                    let title = if from == OUTSIDE {
                        format!("{a} of {n} workloads in {to} reachable from outside")
                    } else if to == OUTSIDE {
                        format!("{a} of {n} workloads in {from} may reach outside")
                    } else {
                        format!("{a} of {n} workload pairs {from} → {to} allowed")
                    };
                    Some(Cell {
                        allowed: a,
                        possible: n,
                        background: format!(
                            "#{:02x}{:02x}{:02x}",
                            mix(0xdc, 0xfc),
                            mix(0xfc, 0xa5),
                            mix(0xe7, 0xa5)
                        ),
                        title,
                    })
                })
                .collect();
            (v.groups[i].as_str(), cells)
        })
        .collect()
}

/// Workloads not isolated in both directions.
fn not_isolated(v: &NetpolView) -> Vec<&Coverage> {
    v.coverage
        .iter()
        .filter(|c| !c.ingress || !c.egress)
        .collect()
}
