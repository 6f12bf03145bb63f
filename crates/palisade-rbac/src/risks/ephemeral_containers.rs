//! `rbac-ephemeral-containers`: update or patch pods/ephemeralcontainers.

use super::{Detect, Risk};
use crate::graph::EffectiveRule;
use palisade_findings::{CheckMeta, Framework, Severity};

static META: CheckMeta = CheckMeta {
    id: "rbac-ephemeral-containers",
    title: "Can add ephemeral containers to pods",
    severity: Severity::High,
    action: 5,
    category: "rbac",
    frameworks: &[Framework::Nsa("rbac"), Framework::Mitre("T1609")],
    risk: "Adding an ephemeral container to a running pod runs arbitrary code inside it, with its service account, volumes and network, without changing the workload definition.",
    fix: "Remove update/patch on pods/ephemeralcontainers outside break-glass roles.",
};

pub static RISK: Risk = Risk {
    meta: &META,
    detect: Detect::Permission {
        severity: [
            Some(Severity::High),
            Some(Severity::High),
            Some(Severity::Medium),
        ],
        rules: detect,
    },
};

fn detect(rules: &[EffectiveRule]) -> Option<(usize, String)> {
    super::grants(
        rules,
        &["update", "patch"],
        "",
        &["pods/ephemeralcontainers"],
    )
}
