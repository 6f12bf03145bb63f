//! NetworkPolicies compiled to what the analysis needs, validated as the
//! API server validates them (an invalid policy would be rejected, so it
//! protects nothing and is left out of the analysis).

use crate::conns::{Conns, PortSet, Protocol};
use ipnet::IpNet;
use k8s_openapi::api::networking::v1::{NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use palisade_model::{Location, Object, ObjectRef, Typed};
use palisade_value::Path;
use std::sync::Arc;

/// One traffic direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Direction {
    Ingress,
    Egress,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }

    /// `from` or `to`.
    pub fn peers_field(self) -> &'static str {
        match self {
            Direction::Ingress => "from",
            Direction::Egress => "to",
        }
    }
}

/// A peer of a rule.
#[derive(Debug, Clone)]
pub enum Peer {
    /// Pods: `namespaces` `None` = the policy's own namespace; `pods`
    /// `None` = every pod of those namespaces.
    Pods {
        namespaces: Option<LabelSelector>,
        pods: Option<LabelSelector>,
    },
    /// Addresses in `net` but not in any of `except`.
    Ip { net: IpNet, except: Vec<IpNet> },
}

/// The port part of a rule entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortSpec {
    All,
    Range(u16, u16),
    /// Resolved against the container ports of the destination pod.
    Named(String),
}

#[derive(Debug, Clone)]
pub struct PortRule {
    pub protocol: Protocol,
    pub port: PortSpec,
}

/// One ingress or egress rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Position in `spec.ingress` / `spec.egress`.
    pub index: usize,
    /// `None`: every peer (absent or empty `from`/`to`), including
    /// addresses outside the cluster.
    pub peers: Option<Vec<Peer>>,
    /// `None`: every port of every protocol.
    pub ports: Option<Vec<PortRule>>,
}

impl Rule {
    /// The connections this rule allows to a destination whose named
    /// container ports are `named` (empty for addresses).
    pub fn conns(&self, named: &[(String, u16, Protocol)]) -> Conns {
        let Some(ports) = &self.ports else {
            return Conns::all();
        };
        let mut c = Conns::none();
        for p in ports {
            let set = match &p.port {
                PortSpec::All => PortSet::all(),
                PortSpec::Range(lo, hi) => PortSet::range(*lo, *hi),
                PortSpec::Named(n) => named
                    .iter()
                    .filter(|(name, _, proto)| name == n && *proto == p.protocol)
                    .fold(PortSet::default(), |acc, (_, port, _)| {
                        acc.union(&PortSet::range(*port, *port))
                    }),
            };
            c.union_with(&Conns::of(p.protocol, set));
        }
        c
    }
}

/// A valid NetworkPolicy.
#[derive(Debug, Clone)]
pub struct Policy {
    pub namespace: String,
    pub name: String,
    pub object: Arc<ObjectRef>,
    pub location: Location,
    pub select: LabelSelector,
    /// `Some` when the policy isolates ingress (its rules, possibly none).
    pub ingress: Option<Vec<Rule>>,
    /// `Some` when the policy isolates egress.
    pub egress: Option<Vec<Rule>>,
}

impl Policy {
    pub fn rules(&self, d: Direction) -> Option<&[Rule]> {
        match d {
            Direction::Ingress => self.ingress.as_deref(),
            Direction::Egress => self.egress.as_deref(),
        }
    }

    /// `default/web-allow`.
    pub fn display(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }

    /// The field path of a rule.
    pub fn rule_path(d: Direction, index: usize) -> Path {
        Path::root().key("spec").key(d.as_str()).index(index)
    }
}

/// Why the API server would reject a policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub path: Path,
    pub message: String,
}

struct Validator {
    problems: Vec<Invalid>,
}

impl Validator {
    fn bad(&mut self, path: Path, message: String) {
        self.problems.push(Invalid { path, message });
    }

    fn selector(&mut self, s: &LabelSelector, path: Path) {
        for (i, req) in s.match_expressions.iter().flatten().enumerate() {
            let p = path.clone().key("matchExpressions").index(i);
            let n = req.values.as_ref().map_or(0, Vec::len);
            match req.operator.as_str() {
                "In" | "NotIn" if n == 0 => self.bad(
                    p.clone().key("values"),
                    format!("operator {} needs at least one value", req.operator),
                ),
                "Exists" | "DoesNotExist" if n > 0 => self.bad(
                    p.clone().key("values"),
                    format!("operator {} takes no values", req.operator),
                ),
                "In" | "NotIn" | "Exists" | "DoesNotExist" => {}
                other => self.bad(
                    p.clone().key("operator"),
                    format!(
                        "unknown selector operator {other:?} (In, NotIn, Exists, DoesNotExist)"
                    ),
                ),
            }
            if req.key.is_empty() {
                self.bad(p.key("key"), "empty label key".into());
            }
        }
    }

    fn cidr(&mut self, s: &str, path: Path) -> Option<IpNet> {
        match s.parse::<IpNet>() {
            Ok(n) => Some(n.trunc()),
            Err(_) => {
                self.bad(path, format!("{s:?} is not a CIDR (e.g. 10.0.0.0/8)"));
                None
            }
        }
    }

    fn peer(&mut self, p: &NetworkPolicyPeer, path: Path) -> Option<Peer> {
        if let Some(b) = &p.ip_block {
            if p.pod_selector.is_some() || p.namespace_selector.is_some() {
                self.bad(
                    path.clone(),
                    "ipBlock cannot be combined with podSelector or namespaceSelector in one peer"
                        .into(),
                );
                return None;
            }
            let net = self.cidr(&b.cidr, path.clone().key("ipBlock").key("cidr"))?;
            let mut except = Vec::new();
            for (i, e) in b.except.iter().flatten().enumerate() {
                let ep = path.clone().key("ipBlock").key("except").index(i);
                if let Some(x) = self.cidr(e, ep.clone()) {
                    if !net.contains(&x) || x.prefix_len() < net.prefix_len() {
                        self.bad(ep, format!("except {e} is not inside cidr {}", b.cidr));
                    } else {
                        except.push(x);
                    }
                }
            }
            return Some(Peer::Ip { net, except });
        }
        if p.pod_selector.is_none() && p.namespace_selector.is_none() {
            self.bad(
                path,
                "a peer must set podSelector, namespaceSelector or ipBlock".into(),
            );
            return None;
        }
        if let Some(s) = &p.pod_selector {
            self.selector(s, path.clone().key("podSelector"));
        }
        if let Some(s) = &p.namespace_selector {
            self.selector(s, path.clone().key("namespaceSelector"));
        }
        Some(Peer::Pods {
            namespaces: p.namespace_selector.clone(),
            pods: p.pod_selector.clone(),
        })
    }

    fn port(&mut self, p: &NetworkPolicyPort, path: Path) -> Option<PortRule> {
        let protocol = match p.protocol.as_deref() {
            None => Protocol::Tcp,
            Some(s) => match Protocol::parse(s) {
                Some(x) => x,
                None => {
                    self.bad(
                        path.key("protocol"),
                        format!("unknown protocol {s:?} (TCP, UDP or SCTP)"),
                    );
                    return None;
                }
            },
        };
        let in_range = |n: i32| (1..=65535).contains(&n);
        let port = match (&p.port, p.end_port) {
            (None, None) => PortSpec::All,
            (None, Some(_)) | (Some(IntOrString::String(_)), Some(_)) => {
                self.bad(path.key("endPort"), "endPort needs a numeric port".into());
                return None;
            }
            (Some(IntOrString::Int(n)), end) => {
                if !in_range(*n) {
                    self.bad(
                        path.key("port"),
                        format!("port {n} is out of range 1-65535"),
                    );
                    return None;
                }
                match end {
                    None => PortSpec::Range(*n as u16, *n as u16),
                    Some(e) if !in_range(e) || e < *n => {
                        self.bad(
                            path.key("endPort"),
                            format!("endPort {e} must be between port {n} and 65535"),
                        );
                        return None;
                    }
                    Some(e) => PortSpec::Range(*n as u16, e as u16),
                }
            }
            (Some(IntOrString::String(s)), None) => {
                if let Ok(n) = s.parse::<i32>() {
                    // a quoted number is still a number to the API server's
                    // IntOrString, but a named port may not be all digits
                    self.bad(
                        path.key("port"),
                        format!("port {s:?} is a string; write the number {n} unquoted"),
                    );
                    return None;
                }
                if !is_port_name(s) {
                    self.bad(
                        path.key("port"),
                        format!("{s:?} is not a valid port name (1-15 lowercase letters, digits and '-')"),
                    );
                    return None;
                }
                PortSpec::Named(s.clone())
            }
        };
        Some(PortRule { protocol, port })
    }
}

/// A rule's peers and ports, as written.
type RuleParts = (
    Option<Vec<NetworkPolicyPeer>>,
    Option<Vec<NetworkPolicyPort>>,
);

/// IANA_SVC_NAME: 1-15 characters, lowercase letters, digits and
/// hyphens, at least one letter, no leading, trailing or double hyphen.
pub fn is_port_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 15
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && s.bytes().any(|b| b.is_ascii_lowercase())
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
}

/// Compiles a NetworkPolicy object; `Err` lists why the API server would
/// reject it.
pub fn compile(o: &Object) -> Option<Result<Policy, Vec<Invalid>>> {
    let Typed::NetworkPolicy(np) = &o.typed else {
        return None;
    };
    Some(compile_typed(o, np))
}

fn compile_typed(o: &Object, np: &NetworkPolicy) -> Result<Policy, Vec<Invalid>> {
    let mut v = Validator {
        problems: Vec::new(),
    };
    let spec = np.spec.clone().unwrap_or_default();
    let spec_path = Path::root().key("spec");
    v.selector(
        &spec.pod_selector.clone().unwrap_or_default(),
        spec_path.clone().key("podSelector"),
    );
    let mut types = (false, false);
    match spec.policy_types.as_deref() {
        None | Some([]) => {
            types.0 = true;
            types.1 = spec.egress.as_ref().is_some_and(|e| !e.is_empty());
        }
        Some(list) => {
            for (i, t) in list.iter().enumerate() {
                match t.as_str() {
                    "Ingress" => types.0 = true,
                    "Egress" => types.1 = true,
                    other => v.bad(
                        spec_path.clone().key("policyTypes").index(i),
                        format!("unknown policy type {other:?} (Ingress or Egress)"),
                    ),
                }
            }
        }
    }
    let rules = |d: Direction, v: &mut Validator| -> Vec<Rule> {
        let list: Vec<RuleParts> = match d {
            Direction::Ingress => spec
                .ingress
                .iter()
                .flatten()
                .map(|r| (r.from.clone(), r.ports.clone()))
                .collect(),
            Direction::Egress => spec
                .egress
                .iter()
                .flatten()
                .map(|r| (r.to.clone(), r.ports.clone()))
                .collect(),
        };
        let mut out = Vec::new();
        for (i, (peers, ports)) in list.into_iter().enumerate() {
            let rp = Policy::rule_path(d, i);
            let peers = match peers {
                None => None,
                Some(p) if p.is_empty() => None,
                Some(p) => Some(
                    p.iter()
                        .enumerate()
                        .filter_map(|(j, x)| v.peer(x, rp.clone().key(d.peers_field()).index(j)))
                        .collect(),
                ),
            };
            let ports = match ports {
                None => None,
                Some(p) if p.is_empty() => None,
                Some(p) => Some(
                    p.iter()
                        .enumerate()
                        .filter_map(|(j, x)| v.port(x, rp.clone().key("ports").index(j)))
                        .collect(),
                ),
            };
            out.push(Rule {
                index: i,
                peers,
                ports,
            });
        }
        out
    };
    let ingress = rules(Direction::Ingress, &mut v);
    let egress = rules(Direction::Egress, &mut v);
    if !v.problems.is_empty() {
        return Err(v.problems);
    }
    Ok(Policy {
        namespace: o.namespace.clone().unwrap_or_else(|| "default".into()),
        name: o.name.clone(),
        object: o.reference.clone(),
        location: o.location.clone(),
        select: spec.pod_selector.unwrap_or_default(),
        ingress: types.0.then_some(ingress),
        egress: types.1.then_some(egress),
    })
}
