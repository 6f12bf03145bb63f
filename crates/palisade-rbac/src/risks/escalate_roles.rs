//! `rbac-escalate-roles`: `escalate` on roles or clusterroles.

use super::{Detect, Risk};
use crate::graph::EffectiveRule;
use palisade_findings::{CheckMeta, Framework, Severity};

static META: CheckMeta = CheckMeta {
    id: "rbac-escalate-roles",
    title: "Can escalate roles beyond its own permissions",
    severity: Severity::Critical,
    action: 5,
    category: "rbac",
    frameworks: &[
        Framework::Cis("5.1.8"),
        Framework::Nsa("rbac"),
        Framework::Mitre("T1098"),
    ],
    risk: "The `escalate` verb lets a subject create or edit Roles/ClusterRoles with permissions it does not hold, then bind them: a one-step escalation to any permission.",
    fix: "Remove `escalate` on roles/clusterroles.",
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
        &["escalate"],
        "rbac.authorization.k8s.io",
        &["clusterroles", "roles"],
    )
}
