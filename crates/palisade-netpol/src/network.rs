//! The network as NetworkPolicies see it: endpoints (one per workload: its
//! pod template's labels and container ports), namespaces with their
//! labels, and the valid policies.

use crate::conns::Protocol;
use crate::policy::{Direction, Invalid, Peer, Policy, compile};
use palisade_model::selector::matches;
use palisade_model::{ContainerKind, Location, Model, ObjectRef};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// The automatic, immutable namespace label (Kubernetes ≥ 1.21).
pub const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// A workload: every pod of it has the same labels and ports, so it is one
/// endpoint (a Deployment is one endpoint, not one per replica).
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub namespace: String,
    pub name: String,
    pub kind: String,
    pub labels: BTreeMap<String, String>,
    /// Named container ports: `(name, port, protocol)`.
    pub named_ports: Vec<(String, u16, Protocol)>,
    /// Every container port.
    pub ports: Vec<(u16, Protocol)>,
    pub images: Vec<String>,
    pub host_network: bool,
    pub object: Arc<ObjectRef>,
    pub location: Location,
}

impl Endpoint {
    /// `ns/name[Kind]`, as netpol-analyzer names workloads.
    pub fn display(&self) -> String {
        format!("{}/{}[{}]", self.namespace, self.name, self.kind)
    }
}

/// A policy the API server would reject.
#[derive(Debug, Clone)]
pub struct InvalidPolicy {
    pub object: Arc<ObjectRef>,
    pub location: Location,
    pub problems: Vec<Invalid>,
}

/// Endpoints, namespaces and valid policies of a model.
#[derive(Debug, Clone, Default)]
pub struct Network {
    pub endpoints: Vec<Endpoint>,
    /// Namespace labels, including the automatic name label; namespaces
    /// that only appear as the namespace of an object have that label only.
    pub namespaces: BTreeMap<String, BTreeMap<String, String>>,
    pub policies: Vec<Policy>,
    pub invalid: Vec<InvalidPolicy>,
    /// Policies with values that could not be resolved (Terraform
    /// variables without a value): left out, as their meaning is unknown.
    pub unresolved: Vec<InvalidPolicy>,
    /// Endpoints per namespace.
    pub by_namespace: HashMap<String, Vec<usize>>,
    /// Policies per namespace.
    pub policies_by_namespace: HashMap<String, Vec<usize>>,
}

impl Network {
    pub fn build(model: &Model) -> Network {
        let mut net = Network::default();
        for o in model.of_kind("Namespace") {
            let mut labels = o.labels.clone();
            labels.insert(NAMESPACE_NAME_LABEL.into(), o.name.clone());
            net.namespaces.insert(o.name.clone(), labels);
        }
        for (o, t) in model.workloads() {
            let Some(ns) = o.namespace.clone() else {
                continue;
            };
            let mut named_ports = Vec::new();
            let mut ports = Vec::new();
            let mut images = Vec::new();
            for c in t.containers() {
                let serving = c.kind == ContainerKind::App || c.is_sidecar();
                if !serving {
                    continue;
                }
                images.extend(c.image.map(str::to_string));
                for p in c.ports {
                    let Ok(port) = u16::try_from(p.container_port) else {
                        continue;
                    };
                    let proto = p
                        .protocol
                        .as_deref()
                        .and_then(Protocol::parse)
                        .unwrap_or(Protocol::Tcp);
                    ports.push((port, proto));
                    if let Some(n) = &p.name {
                        named_ports.push((n.clone(), port, proto));
                    }
                }
            }
            net.endpoints.push(Endpoint {
                namespace: ns,
                // the owner's name for the pods of an owner not in the input
                name: o.reference.name.clone(),
                kind: o.reference.kind.clone(),
                labels: t.labels().cloned().unwrap_or_default(),
                named_ports,
                ports,
                images,
                host_network: t.spec.host_network == Some(true),
                object: o.reference.clone(),
                location: o.location.clone(),
            });
        }
        // KubeVirt virtual machines run in pods with their template's labels
        for vm in palisade_model::operators::virtual_machines(model) {
            let mut named_ports = Vec::new();
            let mut ports = Vec::new();
            for (name, port, proto) in &vm.ports {
                let proto = Protocol::parse(proto).unwrap_or(Protocol::Tcp);
                ports.push((*port, proto));
                if let Some(n) = name {
                    named_ports.push((n.clone(), *port, proto));
                }
            }
            net.endpoints.push(Endpoint {
                namespace: vm.namespace.clone(),
                name: vm.object.name.clone(),
                kind: vm.object.kind.clone(),
                labels: vm.labels.clone(),
                named_ports,
                ports,
                images: Vec::new(),
                host_network: false,
                object: vm.object.reference.clone(),
                location: vm.object.location.clone(),
            });
        }
        for o in model.of_kind("NetworkPolicy") {
            if !o.unknown.is_empty() {
                net.unresolved.push(InvalidPolicy {
                    object: o.reference.clone(),
                    location: o.location.clone(),
                    problems: o
                        .unknown
                        .iter()
                        .map(|u| Invalid {
                            path: u.path.clone(),
                            message: format!("could not be resolved: {}", u.reason),
                        })
                        .collect(),
                });
                continue;
            }
            match compile(o) {
                Some(Ok(p)) => net.policies.push(p),
                Some(Err(problems)) => net.invalid.push(InvalidPolicy {
                    object: o.reference.clone(),
                    location: o.location.clone(),
                    problems,
                }),
                None => {}
            }
        }
        net.index();
        net
    }

    /// Builds the indexes after endpoints or policies change.
    pub fn index(&mut self) {
        self.by_namespace.clear();
        self.policies_by_namespace.clear();
        for (i, e) in self.endpoints.iter().enumerate() {
            self.by_namespace
                .entry(e.namespace.clone())
                .or_default()
                .push(i);
        }
        for (i, p) in self.policies.iter().enumerate() {
            self.policies_by_namespace
                .entry(p.namespace.clone())
                .or_default()
                .push(i);
        }
        let implied: Vec<String> = self
            .endpoints
            .iter()
            .map(|e| e.namespace.clone())
            .chain(self.policies.iter().map(|p| p.namespace.clone()))
            .collect();
        for ns in implied {
            self.namespaces
                .entry(ns.clone())
                .or_insert_with(|| BTreeMap::from([(NAMESPACE_NAME_LABEL.to_string(), ns)]));
        }
    }

    /// Labels of a namespace (the automatic label when it is not declared).
    pub fn namespace_labels(&self, ns: &str) -> BTreeMap<String, String> {
        self.namespaces
            .get(ns)
            .cloned()
            .unwrap_or_else(|| BTreeMap::from([(NAMESPACE_NAME_LABEL.to_string(), ns.to_string())]))
    }

    /// Whether `policy` selects endpoint `e`.
    pub fn selects(&self, policy: &Policy, e: &Endpoint) -> bool {
        policy.namespace == e.namespace && matches(&policy.select, &e.labels)
    }

    /// Policies that select `e` and isolate it in direction `d`.
    pub fn isolating(&self, e: usize, d: Direction) -> Vec<usize> {
        let ep = &self.endpoints[e];
        self.policies_by_namespace
            .get(&ep.namespace)
            .into_iter()
            .flatten()
            .copied()
            .filter(|&p| self.policies[p].rules(d).is_some() && self.selects(&self.policies[p], ep))
            .collect()
    }

    /// Whether a pod peer of a policy in `policy_ns` matches endpoint `e`.
    pub fn peer_matches(&self, peer: &Peer, policy_ns: &str, e: &Endpoint) -> bool {
        match peer {
            Peer::Ip { .. } => false,
            Peer::Pods { namespaces, pods } => {
                let ns_ok = match namespaces {
                    None => e.namespace == policy_ns,
                    Some(sel) => match self.namespaces.get(&e.namespace) {
                        Some(labels) => matches(sel, labels),
                        // a namespace the input does not have: its automatic label only
                        None => matches(sel, &self.namespace_labels(&e.namespace)),
                    },
                };
                ns_ok && pods.as_ref().is_none_or(|sel| matches(sel, &e.labels))
            }
        }
    }

    /// Finds a workload by `ns/name`, `ns/name[Kind]` or `ns/Kind/name`.
    pub fn find(&self, spec: &str) -> Result<usize, String> {
        let (ns, rest) = spec
            .split_once('/')
            .ok_or_else(|| format!("{spec:?}: expected NAMESPACE/WORKLOAD"))?;
        let (kind, name) =
            if let Some((n, k)) = rest.strip_suffix(']').and_then(|r| r.split_once('[')) {
                (Some(k), n)
            } else if let Some((k, n)) = rest.split_once('/') {
                (Some(k), n)
            } else {
                (None, rest)
            };
        let hits: Vec<usize> = self
            .endpoints
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                e.namespace == ns
                    && e.name == name
                    && kind.is_none_or(|k| k.eq_ignore_ascii_case(&e.kind))
            })
            .map(|(i, _)| i)
            .collect();
        match hits.as_slice() {
            [one] => Ok(*one),
            [] => {
                let known: Vec<String> = self
                    .endpoints
                    .iter()
                    .filter(|e| e.namespace == ns)
                    .map(|e| e.display())
                    .take(8)
                    .collect();
                Err(if known.is_empty() {
                    let mut namespaces: Vec<&str> = self
                        .endpoints
                        .iter()
                        .map(|e| e.namespace.as_str())
                        .collect();
                    namespaces.sort_unstable();
                    namespaces.dedup();
                    match palisade_findings::suggest::closest(
                        ns,
                        namespaces.iter().copied(),
                        |d, c| d <= 2.max(c.len() / 3),
                    ) {
                        Some(near) => format!(
                            "no workload {spec}: namespace {ns} has none; did you mean namespace {near}?"
                        ),
                        None => format!(
                            "no workload {spec}: namespace {ns} has none (namespaces with workloads: {})",
                            namespaces.join(", ")
                        ),
                    }
                } else if let Some(near) = palisade_findings::suggest::closest(
                    name,
                    self.endpoints
                        .iter()
                        .filter(|e| e.namespace == ns)
                        .map(|e| e.name.as_str()),
                    |d, c| d <= 2.max(c.len() / 3),
                ) {
                    format!("no workload {spec}; did you mean {ns}/{near}?")
                } else {
                    format!(
                        "no workload {spec}; namespace {ns} has {}",
                        known.join(", ")
                    )
                })
            }
            many => Err(format!(
                "{spec} is ambiguous: {}",
                many.iter()
                    .map(|&i| self.endpoints[i].display())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }
}
