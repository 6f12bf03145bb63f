//! `rbac-modify-pods`: update or patch pods.

use super::{Detect, Risk};
use crate::graph::EffectiveRule;
use palisade_findings::{CheckMeta, Framework, Severity};

static META: CheckMeta = CheckMeta {
    id: "rbac-modify-pods",
    title: "Can modify running pods",
    severity: Severity::High,
    action: 5,
    category: "rbac",
    frameworks: &[Framework::Nsa("rbac"), Framework::Mitre("T1609")],
    risk: "Patching a running pod can replace a container image (and run arbitrary code with that pod's service account and mounts); in kube-system those are cluster-controlling accounts.",
    fix: "Remove update/patch on pods; change workloads through their controllers.",
};

pub static RISK: Risk = Risk {
    meta: &META,
    detect: Detect::Permission {
        severity: [
            Some(Severity::High),
            Some(Severity::High),
            Some(Severity::Low),
        ],
        rules: detect,
    },
};

fn detect(rules: &[EffectiveRule]) -> Option<(usize, String)> {
    super::grants(rules, &["update", "patch"], "", &["pods"])
}
