//! The report in Markdown (GitHub flavoured: tables, Mermaid charts and
//! diagrams).

use crate::actions::counts_text;
use crate::text::cell;
use crate::{Posture, Status, format_day, format_time};
use palisade_findings::Severity;
use std::fmt::Write;

fn status_text(st: Status, partial: bool) -> String {
    let icon = match st {
        Status::Fail => "🔴",
        Status::Warn => "🟠",
        Status::Pass => "🟢",
        Status::Documented => "🔵",
        Status::NotAssessed => "⚪",
    };
    format!(
        "{icon} {}{}",
        st.as_str(),
        if partial { " (partly assessed)" } else { "" }
    )
}

/// The report.
pub fn markdown(p: &Posture) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Security posture: {}\n", p.source);
    let _ = writeln!(
        s,
        "palisade {} · {} · {} objects, {} workloads from {} files\n",
        p.tool_version,
        format_time(p.generated),
        p.objects,
        p.workloads,
        p.files
    );
    let _ = writeln!(
        s,
        "**Posture score: {}/100** ({}; [how it is computed](#how-the-score-is-computed)) · {} · {} accepted · {} input errors\n",
        p.score.value,
        p.score.detail.headline(),
        counts_text(&p.counts),
        p.suppressed.len(),
        p.errors.len()
    );

    s.push_str("## The eleven areas\n\n| # | area | status | evidence |\n|---|---|---|---|\n");
    for a in &p.actions {
        let partial = !a.gaps.is_empty() && a.status != Status::NotAssessed;
        let _ = writeln!(
            s,
            "| {} | [{}](#{}) | {} | {} |",
            a.number,
            a.title,
            anchor(a.number, a.title),
            status_text(a.status, partial),
            cell(&a.summary)
        );
    }
    s.push('\n');

    s.push_str("## Findings by severity and namespace\n\n");
    s.push_str("```mermaid\nxychart-beta\n  title \"Findings by severity\"\n  x-axis [critical, high, medium, low, info]\n");
    let max = Severity::ALL
        .iter()
        .map(|&x| p.counts.get(x))
        .max()
        .unwrap_or(0)
        .max(1);
    let _ = writeln!(s, "  y-axis \"findings\" 0 --> {max}");
    let _ = writeln!(
        s,
        "  bar [{}]\n```\n",
        Severity::ALL
            .iter()
            .map(|&x| p.counts.get(x).to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    s.push_str("| namespace | critical | high | medium | low | info | total |\n|---|---:|---:|---:|---:|---:|---:|\n");
    for (ns, c) in &p.by_namespace {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} |",
            cell(ns),
            c.critical,
            c.high,
            c.medium,
            c.low,
            c.info,
            c.total()
        );
    }
    let _ = writeln!(
        s,
        "| **all** | {} | {} | {} | {} | {} | {} |\n",
        p.counts.critical,
        p.counts.high,
        p.counts.medium,
        p.counts.low,
        p.counts.info,
        p.counts.total()
    );

    s.push_str("## Score over time\n\n");
    match &p.history_db {
        None => s.push_str("No history: record runs with `--history DB` (on `palisade scan` or `palisade report`); `palisade history` lists what each run fixed and added.\n\n"),
        Some(db) => {
            if p.history.len() > 1 {
                let _ = writeln!(
                    s,
                    "```mermaid\nxychart-beta\n  title \"Posture score\"\n  x-axis [{}]\n  y-axis \"score\" 0 --> 100\n  line [{}]\n```\n",
                    p.history
                        .iter()
                        .map(|h| format!("\"{}\"", format_day(h.time)))
                        .collect::<Vec<_>>()
                        .join(", "),
                    p.history
                        .iter()
                        .map(|h| h.score.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            s.push_str("| run | time | score | findings | critical | high |\n|---:|---|---:|---:|---:|---:|\n");
            for h in &p.history {
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {} | {} | {} |",
                    h.id,
                    format_time(h.time),
                    h.score,
                    h.total,
                    h.critical,
                    h.high
                );
            }
            let _ = writeln!(s, "\nRecorded in `{db}`.\n");
        }
    }

    for a in &p.actions {
        let partial = !a.gaps.is_empty() && a.status != Status::NotAssessed;
        let _ = writeln!(
            s,
            "## {}. {}\n\n**{}** — {}\n",
            a.number,
            a.title,
            status_text(a.status, partial),
            a.summary
        );
        for e in &a.evidence {
            let _ = writeln!(s, "- {e}");
        }
        for g in &a.gaps {
            let _ = writeln!(s, "- not assessed: {g}");
        }
        if !a.evidence.is_empty() || !a.gaps.is_empty() {
            s.push('\n');
        }
        if a.checks.iter().any(|c| c.failed > 0) {
            s.push_str("| check | severity | evaluated | failed |\n|---|---|---:|---:|\n");
            for c in a.checks.iter().filter(|c| c.failed > 0) {
                let _ = writeln!(
                    s,
                    "| [`{}`](#fix-{}) | {} | {} | {} |",
                    c.id, c.id, c.severity, c.evaluated, c.failed
                );
            }
            s.push('\n');
        }
        let _ = writeln!(
            s,
            "Go further: {}\n",
            a.commands
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        if a.number == 2
            && let Some(tm) = &p.threat
        {
            let _ = writeln!(
                s,
                "```mermaid\n{}```\n",
                palisade_threat::dataflow_mermaid(tm)
            );
            if !tm.paths.is_empty() {
                let _ = writeln!(
                    s,
                    "```mermaid\n{}```\n",
                    palisade_threat::paths_mermaid(&tm.paths)
                );
            }
        }
        if a.number == 5 && !p.rbac.risks.is_empty() {
            s.push_str("| RBAC risk | severity | findings | on |\n|---|---|---:|---|\n");
            for r in &p.rbac.risks {
                let _ = writeln!(
                    s,
                    "| [`{}`](#fix-{}) {} | {} | {} | {} |",
                    r.check,
                    r.check,
                    cell(r.title),
                    r.severity,
                    r.findings,
                    cell(&r.objects.join(", "))
                );
            }
            s.push('\n');
        }
        if a.number == 6
            && let Some(v) = &p.netpol
            && !v.groups.is_empty()
        {
            s.push_str("Allowed workload pairs (rows connect to columns; `outside`: workloads that may receive from or send to addresses outside the cluster):\n\n| from \\ to |");
            for g in &v.groups {
                let _ = write!(s, " {} |", cell(g));
            }
            s.push_str("\n|---|");
            for _ in &v.groups {
                s.push_str("---:|");
            }
            s.push('\n');
            for (i, row) in v.cells.iter().enumerate() {
                let _ = write!(s, "| **{}** |", cell(&v.groups[i]));
                for &(a, n) in row {
                    if n == 0 {
                        s.push_str(" – |");
                    } else {
                        let _ = write!(s, " {a}/{n} |");
                    }
                }
                s.push('\n');
            }
            s.push('\n');
        }
    }

    let _ = writeln!(
        s,
        "## How the score is computed\n\n{}",
        crate::score::explanation(p)
    );
    let d = &p.score.detail;
    s.push_str("| area | checks | evaluations | failed | weight passed / total | score |\n|---|---:|---:|---:|---:|---:|\n");
    for a in &p.actions {
        let _ = writeln!(
            s,
            "| {}. {} | {} | {} | {} | {} / {} | {} |",
            a.number,
            a.title,
            a.score.checks,
            a.score.evaluated,
            a.score.failed,
            a.score.passed_weight,
            a.score.total_weight,
            a.score.value().map_or("n/a".to_string(), |v| v.to_string())
        );
    }
    let _ = writeln!(
        s,
        "| **all** | {} | {} | {} | {} / {} | **{}** |\n",
        d.checks, d.evaluated, d.failed, d.passed_weight, d.total_weight, p.score.value
    );

    let _ = writeln!(s, "## Findings ({})\n", p.findings.len());
    if p.findings.is_empty() {
        s.push_str("No findings.\n\n");
    } else {
        s.push_str(
            "| severity | check | object | where | finding | fix |\n|---|---|---|---|---|---|\n",
        );
        for f in &p.findings {
            let _ = writeln!(
                s,
                "| {} | [`{}`](#fix-{}) | {} | `{}:{}` | {} | {} |",
                f.severity,
                f.check,
                f.check,
                cell(&f.object),
                f.file,
                f.line,
                cell(&f.message),
                cell(&f.fix)
            );
        }
        s.push('\n');
    }
    if !p.suppressed.is_empty() {
        s.push_str("Accepted (suppressed):\n\n| check | severity | object | where | reason |\n|---|---|---|---|---|\n");
        for x in &p.suppressed {
            let _ = writeln!(
                s,
                "| `{}` | {} | {} | `{}` | {} |",
                x.check,
                x.severity,
                cell(&x.object),
                x.location,
                cell(&x.reason)
            );
        }
        s.push('\n');
    }
    if !p.errors.is_empty() {
        s.push_str("Input errors:\n\n");
        for e in &p.errors {
            let _ = writeln!(s, "- `{e}`");
        }
        s.push('\n');
    }

    s.push_str("## Fixes\n\n");
    for f in &p.fixes {
        let action = palisade_findings::action_name(f.action);
        let _ = writeln!(
            s,
            "<a id=\"fix-{}\"></a>\n### `{}` {}\n\n{} · {} · {} finding{}{}\n\n**Why it matters.** {}\n\n**Fix.** {}\n",
            f.check,
            f.check,
            f.title,
            f.severity,
            action,
            f.findings,
            if f.findings == 1 { "" } else { "s" },
            if f.frameworks.is_empty() {
                String::new()
            } else {
                format!(" · {}", f.frameworks.join(", "))
            },
            f.risk.trim(),
            f.fix.trim()
        );
    }
    s
}

/// GitHub's heading anchor of `## N. Title`.
fn anchor(n: u8, title: &str) -> String {
    let text = format!("{n}. {title}");
    text.chars()
        .filter_map(|c| {
            if c.is_alphanumeric() {
                Some(c.to_ascii_lowercase())
            } else if c == ' ' || c == '-' {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}
