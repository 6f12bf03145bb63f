//! `rbac-binding-missing-role`: bindings whose role does not exist.

use super::{Detect, Risk};
use crate::graph::{BindingDef, Rbac};
use palisade_findings::{CheckMeta, Framework, Severity};

static META: CheckMeta = CheckMeta {
    id: "rbac-binding-missing-role",
    title: "Binding to a role that does not exist",
    severity: Severity::Medium,
    action: 5,
    category: "rbac",
    frameworks: &[Framework::Nsa("rbac")],
    risk: "A binding to a missing role grants nothing today, but whoever later creates a role of that name \
(by mistake, or anyone allowed to create roles) silently grants it to the binding's subjects.",
    fix: "Delete the binding, or create the role it expects in the same change.",
};

pub static RISK: Risk = Risk {
    meta: &META,
    detect: Detect::Binding(detect),
};

fn detect(rbac: &Rbac, b: &BindingDef) -> Option<(Severity, String, &'static str)> {
    if b.role.is_some() || !rbac.is_missing(b) {
        return None;
    }
    Some((
        Severity::Medium,
        format!(
            "{} refers to {} {}{}, which the input does not define",
            b.display(),
            b.role_kind,
            match (&b.namespace, b.role_kind.as_str()) {
                (Some(ns), "Role") => format!("{ns}/"),
                _ => String::new(),
            },
            b.role_name
        ),
        "roleRef",
    ))
}
