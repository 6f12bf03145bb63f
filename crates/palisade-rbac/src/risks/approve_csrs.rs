//! `rbac-approve-csrs`: update certificatesigningrequests/approval and approve signers.

use super::{Detect, Risk};
use crate::graph::EffectiveRule;
use palisade_findings::{CheckMeta, Framework, Severity};

static META: CheckMeta = CheckMeta {
    id: "rbac-approve-csrs",
    title: "Can issue client certificates (approve CSRs)",
    severity: Severity::Critical,
    action: 5,
    category: "rbac",
    frameworks: &[Framework::Nsa("rbac"), Framework::Mitre("T1649")],
    risk: "Creating and approving CertificateSigningRequests lets a subject issue itself a client certificate for any user or group (e.g. `system:masters`) signed by the cluster CA: permanent cluster-admin that survives RBAC changes.",
    fix: "Remove `update` on certificatesigningrequests/approval and `approve` on signers; leave approval to the controller manager.",
};

pub static RISK: Risk = Risk {
    meta: &META,
    detect: Detect::Permission {
        severity: [Some(Severity::Critical), None, None],
        rules: detect,
    },
};

fn detect(rules: &[EffectiveRule]) -> Option<(usize, String)> {
    let approval = super::grants(
        rules,
        &["update", "patch"],
        "certificates.k8s.io",
        &["certificatesigningrequests/approval"],
    )?;
    super::grants(rules, &["approve"], "certificates.k8s.io", &["signers"])?;
    Some((approval.0, "approve certificatesigningrequests".to_string()))
}
