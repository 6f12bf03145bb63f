//! `rbac-impersonate`: `impersonate` on users, groups, serviceaccounts, uids or userextras.

use super::{Detect, Risk};
use crate::graph::EffectiveRule;
use palisade_findings::{CheckMeta, Framework, Severity};

static META: CheckMeta = CheckMeta {
    id: "rbac-impersonate",
    title: "Can impersonate users, groups or service accounts",
    severity: Severity::Critical,
    action: 5,
    category: "rbac",
    frameworks: &[
        Framework::Cis("5.1.8"),
        Framework::Nsa("rbac"),
        Framework::Mitre("T1078"),
    ],
    risk: "`impersonate` lets a subject act as another user, group (`system:masters`!) or service account: it gets their permissions, and the audit log records the impersonated identity.",
    fix: "Remove `impersonate`; where a tool needs it, restrict it with `resourceNames` to the exact identities.",
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
    super::grants(
        rules,
        &["impersonate"],
        "",
        &["users", "groups", "serviceaccounts"],
    )
    .or_else(|| {
        super::grants(
            rules,
            &["impersonate"],
            "authentication.k8s.io",
            &["uids", "userextras"],
        )
    })
}
