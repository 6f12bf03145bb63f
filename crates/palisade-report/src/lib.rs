//! Reporters: one scan result, four renderings.
//!
//! * `table` — for a terminal: grouped by severity, then by object, each
//!   finding with its line and the change to make; colour when asked;
//! * `json` — the stable, documented schema scripts rely on (see
//!   `docs/json-output.md`);
//! * `sarif` — SARIF 2.1.0 for GitHub code scanning and other viewers, with
//!   rule metadata from the catalogue and suppressed results marked;
//! * `markdown` — for pull-request comments and wikis.

mod json;
pub mod markdown;
pub mod sarif;
mod table;

use palisade_findings::{CheckMeta, Finding, InputError, Severity};
use serde::Serialize;
use std::collections::BTreeMap;
use std::str::FromStr;

/// A finding the user accepted, and why.
#[derive(Debug, Clone)]
pub struct SuppressedFinding {
    pub finding: Finding,
    pub reason: String,
    /// `annotation` or `config`.
    pub by: &'static str,
}

/// Counts for the summary line.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Reported findings (after suppression and `--min-severity`).
    pub total: usize,
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    pub info: usize,
    /// Objects read.
    pub objects: usize,
    /// Workloads (pod templates) analyzed.
    pub workloads: usize,
    /// Files read.
    pub files: usize,
    pub suppressed: usize,
    pub errors: usize,
    /// Posture score, 0–100.
    pub score: u32,
}

/// "score 80/100", or that there is none when no object was scanned:
/// nothing scanned is not a pass.
pub(crate) fn score_text(s: &Summary) -> String {
    if s.objects == 0 {
        "no score: nothing was scanned".to_string()
    } else {
        format!("score {}/100", s.score)
    }
}

impl Summary {
    pub fn count(&self, s: Severity) -> usize {
        match s {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
            Severity::Info => self.info,
        }
    }
}

/// Everything a reporter renders.
#[derive(Debug, Clone)]
pub struct ScanReport {
    pub tool_version: String,
    /// Sorted by file and line.
    pub findings: Vec<Finding>,
    pub suppressed: Vec<SuppressedFinding>,
    pub errors: Vec<InputError>,
    pub summary: Summary,
    /// The checks that ran (SARIF rule metadata).
    pub rules: Vec<&'static CheckMeta>,
    /// What would raise the score most (the table's summary says it).
    pub advice: Option<String>,
    /// When only some checks ran (`--check`, `rbac risks`): which, for the
    /// score's label.
    pub score_scope: Option<String>,
}

impl ScanReport {
    /// Builds the report and its summary counts.
    pub fn new(
        tool_version: impl Into<String>,
        findings: Vec<Finding>,
        suppressed: Vec<SuppressedFinding>,
        errors: Vec<InputError>,
        rules: Vec<&'static CheckMeta>,
        counts: (usize, usize, usize, u32),
    ) -> Self {
        let (objects, workloads, files, score) = counts;
        let mut by: BTreeMap<Severity, usize> = BTreeMap::new();
        for f in &findings {
            *by.entry(f.severity).or_default() += 1;
        }
        let get = |s| by.get(&s).copied().unwrap_or(0);
        let summary = Summary {
            total: findings.len(),
            critical: get(Severity::Critical),
            high: get(Severity::High),
            medium: get(Severity::Medium),
            low: get(Severity::Low),
            info: get(Severity::Info),
            objects,
            workloads,
            files,
            suppressed: suppressed.len(),
            errors: errors.len(),
            score,
        };
        Self {
            tool_version: tool_version.into(),
            findings,
            suppressed,
            errors,
            summary,
            rules,
            advice: None,
            score_scope: None,
        }
    }
}

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Sarif,
    Markdown,
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "table" => Ok(Format::Table),
            "json" => Ok(Format::Json),
            "sarif" => Ok(Format::Sarif),
            "markdown" | "md" => Ok(Format::Markdown),
            _ => Err(format!(
                "unknown format {s:?} (expected table, json, sarif or markdown)"
            )),
        }
    }
}

/// How to render (the table only; other formats always carry everything).
#[derive(Debug, Clone)]
pub struct RenderOptions {
    pub color: bool,
    /// List suppressed findings with their reasons.
    pub show_suppressed: bool,
    /// How the table groups findings within a severity.
    pub group: Group,
    /// One line a finding (`path:line:col: severity: check: object: message`).
    pub compact: bool,
    /// Columns the table's lines fit in (0: no wrapping).
    pub width: usize,
    /// The `palisade fix …` command for this input, for the summary's hint.
    pub fix_command: Option<String>,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            color: false,
            show_suppressed: false,
            group: Group::Check,
            compact: false,
            width: 100,
            fix_command: None,
        }
    }
}

/// How the table groups a severity's findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Group {
    /// One entry per check: its fix once, then every place it occurs.
    #[default]
    Check,
    /// One entry per object, each finding with its own fix.
    Object,
    /// One entry per file, findings in line order.
    File,
}

impl Group {
    /// The groupings' names, as `--group` takes them.
    pub const NAMES: [&'static str; 3] = ["check", "object", "file"];
}

impl std::str::FromStr for Group {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "check" => Ok(Group::Check),
            "object" => Ok(Group::Object),
            "file" => Ok(Group::File),
            _ => Err(format!("unknown grouping {s:?} (check, object or file)")),
        }
    }
}

/// Renders the report.
pub fn render(report: &ScanReport, format: Format, opts: RenderOptions) -> String {
    let mut buf = Vec::new();
    write(report, format, opts, &mut buf).expect("writing to memory");
    String::from_utf8(buf).expect("reports are UTF-8")
}

/// Writes the report (JSON and SARIF are streamed, not built in memory).
pub fn write(
    report: &ScanReport,
    format: Format,
    opts: RenderOptions,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        Format::Table => w.write_all(table::render(report, opts).as_bytes()),
        Format::Json => json::write(report, w),
        Format::Sarif => sarif::write(report, w),
        Format::Markdown => w.write_all(markdown::render(report).as_bytes()),
    }
}

/// The most specific change to make, in one line: the edits of an
/// autofix when there is one, else the first sentence of the fix text.
pub fn fix_line(f: &Finding) -> String {
    use palisade_findings::Edit;
    if let Some(a) = &f.autofix {
        let edits: Vec<String> = a
            .edits
            .iter()
            .map(|e| match e {
                Edit::Set { path, value } => format!("set {path}: {value}"),
                Edit::Remove { path } => format!("remove {path}"),
                Edit::AddToList { path, value } => format!("add {value} to {path}"),
            })
            .collect();
        let mut s = edits.join("; ");
        if let Some(c) = &a.caution {
            s.push_str(&format!(" (check first: {c})"));
        }
        return s;
    }
    first_sentence(&f.fix)
}

/// The first sentence of a fix text (code spans kept whole).
pub(crate) fn first_sentence(text: &str) -> String {
    let mut end = text.len();
    let bytes = text.as_bytes();
    let mut in_code = false;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'`' {
            in_code = !in_code;
        }
        if !in_code
            && b == b'.'
            && (i + 1 == bytes.len() || bytes[i + 1] == b' ')
            && !text[..=i].ends_with("e.g.")
            && !text[..=i].ends_with("i.e.")
        {
            end = i + 1;
            break;
        }
    }
    text[..end].replace('\n', " ")
}

#[cfg(test)]
mod tests;
