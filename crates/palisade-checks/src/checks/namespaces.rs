//! Shared helpers for the namespace checks.

use crate::context::Context;
use palisade_model::{Location, ObjectRef};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Namespaces the control plane manages.
pub fn is_system(ns: &str) -> bool {
    palisade_model::is_system_namespace(ns)
}

/// Namespaces that run workloads, with the location of their first
/// workload (sorted by name).
pub fn with_workloads<'a>(cx: &'a Context<'_>) -> BTreeMap<&'a str, Location> {
    let mut out = BTreeMap::new();
    for (o, _) in cx.model.workloads() {
        if let Some(ns) = o.namespace.as_deref() {
            out.entry(ns).or_insert_with(|| o.location.clone());
        }
    }
    out
}

/// The namespace's own object when the input has it, else a reference to
/// it located at its first workload.
pub fn namespace_ref(
    cx: &Context<'_>,
    ns: &str,
    fallback: &Location,
) -> (Arc<ObjectRef>, Location) {
    match cx.model.namespace_object(ns) {
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
