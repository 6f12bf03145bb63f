//! The threat model as Markdown, with Mermaid `flowchart` diagrams.

use crate::{
    AttackPath, BoundaryKind, BoundaryStatus, ComponentKind, Evidence, Impact, ProfileId, Status,
    ThreatModel,
};
use std::collections::BTreeMap;
use std::fmt::Write;

pub(crate) use palisade_report::markdown::cell;

/// Escapes text for a quoted Mermaid label.
pub(crate) fn mermaid_label(s: &str) -> String {
    s.replace('"', "#quot;")
}

pub(crate) fn evidence_md(e: &Evidence) -> String {
    let mut s = String::new();
    if let Some(c) = &e.check {
        let _ = write!(s, "`{c}` ");
    }
    if !e.object.is_empty() {
        let _ = write!(s, "{} ", e.object);
    }
    let place = e.place();
    if !place.is_empty() {
        let _ = write!(s, "(`{place}`) ");
    }
    s.push_str(&e.detail);
    if let Some(r) = &e.accepted {
        let _ = write!(s, " — *accepted: {r}*");
    }
    s
}

/// A table cell's evidence: the first [`crate::MAX_EVIDENCE`] items, then
/// how many more there are (`more`: those the model already left out).
fn evidence_cell(v: &[Evidence], more: usize) -> String {
    let mut parts: Vec<String> = v
        .iter()
        .take(crate::MAX_EVIDENCE)
        .map(evidence_md)
        .collect();
    let more = more + v.len().saturating_sub(crate::MAX_EVIDENCE);
    if more > 0 {
        parts.push(format!(
            "… and {more} more (`palisade scan` lists every finding)"
        ));
    }
    parts.join("<br>")
}

/// The data-flow diagram: entry points, workloads by namespace, data
/// stores, declared connections.
pub fn dataflow_mermaid(tm: &ThreatModel) -> String {
    let mut s = String::from("flowchart LR\n  internet((\"internet\"))\n");
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    let mut by_ns: BTreeMap<String, Vec<(String, bool)>> = BTreeMap::new();
    for c in &tm.components {
        let Some(ns) = &c.namespace else { continue };
        for w in &c.workloads {
            let name = short(&w.object);
            by_ns
                .entry(ns.clone())
                .or_default()
                .push((name, c.kind == ComponentKind::DataStore));
        }
    }
    for (n, (ns, ws)) in by_ns.iter().enumerate() {
        let _ = writeln!(s, "  subgraph ns{n}[\"namespace {}\"]", mermaid_label(ns));
        for (name, data) in ws {
            let id = format!("w{}", ids.len());
            let label = mermaid_label(name.rsplit('/').next().unwrap_or(name));
            if *data {
                let _ = writeln!(s, "    {id}[(\"{label}\")]");
            } else {
                let _ = writeln!(s, "    {id}[\"{label}\"]");
            }
            ids.insert(name.clone(), id);
        }
        s.push_str("  end\n");
    }
    let mut edges = Vec::new();
    for b in &tm.boundaries {
        if b.kind != BoundaryKind::InternetIngress {
            continue;
        }
        let entry = b.name.trim_start_matches("internet ↔ ").to_string();
        let id = format!("e{}", ids.len());
        let _ = writeln!(s, "  {id}{{{{\"{}\"}}}}", mermaid_label(&entry));
        ids.insert(entry.clone(), id.clone());
        edges.push(format!("  internet --> {id}"));
        for c in &b.crossings {
            let Some(target) = &c.target else { continue };
            if let Some(w) = ids.get(target) {
                let style = if c.description.ends_with("(blocked by NetworkPolicy)") {
                    "-.-x"
                } else {
                    "-->"
                };
                edges.push(format!("  {id} {style} {w}"));
            }
        }
    }
    for e in &tm.connections {
        if let (Some(a), Some(b)) = (ids.get(&e.from), ids.get(&e.to)) {
            edges.push(format!("  {a} -->|\"{}\"| {b}", e.port));
        }
    }
    edges.dedup();
    for e in edges {
        s.push_str(&e);
        s.push('\n');
    }
    s
}

/// `ns/Kind/name` → `ns/name`.
fn short(object: &str) -> String {
    let parts: Vec<&str> = object.split('/').collect();
    match parts.as_slice() {
        [ns, _kind, name] => format!("{ns}/{name}"),
        _ => object.to_string(),
    }
}

/// One Mermaid flowchart of every listed attack path.
pub fn paths_mermaid(paths: &[AttackPath]) -> String {
    let mut s = String::from("flowchart LR\n");
    let mut ids: BTreeMap<&str, String> = BTreeMap::new();
    let mut order: Vec<&str> = Vec::new();
    let mut impact: BTreeMap<&str, Impact> = BTreeMap::new();
    let mut edges: Vec<(String, String)> = Vec::new();
    for p in paths {
        let mut prev = p.start.as_str();
        if !ids.contains_key(prev) {
            ids.insert(prev, format!("p{}", ids.len()));
            order.push(prev);
        }
        for st in &p.steps {
            let to = st.to.as_str();
            if !ids.contains_key(to) {
                ids.insert(to, format!("p{}", ids.len()));
                order.push(to);
            }
            let e = (ids[prev].clone(), ids[to].clone());
            if !edges.contains(&e) {
                edges.push(e);
            }
            prev = to;
        }
        let t = impact.entry(p.target.as_str()).or_insert(p.impact);
        *t = (*t).max(p.impact);
    }
    for name in &order {
        let _ = writeln!(s, "  {}[\"{}\"]", ids[name], mermaid_label(name));
    }
    for (a, b) in &edges {
        let _ = writeln!(s, "  {a} --> {b}");
    }
    s.push_str("  classDef critical fill:#7f1d1d,color:#fff\n  classDef severe fill:#c2410c,color:#fff\n  classDef high fill:#fde68a\n  classDef medium fill:#e5e7eb\n");
    for (name, i) in &impact {
        let _ = writeln!(s, "  class {} {}", ids[name], i.as_str());
    }
    s
}

pub fn markdown(tm: &ThreatModel) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Threat model: {}\n", tm.source);
    let sm = &tm.summary;
    let _ = writeln!(
        s,
        "Derived by `palisade threat-model` from {} objects ({} workloads): {}, {} STRIDE threats open, {} accepted, {} mitigated.\n",
        sm.objects,
        sm.workloads,
        sm.shape(),
        sm.threats_open,
        sm.threats_accepted,
        sm.threats_mitigated
    );
    s.push_str("## Assumptions\n\n");
    for a in &tm.assumptions {
        let _ = writeln!(s, "- {a}");
    }

    s.push_str("\n## Components\n\n| component | kind | workloads | exposure | data store |\n|---|---|---|---|---|\n");
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
                .map(|w| format!("{} (`{}:{}`)", w.object, w.file, w.line))
                .collect::<Vec<_>>()
                .join("<br>")
        };
        let mut exposure = c.exposure.join("<br>");
        if c.internet_exposed {
            exposure = format!("**internet**<br>{exposure}");
        }
        let _ = writeln!(
            s,
            "| **{}**<br>{} | {} | {} | {} | {} |",
            cell(&c.name),
            cell(&c.description),
            c.kind.as_str(),
            cell(&workloads),
            if exposure.is_empty() {
                "-".into()
            } else {
                cell(&exposure)
            },
            cell(c.data_store.as_deref().unwrap_or("-"))
        );
    }
    s.push_str("\n### Data flow\n\nEntry points, workloads by namespace (data stores as cylinders) and the connections the manifests declare.\n\n```mermaid\n");
    s.push_str(&dataflow_mermaid(tm));
    s.push_str("```\n");

    s.push_str("\n## Trust boundaries\n");
    for kind in [
        BoundaryKind::InternetIngress,
        BoundaryKind::NamespaceNamespace,
        BoundaryKind::PodNode,
        BoundaryKind::WorkloadApiServer,
    ] {
        let _ = writeln!(s, "\n### {}\n", kind.title());
        let bs: Vec<_> = tm.boundaries.iter().filter(|b| b.kind == kind).collect();
        if bs.is_empty() {
            s.push_str("Nothing in the input crosses this boundary.\n");
            continue;
        }
        s.push_str(
            "| boundary | status | crossing | guarded | evidence |\n|---|---|---|---|---|\n",
        );
        for b in bs {
            let status = match b.status {
                BoundaryStatus::Open => "**open**",
                BoundaryStatus::Enforced => "enforced",
            };
            if b.crossings.is_empty() {
                let _ = writeln!(
                    s,
                    "| {} | {status} | nothing crosses | - | - |",
                    cell(&b.name)
                );
            }
            for c in &b.crossings {
                let _ = writeln!(
                    s,
                    "| {} | {status} | {} | {} | {} |",
                    cell(&b.name),
                    cell(&c.description),
                    if c.guarded { "yes" } else { "**no**" },
                    cell(&evidence_cell(&c.evidence, c.evidence_more))
                );
            }
        }
    }

    s.push_str("\n## Attacker profiles\n");
    for p in &tm.profiles {
        let _ = writeln!(s, "\n### {}\n\n{}\n", p.name, p.description);
        if p.starts.is_empty() {
            s.push_str("No start point in the input.\n");
            continue;
        }
        let _ = writeln!(s, "Starts: {}.\n", p.starts.join(", "));
        let a = &p.assets;
        s.push_str("Reachable assets:\n\n");
        let _ = writeln!(
            s,
            "- cluster-admin: {}",
            if a.cluster_admin { "**yes**" } else { "no" }
        );
        for (what, v) in [
            ("nodes (root)", &a.nodes),
            ("data stores", &a.data_stores),
            ("Secrets", &a.secrets),
            ("service-account tokens", &a.service_accounts),
            (
                if p.id == ProfileId::Internal {
                    "other pods"
                } else {
                    "pods (code execution)"
                },
                &a.pods,
            ),
        ] {
            let _ = writeln!(
                s,
                "- {what}: {}",
                if v.is_empty() {
                    "none".to_string()
                } else {
                    v.join(", ")
                }
            );
        }
        s.push_str("\n| start | reaches (impact, steps, path) |\n|---|---|\n");
        for st in &p.by_start {
            let r = if st.reaches.is_empty() {
                "nothing beyond its own pod".to_string()
            } else {
                st.reaches
                    .iter()
                    .map(|r| {
                        format!(
                            "{} ({}, {}{})",
                            r.target,
                            r.impact.as_str(),
                            r.steps,
                            r.path
                                .as_ref()
                                .map(|p| format!(", {p}"))
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
            let _ = writeln!(s, "| {} | {} |", cell(&st.start), cell(&r));
        }
    }

    s.push_str("\n## Attack paths\n\nShortest paths found by breadth-first search over the attack graph, ranked by impact (critical: cluster-admin; severe: root on a node or a data store's data; high: every Secret of a namespace; medium: code execution in a pod) and then by length; at most three starts per profile and target.\n\n");
    if tm.paths.is_empty() {
        s.push_str("No attack path reaches a target.\n");
    } else {
        s.push_str("| id | impact | steps | profile | path |\n|---|---|---|---|---|\n");
        for p in &tm.paths {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} |",
                p.id,
                p.impact.as_str(),
                p.length,
                p.profile_title(),
                cell(&p.one_line())
            );
        }
        s.push_str("\n```mermaid\n");
        s.push_str(&paths_mermaid(&tm.paths));
        s.push_str("```\n");
        for p in &tm.paths {
            let _ = writeln!(
                s,
                "\n### {}: {} → {} ({}, {} step{})\n",
                p.id,
                p.start,
                p.target,
                p.impact.as_str(),
                p.length,
                if p.length == 1 { "" } else { "s" }
            );
            for (i, st) in p.steps.iter().enumerate() {
                let _ = writeln!(s, "{}. **{} → {}**: {}", i + 1, st.from, st.to, st.action);
                for e in &st.evidence {
                    let _ = writeln!(s, "   - evidence: {}", evidence_md(e));
                }
                let _ = writeln!(s, "   - closed by: {}", st.mitigation);
            }
            if p.more_starts > 0 {
                let _ = writeln!(
                    s,
                    "\n{} more start{} of this profile reach {} (see the profile's table).",
                    p.more_starts,
                    if p.more_starts == 1 { "" } else { "s" },
                    p.target
                );
            }
            if !p.yields.is_empty() {
                let _ = writeln!(s, "\nHolding {} gives:\n", p.target);
                for y in &p.yields {
                    let _ = writeln!(s, "- {y}");
                }
            }
        }
    }

    s.push_str("\n## STRIDE\n");
    for c in &tm.components {
        let ts: Vec<_> = tm.threats.iter().filter(|t| t.component == c.id).collect();
        if ts.is_empty() {
            continue;
        }
        let _ = writeln!(s, "\n### {} ({})\n", c.name, c.kind.as_str());
        s.push_str("| id | STRIDE | threat | status | evidence | mitigation |\n|---|---|---|---|---|---|\n");
        for t in ts {
            let status = match t.status {
                Status::Open => "**open**",
                Status::Accepted => "accepted",
                Status::Mitigated => "mitigated",
            };
            let ev = if t.evidence.is_empty() {
                format!("verified: {}", t.verified)
            } else {
                evidence_cell(&t.evidence, t.evidence_more)
            };
            let _ = writeln!(
                s,
                "| {} | {} | {} | {status} | {} | {} |",
                t.id.rsplit('#').next().unwrap_or(&t.id),
                t.stride.letter(),
                cell(&t.title),
                cell(&ev),
                cell(&t.mitigation)
            );
        }
    }
    s
}

impl AttackPath {
    pub(crate) fn profile_title(&self) -> &'static str {
        match self.profile {
            ProfileId::EndUser => "end user",
            ProfileId::Internal => "pod shell",
            ProfileId::Privileged => "API access",
        }
    }
}
