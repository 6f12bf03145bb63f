//! Drift between infrastructure as code and the cluster.
//!
//! Objects are matched by API group, kind, namespace and name. Three kinds
//! of drift are reported:
//! * objects in the cluster that no IaC declares (click-ops), except what
//!   controllers and the control plane create;
//! * objects the IaC declares that the cluster does not have;
//! * for objects in both, differences in security-relevant fields — pod
//!   security contexts, images, host namespaces and paths, service accounts,
//!   RBAC rules and subjects, NetworkPolicy specs, quotas, Service exposure,
//!   Pod Security labels — after removing what the API server sets
//!   (status, metadata it owns, defaulted values).

use palisade_model::{Location, Model, Object, ObjectRef, kinds};
use palisade_value::{Node, Path};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// What kind of drift.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DriftKind {
    /// In the cluster, not in the IaC.
    Unmanaged,
    /// In the IaC, not in the cluster.
    Missing,
    /// In both, with different security-relevant fields.
    Changed,
}

/// One field that differs.
#[derive(Debug, Clone, Serialize)]
pub struct FieldChange {
    pub path: String,
    /// As the IaC declares it (`null` when absent).
    pub iac: serde_json::Value,
    /// As the cluster has it (`null` when absent).
    pub live: serde_json::Value,
}

/// One drifted object.
#[derive(Debug, Clone, Serialize)]
pub struct Drift {
    pub kind: DriftKind,
    pub object: Arc<ObjectRef>,
    /// Where the IaC declares it (for missing and changed objects).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iac: Option<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<FieldChange>,
}

type Key = (String, String, Option<String>, String);

fn key(o: &Object) -> Key {
    (
        kinds::group_of(&o.api_version).to_string(),
        o.kind.clone(),
        o.namespace.clone(),
        o.name.clone(),
    )
}

/// Objects the control plane or controllers create: not click-ops.
fn system_created(o: &Object) -> bool {
    let owned = o
        .raw
        .get("metadata")
        .and_then(|m| m.get("ownerReferences"))
        .and_then(Node::as_seq)
        .is_some_and(|r| !r.is_empty());
    let ns_system = o
        .namespace
        .as_deref()
        .is_some_and(palisade_model::is_system_namespace);
    owned
        || ns_system
        || o.is_bootstrap_rbac()
        || o.name.starts_with("system:")
        || matches!(
            o.kind.as_str(),
            "Event"
                | "Endpoints"
                | "EndpointSlice"
                | "Lease"
                | "ControllerRevision"
                | "Node"
                | "ComponentStatus"
        )
        || (o.kind == "ServiceAccount" && o.name == "default")
        || (o.kind == "ConfigMap" && o.name == "kube-root-ca.crt")
        || (o.kind == "Namespace" && palisade_model::is_builtin_namespace(&o.name))
        || (o.kind == "Service"
            && o.name == "kubernetes"
            && o.namespace.as_deref() == Some("default"))
        || (o.kind == "Secret"
            && o.raw.get_str("type") == Some("kubernetes.io/service-account-token"))
}

/// Security-relevant fields of a kind, as paths into the object.
fn relevant(o: &Object) -> Vec<Path> {
    let p = |s: &str| s.parse::<Path>().expect("static path");
    if let Some(t) = o.pod_template() {
        let spec = t.spec_field();
        let meta = t.meta_field();
        let mut v: Vec<Path> = [
            "securityContext",
            "hostNetwork",
            "hostPID",
            "hostIPC",
            "serviceAccountName",
            "automountServiceAccountToken",
            "shareProcessNamespace",
            "hostUsers",
        ]
        .iter()
        .map(|f| spec.clone().key(*f))
        .collect();
        v.push(meta.key("annotations"));
        for c in t.containers() {
            let base = spec.clone().join(&c.path());
            for f in ["image", "securityContext", "ports"] {
                v.push(base.clone().key(f));
            }
        }
        for (i, _) in t.spec.volumes.iter().flatten().enumerate() {
            v.push(spec.clone().key("volumes").index(i).key("hostPath"));
        }
        return v;
    }
    match o.kind.as_str() {
        "Role" | "ClusterRole" => {
            // the aggregation controller owns the rules of aggregated roles
            if o.raw.get("aggregationRule").is_some() {
                vec![p("aggregationRule")]
            } else {
                vec![p("rules")]
            }
        }
        "RoleBinding" | "ClusterRoleBinding" => vec![p("roleRef"), p("subjects")],
        "NetworkPolicy" => vec![p("spec")],
        "ResourceQuota" | "LimitRange" => vec![p("spec")],
        "Service" => vec![
            p("spec.type"),
            p("spec.ports"),
            p("spec.externalIPs"),
            p("spec.loadBalancerSourceRanges"),
        ],
        "Namespace" => vec![p("metadata.labels")],
        "ServiceAccount" => vec![p("automountServiceAccountToken")],
        "ValidatingWebhookConfiguration" | "MutatingWebhookConfiguration" => vec![p("webhooks")],
        _ => Vec::new(),
    }
}

/// Removes what the API server adds so that IaC and live compare equal
/// when nobody changed anything.
fn normalize(kind: &str, path: &Path, v: Option<&Node>) -> serde_json::Value {
    let mut j = v.map(Node::to_json).unwrap_or(serde_json::Value::Null);
    let last = match path.last() {
        Some(palisade_value::Seg::Key(k)) => k.as_str(),
        _ => "",
    };
    // absent, null, false, empty object and empty list mean the same
    let empty = |j: &serde_json::Value| match j {
        serde_json::Value::Null | serde_json::Value::Bool(false) => true,
        serde_json::Value::Object(m) => m.is_empty(),
        serde_json::Value::Array(a) => a.is_empty(),
        serde_json::Value::String(s) => s.is_empty(),
        _ => false,
    };
    match (kind, last) {
        ("Namespace", "labels") => {
            if let serde_json::Value::Object(m) = &mut j {
                m.remove("kubernetes.io/metadata.name");
            }
        }
        (_, "serviceAccountName") if j.as_str() == Some("default") => j = serde_json::Value::Null,
        (_, "ports") => {
            if let serde_json::Value::Array(items) = &mut j {
                for it in items {
                    if let serde_json::Value::Object(m) = it {
                        if m.get("protocol").and_then(|p| p.as_str()) == Some("TCP") {
                            m.remove("protocol");
                        }
                        // Services: targetPort defaults to port
                        if m.get("targetPort") == m.get("port") {
                            m.remove("targetPort");
                        }
                        // assigned by the server when not written
                        m.remove("nodePort");
                    }
                }
            }
        }
        (_, "type") if kind == "Service" && j.as_str() == Some("ClusterIP") => {
            j = serde_json::Value::Null
        }
        (_, "hostPath") => {
            if let serde_json::Value::Object(m) = &mut j
                && m.get("type").and_then(|t| t.as_str()) == Some("")
            {
                m.remove("type");
            }
        }
        // the API server fills a LimitRange's defaults from its max and min
        ("LimitRange", "spec") => palisade_model::defaults::limit_range_spec_json(&mut j),
        ("NetworkPolicy", "spec") => {
            // policyTypes defaulting: Ingress always, Egress when egress rules exist
            if let serde_json::Value::Object(m) = &mut j
                && !m.contains_key("policyTypes")
            {
                let mut types = vec![serde_json::Value::from("Ingress")];
                if m.get("egress").is_some_and(|e| !empty(e)) {
                    types.push("Egress".into());
                }
                m.insert("policyTypes".into(), serde_json::Value::Array(types));
            }
        }
        (_, "annotations") => {
            if let serde_json::Value::Object(m) = &mut j {
                m.retain(|k, _| {
                    !k.starts_with("kubectl.kubernetes.io/")
                        && !k.starts_with("deployment.kubernetes.io/")
                });
            }
        }
        _ => {}
    }
    strip_empty(&mut j);
    if empty(&j) {
        serde_json::Value::Null
    } else {
        j
    }
}

/// Drops empty objects, empty lists and `false` members recursively.
fn strip_empty(j: &mut serde_json::Value) {
    match j {
        serde_json::Value::Object(m) => {
            for v in m.values_mut() {
                strip_empty(v);
            }
            m.retain(|_, v| match v {
                serde_json::Value::Null | serde_json::Value::Bool(false) => false,
                serde_json::Value::Object(x) => !x.is_empty(),
                serde_json::Value::Array(x) => !x.is_empty(),
                _ => true,
            });
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(strip_empty),
        _ => {}
    }
}

/// Compares the IaC model with the live one.
pub fn drift(iac: &Model, live: &Model) -> Vec<Drift> {
    drift_of_read(iac, live, None)
}

/// As [`drift`], when only `read_kinds` were read from the cluster (a live
/// read skips Secrets, kinds it does not know and kinds it may not list):
/// declared objects of other kinds are not reported missing.
pub fn drift_of_read(iac: &Model, live: &Model, read_kinds: Option<&[&str]>) -> Vec<Drift> {
    let live_by: BTreeMap<Key, &Object> = live.objects().iter().map(|o| (key(o), o)).collect();
    let iac_by: BTreeMap<Key, &Object> = iac.objects().iter().map(|o| (key(o), o)).collect();
    let mut out = Vec::new();
    for (k, o) in &iac_by {
        match live_by.get(k) {
            None if read_kinds.is_some_and(|r| !r.contains(&o.kind.as_str())) => {}
            None => out.push(Drift {
                kind: DriftKind::Missing,
                object: o.reference.clone(),
                iac: Some(o.location.clone()),
                changes: Vec::new(),
            }),
            Some(l) => {
                let mut changes = Vec::new();
                let mut paths = relevant(o);
                for p in relevant(l) {
                    if !paths.contains(&p) {
                        paths.push(p);
                    }
                }
                for p in paths {
                    let a = normalize(&o.kind, &p, o.raw.at(&p));
                    let b = normalize(&l.kind, &p, l.raw.at(&p));
                    if a != b {
                        changes.push(FieldChange {
                            path: p.to_string(),
                            iac: a,
                            live: b,
                        });
                    }
                }
                if !changes.is_empty() {
                    out.push(Drift {
                        kind: DriftKind::Changed,
                        object: o.reference.clone(),
                        iac: Some(o.location.clone()),
                        changes,
                    });
                }
            }
        }
    }
    for (k, l) in &live_by {
        if !iac_by.contains_key(k) && !system_created(l) {
            out.push(Drift {
                kind: DriftKind::Unmanaged,
                object: l.reference.clone(),
                iac: None,
                changes: Vec::new(),
            });
        }
    }
    out.sort_by(|a, b| (a.kind, &a.object).cmp(&(b.kind, &b.object)));
    out
}

#[cfg(test)]
mod tests;
