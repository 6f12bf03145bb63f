//! `rbac-modify-node-status`: update or patch nodes/status.

use super::{Detect, Risk};
use crate::graph::EffectiveRule;
use palisade_findings::{CheckMeta, Framework, Severity};

static META: CheckMeta = CheckMeta {
    id: "rbac-modify-node-status",
    title: "Can modify Node status",
    severity: Severity::Low,
    action: 5,
    category: "rbac",
    frameworks: &[Framework::Nsa("rbac"), Framework::Mitre("T1565")],
    risk: "Writing node status lets a subject fake node conditions, capacity and addresses and thereby influence scheduling.",
    fix: "Remove update/patch on nodes/status; only kubelets write it.",
};

pub static RISK: Risk = Risk {
    meta: &META,
    detect: Detect::Permission {
        severity: [Some(Severity::Low), None, None],
        rules: detect,
    },
};

fn detect(rules: &[EffectiveRule]) -> Option<(usize, String)> {
    super::grants(rules, &["update", "patch"], "", &["nodes/status"])
}
