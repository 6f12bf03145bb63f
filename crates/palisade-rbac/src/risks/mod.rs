//! Risky RBAC: one file per risk class (rbac-police's classes and the
//! Kubernetes RBAC good-practices risks), evaluated on the resolved model.
//!
//! Permission risks are judged per binding, on the effective (aggregated)
//! rules of the role it grants, with a severity that depends on where the
//! binding grants: cluster-wide, in a privileged namespace (kube-system), or
//! in one application namespace.

use crate::graph::{BindingDef, BindingKind, EffectiveRule, PRIVILEGED_NAMESPACES, Rbac, RoleDef};
use palisade_findings::{Cause, CheckMeta, Severity};
use palisade_model::{Location, ObjectRef};
use palisade_value::Path;
use std::sync::Arc;

mod aggregation_widens;
mod anonymous_access;
mod approve_csrs;
mod bind_roles;
mod cluster_admin;
mod control_webhooks;
mod create_persistent_volumes;
mod create_workloads;
mod default_sa_bound;
mod ephemeral_containers;
mod escalate_roles;
mod impersonate;
mod missing_role;
mod modify_namespaces;
mod modify_node_status;
mod modify_pod_status;
mod modify_pods;
mod modify_service_status;
mod nodes_proxy;
mod pods_exec;
mod read_secrets;
mod sa_subject_namespace;
mod steal_pods;
mod token_request;
mod wildcard;
mod write_secrets;

/// Where a binding grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Cluster,
    /// A namespace whose service accounts control the cluster (kube-system).
    Privileged,
    Namespace,
}

impl Scope {
    pub fn of(b: &BindingDef) -> Scope {
        match (b.kind, b.namespace.as_deref()) {
            (BindingKind::ClusterRoleBinding, _) => Scope::Cluster,
            (_, Some(ns)) if PRIVILEGED_NAMESPACES.contains(&ns) => Scope::Privileged,
            _ => Scope::Namespace,
        }
    }

    pub fn describe(self, b: &BindingDef) -> String {
        match self {
            Scope::Cluster => "cluster-wide".to_string(),
            Scope::Privileged | Scope::Namespace => {
                format!("in namespace {}", b.namespace.as_deref().unwrap_or("?"))
            }
        }
    }
}

/// A binding-level hit: severity, message and the field at fault.
pub type BindingHit = (Severity, String, &'static str);
/// A role-level hit: severity, message, the line and the field at fault.
pub type RoleHit = (Severity, String, Location, Path);

/// How a risk is detected.
pub enum Detect {
    /// On the rules a binding grants; severity per scope (cluster,
    /// privileged namespace, other namespace; `None` = not a risk there).
    /// Returns the rule that grants it and what it grants.
    Permission {
        severity: [Option<Severity>; 3],
        rules: fn(&[EffectiveRule]) -> Option<(usize, String)>,
    },
    /// On a binding as a whole: severity, message and the field at fault
    /// (`subjects`, `roleRef`).
    Binding(fn(&Rbac, &BindingDef) -> Option<BindingHit>),
    /// On a role definition, wherever it is bound: severity, message, the
    /// line and the field at fault.
    Role(fn(&Rbac, &RoleDef) -> Option<RoleHit>),
}

/// A risk class.
pub struct Risk {
    pub meta: &'static CheckMeta,
    pub detect: Detect,
}

/// One occurrence of a risk.
#[derive(Debug, Clone)]
pub struct RiskFinding {
    /// Index into [`Rbac::bindings`] for permission and binding risks.
    pub binding: Option<usize>,
    pub object: Arc<ObjectRef>,
    pub location: Location,
    pub path: Path,
    pub severity: Severity,
    pub message: String,
    /// For permission risks: the binding and rule that grant it, shared
    /// by every risk the same rule grants (one cause, one finding).
    pub cause: Option<Cause>,
}

pub static ALL: &[&Risk] = &[
    &cluster_admin::RISK,
    &create_workloads::RISK,
    &bind_roles::RISK,
    &escalate_roles::RISK,
    &impersonate::RISK,
    &approve_csrs::RISK,
    &read_secrets::RISK,
    &write_secrets::RISK,
    &token_request::RISK,
    &control_webhooks::RISK,
    &modify_pods::RISK,
    &nodes_proxy::RISK,
    &ephemeral_containers::RISK,
    &pods_exec::RISK,
    &steal_pods::RISK,
    &modify_service_status::RISK,
    &modify_node_status::RISK,
    &modify_pod_status::RISK,
    &create_persistent_volumes::RISK,
    &modify_namespaces::RISK,
    &anonymous_access::RISK,
    &default_sa_bound::RISK,
    &missing_role::RISK,
    &sa_subject_namespace::RISK,
    &wildcard::RISK,
    &aggregation_widens::RISK,
];

/// The first rule that grants one of `verbs` on one of `resources`
/// (`res` or `res/sub`) in `group`, with a description.
pub(crate) fn grants(
    rules: &[EffectiveRule],
    verbs: &[&str],
    group: &str,
    resources: &[&str],
) -> Option<(usize, String)> {
    for (i, r) in rules.iter().enumerate() {
        for res in resources {
            let (resource, sub) = res.split_once('/').unwrap_or((res, ""));
            if r.rule.grants_any(verbs, group, resource, sub) {
                let verb = verbs
                    .iter()
                    .find(|v| r.rule.verb_matches(v))
                    .copied()
                    .unwrap_or("?");
                return Some((i, format!("{verb} {res}")));
            }
        }
    }
    None
}

fn subjects_phrase(b: &BindingDef) -> String {
    match b.subjects.len() {
        0 => "no subject".to_string(),
        1..=3 => b
            .subjects
            .iter()
            .map(|s| s.subject.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        n => format!(
            "{}, … ({n} subjects)",
            b.subjects[..2]
                .iter()
                .map(|s| s.subject.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Evaluates one risk class over the model.
pub fn evaluate(rbac: &Rbac, risk: &Risk) -> Vec<RiskFinding> {
    let mut out = Vec::new();
    match &risk.detect {
        Detect::Permission { severity, rules } => {
            for (bi, b) in rbac.bindings.iter().enumerate() {
                let Some(role) = rbac.role_of(b) else {
                    continue;
                };
                let scope = Scope::of(b);
                let sev = match scope {
                    Scope::Cluster => severity[0],
                    Scope::Privileged => severity[1],
                    Scope::Namespace => severity[2],
                };
                let Some(sev) = sev else { continue };
                if b.subjects.is_empty() {
                    continue;
                }
                let Some((i, what)) = rules(&role.rules) else {
                    continue;
                };
                let (src, loc) = rbac.rule_source(&role.rules[i]);
                let via = if src.name == role.name && src.kind == role.kind {
                    String::new()
                } else {
                    format!(", aggregated from {}", src.display())
                };
                let at = loc
                    .filter(|l| l.line > 0)
                    .map(|l| format!(" at {l}"))
                    .unwrap_or_default();
                let subjects = subjects_phrase(b);
                let grant = format!(
                    "{} via {} → {} (rule: {}{at}{via})",
                    scope.describe(b),
                    b.display(),
                    role.display(),
                    role.rules[i].rule.describe(),
                );
                out.push(RiskFinding {
                    binding: Some(bi),
                    object: b.reference.clone(),
                    location: b.role_ref_location.clone(),
                    path: Path::root().key("roleRef"),
                    severity: sev,
                    message: format!("{subjects} can {what} {grant}"),
                    cause: Some(Cause::new(
                        format!("rbac-rule {bi} {i}"),
                        format!("{subjects} {grant}"),
                        format!("can {what}"),
                    )),
                });
            }
        }
        Detect::Binding(f) => {
            for (bi, b) in rbac.bindings.iter().enumerate() {
                if let Some((sev, message, field)) = f(rbac, b) {
                    out.push(RiskFinding {
                        binding: Some(bi),
                        object: b.reference.clone(),
                        location: if field == "roleRef" {
                            b.role_ref_location.clone()
                        } else {
                            b.location.clone()
                        },
                        path: Path::root().key(field),
                        severity: sev,
                        message,
                        cause: None,
                    });
                }
            }
        }
        Detect::Role(f) => {
            for r in rbac
                .roles
                .iter()
                .filter(|r| r.origin == crate::graph::Origin::Input)
            {
                if let Some((sev, message, location, path)) = f(rbac, r) {
                    out.push(RiskFinding {
                        binding: None,
                        object: r.reference.clone(),
                        location,
                        path,
                        severity: sev,
                        message,
                        cause: None,
                    });
                }
            }
        }
    }
    out
}

/// The risk class with this check id.
pub fn by_id(id: &str) -> Option<&'static Risk> {
    ALL.iter().copied().find(|r| r.meta.id == id)
}

/// Every risk of every binding: `(risk, finding)`.
pub fn all(rbac: &Rbac) -> Vec<(&'static Risk, RiskFinding)> {
    ALL.iter()
        .flat_map(|r| evaluate(rbac, r).into_iter().map(move |f| (*r, f)))
        .collect()
}

/// The bindings that grant a `* on *` rule (`rbac-cluster-admin`).
pub fn admin_bindings(rbac: &Rbac) -> std::collections::HashSet<usize> {
    evaluate(rbac, &cluster_admin::RISK)
        .into_iter()
        .filter_map(|f| f.binding)
        .collect()
}

/// Whether a finding only repeats what the `rbac-cluster-admin` finding on
/// the same binding says: a `* on *` rule grants every permission risk, and
/// one fix (a narrower role) closes them all.
pub fn subsumed(risk: &Risk, f: &RiskFinding, admin: &std::collections::HashSet<usize>) -> bool {
    matches!(risk.detect, Detect::Permission { .. })
        && risk.meta.id != cluster_admin::RISK.meta.id
        && f.binding.is_some_and(|b| admin.contains(&b))
}
