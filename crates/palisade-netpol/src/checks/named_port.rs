//! Named ports that no destination pod declares.

use super::{Hit, NetpolCheck, on_policy};
use crate::network::{Endpoint, Network};
use crate::policy::{Direction, Peer, Policy, PortSpec};
use palisade_findings::{CheckMeta, Framework, Severity};
use palisade_model::Model;

static META: CheckMeta = CheckMeta {
    id: "netpol-named-port-unresolved",
    title: "Named port resolves on no pod",
    severity: Severity::Medium,
    action: 6,
    category: "network",
    frameworks: &[Framework::Nsa("network-separation")],
    risk: "A named port is resolved against the container ports of the destination pod. When no \
destination pod declares a port of that name and protocol, the rule allows nothing — the \
connection it was written for is blocked, usually discovered as an outage.",
    fix: "Use the `name` of a `containerPort` of the destination pods (or the port number).",
};

pub static CHECK: NetpolCheck = NetpolCheck {
    meta: &META,
    detect,
};

fn declares(e: &Endpoint, name: &str, proto: crate::conns::Protocol) -> bool {
    e.named_ports
        .iter()
        .any(|(n, _, p)| n == name && *p == proto)
}

fn detect(model: &Model, net: &Network) -> Vec<Hit> {
    let mut out = Vec::new();
    let named = |r: &&crate::policy::Rule| {
        r.ports
            .iter()
            .flatten()
            .any(|x| matches!(x.port, PortSpec::Named(_)))
    };
    for p in &net.policies {
        let has_named = [Direction::Ingress, Direction::Egress]
            .iter()
            .any(|&d| p.rules(d).unwrap_or_default().iter().any(|r| named(&r)));
        if !has_named {
            continue;
        }
        let selected: Vec<&Endpoint> = net
            .by_namespace
            .get(&p.namespace)
            .into_iter()
            .flatten()
            .map(|&e| &net.endpoints[e])
            .filter(|e| net.selects(p, e))
            .collect();
        for d in [Direction::Ingress, Direction::Egress] {
            for r in p.rules(d).unwrap_or_default().iter().filter(named) {
                // the pods a named port is resolved on
                let destinations: Vec<&Endpoint> = match d {
                    Direction::Ingress => selected.clone(),
                    Direction::Egress => match &r.peers {
                        None => net.endpoints.iter().collect(),
                        Some(peers) => net
                            .endpoints
                            .iter()
                            .filter(|e| {
                                peers.iter().any(|peer| {
                                    matches!(peer, Peer::Pods { .. })
                                        && net.peer_matches(peer, &p.namespace, e)
                                })
                            })
                            .collect(),
                    },
                };
                if destinations.is_empty() {
                    continue; // nothing to resolve on: another check says so
                }
                for (j, port) in r.ports.iter().flatten().enumerate() {
                    let PortSpec::Named(name) = &port.port else {
                        continue;
                    };
                    if destinations
                        .iter()
                        .any(|e| declares(e, name, port.protocol))
                    {
                        continue;
                    }
                    out.push(on_policy(
                        model,
                        p,
                        Policy::rule_path(d, r.index).key("ports").index(j).key("port"),
                        format!(
                            "named port {name:?} ({}) of {} rule {} of policy {} is declared by none of its {} destination workload{}",
                            port.protocol,
                            d.as_str(),
                            r.index + 1,
                            p.display(),
                            destinations.len(),
                            if destinations.len() == 1 { "" } else { "s" },
                        ),
                    ));
                }
            }
        }
    }
    out
}
