//! One connection, judged on both sides: the source's egress and the
//! destination's ingress, each side only when its pod is isolated.

use crate::conns::Conns;
use crate::network::{Endpoint, Network};
use crate::policy::{Direction, Peer, Rule};
use std::net::IpAddr;

/// One end of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Addr {
    /// A workload (index into [`Network::endpoints`]).
    Endpoint(usize),
    /// An address outside the cluster.
    Ip(IpAddr),
}

/// What one side (egress of the source, ingress of the destination) allows.
#[derive(Debug, Clone, Default)]
pub struct Side {
    /// Whether this side is judged at all (a workload, not an address).
    pub applies: bool,
    /// Policies that select the workload for this direction; empty = not
    /// isolated, everything allowed.
    pub isolated_by: Vec<usize>,
    /// `(policy, rule index)` of each rule that allows some of it.
    pub allowed_by: Vec<(usize, usize)>,
    pub conns: Conns,
}

impl Side {
    fn open() -> Side {
        Side {
            conns: Conns::all(),
            ..Side::default()
        }
    }
}

/// Whether a rule's peers include `a`, seen from a policy in `ns`.
pub fn rule_matches(net: &Network, rule: &Rule, ns: &str, a: Addr) -> bool {
    let Some(peers) = &rule.peers else {
        return true;
    };
    peers.iter().any(|p| peer_matches(net, p, ns, a))
}

pub fn peer_matches(net: &Network, p: &Peer, ns: &str, a: Addr) -> bool {
    peer_matches_other(net, p, ns, other(net, a))
}

/// The other end of a connection: a workload (of the network or not) or
/// an address.
#[derive(Debug, Clone, Copy)]
pub enum Other<'a> {
    Endpoint(&'a Endpoint),
    Ip(IpAddr),
}

fn other(net: &Network, a: Addr) -> Other<'_> {
    match a {
        Addr::Endpoint(e) => Other::Endpoint(&net.endpoints[e]),
        Addr::Ip(ip) => Other::Ip(ip),
    }
}

fn peer_matches_other(net: &Network, p: &Peer, ns: &str, o: Other<'_>) -> bool {
    match (p, o) {
        (Peer::Ip { net: n, except }, Other::Ip(ip)) => {
            n.contains(&ip) && !except.iter().any(|x| x.contains(&ip))
        }
        (Peer::Pods { .. }, Other::Endpoint(e)) => net.peer_matches(p, ns, e),
        _ => false,
    }
}

fn named_ports<'a>(o: Other<'a>) -> &'a [(String, u16, crate::conns::Protocol)] {
    match o {
        Other::Endpoint(e) => &e.named_ports,
        Other::Ip(_) => &[],
    }
}

/// What `me` allows in direction `d` with `other` (for egress `other` is
/// the destination; for ingress the source). Named ports resolve on the
/// destination: `other` for egress, `me` for ingress.
pub fn side(net: &Network, me: Addr, other_end: Addr, d: Direction) -> Side {
    let Addr::Endpoint(e) = me else {
        return Side::open();
    };
    side_with(net, e, other(net, other_end), d)
}

/// [`side`] with the other end given directly: it need not be part of the
/// network (a hypothetical pod, the cluster DNS when the input lacks it).
pub fn side_with(net: &Network, e: usize, other_end: Other<'_>, d: Direction) -> Side {
    let isolated_by = net.isolating(e, d);
    if isolated_by.is_empty() {
        return Side {
            applies: true,
            ..Side::open()
        };
    }
    let dest = match d {
        Direction::Egress => other_end,
        Direction::Ingress => Other::Endpoint(&net.endpoints[e]),
    };
    let mut s = Side {
        applies: true,
        isolated_by,
        allowed_by: Vec::new(),
        conns: Conns::none(),
    };
    for &pi in &s.isolated_by {
        let p = &net.policies[pi];
        for r in p.rules(d).unwrap_or_default() {
            let matched = r.peers.as_ref().is_none_or(|peers| {
                peers
                    .iter()
                    .any(|x| peer_matches_other(net, x, &p.namespace, other_end))
            });
            if matched {
                let c = r.conns(named_ports(dest));
                if !c.is_empty() {
                    s.conns.union_with(&c);
                    s.allowed_by.push((pi, r.index));
                }
            }
        }
    }
    s
}

/// A judged connection.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub egress: Side,
    pub ingress: Side,
    /// What both sides allow.
    pub conns: Conns,
}

pub fn connection(net: &Network, src: Addr, dst: Addr) -> Verdict {
    let egress = side(net, src, dst, Direction::Egress);
    let ingress = side(net, dst, src, Direction::Ingress);
    let conns = egress.conns.intersect(&ingress.conns);
    Verdict {
        egress,
        ingress,
        conns,
    }
}

/// `ns/name[Kind]` or the address.
pub fn display(net: &Network, a: Addr) -> String {
    match a {
        Addr::Endpoint(e) => net.endpoints[e].display(),
        Addr::Ip(ip) => format!("{ip}[External]"),
    }
}

/// The endpoint of an address, if it is a workload.
pub fn endpoint(net: &Network, a: Addr) -> Option<&Endpoint> {
    match a {
        Addr::Endpoint(e) => Some(&net.endpoints[e]),
        Addr::Ip(_) => None,
    }
}
