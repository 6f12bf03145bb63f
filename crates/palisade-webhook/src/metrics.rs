//! Prometheus metrics (OpenMetrics text): requests by endpoint, decision and
//! namespace; verdicts by policy, mode and namespace; policy evaluation
//! errors; rejected requests; and a latency histogram whose buckets reach
//! the webhook timeout.

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
    pub fn new(timeout: Duration) -> Metrics {
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
            "Requests not answered with an AdmissionReview (bad request, timeout, internal error)",
            rejected.clone(),
        );
        registry.register(
            "request_duration_seconds",
            "Time to answer an admission request",
            latency.clone(),
        );
        Metrics {
            registry,
            requests,
            verdicts,
            errors,
            rejected,
            latency,
        }
    }

    pub fn record(&self, endpoint: &'static str, d: &Decision) {
        self.requests
            .get_or_create(&RequestLabels {
                endpoint,
                decision: d.outcome,
                namespace: d.namespace.clone(),
            })
            .inc();
        for v in &d.verdicts {
            self.verdicts
                .get_or_create(&VerdictLabels {
                    policy: v.policy.clone(),
                    mode: v.mode.as_str(),
                    namespace: d.namespace.clone(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_reach_the_timeout() {
        let b = buckets(Duration::from_secs(10));
        assert_eq!(b[0], 0.00025);
        assert_eq!(*b.last().unwrap(), 10.0);
        assert!(b.windows(2).all(|w| w[0] < w[1]));
    }
}
