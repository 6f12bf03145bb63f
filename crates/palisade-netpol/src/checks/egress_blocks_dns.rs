//! Egress isolation that also blocks DNS.

use super::{Hit, NetpolCheck, is_system, on_policy};
use crate::conns::Protocol;
use crate::network::{Endpoint, NAMESPACE_NAME_LABEL, Network};
use crate::policy::Direction;
use crate::reach::{Addr, connection};
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

/// The cluster DNS: the input's kube-dns/CoreDNS workloads, or the standard
/// one (kube-system, `k8s-app: kube-dns`, port 53) when the input has none.
fn with_dns(net: &Network) -> (Network, Vec<usize>) {
    let is_dns = |e: &Endpoint| {
        e.labels
            .get("k8s-app")
            .is_some_and(|v| v == "kube-dns" || v == "coredns")
            || (e.namespace == "kube-system"
                && (e.name.contains("coredns") || e.name.contains("kube-dns")))
    };
    let found: Vec<usize> = (0..net.endpoints.len())
        .filter(|&i| is_dns(&net.endpoints[i]))
        .collect();
    if !found.is_empty() {
        return (net.clone(), found);
    }
    let mut n = net.clone();
    n.namespaces.entry("kube-system".into()).or_insert_with(|| {
        BTreeMap::from([(NAMESPACE_NAME_LABEL.to_string(), "kube-system".to_string())])
    });
    n.endpoints.push(Endpoint {
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
    });
    n.index();
    let i = n.endpoints.len() - 1;
    (n, vec![i])
}

fn detect(model: &Model, net: &Network) -> Vec<Hit> {
    if net.policies.iter().all(|p| p.egress.is_none()) {
        return Vec::new();
    }
    let (n, dns) = with_dns(net);
    // node-local DNS cache
    let node_local = Addr::Ip(IpAddr::V4(Ipv4Addr::new(169, 254, 20, 10)));
    let mut blocked: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, e) in net.endpoints.iter().enumerate() {
        if is_system(&e.namespace) || n.isolating(i, Direction::Egress).is_empty() {
            continue;
        }
        let resolves = dns
            .iter()
            .map(|&d| Addr::Endpoint(d))
            .chain([node_local])
            .any(|d| {
                connection(&n, Addr::Endpoint(i), d)
                    .conns
                    .allows(Protocol::Udp, 53)
            });
        if !resolves {
            blocked.entry(&e.namespace).or_default().push(i);
        }
    }
    let mut out = Vec::new();
    for (ns, eps) in blocked {
        let first = eps[0];
        let policy = &net.policies[n.isolating(first, Direction::Egress)[0]];
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
