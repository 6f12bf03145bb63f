//! `rbac-control-webhooks`: create, update or patch webhook configurations.

use super::{Detect, Risk};
use crate::graph::EffectiveRule;
use palisade_findings::{CheckMeta, Framework, Severity};

static META: CheckMeta = CheckMeta {
    id: "rbac-control-webhooks",
    title: "Can change admission webhooks",
    severity: Severity::High,
    action: 5,
    category: "rbac",
    frameworks: &[
        Framework::Cis("5.1.8"),
        Framework::Nsa("rbac"),
        Framework::Mitre("T1562"),
    ],
    risk: "Admission webhooks see (and can mutate) every object written to the cluster. Whoever can create or change their configurations can disable policy enforcement or inject containers into every new pod.",
    fix: "Remove create/update/patch on validating/mutatingwebhookconfigurations; install webhooks through the cluster administrators' pipeline only.",
};

pub static RISK: Risk = Risk {
    meta: &META,
    detect: Detect::Permission {
        severity: [Some(Severity::High), None, None],
        rules: detect,
    },
};

fn detect(rules: &[EffectiveRule]) -> Option<(usize, String)> {
    super::grants(
        rules,
        &["create", "update", "patch"],
        "admissionregistration.k8s.io",
        &[
            "validatingwebhookconfigurations",
            "mutatingwebhookconfigurations",
        ],
    )
}
