//! The threat model as one self-contained HTML page: inline CSS, each
//! attack path drawn as an inline SVG, the Mermaid sources as text. No
//! script, no network.

use crate::markdown::{dataflow_mermaid, paths_mermaid};
use crate::{
    AttackPath, BoundaryKind, BoundaryStatus, ComponentKind, Evidence, Impact, Status, ThreatModel,
};
use std::fmt::Write;

use escape_html as esc;

/// HTML-escapes text (also for attribute values).
pub fn escape_html(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

fn evidence_html(e: &Evidence) -> String {
    let mut s = String::new();
    if let Some(c) = &e.check {
        let _ = write!(s, "<code class=\"check\">{}</code> ", esc(c));
    }
    if !e.object.is_empty() {
        let _ = write!(s, "{} ", esc(&e.object));
    }
    let place = e.place();
    if !place.is_empty() {
        let _ = write!(s, "<code>{}</code> ", esc(&place));
    }
    s.push_str(&esc(&e.detail));
    if let Some(r) = &e.accepted {
        let _ = write!(s, " <em>(accepted: {})</em>", esc(r));
    }
    s
}

/// The first [`crate::MAX_EVIDENCE`] items, then how many more there are
/// (`more`: those the model already left out).
fn evidence_list(v: &[Evidence], more: usize) -> String {
    if v.is_empty() {
        return String::new();
    }
    let mut s = String::from("<ul class=\"ev\">");
    for e in v.iter().take(crate::MAX_EVIDENCE) {
        let _ = write!(s, "<li>{}</li>", evidence_html(e));
    }
    let more = more + v.len().saturating_sub(crate::MAX_EVIDENCE);
    if more > 0 {
        let _ = write!(
            s,
            "<li>… and {more} more (<code>palisade scan</code> lists every finding)</li>"
        );
    }
    s.push_str("</ul>");
    s
}

fn impact_color(i: Impact) -> &'static str {
    match i {
        Impact::Critical => "#7f1d1d",
        Impact::Severe => "#c2410c",
        Impact::High => "#b45309",
        Impact::Medium => "#4b5563",
    }
}

/// A path as a row of boxes joined by numbered arrows (an inline SVG).
pub fn path_svg(p: &AttackPath) -> String {
    const CHAR: usize = 7;
    const H: usize = 34;
    const GAP: usize = 46;
    let labels: Vec<&str> = std::iter::once(p.start.as_str())
        .chain(p.steps.iter().map(|s| s.to.as_str()))
        .collect();
    let widths: Vec<usize> = labels
        .iter()
        .map(|l| l.chars().count() * CHAR + 20)
        .collect();
    let total: usize = widths.iter().sum::<usize>() + GAP * (labels.len().saturating_sub(1)) + 4;
    let height = H + 24;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"{}\" width=\"{total}\" height=\"{height}\" viewBox=\"0 0 {total} {height}\" font-family=\"ui-monospace, SFMono-Regular, Menlo, monospace\" font-size=\"12\">",
        esc(&p.one_line())
    );
    let _ = write!(
        s,
        "<defs><marker id=\"arrow-{}\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#374151\"/></marker></defs>",
        p.id
    );
    let mut x = 2;
    let y = 16;
    for (i, (l, w)) in labels.iter().zip(&widths).enumerate() {
        let last = i + 1 == labels.len();
        let (fill, stroke, color) = if last {
            (impact_color(p.impact), impact_color(p.impact), "#ffffff")
        } else if i == 0 {
            ("#e5e7eb", "#6b7280", "#111827")
        } else {
            ("#ffffff", "#6b7280", "#111827")
        };
        let _ = write!(
            s,
            "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{H}\" rx=\"6\" fill=\"{fill}\" stroke=\"{stroke}\"/><text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{color}\">{}</text>",
            x + w / 2,
            y + H / 2 + 4,
            esc(l)
        );
        x += w;
        if !last {
            let _ = write!(
                s,
                "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#374151\" stroke-width=\"1.5\" marker-end=\"url(#arrow-{})\"/><text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#374151\" font-size=\"11\">{}</text>",
                x + 3,
                y + H / 2,
                x + GAP - 3,
                y + H / 2,
                p.id,
                x + GAP / 2,
                y - 4,
                i + 1
            );
            x += GAP;
        }
    }
    s.push_str("</svg>");
    s
}

const CSS: &str = "body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1200px;padding:0 1rem;color:#111827;line-height:1.45}
h1{font-size:1.6rem}h2{margin-top:2.2rem;border-bottom:1px solid #d1d5db;padding-bottom:.2rem}h3{margin-top:1.5rem}
table{border-collapse:collapse;width:100%;margin:.6rem 0;font-size:.88rem}th,td{border:1px solid #d1d5db;padding:.35rem .5rem;vertical-align:top;text-align:left}th{background:#f3f4f6}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.85em;background:#f3f4f6;padding:0 .2em;border-radius:3px}code.check{background:#e0e7ff}
pre{background:#f9fafb;border:1px solid #e5e7eb;padding:.8rem;overflow-x:auto;font-size:.8rem}
ul.ev{margin:0;padding-left:1.1rem}.open{color:#b91c1c;font-weight:600}.accepted{color:#92400e}.mitigated,.enforced{color:#047857}
.svg{overflow-x:auto;margin:.4rem 0}.impact{display:inline-block;padding:0 .45em;border-radius:4px;color:#fff;font-size:.8rem}
.summary{background:#f9fafb;border:1px solid #e5e7eb;padding:.6rem 1rem;border-radius:6px}";

pub fn html(tm: &ThreatModel) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Threat model: {}</title>\n<style>\n{CSS}\n</style>\n</head>\n<body>\n",
        esc(&tm.source)
    );
    let sm = &tm.summary;
    let _ = writeln!(s, "<h1>Threat model: {}</h1>", esc(&tm.source));
    let _ = writeln!(
        s,
        "<p class=\"summary\">Derived by <code>palisade threat-model</code> from {} objects ({} workloads): {}, {} STRIDE threats open, {} accepted, {} mitigated.</p>",
        sm.objects,
        sm.workloads,
        esc(&sm.shape()),
        sm.threats_open,
        sm.threats_accepted,
        sm.threats_mitigated
    );
    s.push_str("<h2>Assumptions</h2>\n<ul>\n");
    for a in &tm.assumptions {
        let _ = writeln!(s, "<li>{}</li>", esc(a));
    }
    s.push_str("</ul>\n");

    s.push_str("<h2>Components</h2>\n<table><tr><th>component</th><th>kind</th><th>workloads</th><th>exposure</th><th>data store</th></tr>\n");
    for c in &tm.components {
        let workloads = if c.workloads.is_empty() {
            if c.kind == ComponentKind::ControlPlane {
                "not in the input".to_string()
            } else {
                "-".to_string()
            }
        } else {
            c.workloads
                .iter()
                .map(|w| {
                    format!(
                        "{} <code>{}:{}</code>",
                        esc(&w.object),
                        esc(&w.file),
                        w.line
                    )
                })
                .collect::<Vec<_>>()
                .join("<br>")
        };
        let mut exposure = c
            .exposure
            .iter()
            .map(|e| esc(e))
            .collect::<Vec<_>>()
            .join("<br>");
        if c.internet_exposed {
            exposure = format!("<strong>internet</strong><br>{exposure}");
        }
        let _ = writeln!(
            s,
            "<tr><td><strong>{}</strong><br>{}</td><td>{}</td><td>{workloads}</td><td>{}</td><td>{}</td></tr>",
            esc(&c.name),
            esc(&c.description),
            c.kind.as_str(),
            if exposure.is_empty() {
                "-".into()
            } else {
                exposure
            },
            esc(c.data_store.as_deref().unwrap_or("-"))
        );
    }
    s.push_str("</table>\n<h3>Data flow (Mermaid source)</h3>\n<pre>");
    s.push_str(&esc(&dataflow_mermaid(tm)));
    s.push_str("</pre>\n");

    s.push_str("<h2>Trust boundaries</h2>\n");
    for kind in [
        BoundaryKind::InternetIngress,
        BoundaryKind::NamespaceNamespace,
        BoundaryKind::PodNode,
        BoundaryKind::WorkloadApiServer,
    ] {
        let _ = writeln!(s, "<h3>{}</h3>", esc(kind.title()));
        let bs: Vec<_> = tm.boundaries.iter().filter(|b| b.kind == kind).collect();
        if bs.is_empty() {
            s.push_str("<p>Nothing in the input crosses this boundary.</p>\n");
            continue;
        }
        s.push_str("<table><tr><th>boundary</th><th>status</th><th>crossing</th><th>guarded</th><th>evidence</th></tr>\n");
        for b in bs {
            let status = match b.status {
                BoundaryStatus::Open => "<span class=\"open\">open</span>",
                BoundaryStatus::Enforced => "<span class=\"enforced\">enforced</span>",
            };
            if b.crossings.is_empty() {
                let _ = writeln!(
                    s,
                    "<tr><td>{}</td><td>{status}</td><td>nothing crosses</td><td>-</td><td>-</td></tr>",
                    esc(&b.name)
                );
            }
            for c in &b.crossings {
                let _ = writeln!(
                    s,
                    "<tr><td>{}</td><td>{status}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(&b.name),
                    esc(&c.description),
                    if c.guarded {
                        "yes"
                    } else {
                        "<span class=\"open\">no</span>"
                    },
                    evidence_list(&c.evidence, c.evidence_more)
                );
            }
        }
        s.push_str("</table>\n");
    }

    s.push_str("<h2>Attacker profiles</h2>\n");
    for p in &tm.profiles {
        let _ = writeln!(
            s,
            "<h3>{}</h3>\n<p>{}</p>",
            esc(&p.name),
            esc(&p.description)
        );
        if p.starts.is_empty() {
            s.push_str("<p>No start point in the input.</p>\n");
            continue;
        }
        let a = &p.assets;
        s.push_str("<ul>");
        let _ = write!(
            s,
            "<li>cluster-admin: {}</li>",
            if a.cluster_admin {
                "<span class=\"open\">yes</span>"
            } else {
                "no"
            }
        );
        for (what, v) in [
            ("nodes (root)", &a.nodes),
            ("data stores", &a.data_stores),
            ("Secrets", &a.secrets),
            ("service-account tokens", &a.service_accounts),
            ("pods beyond the starts", &a.pods),
        ] {
            let _ = write!(
                s,
                "<li>{what}: {}</li>",
                if v.is_empty() {
                    "none".to_string()
                } else {
                    esc(&v.join(", "))
                }
            );
        }
        s.push_str("</ul>\n<table><tr><th>start</th><th>reaches (impact, steps, path)</th></tr>\n");
        for st in &p.by_start {
            let r = if st.reaches.is_empty() {
                "nothing beyond its own pod".to_string()
            } else {
                st.reaches
                    .iter()
                    .map(|r| {
                        format!(
                            "{} ({}, {}{})",
                            esc(&r.target),
                            r.impact.as_str(),
                            r.steps,
                            r.path
                                .as_ref()
                                .map(|p| format!(", <a href=\"#{p}\">{p}</a>"))
                                .unwrap_or_default()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("<br>")
                    + &if st.more > 0 {
                        format!("<br>… and {} more", st.more)
                    } else {
                        String::new()
                    }
            };
            let _ = writeln!(s, "<tr><td>{}</td><td>{r}</td></tr>", esc(&st.start));
        }
        s.push_str("</table>\n");
    }

    s.push_str("<h2>Attack paths</h2>\n<p>Shortest paths found by breadth-first search over the attack graph, ranked by impact (critical: cluster-admin; severe: root on a node or a data store's data; high: every Secret of a namespace; medium: code execution in a pod) and then by length; at most three starts per profile and target.</p>\n");
    if tm.paths.is_empty() {
        s.push_str("<p>No attack path reaches a target.</p>\n");
    } else {
        s.push_str("<table><tr><th>id</th><th>impact</th><th>steps</th><th>profile</th><th>path</th></tr>\n");
        for p in &tm.paths {
            let _ = writeln!(
                s,
                "<tr><td><a href=\"#{0}\">{0}</a></td><td><span class=\"impact\" style=\"background:{1}\">{2}</span></td><td>{3}</td><td>{4}</td><td>{5}</td></tr>",
                p.id,
                impact_color(p.impact),
                p.impact.as_str(),
                p.length,
                p.profile_title(),
                esc(&p.one_line())
            );
        }
        s.push_str("</table>\n<details><summary>Attack graph (Mermaid source)</summary>\n<pre>");
        s.push_str(&esc(&paths_mermaid(&tm.paths)));
        s.push_str("</pre></details>\n");
        for p in &tm.paths {
            let _ = writeln!(
                s,
                "<h3 id=\"{}\">{}: {} → {} <span class=\"impact\" style=\"background:{}\">{}</span></h3>",
                p.id,
                p.id,
                esc(&p.start),
                esc(&p.target),
                impact_color(p.impact),
                p.impact.as_str()
            );
            let _ = writeln!(s, "<div class=\"svg\">{}</div>\n<ol>", path_svg(p));
            for st in &p.steps {
                let _ = writeln!(
                    s,
                    "<li><strong>{} → {}</strong>: {}{}<div>closed by: {}</div></li>",
                    esc(&st.from),
                    esc(&st.to),
                    esc(&st.action),
                    evidence_list(&st.evidence, 0),
                    esc(&st.mitigation)
                );
            }
            s.push_str("</ol>\n");
            if p.more_starts > 0 {
                let _ = writeln!(
                    s,
                    "<p>{} more start(s) of this profile reach {} (see the profile's table).</p>",
                    p.more_starts,
                    esc(&p.target)
                );
            }
            if !p.yields.is_empty() {
                let _ = write!(s, "<p>Holding {} gives:</p><ul>", esc(&p.target));
                for y in &p.yields {
                    let _ = write!(s, "<li>{}</li>", esc(y));
                }
                s.push_str("</ul>\n");
            }
        }
    }

    s.push_str("<h2>STRIDE</h2>\n");
    for c in &tm.components {
        let ts: Vec<_> = tm.threats.iter().filter(|t| t.component == c.id).collect();
        if ts.is_empty() {
            continue;
        }
        let _ = writeln!(s, "<h3>{} ({})</h3>", esc(&c.name), c.kind.as_str());
        s.push_str("<table><tr><th>id</th><th>STRIDE</th><th>threat</th><th>status</th><th>evidence</th><th>mitigation</th></tr>\n");
        for t in ts {
            let status = match t.status {
                Status::Open => "<span class=\"open\">open</span>",
                Status::Accepted => "<span class=\"accepted\">accepted</span>",
                Status::Mitigated => "<span class=\"mitigated\">mitigated</span>",
            };
            let ev = if t.evidence.is_empty() {
                format!("verified: {}", esc(&t.verified))
            } else {
                evidence_list(&t.evidence, t.evidence_more)
            };
            let _ = writeln!(
                s,
                "<tr><td>{}</td><td title=\"{}\">{}</td><td>{}</td><td>{status}</td><td>{ev}</td><td>{}</td></tr>",
                esc(t.id.rsplit('#').next().unwrap_or(&t.id)),
                t.stride.as_str(),
                t.stride.letter(),
                esc(&t.title),
                esc(&t.mitigation)
            );
        }
        s.push_str("</table>\n");
    }
    s.push_str("</body>\n</html>\n");
    s
}
