//! Prometheus metrics (OpenMetrics text): requests by status, events
//! received, alerts by rule and priority, refusals by reason, output
//! deliveries by output and result, failed store commits, connections
//! (open, refused, failed), and the time a batch takes. Every label value
//! comes from a bounded set: status codes, fixed reasons and outputs, and
//! the loaded rules' names and priorities (nothing a request names).

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CodeLabels {
    code: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AlertLabels {
    rule: String,
    priority: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutputLabels {
    output: &'static str,
    result: &'static str,
}

pub struct Metrics {
    registry: Registry,
    requests: Family<CodeLabels, Counter>,
    events: Counter,
    alerts: Family<AlertLabels, Counter>,
    rejected: Family<ReasonLabels, Counter>,
    outputs: Family<OutputLabels, Counter>,
    batch_seconds: Histogram,
    connections: palisade_webhook::limits::ConnectionMetrics,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("palisade_audit");
        let requests = Family::<CodeLabels, Counter>::default();
        let events = Counter::default();
        let alerts = Family::<AlertLabels, Counter>::default();
        let rejected = Family::<ReasonLabels, Counter>::default();
        let outputs = Family::<OutputLabels, Counter>::default();
        let batch_seconds = Histogram::new([
            0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
        ]);
        registry.register(
            "requests",
            "Audit webhook requests by HTTP status",
            requests.clone(),
        );
        registry.register("events", "Audit events received", events.clone());
        registry.register(
            "alerts",
            "Alerts raised, by rule and priority",
            alerts.clone(),
        );
        registry.register(
            "rejected",
            "Requests refused, by reason: unauthorized, busy, store_busy, too_large, body_timeout, bad_request",
            rejected.clone(),
        );
        registry.register(
            "output_deliveries",
            "Alert deliveries by output and result",
            outputs.clone(),
        );
        registry.register(
            "batch_duration_seconds",
            "Time from a batch's arrival to its acknowledgement (rules and commit)",
            batch_seconds.clone(),
        );
        let connections = palisade_webhook::limits::ConnectionMetrics::default();
        connections.register(&mut registry);
        Metrics {
            registry,
            requests,
            events,
            alerts,
            rejected,
            outputs,
            batch_seconds,
            connections,
        }
    }

    /// The connection metrics (for `palisade_webhook::serve_https`).
    pub fn connections(&self) -> palisade_webhook::limits::ConnectionMetrics {
        self.connections.clone()
    }

    /// Counts the store's failed commits as `store_errors_total`.
    pub fn register_store(&mut self, health: &crate::store::StoreHealth) {
        self.registry.register(
            "store_errors",
            "Commits of alerts that failed (a full disk, …); /healthz answers 503 until one succeeds",
            health.failures.clone(),
        );
    }

    pub fn request(&self, code: u16) {
        self.requests.get_or_create(&CodeLabels { code }).inc();
    }

    pub fn events(&self, n: u64) {
        self.events.inc_by(n);
    }

    pub fn alert(&self, rule: &str, priority: &str) {
        self.alerts
            .get_or_create(&AlertLabels {
                rule: rule.to_string(),
                priority: priority.to_string(),
            })
            .inc();
    }

    pub fn reject(&self, reason: &'static str) {
        self.rejected.get_or_create(&ReasonLabels { reason }).inc();
    }

    pub fn output(&self, output: &'static str, ok: bool, dropped: bool) {
        let result = if dropped {
            "dropped"
        } else if ok {
            "sent"
        } else {
            "failed"
        };
        self.outputs
            .get_or_create(&OutputLabels { output, result })
            .inc();
    }

    pub fn observe(&self, seconds: f64) {
        self.batch_seconds.observe(seconds);
    }

    pub fn encode(&self) -> String {
        let mut s = String::new();
        let _ = prometheus_client::encoding::text::encode(&mut s, &self.registry);
        s
    }
}
