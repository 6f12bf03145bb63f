//! `rbac-cluster-admin`: `*` verbs on `*` resources in `*` groups.

use super::{Detect, Risk};
use crate::graph::EffectiveRule;
use palisade_findings::{CheckMeta, Framework, Severity};

static META: CheckMeta = CheckMeta {
    id: "rbac-cluster-admin",
    title: "Full wildcard access (cluster-admin equivalent)",
    severity: Severity::Critical,
    action: 5,
    category: "rbac",
    frameworks: &[
        Framework::Cis("5.1.1"),
        Framework::Nsa("rbac"),
        Framework::Mitre("T1078"),
    ],
    risk: "A rule with `*` verbs on `*` resources of `*` groups is cluster-admin: whoever holds it can do anything, including granting itself more. Bound cluster-wide it is the whole cluster; bound in a namespace it is full control of that namespace (its secrets, its service accounts, its workloads).",
    fix: "Bind a role that lists the resources and verbs the subject needs; keep cluster-admin for break-glass accounts outside day-to-day use.",
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
    rules
        .iter()
        .position(|r| r.rule.is_full_wildcard())
        .map(|i| (i, "do anything (* on *)".to_string()))
}
