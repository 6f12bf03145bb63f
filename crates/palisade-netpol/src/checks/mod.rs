//! NetworkPolicy coverage and correctness checks: one file per check
//! (metadata, docs and detection), evaluated on the [`Network`] of a model.

use crate::network::Network;
use crate::policy::{Direction, Policy};
use palisade_findings::{CheckMeta, Severity};
use palisade_model::{Location, Model, ObjectRef};
use palisade_value::Path;
use std::sync::Arc;

mod allow_all;
mod database_open;
mod egress_blocks_dns;
mod invalid;
mod named_port;
mod no_default_deny;
mod not_isolated;
mod selects_nothing;

pub use database_open::is_database;

/// One finding of a NetworkPolicy check.
#[derive(Debug, Clone)]
pub struct Hit {
    pub object: Arc<ObjectRef>,
    pub location: Location,
    pub path: Option<Path>,
    pub message: String,
    /// `None`: the check's severity.
    pub severity: Option<Severity>,
}

/// A check: its metadata and its detection.
pub struct NetpolCheck {
    pub meta: &'static CheckMeta,
    pub detect: fn(&Model, &Network) -> Vec<Hit>,
}

/// Every NetworkPolicy check, in catalogue order.
pub static ALL: &[&NetpolCheck] = &[
    &no_default_deny::INGRESS,
    &no_default_deny::EGRESS,
    &not_isolated::CHECK,
    &selects_nothing::CHECK,
    &allow_all::CHECK,
    &egress_blocks_dns::CHECK,
    &database_open::CHECK,
    &invalid::CHECK,
    &named_port::CHECK,
];

/// Namespaces the control plane manages.
pub fn is_system(ns: &str) -> bool {
    palisade_model::is_system_namespace(ns)
}

/// A hit on a field of a policy: the field's line when the model has the
/// policy, else the policy's line.
pub(crate) fn on_policy(model: &Model, p: &Policy, path: Path, message: String) -> Hit {
    let location = model
        .get("NetworkPolicy", Some(&p.namespace), &p.name)
        .map_or_else(|| p.location.clone(), |o| o.locate(&path));
    Hit {
        object: p.object.clone(),
        location,
        path: Some(path),
        message,
        severity: None,
    }
}

/// The namespace's own object when the input has it, else a reference to
/// it located at `fallback`.
pub(crate) fn namespace_ref(
    model: &Model,
    ns: &str,
    fallback: &Location,
) -> (Arc<ObjectRef>, Location) {
    match model.namespace_object(ns) {
        Some(o) => (o.reference.clone(), o.location.clone()),
        None => (
            Arc::new(ObjectRef {
                api_version: "v1".into(),
                kind: "Namespace".into(),
                namespace: None,
                name: ns.to_string(),
            }),
            fallback.clone(),
        ),
    }
}

/// Whether a policy with an empty podSelector isolates direction `d` in `ns`.
pub(crate) fn has_default_deny(net: &Network, ns: &str, d: Direction) -> bool {
    net.policies_by_namespace
        .get(ns)
        .into_iter()
        .flatten()
        .any(|&p| {
            let p = &net.policies[p];
            p.rules(d).is_some() && palisade_model::selector::is_empty(&p.select)
        })
}
