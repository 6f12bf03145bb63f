//! `rbac-nodes-proxy`: get or create nodes/proxy.

use super::{Detect, Risk};
use crate::graph::EffectiveRule;
use palisade_findings::{CheckMeta, Framework, Severity};

static META: CheckMeta = CheckMeta {
    id: "rbac-nodes-proxy",
    title: "Can reach the kubelet API (nodes/proxy)",
    severity: Severity::High,
    action: 5,
    category: "rbac",
    frameworks: &[Framework::Nsa("rbac"), Framework::Mitre("T1609")],
    risk: "`get` on nodes/proxy is enough to talk to every kubelet (via a websocket upgrade) and run commands in every pod on every node, bypassing admission control and audit logging of the exec.",
    fix: "Remove nodes/proxy; monitoring agents need nodes/metrics and nodes/stats, not nodes/proxy.",
};

pub static RISK: Risk = Risk {
    meta: &META,
    detect: Detect::Permission {
        severity: [Some(Severity::High), None, None],
        rules: detect,
    },
};

fn detect(rules: &[EffectiveRule]) -> Option<(usize, String)> {
    super::grants(rules, &["get", "create"], "", &["nodes/proxy"])
}
