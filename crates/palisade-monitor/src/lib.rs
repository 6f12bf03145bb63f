//! Monitoring (monitoring without alerts is meaningless).
//!
//! - [`rules`]: alerting rules for palisade's own metrics and, per
//!   namespace, for every workload of the inventory on the standard
//!   kube-state-metrics, kubelet and cert-manager series; written by
//!   [`yaml`] as a rule file or a PrometheusRule.
//! - [`coverage`]: which business-critical workloads the user's alerting
//!   rules reach, from their PromQL selectors ([`promql`]).
//! - [`metrics`]: a scan's posture and vulnerability-data metrics.
//!
//! Pure: a model in, rules or a report out.

pub mod coverage;
pub mod metrics;
pub mod promql;
pub mod rules;
pub mod targets;
pub mod yaml;

pub use coverage::{Coverage, Reach, SourceRule, coverage, rules_in};
pub use rules::{Components, Group, Rule, RulesOptions, generate};
pub use targets::{CriticalOptions, Survey, Target, survey};

#[cfg(test)]
mod tests;
