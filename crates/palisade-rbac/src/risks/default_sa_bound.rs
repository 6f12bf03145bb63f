//! `rbac-default-service-account-bound`: bindings to a namespace's
//! `default` service account, which every pod without its own account uses.

use super::{Detect, Risk, Scope};
use crate::graph::{BindingDef, Rbac};
use crate::subject::Subject;
use palisade_findings::{CheckMeta, Framework, Severity};

static META: CheckMeta = CheckMeta {
    id: "rbac-default-service-account-bound",
    title: "Permissions granted to a default service account",
    severity: Severity::High,
    action: 5,
    category: "rbac",
    frameworks: &[
        Framework::Cis("5.1.5"),
        Framework::Nsa("sa-tokens"),
        Framework::Mitre("T1078.001"),
    ],
    risk: "Every pod of the namespace that names no service account runs as `default` and mounts its token: \
a role bound to `default` is granted to all of them, including ones added later by someone else.",
    fix: "Create a dedicated ServiceAccount for the workload that needs the permissions and bind the role \
to it; leave `default` without bindings.",
};

pub static RISK: Risk = Risk {
    meta: &META,
    detect: Detect::Binding(detect),
};

fn detect(_rbac: &Rbac, b: &BindingDef) -> Option<(Severity, String, &'static str)> {
    let s = b.subjects.iter().find_map(|s| match &s.subject {
        Subject::ServiceAccount { namespace, name } if name == "default" => Some(namespace.clone()),
        _ => None,
    })?;
    let severity = match Scope::of(b) {
        Scope::Namespace => Severity::Medium,
        _ => Severity::High,
    };
    Some((
        severity,
        format!(
            "{} grants {}/{} to the default service account of namespace {s} {}",
            b.display(),
            b.role_kind,
            b.role_name,
            Scope::of(b).describe(b)
        ),
        "subjects",
    ))
}
