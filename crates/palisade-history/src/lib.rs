//! Scan history (`scan --history DB`, `report --history DB`, `palisade
//! history`): each run's summary and findings kept in an embedded SQLite
//! database, so the posture score can be followed over time and every
//! scan compared with the one before it.
//!
//! Schema (`PRAGMA user_version = 1`):
//!
//! * `scans(id, time, command, source, tool_version, score, critical,
//!   high, medium, low, info, total, objects, workloads, suppressed,
//!   errors)` — one row per run; `time` in Unix seconds;
//! * `findings(scan_id, fingerprint, check_id, severity, action, object,
//!   path, file, line, message)` — the run's reported findings.
//!
//! A finding's **fingerprint** is its check id, its object (`ns/Kind/name`)
//! and the field it is about: it survives edits that move lines, so
//! "fixed" and "new" mean a problem went away or appeared, not that a line
//! number changed. Two findings of one check on the same field of the same
//! object (rare: checks without a field) are told apart by `#2`, `#3` in
//! output order.

pub mod table;

use palisade_findings::{Finding, Severity};
use rusqlite::{Connection, params};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// Findings per severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    pub info: usize,
}

impl Counts {
    pub fn of(findings: &[FindingRecord]) -> Counts {
        let mut c = Counts::default();
        for f in findings {
            *c.get_mut(f.severity) += 1;
        }
        c
    }

    pub fn get(&self, s: Severity) -> usize {
        match s {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
            Severity::Info => self.info,
        }
    }

    fn get_mut(&mut self, s: Severity) -> &mut usize {
        match s {
            Severity::Critical => &mut self.critical,
            Severity::High => &mut self.high,
            Severity::Medium => &mut self.medium,
            Severity::Low => &mut self.low,
            Severity::Info => &mut self.info,
        }
    }

    pub fn total(&self) -> usize {
        self.critical + self.high + self.medium + self.low + self.info
    }
}

/// One finding as the history keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FindingRecord {
    pub fingerprint: String,
    pub check: String,
    pub severity: Severity,
    pub action: u8,
    /// `ns/Kind/name` or `Kind/name`.
    pub object: String,
    /// The field, or empty.
    pub path: String,
    pub file: String,
    pub line: u32,
    pub message: String,
}

/// The findings of a run, fingerprinted (in the order given).
pub fn records_of<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Vec<FindingRecord> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    findings
        .into_iter()
        .map(|f| {
            let object = f.object.to_string();
            let path = f.path.as_ref().map(|p| p.to_string()).unwrap_or_default();
            let base = format!("{}|{object}|{path}", f.check.id);
            let n = seen.entry(base.clone()).or_insert(0);
            *n += 1;
            let fingerprint = if *n == 1 { base } else { format!("{base}#{n}") };
            FindingRecord {
                fingerprint,
                check: f.check.id.to_string(),
                severity: f.severity,
                action: f.check.action,
                object,
                path,
                file: f.location.file.to_string(),
                line: f.location.line,
                message: f.message.clone(),
            }
        })
        .collect()
}

/// What to record about one run.
#[derive(Debug, Clone)]
pub struct ScanRecord {
    /// Unix seconds.
    pub time: i64,
    /// `scan` or `report`.
    pub command: String,
    /// What was read (`examples/demo`, `cluster prod`).
    pub source: String,
    pub tool_version: String,
    pub score: u32,
    pub objects: usize,
    pub workloads: usize,
    pub suppressed: usize,
    pub errors: usize,
    pub findings: Vec<FindingRecord>,
}

/// A recorded run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scan {
    pub id: i64,
    /// Unix seconds.
    pub time: i64,
    /// RFC 3339, UTC.
    #[serde(rename = "timeText")]
    pub time_text: String,
    pub command: String,
    pub source: String,
    #[serde(rename = "toolVersion")]
    pub tool_version: String,
    pub score: u32,
    pub counts: Counts,
    pub total: usize,
    pub objects: usize,
    pub workloads: usize,
    pub suppressed: usize,
    pub errors: usize,
}

/// What changed between two runs.
#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    pub from: Scan,
    pub to: Scan,
    /// In `from`, not in `to`.
    pub fixed: Vec<FindingRecord>,
    /// In `to`, not in `from`.
    pub new: Vec<FindingRecord>,
    /// In both.
    pub unchanged: usize,
    /// `to.score - from.score`.
    #[serde(rename = "scoreChange")]
    pub score_change: i64,
}

/// The default database: `$XDG_DATA_HOME/palisade/history.sqlite`, else
/// `~/.local/share/palisade/history.sqlite`.
pub fn default_path() -> PathBuf {
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("palisade").join("history.sqlite")
}

/// Unix seconds from `1700000000` or an RFC 3339 time
/// (`2024-05-01T12:00:00Z`).
pub fn parse_time(s: &str) -> Result<i64, String> {
    let s = s.trim();
    if let Ok(n) = s.parse::<i64>() {
        return Ok(n);
    }
    s.parse::<jiff::Timestamp>()
        .map(|t| t.as_second())
        .map_err(|e| format!("{s:?} is neither Unix seconds nor an RFC 3339 time: {e}"))
}

/// RFC 3339 in UTC, to the second.
pub fn format_time(t: i64) -> String {
    jiff::Timestamp::from_second(t)
        .map(|t| t.to_string())
        .unwrap_or_else(|_| t.to_string())
}

/// The time of this run: `--now` when given, else `SOURCE_DATE_EPOCH`
/// (reproducible builds' convention), else the clock.
pub fn now(flag: Option<&str>) -> Result<i64, String> {
    if let Some(f) = flag {
        return parse_time(f).map_err(|e| format!("--now: {e}"));
    }
    if let Ok(v) = std::env::var("SOURCE_DATE_EPOCH")
        && !v.trim().is_empty()
    {
        return v
            .trim()
            .parse::<i64>()
            .map_err(|_| format!("SOURCE_DATE_EPOCH={v:?} is not Unix seconds"));
    }
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .map_err(|e| e.to_string())
}

/// The history database.
pub struct History {
    conn: Connection,
    path: PathBuf,
}

/// The schema, by `user_version` (`palisade_sqlite`): 1 is the first.
const MIGRATIONS: &[&str] = &[SCHEMA_1];

const SCHEMA_1: &str = "
CREATE TABLE IF NOT EXISTS scans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time INTEGER NOT NULL,
    command TEXT NOT NULL,
    source TEXT NOT NULL,
    tool_version TEXT NOT NULL,
    score INTEGER NOT NULL,
    critical INTEGER NOT NULL,
    high INTEGER NOT NULL,
    medium INTEGER NOT NULL,
    low INTEGER NOT NULL,
    info INTEGER NOT NULL,
    total INTEGER NOT NULL,
    objects INTEGER NOT NULL,
    workloads INTEGER NOT NULL,
    suppressed INTEGER NOT NULL,
    errors INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS scans_source ON scans (source, time, id);
CREATE TABLE IF NOT EXISTS findings (
    scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
    fingerprint TEXT NOT NULL,
    check_id TEXT NOT NULL,
    severity TEXT NOT NULL,
    action INTEGER NOT NULL,
    object TEXT NOT NULL,
    path TEXT NOT NULL,
    file TEXT NOT NULL,
    line INTEGER NOT NULL,
    message TEXT NOT NULL,
    PRIMARY KEY (scan_id, fingerprint)
);
";

const SCAN_COLUMNS: &str = "id, time, command, source, tool_version, score, critical, high, medium, low, info, total, objects, workloads, suppressed, errors";

fn scan_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Scan> {
    let time: i64 = r.get(1)?;
    let n = |i: usize| -> rusqlite::Result<usize> { Ok(r.get::<_, i64>(i)?.max(0) as usize) };
    Ok(Scan {
        id: r.get(0)?,
        time,
        time_text: format_time(time),
        command: r.get(2)?,
        source: r.get(3)?,
        tool_version: r.get(4)?,
        score: r.get::<_, i64>(5)?.clamp(0, 100) as u32,
        counts: Counts {
            critical: n(6)?,
            high: n(7)?,
            medium: n(8)?,
            low: n(9)?,
            info: n(10)?,
        },
        total: n(11)?,
        objects: n(12)?,
        workloads: n(13)?,
        suppressed: n(14)?,
        errors: n(15)?,
    })
}

impl History {
    /// Opens the database, creating it (and its directory) when missing.
    pub fn open(path: &Path) -> Result<History, String> {
        let opts = palisade_sqlite::Options {
            owner_only: true,
            ..Default::default()
        };
        let conn = palisade_sqlite::open(path, "history", MIGRATIONS, opts)?;
        Ok(History {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Opens an existing database (an error, not an empty history, when the
    /// file is missing).
    pub fn open_existing(path: &Path) -> Result<History, String> {
        if !path.is_file() {
            return Err(format!(
                "no history database at {} (record one with `palisade scan --history {}`)",
                path.display(),
                path.display()
            ));
        }
        History::open(path)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Records a run; returns its id.
    pub fn record(&mut self, r: &ScanRecord) -> Result<i64, String> {
        let err = |e: rusqlite::Error| format!("{}: {e}", self.path.display());
        let counts = Counts::of(&r.findings);
        let tx = self.conn.transaction().map_err(err)?;
        tx.execute(
            "INSERT INTO scans (time, command, source, tool_version, score, critical, high, medium, low, info, total, objects, workloads, suppressed, errors) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            params![
                r.time,
                r.command,
                r.source,
                r.tool_version,
                r.score,
                counts.critical as i64,
                counts.high as i64,
                counts.medium as i64,
                counts.low as i64,
                counts.info as i64,
                counts.total() as i64,
                r.objects as i64,
                r.workloads as i64,
                r.suppressed as i64,
                r.errors as i64,
            ],
        )
        .map_err(err)?;
        let id = tx.last_insert_rowid();
        {
            let mut st = tx
                .prepare(
                    "INSERT INTO findings (scan_id, fingerprint, check_id, severity, action, object, path, file, line, message) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                )
                .map_err(err)?;
            for f in &r.findings {
                st.execute(params![
                    id,
                    f.fingerprint,
                    f.check,
                    f.severity.as_str(),
                    f.action,
                    f.object,
                    f.path,
                    f.file,
                    f.line,
                    f.message
                ])
                .map_err(err)?;
            }
        }
        tx.commit().map_err(err)?;
        Ok(id)
    }

    /// Every run, oldest first (by time, then id); only runs of `source`
    /// when given.
    pub fn scans(&self, source: Option<&str>) -> Result<Vec<Scan>, String> {
        let err = |e: rusqlite::Error| format!("{}: {e}", self.path.display());
        let sql = match source {
            Some(_) => {
                format!("SELECT {SCAN_COLUMNS} FROM scans WHERE source = ?1 ORDER BY time, id")
            }
            None => format!("SELECT {SCAN_COLUMNS} FROM scans ORDER BY time, id"),
        };
        let mut st = self.conn.prepare(&sql).map_err(err)?;
        let rows = match source {
            Some(s) => st.query_map([s], scan_row),
            None => st.query_map([], scan_row),
        }
        .map_err(err)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(err)
    }

    /// The findings of a run, by fingerprint.
    pub fn findings(&self, scan: i64) -> Result<Vec<FindingRecord>, String> {
        let err = |e: rusqlite::Error| format!("{}: {e}", self.path.display());
        let mut st = self
            .conn
            .prepare(
                "SELECT fingerprint, check_id, severity, action, object, path, file, line, message FROM findings WHERE scan_id = ?1 ORDER BY fingerprint",
            )
            .map_err(err)?;
        let rows = st
            .query_map([scan], |r| {
                let sev: String = r.get(2)?;
                Ok(FindingRecord {
                    fingerprint: r.get(0)?,
                    check: r.get(1)?,
                    severity: sev.parse().unwrap_or(Severity::Info),
                    action: r.get::<_, i64>(3)?.clamp(0, 255) as u8,
                    object: r.get(4)?,
                    path: r.get(5)?,
                    file: r.get(6)?,
                    line: r.get::<_, i64>(7)?.max(0) as u32,
                    message: r.get(8)?,
                })
            })
            .map_err(err)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(err)
    }

    /// What changed from `from` to `to`: fixed and new findings, worst
    /// first.
    pub fn diff(&self, from: &Scan, to: &Scan) -> Result<Diff, String> {
        let a: BTreeMap<String, FindingRecord> = self
            .findings(from.id)?
            .into_iter()
            .map(|f| (f.fingerprint.clone(), f))
            .collect();
        let b: BTreeMap<String, FindingRecord> = self
            .findings(to.id)?
            .into_iter()
            .map(|f| (f.fingerprint.clone(), f))
            .collect();
        let worst_first = |v: &mut Vec<FindingRecord>| {
            v.sort_by(|x, y| {
                y.severity
                    .cmp(&x.severity)
                    .then_with(|| x.fingerprint.cmp(&y.fingerprint))
            })
        };
        let mut fixed: Vec<_> = a
            .iter()
            .filter(|(k, _)| !b.contains_key(*k))
            .map(|(_, f)| f.clone())
            .collect();
        let mut new: Vec<_> = b
            .iter()
            .filter(|(k, _)| !a.contains_key(*k))
            .map(|(_, f)| f.clone())
            .collect();
        worst_first(&mut fixed);
        worst_first(&mut new);
        let unchanged = a.keys().filter(|k| b.contains_key(*k)).count();
        Ok(Diff {
            from: from.clone(),
            to: to.clone(),
            fixed,
            new,
            unchanged,
            score_change: i64::from(to.score) - i64::from(from.score),
        })
    }

    /// The latest run (of `source`, or of any source) against the run of
    /// the same source before it; `None` with fewer than two such runs.
    pub fn latest_diff(&self, source: Option<&str>) -> Result<Option<Diff>, String> {
        let all = self.scans(source)?;
        let Some(last) = all.last() else {
            return Ok(None);
        };
        let prev = all[..all.len() - 1]
            .iter()
            .rev()
            .find(|s| s.source == last.source);
        match prev {
            Some(p) => self.diff(p, last).map(Some),
            None => Ok(None),
        }
    }
}

/// Records a run: its summary and every reported finding (whatever
/// `--min-severity` hid). Returns the run's id.
pub fn record_report(
    db: &Path,
    command: &str,
    source: &str,
    time: i64,
    report: &palisade_report::ScanReport,
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

#[cfg(test)]
mod tests;
