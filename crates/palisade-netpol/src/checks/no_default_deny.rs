//! Namespaces running workloads without a default-deny policy.

use super::{Hit, NetpolCheck, has_default_deny, is_system, namespace_ref};
use crate::network::Network;
use crate::policy::Direction;
use palisade_findings::{CheckMeta, Framework, Severity};
use palisade_model::Model;
use std::collections::BTreeMap;

static INGRESS_META: CheckMeta = CheckMeta {
    id: "netpol-no-default-deny-ingress",
    title: "Namespace without default-deny ingress",
    severity: Severity::Medium,
    action: 6,
    category: "network",
    frameworks: &[
        Framework::Cis("5.3.2"),
        Framework::Nsa("network-separation"),
        Framework::Mitre("T1021"),
    ],
    risk: "Pods that no NetworkPolicy selects accept connections from every pod in the cluster: one \
compromised pod can reach every database, admin port and metrics endpoint. A policy that selects \
all pods (`podSelector: {}`) with `Ingress` isolates the namespace; allows are then added per app.",
    fix: "Add a default-deny policy to the namespace: `podSelector: {}` and `policyTypes: [Ingress]` \
with no ingress rules (`palisade netpol generate` writes it with the allows your workloads need).",
};

static EGRESS_META: CheckMeta = CheckMeta {
    id: "netpol-no-default-deny-egress",
    title: "Namespace without default-deny egress",
    severity: Severity::Low,
    action: 6,
    category: "network",
    frameworks: &[
        Framework::Nsa("network-separation"),
        Framework::Mitre("T1041"),
    ],
    risk: "Without egress isolation a compromised pod can reach any service in the cluster, the \
cloud metadata endpoint (169.254.169.254) and the Internet, to move laterally or exfiltrate data.",
    fix: "Add `podSelector: {}` with `policyTypes: [Egress]` and allow DNS (UDP and TCP 53 to \
kube-dns) plus the destinations each app needs (`palisade netpol generate`).",
};

pub static INGRESS: NetpolCheck = NetpolCheck {
    meta: &INGRESS_META,
    detect: |m, n| detect(m, n, Direction::Ingress),
};

pub static EGRESS: NetpolCheck = NetpolCheck {
    meta: &EGRESS_META,
    detect: |m, n| detect(m, n, Direction::Egress),
};

fn detect(model: &Model, net: &Network, d: Direction) -> Vec<Hit> {
    let mut namespaces = BTreeMap::new();
    for e in &net.endpoints {
        namespaces
            .entry(e.namespace.as_str())
            .or_insert(&e.location);
    }
    let mut out = Vec::new();
    for (ns, first) in namespaces {
        if is_system(ns) || has_default_deny(net, ns, d) {
            continue;
        }
        let (object, location) = namespace_ref(model, ns, first);
        out.push(Hit {
            object,
            location,
            path: None,
            message: format!(
                "namespace {ns} runs workloads but no policy with `podSelector: {{}}` isolates {}",
                d.as_str()
            ),
            severity: None,
        });
    }
    out
}
