//! Falco's rules language, natively, for Kubernetes audit events.
//!
//! * [`rules`] loads rules files as Falco does (lists, macros, rules,
//!   `append`, `override`, `enabled`, `exceptions`), in order;
//! * [`condition`] parses the condition language;
//! * [`compile`] inlines macros and lists and builds an evaluator that
//!   extracts each field once per event ([`fields`]: the k8saudit plugin's
//!   `ka.*` and the json plugin's `jevt.*`);
//! * [`event`] reads audit logs (JSON lines, `EventList` documents) and,
//!   record by record, the managed clusters' logs ([`managed`]: EKS
//!   CloudWatch Logs, GKE Cloud Logging, AKS Azure Monitor);
//! * outputs are rendered with secret data blanked ([`redact`]).
//!
//! Pure: no I/O beyond reading from a caller's `BufRead`.

pub mod analyze;
pub mod compile;
pub mod condition;
pub mod event;
pub mod fields;
pub mod knowledge;
pub mod managed;
pub mod rules;
pub mod window;

pub use compile::{Alert, Matching, Rule, RuleSet, Scratch, compile};
pub use event::AuditEvent;
pub use rules::{Diag, Priority, Severity};
pub use window::Windows;

/// palisade's default detection pack (`rules/palisade_default_rules.yaml`),
/// written for palisade in Falco's rules language: credential and token
/// theft, RBAC escalation, admission webhooks, exec/attach/port-forward,
/// privileged and host-reaching workloads, exposure. Falco's own k8saudit
/// rules are not shipped; users pass them with `--rules FILE`.
pub const DEFAULT_RULES: &str = include_str!("../rules/palisade_default_rules.yaml");

/// The name `--rules default` stands for.
pub const DEFAULT_RULES_NAME: &str = "default";

/// The rules loaded when none are given (and for `--rules default`):
/// palisade's pack, as `(name, text)` pairs.
pub fn default_rule_files() -> Vec<(String, String)> {
    vec![(
        "default:palisade_default_rules.yaml".to_string(),
        DEFAULT_RULES.to_string(),
    )]
}

/// An alert as one JSON object, keys in this order:
/// `{"time","rule","priority","output","tags","event":{"auditID","user","verb","objectRef"}}`.
/// The event part carries identifiers only, never request or response bodies.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct AlertRecord {
    pub time: String,
    pub rule: String,
    pub priority: String,
    pub output: String,
    pub tags: Vec<String>,
    pub event: EventRef,
}

/// Which request an alert is about.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct EventRef {
    #[serde(rename = "auditID")]
    pub audit_id: Option<String>,
    pub user: Option<String>,
    pub verb: Option<String>,
    #[serde(rename = "objectRef")]
    pub object_ref: Option<serde_json::Value>,
}

pub fn alert_record(a: &Alert, ev: &AuditEvent) -> AlertRecord {
    let s = |k: &[&str]| ev.str_at(k).map(str::to_string);
    AlertRecord {
        time: ev.time_string(true),
        rule: a.rule.clone(),
        priority: a.priority.as_str().to_string(),
        output: a.output.clone(),
        tags: a.tags.clone(),
        event: EventRef {
            audit_id: s(&["auditID"]),
            user: s(&["user", "username"]),
            verb: s(&["verb"]),
            object_ref: ev.json.get("objectRef").cloned(),
        },
    }
}
