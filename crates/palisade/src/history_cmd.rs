//! `palisade history`, and the `--history DB` recorder of `scan` and
//! `report`.

use crate::cli::InputArgs;
use crate::exit;
use crate::output::{emit, usage_error};
use clap::Args;
use palisade_findings::Finding;
use palisade_history::{Diff, FindingRecord, History, Scan, ScanRecord, format_time, records_of};
use palisade_report::ScanReport;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct HistoryArgs {
    /// The history database (default: $XDG_DATA_HOME/palisade/history.sqlite).
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// Only runs of this source, as recorded (the paths scanned, or
    /// `cluster CONTEXT`). Default: every run, and the latest run's source
    /// for what changed.
    #[arg(long, value_name = "SOURCE")]
    pub source: Option<String>,
    #[arg(short, long, default_value = "table", value_parser = ["table", "json"])]
    pub format: String,
    /// Write to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// What a run read, as the history names it: the paths as given, and
/// `cluster [CONTEXT]`.
pub(crate) fn source_of(input: &InputArgs) -> String {
    let mut sources: Vec<String> = input
        .paths
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    if input.cluster {
        sources.push(match &input.context {
            Some(c) => format!("cluster {c}"),
            None => "cluster".to_string(),
        });
    }
    sources.join(", ")
}

/// Records a run: its summary and every reported finding (whatever
/// `--min-severity` hid). Returns the run's id.
pub(crate) fn record(
    db: &Path,
    command: &str,
    source: &str,
    time: i64,
    report: &ScanReport,
    all_findings: &[Finding],
) -> Result<i64, String> {
    let mut h = History::open(db)?;
    h.record(&ScanRecord {
        time,
        command: command.to_string(),
        source: source.to_string(),
        tool_version: report.tool_version.clone(),
        score: report.summary.score,
        objects: report.summary.objects,
        workloads: report.summary.workloads,
        suppressed: report.summary.suppressed,
        errors: report.summary.errors,
        findings: records_of(all_findings),
    })
}

pub fn run(a: HistoryArgs) -> u8 {
    let db = a.db.clone().unwrap_or_else(palisade_history::default_path);
    let h = match History::open_existing(&db) {
        Ok(h) => h,
        Err(e) => return usage_error(e),
    };
    let scans = match h.scans(a.source.as_deref()) {
        Ok(s) => s,
        Err(e) => return usage_error(e),
    };
    let latest = match h.latest_diff(a.source.as_deref()) {
        Ok(d) => d,
        Err(e) => return usage_error(e),
    };
    let text = if a.format == "json" {
        let mut t = serde_json::to_string_pretty(&serde_json::json!({
            "db": db.display().to_string(),
            "scans": scans,
            "latest": latest,
        }))
        .expect("the history serializes");
        t.push('\n');
        t
    } else {
        table(&db, &scans, latest.as_ref())
    };
    match emit(&text, a.output.as_deref()) {
        Ok(()) => exit::OK,
        Err(e) => usage_error(e),
    }
}

fn table(db: &Path, scans: &[Scan], latest: Option<&Diff>) -> String {
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
