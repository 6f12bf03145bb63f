//! `rbac-subject-namespace-missing`: service-account subjects without a
//! namespace in a ClusterRoleBinding.

use super::{Detect, Risk};
use crate::graph::{BindingDef, BindingKind, Rbac};
use palisade_findings::{CheckMeta, Framework, Severity};

static META: CheckMeta = CheckMeta {
    id: "rbac-subject-namespace-missing",
    title: "Service-account subject without a namespace",
    severity: Severity::Medium,
    action: 5,
    category: "rbac",
    frameworks: &[Framework::Nsa("rbac")],
    risk: "A ClusterRoleBinding names service accounts by namespace and name; without the namespace the API \
server rejects the binding (or, in tools that default it, it binds an account nobody intended).",
    fix: "Add `namespace:` to the ServiceAccount subject.",
};

pub static RISK: Risk = Risk {
    meta: &META,
    detect: Detect::Binding(detect),
};

fn detect(_rbac: &Rbac, b: &BindingDef) -> Option<(Severity, String, &'static str)> {
    if b.kind != BindingKind::ClusterRoleBinding {
        return None;
    }
    let s = b.subjects.iter().find(|s| s.namespace_missing)?;
    let name = match &s.subject {
        crate::subject::Subject::ServiceAccount { name, .. } => name.clone(),
        other => other.to_string(),
    };
    Some((
        Severity::Medium,
        format!(
            "{} has service-account subject {name:?} without a namespace",
            b.display()
        ),
        "subjects",
    ))
}
