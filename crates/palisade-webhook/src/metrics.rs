//! Prometheus metrics (OpenMetrics text): requests by endpoint, decision and
//! namespace; verdicts by policy, mode and namespace; policy evaluation
//! errors; rejected requests; connections (open, refused, failed); and a
//! latency histogram whose buckets reach the webhook timeout. Served as
//! OpenMetrics to scrapers that ask for it (Prometheus) and in the
//! Prometheus text format 0.0.4 otherwise.
//!
//! Every label value comes from a bounded set: endpoints, decisions,
//! modes, reasons and failure policies are fixed words; policies are the
//! configured checks and constraints; and of the namespaces, which any
//! request names, only the first `limits.maxNamespaceLabels` (100) seen
//! get a value of their own, later ones count as `other`.

use palisade_admission::Decision;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::time::Duration;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    endpoint: &'static str,
    decision: &'static str,
    namespace: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct VerdictLabels {
    policy: String,
    mode: &'static str,
    namespace: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ErrorLabels {
    policy: String,
    failure_policy: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RejectLabels {
    endpoint: &'static str,
    reason: &'static str,
}

/// The webhook's metrics.
pub struct Metrics {
    /// The namespaces labelled so far (at most `namespace_limit`). Whoever
    /// may create namespaces could otherwise grow the scrape (and the
    /// webhook's memory) without bound: each namespace is a series per
    /// endpoint and decision, and per policy and mode.
    namespaces: std::sync::Mutex<std::collections::HashSet<String>>,
    namespace_limit: usize,
    connections: crate::limits::ConnectionMetrics,
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    verdicts: Family<VerdictLabels, Counter>,
    errors: Family<ErrorLabels, Counter>,
    rejected: Family<RejectLabels, Counter>,
    latency: Histogram,
}

/// Buckets from 0.25 ms doubling up to (and including) the timeout.
pub fn buckets(timeout: Duration) -> Vec<f64> {
    let limit = timeout.as_secs_f64();
    let mut b = Vec::new();
    let mut x = 0.00025;
    while x < limit {
        b.push(x);
        x *= 2.0;
    }
    b.push(limit);
    b
}

impl Metrics {
    /// With the default namespace limit.
    pub fn new(timeout: Duration) -> Metrics {
        Self::with_namespace_labels(
            timeout,
            palisade_admission::config::DEFAULT_MAX_NAMESPACE_LABELS,
        )
    }

    /// The first `namespaces` namespaces seen get a label value of their
    /// own, later ones count as `other`.
    pub fn with_namespace_labels(timeout: Duration, namespaces: usize) -> Metrics {
        let mut registry = Registry::with_prefix("palisade_admission");
        let requests = Family::<RequestLabels, Counter>::default();
        let verdicts = Family::<VerdictLabels, Counter>::default();
        let errors = Family::<ErrorLabels, Counter>::default();
        let rejected = Family::<RejectLabels, Counter>::default();
        let latency = Histogram::new(buckets(timeout));
        registry.register(
            "requests",
            "AdmissionReviews answered, by endpoint, decision (allow, warn, deny, mutate) and namespace",
            requests.clone(),
        );
        registry.register(
            "verdicts",
            "Checks and constraints violated, by policy, mode (deny, warn, audit) and namespace",
            verdicts.clone(),
        );
        registry.register(
            "policy_errors",
            "Policies that failed to evaluate, by policy and failure policy",
            errors.clone(),
        );
        registry.register(
            "rejected",
            "Requests not answered with an AdmissionReview, by reason: bad_request, too_large (over the limit, no uid to answer), body_timeout, overloaded, timeout, internal_error",
            rejected.clone(),
        );
        registry.register(
            "request_duration_seconds",
            "Time to answer an admission request",
            latency.clone(),
        );
        let connections = crate::limits::ConnectionMetrics::default();
        connections.register(&mut registry);
        Metrics {
            namespaces: Default::default(),
            namespace_limit: namespaces,
            connections,
            registry,
            requests,
            verdicts,
            errors,
            rejected,
            latency,
        }
    }

    /// The connection metrics (for [`crate::serve_https`]).
    pub fn connections(&self) -> crate::limits::ConnectionMetrics {
        self.connections.clone()
    }

    /// The label value for a namespace: its name while fewer than the
    /// limit have one, else `other`.
    fn namespace_label(&self, ns: &str) -> String {
        let mut seen = self.namespaces.lock().unwrap_or_else(|e| e.into_inner());
        if seen.contains(ns) {
            ns.to_string()
        } else if seen.len() < self.namespace_limit {
            seen.insert(ns.to_string());
            ns.to_string()
        } else {
            "other".into()
        }
    }

    pub fn record(&self, endpoint: &'static str, d: &Decision) {
        let namespace = self.namespace_label(&d.namespace);
        self.requests
            .get_or_create(&RequestLabels {
                endpoint,
                decision: d.outcome,
                namespace: namespace.clone(),
            })
            .inc();
        for v in &d.verdicts {
            self.verdicts
                .get_or_create(&VerdictLabels {
                    policy: v.policy.clone(),
                    mode: v.mode.as_str(),
                    namespace: namespace.clone(),
                })
                .inc();
        }
        for (policy, fp, _) in &d.policy_errors {
            self.errors
                .get_or_create(&ErrorLabels {
                    policy: policy.clone(),
                    failure_policy: match fp {
                        palisade_admission::FailurePolicy::FailClosed => "fail-closed",
                        palisade_admission::FailurePolicy::FailOpen => "fail-open",
                    },
                })
                .inc();
        }
    }

    pub fn reject(&self, endpoint: &'static str, reason: &'static str) {
        self.rejected
            .get_or_create(&RejectLabels { endpoint, reason })
            .inc();
    }

    pub fn observe(&self, d: Duration) {
        self.latency.observe(d.as_secs_f64());
    }

    pub fn encode(&self) -> String {
        let mut s = String::new();
        let _ = prometheus_client::encoding::text::encode(&mut s, &self.registry);
        s
    }
}

/// The OpenMetrics content type.
pub const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
/// The Prometheus text format's content type.
pub const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The exposition a scraper asked for: OpenMetrics when its `Accept`
/// header names it (Prometheus does), else the Prometheus text format
/// 0.0.4 (curl, `promtool check metrics`, the textfile collector).
pub fn negotiate(accept: Option<&str>, openmetrics: String) -> (&'static str, String) {
    if accept.is_some_and(|a| a.contains("application/openmetrics-text")) {
        (OPENMETRICS, openmetrics)
    } else {
        (TEXT_FORMAT, text_format(&openmetrics))
    }
}

/// OpenMetrics text (as prometheus-client writes it) in the Prometheus
/// text format 0.0.4: a counter family is named with its `_total` suffix
/// there, and `# UNIT` and `# EOF` do not exist.
pub fn text_format(openmetrics: &str) -> String {
    let mut counters = std::collections::HashSet::new();
    for l in openmetrics.lines() {
        if let Some(rest) = l.strip_prefix("# TYPE ")
            && let Some((name, "counter")) = rest.split_once(' ')
        {
            counters.insert(name.to_string());
        }
    }
    let mut out = String::with_capacity(openmetrics.len());
    for l in openmetrics.lines() {
        if l == "# EOF" || l.starts_with("# UNIT ") {
            continue;
        }
        let meta = ["# HELP ", "# TYPE "]
            .into_iter()
            .find_map(|p| l.strip_prefix(p).map(|rest| (p, rest)));
        match meta {
            Some((prefix, rest)) => {
                let (name, tail) = rest.split_once(' ').unwrap_or((rest, ""));
                let name = if counters.contains(name) {
                    format!("{name}_total")
                } else {
                    name.to_string()
                };
                let tail = if prefix == "# TYPE " && tail == "unknown" {
                    "untyped"
                } else {
                    tail
                };
                out.push_str(&format!("{prefix}{name} {tail}"));
            }
            None => out.push_str(l),
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_format_names_counters_with_their_suffix() {
        let m = Metrics::new(Duration::from_secs(1));
        m.reject("validate", "timeout");
        m.observe(Duration::from_millis(3));
        let om = m.encode();
        assert!(om.contains("# TYPE palisade_admission_rejected counter\n"));
        assert!(om.ends_with("# EOF\n"));
        let text = text_format(&om);
        assert!(text.contains("# HELP palisade_admission_rejected_total Requests not answered"));
        assert!(text.contains("# TYPE palisade_admission_rejected_total counter\n"));
        assert!(text.contains(
            "palisade_admission_rejected_total{endpoint=\"validate\",reason=\"timeout\"} 1\n"
        ));
        assert!(text.contains("# TYPE palisade_admission_request_duration_seconds histogram\n"));
        assert!(!text.contains("# EOF") && !text.contains("# UNIT"));
        assert_eq!(
            negotiate(
                Some("application/openmetrics-text;version=1.0.0,text/plain;q=0.5"),
                om.clone()
            )
            .1,
            om
        );
        assert_eq!(negotiate(None, om.clone()).0, TEXT_FORMAT);
    }

    #[test]
    fn buckets_reach_the_timeout() {
        let b = buckets(Duration::from_secs(10));
        assert_eq!(b[0], 0.00025);
        assert_eq!(*b.last().unwrap(), 10.0);
        assert!(b.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn namespace_labels_are_bounded() {
        let limit = palisade_admission::config::DEFAULT_MAX_NAMESPACE_LABELS;
        let m = Metrics::new(Duration::from_secs(1));
        let verdict = |policy: &str, mode| palisade_admission::Verdict {
            policy: policy.into(),
            mode,
            message: String::new(),
            fix: String::new(),
        };
        let decision = |ns: String| Decision {
            response: serde_json::Value::Null,
            allowed: true,
            outcome: "allow",
            namespace: ns,
            verdicts: vec![
                verdict("image-latest-tag", palisade_admission::Mode::Warn),
                verdict("pss-privileged", palisade_admission::Mode::Deny),
            ],
            policy_errors: Vec::new(),
        };
        for i in 0..1000 {
            m.record("validate", &decision(format!("ns-{i}")));
        }
        // a namespace seen before keeps its own label
        m.record("validate", &decision("ns-0".into()));
        let om = m.encode();
        let series = |name: &str| om.lines().filter(|l| l.starts_with(name)).count();
        assert_eq!(
            series("palisade_admission_requests_total{"),
            limit + 1,
            "one series per labelled namespace, and other"
        );
        assert_eq!(
            series("palisade_admission_verdicts_total{policy=\"image-latest-tag\""),
            limit + 1
        );
        assert_eq!(
            series("palisade_admission_verdicts_total{"),
            2 * (limit + 1)
        );
        assert!(
            om.contains("namespace=\"other\"} 900"),
            "{}",
            &om[..om.len().min(2000)]
        );
        assert!(om.contains("namespace=\"ns-0\"} 2"));
        // the limit is the operator's
        let m = Metrics::with_namespace_labels(Duration::from_secs(1), 3);
        for i in 0..1000 {
            m.record("mutate", &decision(format!("ns-{i}")));
        }
        let om = m.encode();
        assert_eq!(
            om.lines()
                .filter(|l| l.starts_with("palisade_admission_requests_total{"))
                .count(),
            4
        );
    }
}
