//! Markdown: a summary table, then one table per severity.

use crate::{ScanReport, fix_line};
use palisade_findings::Severity;
use std::fmt::Write;

/// Text for a Markdown table cell: pipes escaped, line breaks (`\n`,
/// `\r`) as spaces. Every Markdown report's tables go through it.
pub fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

pub fn render(r: &ScanReport) -> String {
    let s = &r.summary;
    let mut out = String::new();
    let _ = writeln!(out, "# palisade scan\n");
    let _ = writeln!(
        out,
        "**{}** · {} findings in {} objects ({} workloads) from {} files · {} suppressed · {} input errors\n",
        capitalized(&crate::score_text(s)),
        s.total,
        s.objects,
        s.workloads,
        s.files,
        s.suppressed,
        s.errors
    );
    let _ = writeln!(out, "| Severity | Findings |\n|---|---:|");
    for sev in Severity::ALL {
        let _ = writeln!(out, "| {sev} | {} |", s.count(sev));
    }
    out.push('\n');
    for sev in Severity::ALL {
        let of: Vec<_> = r.findings.iter().filter(|f| f.severity == sev).collect();
        if of.is_empty() {
            continue;
        }
        let mut title = sev.as_str().to_string();
        title[..1].make_ascii_uppercase();
        let _ = writeln!(out, "## {title} ({})\n", of.len());
        let _ = writeln!(
            out,
            "| Location | Object | Check | Finding | Fix |\n|---|---|---|---|---|"
        );
        for f in of {
            let _ = writeln!(
                out,
                "| `{}` | {} | `{}` | {} | {} |",
                cell(&f.location.to_string()),
                cell(&f.object.to_string()),
                f.check.id,
                cell(&f.message),
                cell(&fix_line(f)),
            );
        }
        out.push('\n');
    }
    if !r.suppressed.is_empty() {
        let _ = writeln!(out, "## Suppressed ({})\n", r.suppressed.len());
        let _ = writeln!(
            out,
            "| Location | Object | Check | Reason |\n|---|---|---|---|"
        );
        for x in &r.suppressed {
            let _ = writeln!(
                out,
                "| `{}` | {} | `{}` | {} ({}) |",
                cell(&x.finding.location.to_string()),
                cell(&x.finding.object.to_string()),
                x.finding.check.id,
                cell(&x.reason),
                x.by
            );
        }
        out.push('\n');
    }
    if !r.errors.is_empty() {
        let _ = writeln!(out, "## Input errors ({})\n", r.errors.len());
        for e in &r.errors {
            let _ = writeln!(out, "- `{}`", cell(&e.to_string()));
        }
        out.push('\n');
    }
    out
}
