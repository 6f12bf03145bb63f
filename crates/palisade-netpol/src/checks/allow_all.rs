//! Rules that allow every peer on every port.

use super::{Hit, NetpolCheck, on_policy};
use crate::network::Network;
use crate::policy::{Direction, Peer, Policy, Rule};
use palisade_findings::{CheckMeta, Framework, Severity};
use palisade_model::Model;

static META: CheckMeta = CheckMeta {
    id: "netpol-allow-all",
    title: "NetworkPolicy rule allows everything",
    severity: Severity::Low,
    action: 6,
    category: "network",
    frameworks: &[Framework::Nsa("network-separation")],
    risk: "A rule with no peers (`- {}`), `namespaceSelector: {}` without a podSelector, or \
`0.0.0.0/0` without exceptions, and no ports, allows every connection in that direction: the policy \
isolates the pods and then opens them again. Ingress rules like this undo the protection; egress \
rules like this allow exfiltration and the cloud metadata endpoint.",
    fix: "List the peers (podSelector / namespaceSelector) and the ports the workload needs; for \
egress to the Internet, add `except` for private ranges and 169.254.169.254/32.",
};

pub static CHECK: NetpolCheck = NetpolCheck {
    meta: &META,
    detect,
};

/// Why a rule allows every peer, if it does.
fn wide(r: &Rule) -> Option<&'static str> {
    let Some(peers) = &r.peers else {
        return Some("every pod and every address");
    };
    peers.iter().find_map(|p| match p {
        Peer::Pods {
            namespaces: Some(ns),
            pods,
        } if palisade_model::selector::is_empty(ns)
            && pods.as_ref().is_none_or(palisade_model::selector::is_empty) =>
        {
            Some("every pod in every namespace")
        }
        Peer::Ip { net, except } if net.prefix_len() == 0 && except.is_empty() => {
            Some("every address")
        }
        _ => None,
    })
}

fn detect(model: &Model, net: &Network) -> Vec<Hit> {
    let mut out = Vec::new();
    let mut push = |p: &Policy, d: Direction, r: &Rule, what: &str| {
        let mut h = on_policy(
            model,
            p,
            Policy::rule_path(d, r.index),
            format!(
                "{} rule {} of policy {} allows {} on every port{}",
                d.as_str(),
                r.index + 1,
                p.display(),
                what,
                if d == Direction::Ingress {
                    " into the pods it selects"
                } else {
                    " from the pods it selects"
                }
            ),
        );
        if d == Direction::Egress {
            h.severity = Some(Severity::Info);
        }
        out.push(h);
    };
    for p in &net.policies {
        for d in [Direction::Ingress, Direction::Egress] {
            for r in p.rules(d).unwrap_or_default() {
                if r.ports.is_none()
                    && let Some(what) = wide(r)
                {
                    push(p, d, r, what);
                }
            }
        }
    }
    out
}
