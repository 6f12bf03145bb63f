//! Egress isolation that also blocks DNS.

use super::{Hit, NetpolCheck, is_system, on_policy};
use crate::conns::Protocol;
use crate::network::{Endpoint, Network};
use crate::policy::Direction;
use crate::reach::{Addr, Other, connection, side_with};
use palisade_findings::{CheckMeta, Framework, Severity};
use palisade_model::Model;
use palisade_value::Path;
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

static META: CheckMeta = CheckMeta {
    id: "netpol-egress-blocks-dns",
    title: "Egress isolation blocks DNS",
    severity: Severity::Medium,
    action: 6,
    category: "network",
    frameworks: &[Framework::Nsa("network-separation")],
    risk: "Default-deny egress also denies DNS: the pods cannot resolve Service names, so every \
connection fails even where an allow rule exists (the most common NetworkPolicy outage).",
    fix: "Add an egress rule to kube-dns / CoreDNS: `to: [{namespaceSelector: {matchLabels: \
{kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]` \
with `ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]`.",
};

pub static CHECK: NetpolCheck = NetpolCheck {
    meta: &META,
    detect,
};

fn is_dns(e: &Endpoint) -> bool {
    e.labels
        .get("k8s-app")
        .is_some_and(|v| v == "kube-dns" || v == "coredns")
        || (e.namespace == "kube-system"
            && (e.name.contains("coredns") || e.name.contains("kube-dns")))
}

/// The standard cluster DNS (kube-system, `k8s-app: kube-dns`, port 53),
/// for inputs that do not have it.
fn standard_dns() -> Endpoint {
    Endpoint {
        namespace: "kube-system".into(),
        name: "kube-dns".into(),
        kind: "Deployment".into(),
        labels: BTreeMap::from([("k8s-app".to_string(), "kube-dns".to_string())]),
        named_ports: vec![
            ("dns".into(), 53, Protocol::Udp),
            ("dns-tcp".into(), 53, Protocol::Tcp),
        ],
        ports: vec![(53, Protocol::Udp), (53, Protocol::Tcp)],
        images: Vec::new(),
        host_network: false,
        object: Arc::new(palisade_model::ObjectRef {
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            namespace: Some("kube-system".into()),
            name: "kube-dns".into(),
        }),
        location: palisade_model::Location::new(Arc::from("<cluster DNS>"), 0, 0),
    }
}

fn detect(model: &Model, net: &Network) -> Vec<Hit> {
    if net.policies.iter().all(|p| p.egress.is_none()) {
        return Vec::new();
    }
    let found: Vec<usize> = (0..net.endpoints.len())
        .filter(|&i| is_dns(&net.endpoints[i]))
        .collect();
    let standard = standard_dns();
    // node-local DNS cache
    let node_local = IpAddr::V4(Ipv4Addr::new(169, 254, 20, 10));
    let mut blocked: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, e) in net.endpoints.iter().enumerate() {
        if is_system(&e.namespace) || net.isolating(i, Direction::Egress).is_empty() {
            continue;
        }
        let udp53 = |c: &crate::conns::Conns| c.allows(Protocol::Udp, 53);
        let resolves =
            if found.is_empty() {
                // only this side is known: the standard DNS accepts DNS queries
                udp53(&side_with(net, i, Other::Endpoint(&standard), Direction::Egress).conns)
            } else {
                found
                    .iter()
                    .any(|&d| udp53(&connection(net, Addr::Endpoint(i), Addr::Endpoint(d)).conns))
            } || udp53(&side_with(net, i, Other::Ip(node_local), Direction::Egress).conns);
        if !resolves {
            blocked.entry(&e.namespace).or_default().push(i);
        }
    }
    let mut out = Vec::new();
    for (ns, eps) in blocked {
        let first = eps[0];
        let policy = &net.policies[net.isolating(first, Direction::Egress)[0]];
        let names: Vec<String> = eps
            .iter()
            .take(5)
            .map(|&e| net.endpoints[e].name.clone())
            .collect();
        out.push(on_policy(
            model,
            policy,
            Path::root().key("spec").key("policyTypes"),
            format!(
                "egress policies in namespace {ns} (e.g. {}) block DNS (UDP 53 to kube-dns) for {} workload{}: {}{}",
                policy.name,
                eps.len(),
                if eps.len() == 1 { "" } else { "s" },
                names.join(", "),
                if eps.len() > names.len() { ", …" } else { "" }
            ),
        ));
    }
    out
}
