//! `rbac-token-request`: create serviceaccounts/token.

use super::{Detect, Risk};
use crate::graph::EffectiveRule;
use palisade_findings::{CheckMeta, Framework, Severity};

static META: CheckMeta = CheckMeta {
    id: "rbac-token-request",
    title: "Can request service-account tokens",
    severity: Severity::Critical,
    action: 5,
    category: "rbac",
    frameworks: &[Framework::Nsa("rbac"), Framework::Mitre("T1528")],
    risk: "`create` on serviceaccounts/token issues a token for any service account of the scope: its permissions become the subject's.",
    fix: "Remove create on serviceaccounts/token, or restrict it with `resourceNames` to the one account a tool needs.",
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
    super::grants(rules, &["create"], "", &["serviceaccounts/token"])
}
