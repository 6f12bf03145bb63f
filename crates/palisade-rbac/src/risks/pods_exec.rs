//! `rbac-pods-exec`: create (or get) pods/exec or pods/attach.

use super::{Detect, Risk};
use crate::graph::EffectiveRule;
use palisade_findings::{CheckMeta, Framework, Severity};

static META: CheckMeta = CheckMeta {
    id: "rbac-pods-exec",
    title: "Can exec into or attach to pods",
    severity: Severity::High,
    action: 5,
    category: "rbac",
    frameworks: &[Framework::Nsa("rbac"), Framework::Mitre("T1609")],
    risk: "`pods/exec` and `pods/attach` give a shell in any pod of the scope: its service-account token, its mounted Secrets and its network position.",
    fix: "Grant exec only for debugging, in one namespace, time-bound; prefer ephemeral debug containers under audit.",
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
    super::grants(rules, &["create", "get"], "", &["pods/exec", "pods/attach"])
}
