//! The catalogue as documentation: `palisade checks list` (table, JSON,
//! Markdown: `docs/checks.md` is the Markdown) and `checks explain`.

use crate::catalogue;
use palisade_findings::{CheckMeta, action_name};
use std::fmt::Write;

/// Every check's metadata as JSON.
pub fn json() -> String {
    let metas: Vec<&CheckMeta> = catalogue().iter().map(|c| c.meta()).collect();
    let mut s = serde_json::to_string_pretty(&metas).expect("serializes");
    s.push('\n');
    s
}

fn frameworks(m: &CheckMeta) -> String {
    m.frameworks
        .iter()
        .map(|f| f.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `checks list`: one line a check.
pub fn table() -> String {
    let mut out = String::new();
    let metas: Vec<&CheckMeta> = catalogue().iter().map(|c| c.meta()).collect();
    let w = metas.iter().map(|m| m.id.len()).max().unwrap_or(0);
    let a = metas
        .iter()
        .map(|m| action_name(m.action).len())
        .max()
        .unwrap_or(0);
    let _ = writeln!(
        out,
        "{:<w$}  {:<8}  {:<a$}  TITLE",
        "ID", "SEVERITY", "AREA"
    );
    for m in &metas {
        let _ = writeln!(
            out,
            "{:<w$}  {:<8}  {:<a$}  {}",
            m.id,
            m.severity.as_str(),
            action_name(m.action),
            m.title
        );
    }
    let _ = writeln!(out, "{} checks", metas.len());
    out
}

/// `checks explain ID`.
pub fn explain(m: &CheckMeta) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} — {}", m.id, m.title);
    let _ = writeln!(
        out,
        "severity: {} · area: {} ({} of 11) · category: {}",
        m.severity,
        action_name(m.action),
        m.action,
        m.category
    );
    if !m.frameworks.is_empty() {
        let _ = writeln!(out, "frameworks: {}", frameworks(m));
    }
    let _ = writeln!(out, "\nWhy it matters\n  {}\n\nFix\n  {}", m.risk, m.fix);
    out
}

/// The generated reference, committed as `docs/checks.md`.
pub fn markdown() -> String {
    let metas: Vec<&CheckMeta> = catalogue().iter().map(|c| c.meta()).collect();
    let mut out = String::new();
    let _ = writeln!(out, "# Check reference\n");
    let _ = writeln!(
        out,
        "Generated from the catalogue by `palisade checks list --format markdown`; do not edit by hand.\n"
    );
    let _ = writeln!(out, "{} checks.\n", metas.len());
    let _ = writeln!(out, "| ID | Severity | Area | Title |\n|---|---|---|---|");
    for m in &metas {
        let _ = writeln!(
            out,
            "| [`{}`](#{}) | {} | {} | {} |",
            m.id,
            m.id,
            m.severity,
            action_name(m.action),
            m.title
        );
    }
    out.push('\n');
    for m in &metas {
        let _ = writeln!(out, "## {}\n", m.id);
        let _ = writeln!(
            out,
            "**{}** — severity **{}**, area *{}* ({} of 11), category `{}`.\n",
            m.title,
            m.severity,
            action_name(m.action),
            m.action,
            m.category
        );
        if !m.frameworks.is_empty() {
            let _ = writeln!(out, "Frameworks: {}.\n", frameworks(m));
        }
        let _ = writeln!(out, "**Why it matters.** {}\n", m.risk);
        let _ = writeln!(out, "**Fix.** {}\n", m.fix);
    }
    out
}
