//! The metrics of a scan, for the Prometheus textfile collector or a
//! Pushgateway (a scan is a batch job, not a server): the posture score,
//! findings by severity, when the scan ran, and how fresh the
//! vulnerability data it matched against is. Prometheus text format 0.0.4.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::{Registry, Unit};
use std::sync::atomic::AtomicU64;

/// What a scan found.
#[derive(Debug, Clone, Default)]
pub struct Posture {
    /// 0–100.
    pub score: u32,
    /// Findings by severity (`critical`, `high`, …), every severity listed.
    pub findings: Vec<(String, usize)>,
    pub objects: usize,
    pub workloads: usize,
    /// Unix time of the scan, in seconds.
    pub timestamp: f64,
}

/// The vulnerability database a scan used.
#[derive(Debug, Clone, Default)]
pub struct VulnData {
    pub records: usize,
    /// Unix time of the last import or update, in seconds.
    pub last_update: f64,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SeverityLabels {
    severity: String,
}

fn gauge(v: f64) -> Gauge<f64, AtomicU64> {
    let g = Gauge::<f64, AtomicU64>::default();
    g.set(v);
    g
}

/// The OpenMetrics text of a scan.
pub fn encode(p: &Posture, vulns: Option<&VulnData>) -> String {
    let mut r = Registry::with_prefix("palisade");
    r.register(
        "posture_score",
        "Posture score of the last scan, 0-100: the severity-weighted share of check evaluations that passed",
        gauge(f64::from(p.score)),
    );
    let findings = Family::<SeverityLabels, Gauge<f64, AtomicU64>>::default();
    for (severity, n) in &p.findings {
        findings
            .get_or_create(&SeverityLabels {
                severity: severity.clone(),
            })
            .set(*n as f64);
    }
    r.register(
        "posture_findings",
        "Findings of the last scan, by severity",
        findings,
    );
    r.register(
        "posture_objects",
        "Objects the last scan read",
        gauge(p.objects as f64),
    );
    r.register(
        "posture_workloads",
        "Workloads the last scan read",
        gauge(p.workloads as f64),
    );
    r.register_with_unit(
        "posture_last_run_timestamp",
        "When the last scan ran (Unix time)",
        Unit::Seconds,
        gauge(p.timestamp),
    );
    if let Some(v) = vulns {
        r.register(
            "vulndb_records",
            "Vulnerability records in the local OSV database",
            gauge(v.records as f64),
        );
        r.register_with_unit(
            "vulndb_last_update_timestamp",
            "When the local OSV database was last imported or updated (Unix time)",
            Unit::Seconds,
            gauge(v.last_update),
        );
    }
    let mut s = String::new();
    let _ = prometheus_client::encoding::text::encode(&mut s, &r);
    // the text format 0.0.4 the textfile collector and the Pushgateway
    // read: no `# UNIT`, no `# EOF` (every series here is a gauge, named
    // the same in both formats)
    s.lines()
        .filter(|l| *l != "# EOF" && !l.starts_with("# UNIT "))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::names;

    #[test]
    fn exports_the_series_the_rules_use() {
        let text = encode(
            &Posture {
                score: 71,
                findings: vec![("critical".into(), 2), ("high".into(), 5)],
                objects: 34,
                workloads: 8,
                timestamp: 1_700_000_000.0,
            },
            Some(&VulnData {
                records: 10,
                last_update: 1_699_000_000.0,
            }),
        );
        assert!(
            text.contains(&format!("{} 71", names::POSTURE_SCORE)),
            "{text}"
        );
        assert!(text.contains(&format!(
            "{}{{severity=\"high\"}} 5",
            names::POSTURE_FINDINGS
        )));
        assert!(text.contains(&format!("{} 1700000000", names::POSTURE_LAST_RUN)));
        assert!(text.contains(&format!("{} 1699000000", names::VULNDB_LAST_UPDATE)));
        assert!(text.contains(&format!("# TYPE {} gauge\n", names::POSTURE_LAST_RUN)));
        assert!(!text.contains("# EOF") && !text.contains("# UNIT"));
        let without = encode(&Posture::default(), None);
        assert!(!without.contains("vulndb"));
    }
}
