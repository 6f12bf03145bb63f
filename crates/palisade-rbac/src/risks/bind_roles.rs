//! `rbac-bind-roles`: `bind` on roles or clusterroles.

use super::{Detect, Risk};
use crate::graph::EffectiveRule;
use palisade_findings::{CheckMeta, Framework, Severity};

static META: CheckMeta = CheckMeta {
    id: "rbac-bind-roles",
    title: "Can bind roles it does not hold",
    severity: Severity::Critical,
    action: 5,
    category: "rbac",
    frameworks: &[
        Framework::Cis("5.1.8"),
        Framework::Nsa("rbac"),
        Framework::Mitre("T1098"),
    ],
    risk: "The `bind` verb lets a subject create RoleBindings/ClusterRoleBindings to roles with more permissions than it has, including cluster-admin: a one-step escalation.",
    fix: "Remove `bind` on roles/clusterroles; let an administrator or a GitOps controller create bindings.",
};

pub static RISK: Risk = Risk {
    meta: &META,
    detect: Detect::Permission {
        severity: [
            Some(Severity::Critical),
            Some(Severity::Critical),
            Some(Severity::High),
        ],
        rules: detect,
    },
};

fn detect(rules: &[EffectiveRule]) -> Option<(usize, String)> {
    super::grants(
        rules,
        &["bind"],
        "rbac.authorization.k8s.io",
        &["clusterroles", "roles"],
    )
}
