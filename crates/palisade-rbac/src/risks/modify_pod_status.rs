//! `rbac-modify-pod-status`: update or patch pods/status.

use super::{Detect, Risk};
use crate::graph::EffectiveRule;
use palisade_findings::{CheckMeta, Framework, Severity};

static META: CheckMeta = CheckMeta {
    id: "rbac-modify-pod-status",
    title: "Can modify Pod status",
    severity: Severity::Low,
    action: 5,
    category: "rbac",
    frameworks: &[Framework::Nsa("rbac"), Framework::Mitre("T1565")],
    risk: "Writing pod status can remove pods from Service endpoints or make failing pods look ready, and confuse controllers.",
    fix: "Remove update/patch on pods/status; only kubelets and controllers write it.",
};

pub static RISK: Risk = Risk {
    meta: &META,
    detect: Detect::Permission {
        severity: [
            Some(Severity::Low),
            Some(Severity::Low),
            Some(Severity::Low),
        ],
        rules: detect,
    },
};

fn detect(rules: &[EffectiveRule]) -> Option<(usize, String)> {
    super::grants(rules, &["update", "patch"], "", &["pods/status"])
}
