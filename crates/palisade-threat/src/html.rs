//! The threat model as one self-contained HTML page: inline CSS, each
//! attack path drawn as an inline SVG, the Mermaid sources as text. No
//! script, no network.
//!
//! The markup is in askama templates (`templates/`, compiled in and
//! checked at build time; every `{{ }}` is HTML-escaped):
//! `threat-model.html` on `page.html` (the skeleton the posture report
//! shares), `evidence.html`, and `attack-path.html`, which the posture
//! report includes too (with [`PathSvg`]).

use crate::{
    Assets, AttackPath, Boundary, BoundaryKind, BoundaryStatus, Component, ComponentKind, Crossing,
    Evidence, Impact, Step, Threat, ThreatModel,
};
use askama::Template;

#[derive(Template)]
#[template(path = "threat-model.html")]
struct Page<'a> {
    tm: &'a ThreatModel,
}

/// The page.
pub fn html(tm: &ThreatModel) -> String {
    Page { tm }
        .render()
        .expect("rendering into a String does not fail")
}

impl<'a> Page<'a> {
    /// The boundaries by kind, in the page's order.
    fn boundaries(&self) -> Vec<(BoundaryKind, Vec<&'a Boundary>)> {
        [
            BoundaryKind::InternetIngress,
            BoundaryKind::NamespaceNamespace,
            BoundaryKind::PodNode,
            BoundaryKind::WorkloadApiServer,
        ]
        .into_iter()
        .map(|kind| {
            let tm: &'a ThreatModel = self.tm;
            (
                kind,
                tm.boundaries.iter().filter(|b| b.kind == kind).collect(),
            )
        })
        .collect()
    }

    /// The components that have threats, with theirs.
    fn stride(&self) -> Vec<(&'a Component, Vec<&'a Threat>)> {
        let tm: &'a ThreatModel = self.tm;
        tm.components
            .iter()
            .map(|c| {
                let ts: Vec<_> = tm.threats.iter().filter(|t| t.component == c.id).collect();
                (c, ts)
            })
            .filter(|(_, ts)| !ts.is_empty())
            .collect()
    }
}

fn boundary_status(s: &BoundaryStatus) -> &'static str {
    match s {
        BoundaryStatus::Open => "open",
        BoundaryStatus::Enforced => "enforced",
    }
}

/// What a profile reaches beyond cluster-admin.
fn assets(a: &Assets) -> [(&'static str, &Vec<String>); 5] {
    [
        ("nodes (root)", &a.nodes),
        ("data stores", &a.data_stores),
        ("Secrets", &a.secrets),
        ("service-account tokens", &a.service_accounts),
        ("pods beyond the starts", &a.pods),
    ]
}

/// A threat's id within its component.
fn threat_id(t: &Threat) -> &str {
    t.id.rsplit('#').next().unwrap_or(&t.id)
}

fn impact_color(i: &Impact) -> &'static str {
    match i {
        Impact::Critical => "#7f1d1d",
        Impact::Severe => "#c2410c",
        Impact::High => "#b45309",
        Impact::Medium => "#4b5563",
    }
}

/// Evidence as `evidence.html` lists it: the first
/// [`crate::MAX_EVIDENCE`] items, then how many more there are.
struct EvidenceList<'a> {
    items: &'a [Evidence],
    /// Those the model already left out.
    left_out: usize,
}

impl<'a> EvidenceList<'a> {
    fn of_crossing(c: &'a Crossing) -> Self {
        EvidenceList {
            items: &c.evidence,
            left_out: c.evidence_more,
        }
    }

    fn of_threat(t: &'a Threat) -> Self {
        EvidenceList {
            items: &t.evidence,
            left_out: t.evidence_more,
        }
    }

    fn of_step(s: &'a Step) -> Self {
        EvidenceList {
            items: &s.evidence,
            left_out: 0,
        }
    }

    fn shown(&self) -> &'a [Evidence] {
        &self.items[..self.items.len().min(crate::MAX_EVIDENCE)]
    }

    fn more(&self) -> usize {
        self.left_out + self.items.len().saturating_sub(crate::MAX_EVIDENCE)
    }
}

/// An attack path drawn as a row of boxes joined by numbered arrows: the
/// geometry `templates/attack-path.html` draws (on this page and in the
/// posture report).
pub struct PathSvg<'a> {
    /// The path's id (`AP-01`), for the arrow marker's id.
    pub id: &'a str,
    /// `A → B → C`, the SVG's accessible name.
    pub label: String,
    pub width: usize,
    pub height: usize,
    /// The start, each step's target, left to right.
    pub boxes: Vec<PathBox<'a>>,
}

/// A box of [`PathSvg`] and the arrow that leaves it.
pub struct PathBox<'a> {
    pub label: &'a str,
    pub x: usize,
    pub y: usize,
    pub width: usize,
    pub height: usize,
    pub fill: &'static str,
    pub stroke: &'static str,
    /// The label's colour.
    pub color: &'static str,
    pub text_x: usize,
    pub text_y: usize,
    /// To the next box (none from the target).
    pub arrow: Option<PathArrow>,
}

/// A numbered arrow of [`PathSvg`].
#[derive(Debug, Clone, Copy)]
pub struct PathArrow {
    pub x1: usize,
    pub x2: usize,
    pub y: usize,
    /// The step's number (1-based).
    pub number: usize,
    pub text_x: usize,
    pub text_y: usize,
}

impl<'a> PathSvg<'a> {
    pub fn new(p: &'a AttackPath) -> Self {
        const CHAR: usize = 7;
        const H: usize = 34;
        const GAP: usize = 46;
        const Y: usize = 16;
        let labels: Vec<&str> = std::iter::once(p.start.as_str())
            .chain(p.steps.iter().map(|s| s.to.as_str()))
            .collect();
        let widths: Vec<usize> = labels
            .iter()
            .map(|l| l.chars().count() * CHAR + 20)
            .collect();
        let width: usize =
            widths.iter().sum::<usize>() + GAP * (labels.len().saturating_sub(1)) + 4;
        let mut boxes = Vec::with_capacity(labels.len());
        let mut x = 2;
        for (i, (&label, &w)) in labels.iter().zip(&widths).enumerate() {
            let last = i + 1 == labels.len();
            let (fill, stroke, color) = if last {
                (impact_color(&p.impact), impact_color(&p.impact), "#ffffff")
            } else if i == 0 {
                ("#e5e7eb", "#6b7280", "#111827")
            } else {
                ("#ffffff", "#6b7280", "#111827")
            };
            let right = x + w;
            boxes.push(PathBox {
                label,
                x,
                y: Y,
                width: w,
                height: H,
                fill,
                stroke,
                color,
                text_x: x + w / 2,
                text_y: Y + H / 2 + 4,
                arrow: (!last).then_some(PathArrow {
                    x1: right + 3,
                    x2: right + GAP - 3,
                    y: Y + H / 2,
                    number: i + 1,
                    text_x: right + GAP / 2,
                    text_y: Y - 4,
                }),
            });
            x = right + GAP;
        }
        PathSvg {
            id: &p.id,
            label: p.one_line(),
            width,
            height: H + 24,
            boxes,
        }
    }
}
