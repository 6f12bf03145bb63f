//! Falco's rules language, natively, for Kubernetes audit events.
//!
//! * [`rules`] loads rules files as Falco does (lists, macros, rules,
//!   `append`, `override`, `enabled`, `exceptions`), in order;
//! * [`condition`] parses the condition language;
//! * [`compile`] inlines macros and lists and builds an evaluator that
//!   extracts each field once per event ([`fields`]: the k8saudit plugin's
//!   `ka.*` and the json plugin's `jevt.*`);
//! * [`event`] reads audit logs (JSON lines, `EventList` documents);
//! * outputs are rendered with secret data blanked ([`redact`]).
//!
//! Pure: no I/O beyond reading from a caller's `BufRead`.

pub mod compile;
pub mod condition;
pub mod event;
pub mod fields;
pub mod redact;
pub mod rules;

pub use compile::{Alert, Matching, Rule, RuleSet, Scratch, compile};
pub use event::AuditEvent;
pub use rules::{Diag, Priority, Severity};

/// The Falco k8saudit ruleset palisade ships and loads by default
/// (falcosecurity/plugins, k8saudit plugin 0.18, Apache-2.0).
pub const DEFAULT_FALCO_RULES: &str = include_str!("../rules/k8s_audit_rules.yaml");
