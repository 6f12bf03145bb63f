//! `rbac-modify-namespaces`: update or patch namespaces.

use super::{Detect, Risk};
use crate::graph::EffectiveRule;
use palisade_findings::{CheckMeta, Framework, Severity};

static META: CheckMeta = CheckMeta {
    id: "rbac-modify-namespaces",
    title: "Can modify Namespaces (labels)",
    severity: Severity::Medium,
    action: 5,
    category: "rbac",
    frameworks: &[Framework::Nsa("rbac"), Framework::Mitre("T1562")],
    risk: "Patching a Namespace changes its labels: `pod-security.kubernetes.io/enforce: privileged` switches Pod Security off, and NetworkPolicy namespaceSelectors that rely on labels open up. A RoleBinding can grant this on its own namespace.",
    fix: "Remove update/patch on namespaces; manage namespaces from IaC.",
};

pub static RISK: Risk = Risk {
    meta: &META,
    detect: Detect::Permission {
        severity: [
            Some(Severity::Medium),
            Some(Severity::High),
            Some(Severity::Medium),
        ],
        rules: detect,
    },
};

fn detect(rules: &[EffectiveRule]) -> Option<(usize, String)> {
    super::grants(rules, &["update", "patch"], "", &["namespaces"])
}
