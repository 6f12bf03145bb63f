//! `rbac-read-secrets`: get, list or watch secrets.

use super::{Detect, Risk};
use crate::graph::EffectiveRule;
use palisade_findings::{CheckMeta, Framework, Severity};

static META: CheckMeta = CheckMeta {
    id: "rbac-read-secrets",
    title: "Can read Secrets",
    severity: Severity::Critical,
    action: 5,
    category: "rbac",
    frameworks: &[
        Framework::Cis("5.1.2"),
        Framework::Nsa("rbac"),
        Framework::Mitre("T1552.007"),
        Framework::Mitre("T1528"),
    ],
    risk: "`get`, `list` or `watch` on Secrets reveals their contents (list and watch return every value). In kube-system, or cluster-wide, that includes service-account tokens and credentials that control the cluster.",
    fix: "Grant `get` on the named Secrets the workload needs (`resourceNames`), never `list`/`watch` on all Secrets; mount Secrets into pods instead of reading them through the API.",
};

pub static RISK: Risk = Risk {
    meta: &META,
    detect: Detect::Permission {
        severity: [
            Some(Severity::Critical),
            Some(Severity::Critical),
            Some(Severity::Medium),
        ],
        rules: detect,
    },
};

fn detect(rules: &[EffectiveRule]) -> Option<(usize, String)> {
    super::grants(rules, &["get", "list", "watch"], "", &["secrets"])
}
