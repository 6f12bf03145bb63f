//! `rbac-modify-service-status`: update or patch services/status.

use super::{Detect, Risk};
use crate::graph::EffectiveRule;
use palisade_findings::{CheckMeta, Framework, Severity};

static META: CheckMeta = CheckMeta {
    id: "rbac-modify-service-status",
    title: "Can modify Service status (CVE-2020-8554)",
    severity: Severity::Medium,
    action: 5,
    category: "rbac",
    frameworks: &[Framework::Nsa("rbac"), Framework::Mitre("T1557")],
    risk: "Writing a LoadBalancer Service's status.loadBalancer.ingress IP makes kube-proxy route that IP, cluster-wide, to the subject's pods: traffic to an external address (or another service) is intercepted (CVE-2020-8554).",
    fix: "Remove update/patch on services/status; only the cloud controller should write it.",
};

pub static RISK: Risk = Risk {
    meta: &META,
    detect: Detect::Permission {
        severity: [
            Some(Severity::Medium),
            Some(Severity::Medium),
            Some(Severity::Medium),
        ],
        rules: detect,
    },
};

fn detect(rules: &[EffectiveRule]) -> Option<(usize, String)> {
    super::grants(rules, &["update", "patch"], "", &["services/status"])
}
