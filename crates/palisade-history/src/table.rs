//! `palisade history`'s table: one row a run, the score change against the
//! previous run of the same source, then the latest run's fixed and new
//! findings.

use crate::{Diff, FindingRecord, Scan, format_time};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

/// The runs as a table, then what the latest changed.
pub fn render(db: &Path, scans: &[Scan], latest: Option<&Diff>) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}: {} run{}\n",
        db.display(),
        scans.len(),
        if scans.len() == 1 { "" } else { "s" }
    );
    if scans.is_empty() {
        return s;
    }
    let src_w = scans
        .iter()
        .map(|x| x.source.chars().count())
        .max()
        .unwrap_or(6)
        .clamp(6, 40);
    let _ = writeln!(
        s,
        "{:>4}  {:<20}  {:<7} {:<src_w$}  {:>5} {:>6}  {:>8} {:>5} {:>6} {:>5} {:>5} {:>6}",
        "run",
        "time",
        "command",
        "source",
        "score",
        "change",
        "critical",
        "high",
        "medium",
        "low",
        "info",
        "total"
    );
    // the change is against the previous run of the same source
    let mut last: HashMap<&str, u32> = HashMap::new();
    for x in scans {
        let change = match last.insert(&x.source, x.score) {
            Some(prev) => format!("{:+}", i64::from(x.score) - i64::from(prev)),
            None => String::new(),
        };
        let source: String = if x.source.chars().count() > src_w {
            x.source.chars().take(src_w - 1).collect::<String>() + "…"
        } else {
            x.source.clone()
        };
        let _ = writeln!(
            s,
            "{:>4}  {:<20}  {:<7} {:<src_w$}  {:>5} {:>6}  {:>8} {:>5} {:>6} {:>5} {:>5} {:>6}",
            x.id,
            x.time_text,
            x.command,
            source,
            x.score,
            change,
            x.counts.critical,
            x.counts.high,
            x.counts.medium,
            x.counts.low,
            x.counts.info,
            x.total
        );
    }
    s.push('\n');
    match latest {
        None => {
            let _ = writeln!(
                s,
                "only one run of {}: nothing to compare yet",
                scans.last().map_or("", |x| x.source.as_str())
            );
        }
        Some(d) => {
            let _ = writeln!(
                s,
                "run {} ({}) against run {} ({}) of {}: score {} → {} ({:+}); {} fixed, {} new, {} unchanged",
                d.to.id,
                format_time(d.to.time),
                d.from.id,
                format_time(d.from.time),
                d.to.source,
                d.from.score,
                d.to.score,
                d.score_change,
                d.fixed.len(),
                d.new.len(),
                d.unchanged
            );
            list(&mut s, "fixed", &d.fixed);
            list(&mut s, "new", &d.new);
        }
    }
    s
}

fn list(s: &mut String, what: &str, v: &[FindingRecord]) {
    if v.is_empty() {
        let _ = writeln!(s, "{what}: none");
        return;
    }
    let _ = writeln!(s, "{what}:");
    for f in v {
        let _ = writeln!(
            s,
            "  {:<8} {}  {}{}  ({}:{})\n           {}",
            f.severity.as_str(),
            f.check,
            f.object,
            if f.path.is_empty() {
                String::new()
            } else {
                format!("  {}", f.path)
            },
            f.file,
            f.line,
            f.message
        );
    }
}
