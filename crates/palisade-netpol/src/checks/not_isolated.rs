//! Workloads no policy selects, in namespaces that do use policies.

use super::{Hit, NetpolCheck, is_system};
use crate::network::Network;
use crate::policy::Direction;
use palisade_findings::{CheckMeta, Framework, Severity};
use palisade_model::Model;

static META: CheckMeta = CheckMeta {
    id: "netpol-workload-not-isolated",
    title: "Workload not selected by any NetworkPolicy",
    severity: Severity::Medium,
    action: 6,
    category: "network",
    frameworks: &[
        Framework::Cis("5.3.2"),
        Framework::Nsa("network-separation"),
    ],
    risk: "The namespace uses NetworkPolicies, but no policy's podSelector matches this workload's \
pod labels, so it accepts and opens every connection — often a label typo or a workload added \
after the policies were written.",
    fix: "Select the workload from a policy (fix the podSelector or the pod labels), or add a \
default-deny policy (`podSelector: {}`) to the namespace so nothing is left open by accident.",
};

pub static CHECK: NetpolCheck = NetpolCheck {
    meta: &META,
    detect,
};

fn detect(_model: &Model, net: &Network) -> Vec<Hit> {
    let mut out = Vec::new();
    for (i, e) in net.endpoints.iter().enumerate() {
        if is_system(&e.namespace) || !net.policies_by_namespace.contains_key(&e.namespace) {
            continue; // a namespace without policies is reported as a whole
        }
        if net.isolating(i, Direction::Ingress).is_empty()
            && net.isolating(i, Direction::Egress).is_empty()
        {
            let names: Vec<String> = net.policies_by_namespace[&e.namespace]
                .iter()
                .map(|&p| net.policies[p].name.clone())
                .collect();
            out.push(Hit {
                object: e.object.clone(),
                location: e.location.clone(),
                path: None,
                message: format!(
                    "{} is selected by none of the {} polic{} in namespace {} ({}): all its traffic is allowed",
                    e.display(),
                    names.len(),
                    if names.len() == 1 { "y" } else { "ies" },
                    e.namespace,
                    names.join(", ")
                ),
                severity: None,
            });
        }
    }
    out
}
