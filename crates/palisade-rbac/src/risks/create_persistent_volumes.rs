//! `rbac-create-persistentvolumes`: create persistentvolumes.

use super::{Detect, Risk};
use crate::graph::EffectiveRule;
use palisade_findings::{CheckMeta, Framework, Severity};

static META: CheckMeta = CheckMeta {
    id: "rbac-create-persistentvolumes",
    title: "Can create PersistentVolumes",
    severity: Severity::High,
    action: 5,
    category: "rbac",
    frameworks: &[Framework::Nsa("rbac"), Framework::Mitre("T1611")],
    risk: "A PersistentVolume can be a hostPath: whoever creates one and a claim on it mounts any directory of a node into a pod, outside Pod Security admission.",
    fix: "Remove create on persistentvolumes; provision storage through StorageClasses.",
};

pub static RISK: Risk = Risk {
    meta: &META,
    detect: Detect::Permission {
        severity: [Some(Severity::High), None, None],
        rules: detect,
    },
};

fn detect(rules: &[EffectiveRule]) -> Option<(usize, String)> {
    super::grants(rules, &["create"], "", &["persistentvolumes"])
}
