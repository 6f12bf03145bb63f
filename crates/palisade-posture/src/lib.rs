//! The posture report (`palisade report`): one page that says where a
//! cluster stands on each of the eleven hardening areas, from the evidence
//! palisade's analyzers found, with a score anyone can recompute.
//!
//! * [`score`]: the **posture score**, 0–100: the severity-weighted share
//!   of check evaluations that passed (the same number `palisade scan`
//!   prints), overall and per action;
//! * [`assess`]: the status of each action — `pass`, `needs work`, `fail`,
//!   `documented` (evidence without a pass/fail criterion) or `not
//!   assessed: <the missing input>` — derived from the findings and the
//!   analyzers' results (inventory, threat model, NetworkPolicy matrix,
//!   RBAC escalation paths, audit policy lint), never assumed;
//! * [`html`]: one self-contained page (inline CSS, a small inline script
//!   for filters, inline SVG charts: findings by severity and namespace,
//!   the threat model's data flow and attack paths, the score over time);
//! * [`markdown`]: the same content for wikis and pull requests (Mermaid
//!   diagrams and charts).
//!
//! Pure and deterministic: the report's time comes from the caller.

mod actions;
mod html;
mod markdown;
pub mod score;
mod svg;
mod text;
mod views;

#[cfg(test)]
mod tests;

pub use html::html;
pub use markdown::markdown;
pub use score::{ActionScore, Score};
pub use views::{DataFlow, FlowEdge, FlowNode, NetpolView, RbacView, RiskRow};

use palisade_checks::CheckStats;
use palisade_findings::Severity;
use palisade_inventory::Inventory;
use palisade_model::Model;
use palisade_netpol::Network;
use palisade_rbac::Rbac;
use palisade_report::ScanReport;
use palisade_threat::ThreatModel;
use serde::Serialize;

/// The eleven hardening areas: number, the palisade commands that go
/// further (their names: `palisade_findings::action_name`).
pub const ACTIONS: [(u8, &[&str]); 11] = [
    (1, &["palisade inventory", "palisade sbom"]),
    (2, &["palisade threat-model"]),
    (3, &["palisade scan", "palisade drift"]),
    (4, &["palisade generate quotas"]),
    (5, &["palisade rbac risks", "palisade rbac paths"]),
    (6, &["palisade netpol matrix", "palisade generate netpol"]),
    (7, &["palisade pss", "palisade fix"]),
    (
        8,
        &[
            "palisade vuln",
            "palisade secrets",
            "palisade scan --images",
        ],
    ),
    (9, &["palisade admission install", "palisade policy eval"]),
    (10, &["palisade audit policy lint"]),
    (11, &["palisade monitor coverage", "palisade monitor rules"]),
];

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
    pub fn get(&self, s: Severity) -> usize {
        match s {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
            Severity::Info => self.info,
        }
    }

    pub fn add(&mut self, s: Severity) {
        match s {
            Severity::Critical => self.critical += 1,
            Severity::High => self.high += 1,
            Severity::Medium => self.medium += 1,
            Severity::Low => self.low += 1,
            Severity::Info => self.info += 1,
        }
    }

    pub fn total(&self) -> usize {
        self.critical + self.high + self.medium + self.low + self.info
    }

    /// Σ findings × severity weight (for ordering namespaces).
    pub fn weighted(&self) -> u64 {
        Severity::ALL
            .iter()
            .map(|&s| self.get(s) as u64 * u64::from(s.weight()))
            .sum()
    }
}

/// The state of an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// A critical or high finding (or attack path) shows it undone.
    Fail,
    /// Medium or low findings only.
    Warn,
    /// Evaluated, nothing at low or above.
    Pass,
    /// Evidence gathered, no pass/fail criterion (the inventory).
    Documented,
    /// No evidence: the input lacks what it needs.
    NotAssessed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Fail => "fail",
            Status::Warn => "needs work",
            Status::Pass => "pass",
            Status::Documented => "documented",
            Status::NotAssessed => "not assessed",
        }
    }

    /// A CSS class / slug.
    pub fn slug(self) -> &'static str {
        match self {
            Status::Fail => "fail",
            Status::Warn => "warn",
            Status::Pass => "pass",
            Status::Documented => "documented",
            Status::NotAssessed => "not-assessed",
        }
    }
}

/// A check that ran for an action.
#[derive(Debug, Clone, Serialize)]
pub struct CheckLine {
    pub id: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    pub evaluated: usize,
    pub failed: usize,
}

/// One of the eleven actions.
#[derive(Debug, Clone, Serialize)]
pub struct Action {
    pub number: u8,
    pub title: &'static str,
    pub status: Status,
    /// One line: what the status rests on, or `not assessed: <why>`.
    pub summary: String,
    /// What was found, one fact a line.
    pub evidence: Vec<String>,
    /// Parts of the action the input does not let palisade assess.
    #[serde(rename = "notAssessed")]
    pub gaps: Vec<String>,
    pub score: ActionScore,
    /// Reported findings of the action's checks.
    pub counts: Counts,
    /// The action's checks that evaluated something.
    pub checks: Vec<CheckLine>,
    pub commands: &'static [&'static str],
}

/// A reported finding, flattened for the page.
#[derive(Debug, Clone, Serialize)]
pub struct FindingRow {
    pub check: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    pub action: u8,
    /// The namespace it is about: the object's, a Namespace's own name, or
    /// `(cluster)` for cluster-scoped objects.
    pub namespace: String,
    pub object: String,
    pub file: String,
    pub line: u32,
    pub path: Option<String>,
    pub message: String,
    /// The change to make (the autofix's edits, or the fix's first sentence).
    pub fix: String,
}

/// A check's catalogue text, for the findings that link to it.
#[derive(Debug, Clone, Serialize)]
pub struct FixText {
    pub check: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    pub action: u8,
    /// Markdown.
    pub risk: &'static str,
    /// Markdown.
    pub fix: &'static str,
    pub frameworks: Vec<String>,
    pub findings: usize,
}

/// A suppressed finding and why.
#[derive(Debug, Clone, Serialize)]
pub struct SuppressedRow {
    pub check: &'static str,
    pub severity: Severity,
    pub object: String,
    pub location: String,
    pub reason: String,
}

/// A run recorded in the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryPoint {
    pub id: i64,
    /// Unix seconds.
    pub time: i64,
    pub score: u32,
    pub total: usize,
    pub critical: usize,
    pub high: usize,
}

/// The kube-apiserver audit policy given to the report, linted.
#[derive(Debug, Clone)]
pub struct AuditEvidence {
    pub file: String,
    pub lints: Vec<palisade_audit::Lint>,
}

/// What `palisade secrets` found in the paths given to the report.
#[derive(Debug, Clone, Default)]
pub struct SecretsEvidence {
    pub paths: Vec<String>,
    pub files: u64,
    /// Findings per severity (test fixtures are `info`).
    pub by_severity: std::collections::BTreeMap<Severity, usize>,
    /// The rules that found something, with their counts.
    pub rules: std::collections::BTreeMap<String, usize>,
}

/// What the report was made from, beyond the model.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// What was read (`examples/demo`, `cluster prod`).
    pub source: String,
    /// Unix seconds.
    pub generated: i64,
    pub tool_version: String,
    /// Files or directories were read (infrastructure as code).
    pub files_given: bool,
    /// The live cluster was read.
    pub live_cluster: bool,
    /// Image archives given (`--images`).
    pub images: usize,
    /// The images' packages were matched against a vulnerability database.
    pub vuln_db: bool,
    /// Gatekeeper policy paths given (`--policies`).
    pub policies: Vec<String>,
    /// The audit policy given (`--audit-policy`).
    pub audit: Option<AuditEvidence>,
    /// The history database the run was recorded in.
    pub history_db: Option<String>,
    /// Credentials found by `palisade secrets` in `--secrets` paths.
    pub secrets: Option<SecretsEvidence>,
}

/// Everything the report needs.
pub struct Input<'a> {
    /// The scan's result: findings (catalogue and policies), suppressed,
    /// input errors, summary.
    pub report: &'a ScanReport,
    /// Evaluations per check (the score).
    pub stats: &'a [CheckStats],
    pub model: &'a Model,
    pub network: &'a Network,
    pub rbac: &'a Rbac,
    pub inventory: &'a Inventory,
    pub threat: Option<&'a ThreatModel>,
    pub context: Context,
    /// Earlier runs and this one, oldest first.
    pub history: Vec<HistoryPoint>,
}

/// The assessed posture.
#[derive(Debug, Clone, Serialize)]
pub struct Posture {
    pub source: String,
    pub generated: i64,
    #[serde(rename = "toolVersion")]
    pub tool_version: String,
    pub score: Score,
    pub counts: Counts,
    pub objects: usize,
    pub workloads: usize,
    pub files: usize,
    pub actions: Vec<Action>,
    /// Findings per namespace, worst first.
    #[serde(rename = "byNamespace")]
    pub by_namespace: Vec<(String, Counts)>,
    pub findings: Vec<FindingRow>,
    pub fixes: Vec<FixText>,
    pub suppressed: Vec<SuppressedRow>,
    pub errors: Vec<String>,
    #[serde(skip)]
    pub threat: Option<ThreatModel>,
    #[serde(rename = "dataFlow")]
    pub dataflow: Option<DataFlow>,
    pub netpol: Option<NetpolView>,
    pub rbac: RbacView,
    pub history: Vec<HistoryPoint>,
    #[serde(rename = "historyDb")]
    pub history_db: Option<String>,
}

/// The namespace a finding is about.
pub(crate) fn namespace_of(o: &palisade_model::ObjectRef) -> String {
    match (&o.namespace, o.kind.as_str()) {
        (Some(ns), _) => ns.clone(),
        (None, "Namespace") => o.name.clone(),
        _ => "(cluster)".to_string(),
    }
}

/// Assesses the posture.
pub fn assess(input: &Input<'_>) -> Posture {
    let report = input.report;
    let score = score::score(input.stats);
    let mut counts = Counts::default();
    let mut by_ns: std::collections::BTreeMap<String, Counts> = Default::default();
    let mut findings = Vec::with_capacity(report.findings.len());
    for f in &report.findings {
        counts.add(f.severity);
        let ns = namespace_of(&f.object);
        by_ns.entry(ns.clone()).or_default().add(f.severity);
        findings.push(FindingRow {
            check: f.check.id,
            title: f.check.title,
            severity: f.severity,
            action: f.check.action,
            namespace: ns,
            object: f.object.to_string(),
            file: f.location.file.to_string(),
            line: f.location.line,
            path: f.path.as_ref().map(|p| p.to_string()),
            message: f.message.clone(),
            fix: palisade_report::fix_line(f),
        });
    }
    // worst first, then by the order of the scan (file and line)
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    let mut by_namespace: Vec<(String, Counts)> = by_ns.into_iter().collect();
    by_namespace.sort_by(|a, b| {
        b.1.weighted()
            .cmp(&a.1.weighted())
            .then_with(|| b.1.total().cmp(&a.1.total()))
            .then_with(|| a.0.cmp(&b.0))
    });
    let mut fixes: Vec<FixText> = Vec::new();
    for f in &report.findings {
        match fixes.iter_mut().find(|x| x.check == f.check.id) {
            Some(x) => x.findings += 1,
            None => fixes.push(FixText {
                check: f.check.id,
                title: f.check.title,
                severity: f.check.severity,
                action: f.check.action,
                risk: f.check.risk,
                fix: f.check.fix,
                frameworks: f.check.frameworks.iter().map(|x| x.to_string()).collect(),
                findings: 1,
            }),
        }
    }
    fixes.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.check.cmp(b.check))
    });
    let suppressed = report
        .suppressed
        .iter()
        .map(|s| SuppressedRow {
            check: s.finding.check.id,
            severity: s.finding.severity,
            object: s.finding.object.to_string(),
            location: s.finding.location.to_string(),
            reason: s.reason.clone(),
        })
        .collect();
    let netpol = views::netpol(input.network);
    let rbac = views::rbac(input);
    let dataflow = input.threat.map(views::dataflow);
    let actions = actions::assess(input, &score, netpol.as_ref(), &rbac);
    Posture {
        source: input.context.source.clone(),
        generated: input.context.generated,
        tool_version: input.context.tool_version.clone(),
        score: score.overall,
        counts,
        objects: report.summary.objects,
        workloads: report.summary.workloads,
        files: report.summary.files,
        actions,
        by_namespace,
        findings,
        fixes,
        suppressed,
        errors: report.errors.iter().map(|e| e.to_string()).collect(),
        threat: input.threat.cloned(),
        dataflow,
        netpol,
        rbac,
        history: input.history.clone(),
        history_db: input.context.history_db.clone(),
    }
}

/// RFC 3339, UTC, to the second.
pub fn format_time(t: i64) -> String {
    jiff::Timestamp::from_second(t)
        .map(|t| t.to_string())
        .unwrap_or_else(|_| t.to_string())
}

/// The day of a time (`2024-05-01`).
pub(crate) fn format_day(t: i64) -> String {
    let s = format_time(t);
    s.get(..10).map(str::to_string).unwrap_or(s)
}
