//! Policies whose podSelector matches no workload of their namespace.

use super::{Hit, NetpolCheck, on_policy};
use crate::network::Network;
use palisade_findings::{CheckMeta, Framework, Severity};
use palisade_model::Model;
use palisade_value::Path;

static META: CheckMeta = CheckMeta {
    id: "netpol-selects-nothing",
    title: "NetworkPolicy selects no workload",
    severity: Severity::Low,
    action: 6,
    category: "network",
    frameworks: &[Framework::Nsa("network-separation")],
    risk: "A policy whose podSelector matches no pod protects nothing: the workload it was written \
for is still open. Usually a label typo or a renamed app.",
    fix: "Make the podSelector match the pod template labels of the workload it protects (or \
delete the stale policy).",
};

pub static CHECK: NetpolCheck = NetpolCheck {
    meta: &META,
    detect,
};

fn detect(model: &Model, net: &Network) -> Vec<Hit> {
    let mut out = Vec::new();
    // pods an operator will run for custom resources of the input
    let managed = palisade_model::operators::managed_pods(model);
    for p in &net.policies {
        let Some(eps) = net.by_namespace.get(&p.namespace) else {
            continue; // the input has none of the namespace's workloads
        };
        if eps.iter().any(|&e| net.selects(p, &net.endpoints[e])) {
            continue;
        }
        if managed.iter().any(|m| {
            m.namespace == p.namespace && palisade_model::selector::matches(&p.select, &m.labels)
        }) {
            continue;
        }
        out.push(on_policy(
            model,
            p,
            Path::root().key("spec").key("podSelector"),
            format!(
                "policy {} selects none of the {} workload{} in namespace {}",
                p.display(),
                eps.len(),
                if eps.len() == 1 { "" } else { "s" },
                p.namespace
            ),
        ));
    }
    out
}
