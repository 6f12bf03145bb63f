//! `rbac-write-secrets`: create, update or patch secrets.

use super::{Detect, Risk};
use crate::graph::EffectiveRule;
use palisade_findings::{CheckMeta, Framework, Severity};

static META: CheckMeta = CheckMeta {
    id: "rbac-write-secrets",
    title: "Can create or modify Secrets",
    severity: Severity::Critical,
    action: 5,
    category: "rbac",
    frameworks: &[Framework::Nsa("rbac"), Framework::Mitre("T1528")],
    risk: "Creating a Secret of type `kubernetes.io/service-account-token` makes the token controller issue a token for any service account of the namespace; modifying Secrets lets a subject swap credentials other workloads use.",
    fix: "Remove create/update/patch on Secrets; manage them with an operator (External Secrets, sealed-secrets) that has this right alone.",
};

pub static RISK: Risk = Risk {
    meta: &META,
    detect: Detect::Permission {
        severity: [
            Some(Severity::Critical),
            Some(Severity::Critical),
            Some(Severity::Low),
        ],
        rules: detect,
    },
};

fn detect(rules: &[EffectiveRule]) -> Option<(usize, String)> {
    super::grants(rules, &["create", "update", "patch"], "", &["secrets"])
}
