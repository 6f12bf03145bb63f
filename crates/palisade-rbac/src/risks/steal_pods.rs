//! `rbac-steal-pods`: delete or evict pods, and update or patch nodes.

use super::{Detect, Risk};
use crate::graph::EffectiveRule;
use palisade_findings::{CheckMeta, Framework, Severity};

static META: CheckMeta = CheckMeta {
    id: "rbac-steal-pods",
    title: "Can move pods onto nodes of its choice",
    severity: Severity::High,
    action: 5,
    category: "rbac",
    frameworks: &[Framework::Nsa("rbac"), Framework::Mitre("T1610")],
    risk: "Deleting or evicting pods while cordoning nodes (patching them unschedulable) lets a subject steer sensitive pods onto a node it controls and harvest their tokens.",
    fix: "Separate node management from workload management; remove delete/evict on pods from roles that can patch nodes.",
};

pub static RISK: Risk = Risk {
    meta: &META,
    detect: Detect::Permission {
        severity: [Some(Severity::High), None, None],
        rules: detect,
    },
};

fn detect(rules: &[EffectiveRule]) -> Option<(usize, String)> {
    let evict = super::grants(rules, &["delete", "deletecollection"], "", &["pods"])
        .or_else(|| super::grants(rules, &["create"], "", &["pods/eviction"]))?;
    super::grants(rules, &["update", "patch"], "", &["nodes"])?;
    Some((evict.0, "evict pods and cordon nodes".to_string()))
}
