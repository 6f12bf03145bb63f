//! SARIF 2.1.0 (GitHub code scanning, VS Code SARIF viewer, …).

use crate::{ScanReport, fix_line};
use palisade_findings::{CheckMeta, Finding, Severity};
use serde_sarif::sarif::{
    ArtifactLocation, Invocation, Location, Message, MultiformatMessageString, Notification,
    PhysicalLocation, PropertyBag, Region, ReportingConfiguration, ReportingDescriptor,
    Result as SarifResult, ResultLevel, Run, Sarif, Suppression, Tool, ToolComponent,
};
use std::collections::{BTreeMap, HashMap};

/// SARIF's level for a severity: critical and high are errors, medium a
/// warning, low and info notes.
pub fn level(s: Severity) -> ResultLevel {
    match s {
        Severity::Critical | Severity::High => ResultLevel::Error,
        Severity::Medium => ResultLevel::Warning,
        Severity::Low | Severity::Info => ResultLevel::Note,
    }
}

/// GitHub's `security-severity` (CVSS-like, 0–10).
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.5",
    }
}

fn rule(m: &CheckMeta) -> ReportingDescriptor {
    let mut tags = vec!["security".to_string(), m.category.to_string()];
    tags.extend(m.frameworks.iter().map(|f| f.to_string()));
    let mut props = BTreeMap::new();
    props.insert(
        "security-severity".to_string(),
        serde_json::Value::from(security_severity(m.severity)),
    );
    props.insert("action".to_string(), serde_json::Value::from(m.action));
    ReportingDescriptor::builder()
        .id(m.id)
        .name(m.id)
        .short_description(MultiformatMessageString::builder().text(m.title).build())
        .full_description(MultiformatMessageString::builder().text(m.risk).build())
        .help(
            MultiformatMessageString::builder()
                .text(format!("{}\n\nFix: {}", m.risk, m.fix))
                .markdown(format!(
                    "**{}**\n\n{}\n\n**Fix.** {}",
                    m.title, m.risk, m.fix
                ))
                .build(),
        )
        .default_configuration(
            ReportingConfiguration::builder()
                .level(serde_json::to_value(level(m.severity)).expect("level"))
                .build(),
        )
        .properties(
            PropertyBag::builder()
                .tags(tags)
                .additional_properties(props)
                .build(),
        )
        .build()
}

/// A relative path becomes a `%SRCROOT%`-relative URI; an absolute path a
/// `file://` URI.
pub fn artifact(file: &str) -> ArtifactLocation {
    let uri = file.replace('\\', "/");
    if uri.starts_with('/') {
        ArtifactLocation::builder()
            .uri(format!("file://{uri}"))
            .build()
    } else {
        let uri = uri.strip_prefix("./").unwrap_or(&uri).to_string();
        ArtifactLocation::builder()
            .uri(uri)
            .uri_base_id("%SRCROOT%")
            .build()
    }
}

fn location(f: &Finding) -> Location {
    at(&f.location)
}

fn at(l: &palisade_model::Location) -> Location {
    let phys = if l.line > 0 {
        let region = if l.column > 0 {
            Region::builder()
                .start_line(i64::from(l.line))
                .start_column(i64::from(l.column))
                .build()
        } else {
            Region::builder().start_line(i64::from(l.line)).build()
        };
        PhysicalLocation::builder()
            .artifact_location(artifact(&l.file))
            .region(region)
            .build()
    } else {
        PhysicalLocation::builder()
            .artifact_location(artifact(&l.file))
            .build()
    };
    Location::builder().physical_location(phys).build()
}

/// A partial fingerprint of `parts` (FNV-1a, each part ended by a NUL):
/// stable across runs for the same parts.
pub fn fingerprint(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for part in parts {
        for b in part.bytes().chain([0u8]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x100000001b3);
        }
    }
    format!("{h:016x}")
}

/// A suppression: `kind` is `inSource` or `external`.
pub fn suppression(kind: &str, justification: impl Into<String>) -> Suppression {
    Suppression::builder()
        .kind(serde_json::Value::from(kind))
        .justification(justification.into())
        .build()
}

/// What a SARIF log holds besides palisade's name: one run's rules and
/// results, and — for commands that read input — whether the run read
/// everything (errors become tool execution notifications).
pub struct Log {
    pub tool_version: String,
    pub rules: Vec<ReportingDescriptor>,
    pub results: Vec<SarifResult>,
    /// `Some`: an invocation is recorded, failed when there are errors.
    pub notifications: Option<Vec<Notification>>,
    /// Columns count Unicode code points (palisade's own input positions).
    pub code_point_columns: bool,
}

/// The one SARIF 2.1.0 document writer: `scan`, `policy eval`, `vuln` and
/// `secrets` all end here.
pub fn document(log: Log, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let driver = ToolComponent::builder()
        .name("palisade")
        .version(log.tool_version.clone())
        .semantic_version(log.tool_version)
        .information_uri("https://github.com/palisade-dev/palisade")
        .rules(log.rules)
        .build();
    let tool = Tool::builder().driver(driver).build();
    let invocation = log.notifications.map(|n| {
        if n.is_empty() {
            Invocation::builder().execution_successful(true).build()
        } else {
            Invocation::builder()
                .execution_successful(false)
                .tool_execution_notifications(n)
                .build()
        }
    });
    let run = match (invocation, log.code_point_columns) {
        (Some(i), true) => Run::builder()
            .tool(tool)
            .results(log.results)
            .invocations(vec![i])
            .column_kind(serde_json::Value::from("unicodeCodePoints"))
            .build(),
        (Some(i), false) => Run::builder()
            .tool(tool)
            .results(log.results)
            .invocations(vec![i])
            .build(),
        (None, true) => Run::builder()
            .tool(tool)
            .results(log.results)
            .column_kind(serde_json::Value::from("unicodeCodePoints"))
            .build(),
        (None, false) => Run::builder().tool(tool).results(log.results).build(),
    };
    let sarif = Sarif::builder()
        .schema(serde_sarif::sarif::SCHEMA_URL)
        .version(serde_json::Value::from("2.1.0"))
        .runs(vec![run])
        .build();
    serde_json::to_writer_pretty(&mut *w, &sarif).map_err(std::io::Error::other)?;
    w.write_all(b"\n")
}

/// [`document`] as a string.
pub fn document_string(log: Log) -> String {
    let mut out = Vec::new();
    document(log, &mut out).expect("writing to memory");
    String::from_utf8(out).expect("SARIF is UTF-8")
}

fn result(f: &Finding, index: Option<usize>, suppression: Option<Suppression>) -> SarifResult {
    let mut props = BTreeMap::new();
    props.insert(
        "object".to_string(),
        serde_json::to_value(&f.object).expect("object"),
    );
    props.insert(
        "severity".to_string(),
        serde_json::Value::from(f.severity.as_str()),
    );
    if let Some(p) = &f.path {
        props.insert("path".to_string(), serde_json::Value::from(p.to_string()));
    }
    let text = format!("{} — {}: {}", f.object, f.message, fix_line(f));
    let mut fp = BTreeMap::new();
    let path = f.path.as_ref().map(|p| p.to_string()).unwrap_or_default();
    fp.insert(
        "palisade/v1".to_string(),
        fingerprint(&[f.check.id, &f.object.to_string(), &path, &f.message]),
    );
    let base = SarifResult::builder()
        .rule_id(f.check.id)
        .level(level(f.severity))
        .message(Message::builder().text(text).build())
        .locations(vec![location(f)])
        .partial_fingerprints(fp)
        .properties(PropertyBag::builder().additional_properties(props).build());
    let mut result = match (index, suppression) {
        (Some(i), Some(s)) => base.rule_index(i as i64).suppressions(vec![s]).build(),
        (Some(i), None) => base.rule_index(i as i64).build(),
        (None, Some(s)) => base.suppressions(vec![s]).build(),
        (None, None) => base.build(),
    };
    // the findings of the same cause folded into this one, each where it is
    if !f.related.is_empty() {
        result.related_locations = Some(
            f.related
                .iter()
                .zip(1..)
                .map(|(r, id): (_, i64)| {
                    let mut l = at(&r.location);
                    l.id = Some(id);
                    l.message = Some(
                        Message::builder()
                            .text(format!("{}: {}", r.check.id, r.message))
                            .build(),
                    );
                    l
                })
                .collect(),
        );
    }
    result
}

pub fn write(r: &ScanReport, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut rules: Vec<&CheckMeta> = r.rules.clone();
    // findings of checks not in the rule list still get a rule
    for f in r
        .findings
        .iter()
        .chain(r.suppressed.iter().map(|s| &s.finding))
    {
        if !rules.iter().any(|m| m.id == f.check.id) {
            rules.push(f.check);
        }
    }
    let index: HashMap<&str, usize> = rules.iter().enumerate().map(|(i, m)| (m.id, i)).collect();
    let mut results: Vec<SarifResult> = r
        .findings
        .iter()
        .map(|f| result(f, index.get(f.check.id).copied(), None))
        .collect();
    for s in &r.suppressed {
        let kind = if s.by == "annotation" {
            "inSource"
        } else {
            "external"
        };
        results.push(result(
            &s.finding,
            index.get(s.finding.check.id).copied(),
            Some(suppression(kind, s.reason.clone())),
        ));
    }
    let notifications: Vec<Notification> = r
        .errors
        .iter()
        .map(|e| {
            let loc = if e.line > 0 {
                PhysicalLocation::builder()
                    .artifact_location(artifact(&e.file))
                    .region(Region::builder().start_line(i64::from(e.line)).build())
                    .build()
            } else {
                PhysicalLocation::builder()
                    .artifact_location(artifact(&e.file))
                    .build()
            };
            Notification::builder()
                .level(serde_json::Value::from("error"))
                .message(Message::builder().text(e.message.clone()).build())
                .locations(vec![Location::builder().physical_location(loc).build()])
                .build()
        })
        .collect();
    document(
        Log {
            tool_version: r.tool_version.clone(),
            rules: rules.iter().map(|m| rule(m)).collect(),
            results,
            notifications: Some(notifications),
            code_point_columns: true,
        },
        w,
    )
}
