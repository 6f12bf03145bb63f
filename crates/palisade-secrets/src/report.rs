//! Renders a secrets report: table, JSON (also the baseline format), SARIF.
//! Only masked values and fingerprints are ever written.

use crate::{Finding, RULES};
use palisade_findings::Severity;
use serde::Serialize;
use serde_sarif::sarif::{
    ArtifactLocation, Location, Message, MultiformatMessageString, PhysicalLocation, Region,
    ReportingDescriptor, Result as SarifResult,
};
use std::collections::BTreeMap;

/// Everything one `palisade secrets` run found.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// New findings: not accepted by the baseline.
    pub findings: Vec<Finding>,
    /// Findings the baseline accepts.
    pub baselined: Vec<Finding>,
    pub summary: Summary,
    /// Inputs that could not be read (the rest was scanned).
    pub errors: Vec<InputError>,
}

#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub files: u64,
    pub bytes: u64,
    pub binary_files_skipped: u64,
    pub large_files_skipped: u64,
    /// New findings per severity.
    pub by_severity: BTreeMap<Severity, usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct InputError {
    pub location: String,
    pub message: String,
}

impl Report {
    /// Sorts findings by path and position and counts them.
    pub fn finish(&mut self) {
        let key = |f: &Finding| (f.path.clone(), f.line, f.column, f.rule.clone());
        self.findings.sort_by_key(key);
        self.baselined.sort_by_key(key);
        self.errors.sort_by(|a, b| a.location.cmp(&b.location));
        self.summary.by_severity.clear();
        for f in &self.findings {
            *self.summary.by_severity.entry(f.severity).or_default() += 1;
        }
    }

    pub fn json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("reports serialise");
        s.push('\n');
        s
    }

    pub fn table(&self) -> String {
        let mut t = String::new();
        for f in &self.findings {
            t.push_str(&format!(
                "{:<9}{:<27}{}:{}:{}\n",
                f.severity.as_str().to_uppercase(),
                f.rule,
                f.path,
                f.line,
                f.column
            ));
            let mut what = format!("         {}", f.redacted);
            if let Some(k) = &f.key {
                what.push_str(&format!("  ({k})"));
            }
            if let Some(n) = &f.note {
                what.push_str(&format!("  {n}"));
            }
            if f.test_fixture {
                what.push_str("  [test fixture]");
            }
            t.push_str(&what);
            t.push('\n');
            t.push_str(&format!("         fix: {}\n", f.fix));
        }
        if !self.findings.is_empty() {
            t.push('\n');
        }
        let counts: Vec<String> = Severity::ALL
            .iter()
            .filter_map(|s| {
                self.summary
                    .by_severity
                    .get(s)
                    .map(|n| format!("{n} {}", s.as_str()))
            })
            .collect();
        t.push_str(&format!(
            "{} secret{} found{}{}; {} file{} ({:.1} MB) scanned",
            self.findings.len(),
            if self.findings.len() == 1 { "" } else { "s" },
            if counts.is_empty() {
                String::new()
            } else {
                format!(" ({})", counts.join(", "))
            },
            if self.baselined.is_empty() {
                String::new()
            } else {
                format!(", {} accepted by the baseline", self.baselined.len())
            },
            self.summary.files,
            if self.summary.files == 1 { "" } else { "s" },
            self.summary.bytes as f64 / 1e6,
        ));
        if self.summary.binary_files_skipped > 0 {
            t.push_str(&format!(
                ", {} binary skipped",
                self.summary.binary_files_skipped
            ));
        }
        if self.summary.large_files_skipped > 0 {
            t.push_str(&format!(
                ", {} too large skipped",
                self.summary.large_files_skipped
            ));
        }
        t.push('\n');
        t
    }

    pub fn sarif(&self, version: &str) -> String {
        let used: std::collections::BTreeSet<&str> = self
            .findings
            .iter()
            .chain(&self.baselined)
            .map(|f| f.rule.as_str())
            .collect();
        let rules: Vec<&crate::Rule> = RULES.iter().filter(|r| used.contains(r.id)).collect();
        let index: BTreeMap<&str, usize> =
            rules.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
        let descriptors: Vec<ReportingDescriptor> = rules
            .iter()
            .map(|r| {
                ReportingDescriptor::builder()
                    .id(r.id)
                    .name(r.id)
                    .short_description(MultiformatMessageString::builder().text(r.title).build())
                    .full_description(MultiformatMessageString::builder().text(r.why).build())
                    .help(MultiformatMessageString::builder().text(r.fix).build())
                    .build()
            })
            .collect();
        let result = |f: &Finding, suppressed: bool| {
            let mut text = format!("{} ({})", f.title, f.redacted);
            if let Some(n) = &f.note {
                text.push_str(&format!(": {n}"));
            }
            let loc = Location::builder()
                .physical_location(
                    PhysicalLocation::builder()
                        .artifact_location(ArtifactLocation::builder().uri(f.path.clone()).build())
                        .region(
                            Region::builder()
                                .start_line(i64::from(f.line))
                                .start_column(i64::from(f.column))
                                .build(),
                        )
                        .build(),
                )
                .build();
            let mut fp = BTreeMap::new();
            // v2: keyed (HMAC-SHA256); v1 was an unkeyed SHA-256.
            fp.insert("palisade/secret/v2".to_string(), f.fingerprint.clone());
            let level = palisade_report::sarif::level(f.severity);
            let b = SarifResult::builder()
                .rule_id(f.rule.clone())
                .message(Message::builder().text(text).build())
                .level(level)
                .locations(vec![loc])
                .partial_fingerprints(fp)
                .rule_index(index.get(f.rule.as_str()).map_or(-1, |&i| i as i64));
            if suppressed {
                b.suppressions(vec![palisade_report::sarif::suppression(
                    "external",
                    "accepted in the baseline",
                )])
                .build()
            } else {
                b.build()
            }
        };
        let mut results: Vec<SarifResult> =
            self.findings.iter().map(|f| result(f, false)).collect();
        results.extend(self.baselined.iter().map(|f| result(f, true)));
        palisade_report::sarif::document_string(palisade_report::sarif::Log {
            tool_version: version.to_string(),
            rules: descriptors,
            results,
            notifications: None,
            code_point_columns: false,
        })
    }
}
