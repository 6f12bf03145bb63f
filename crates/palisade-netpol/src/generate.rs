//! Least-privilege NetworkPolicies from what the manifests declare.
//!
//! Per namespace: a default deny of ingress and egress, DNS egress to
//! kube-dns, and one ingress and one egress policy per workload that allow
//! exactly the connections the manifests declare:
//! * a workload that names a Service (an env var, argument or ConfigMap
//!   value such as `http://api:8080`, `api.shop`, `api.shop.svc.cluster.local:5432`)
//!   connects to the Service's backends on its target ports;
//! * an Ingress connects the ingress controller to its backends;
//! * observed flows (`--flows`, CSV `src_ns/src,dst_ns/dst,port/proto`).
//!
//! [`verify`] checks the result with the reachability engine itself.

use crate::conns::Protocol;
use crate::network::{Endpoint, NAMESPACE_NAME_LABEL, Network};
use crate::reach::{Addr, connection};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use palisade_model::{Model, Typed};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

/// Where a connection comes from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    Workload(usize),
    /// The cluster's ingress controller, in this namespace.
    IngressController(String),
}

/// A connection the generated policies must allow.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Flow {
    pub src: Source,
    pub dst: usize,
    pub port: u16,
    pub protocol: Protocol,
    /// Why: `env API_URL`, `Ingress shop/web`, `flows.csv:3`.
    pub reason: String,
}

#[derive(Debug, Clone)]
pub struct Options {
    /// Only these namespaces (default: every namespace with workloads,
    /// except the control plane's).
    pub namespaces: Vec<String>,
    /// The namespace of the ingress controller.
    pub ingress_controller_namespace: String,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            namespaces: Vec::new(),
            ingress_controller_namespace: "ingress-nginx".into(),
        }
    }
}

/// A peer of a generated rule.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct GenPeer {
    /// `None`: the policy's namespace.
    pub namespace: Option<String>,
    /// `None`: every pod of the namespace.
    pub pods: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenRule {
    pub peers: Vec<GenPeer>,
    pub ports: BTreeSet<(Protocol, u16)>,
    pub comment: String,
}

#[derive(Debug, Clone)]
pub struct GenPolicy {
    pub namespace: String,
    pub name: String,
    /// Empty: every pod of the namespace.
    pub select: BTreeMap<String, String>,
    pub ingress: Option<Vec<GenRule>>,
    pub egress: Option<Vec<GenRule>>,
    pub comment: String,
}

/// The generated policies and the flows they allow.
#[derive(Debug, Clone, Default)]
pub struct Generated {
    pub policies: Vec<GenPolicy>,
    pub flows: Vec<Flow>,
    pub warnings: Vec<String>,
}

fn is_system(ns: &str) -> bool {
    palisade_model::is_system_namespace(ns)
}

/// Labels that select exactly `e` among the workloads of its namespace:
/// the app-identifying labels when they suffice, else all its labels.
pub fn selector_for(net: &Network, e: usize) -> BTreeMap<String, String> {
    let ep = &net.endpoints[e];
    const KEYS: &[&str] = &[
        "app.kubernetes.io/name",
        "app",
        "k8s-app",
        "name",
        "app.kubernetes.io/instance",
        "app.kubernetes.io/component",
        "component",
        "tier",
    ];
    let others: Vec<&Endpoint> = net.by_namespace[&ep.namespace]
        .iter()
        .filter(|&&o| o != e)
        .map(|&o| &net.endpoints[o])
        .collect();
    let selects_only_e = |sel: &BTreeMap<String, String>| {
        !others
            .iter()
            .any(|o| palisade_model::selector::matches_map(sel, &o.labels))
    };
    let mut sel = BTreeMap::new();
    for k in KEYS {
        if let Some(v) = ep.labels.get(*k) {
            sel.insert(k.to_string(), v.clone());
            if selects_only_e(&sel) {
                return sel;
            }
        }
    }
    ep.labels.clone()
}

/// Host names that reach Service `svc` in namespace `ns` from namespace `from`.
fn service_hosts(svc: &str, ns: &str, from: &str) -> Vec<String> {
    let mut v = vec![
        format!("{svc}.{ns}.svc.cluster.local"),
        format!("{svc}.{ns}.svc"),
        format!("{svc}.{ns}"),
    ];
    if ns == from {
        v.push(svc.to_string());
    }
    v
}

fn host_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_'
}

/// Occurrences of `host` in `text` as a whole host name, with the port
/// that follows it (`host:5432`), if any. A bare Service name (no dot) only
/// counts as a URL host (`scheme://api`), as `api:8080`, or as the whole
/// value of a variable whose name says it is an address.
fn find_host(text: &str, host: &str, address_var: bool) -> Vec<Option<u16>> {
    let mut out = Vec::new();
    let bare = !host.contains('.');
    let mut start = 0;
    while let Some(pos) = text[start..].find(host) {
        let i = start + pos;
        let j = i + host.len();
        start = j;
        let before_ok = text[..i].chars().next_back().is_none_or(|c| !host_char(c));
        let after = &text[j..];
        let after_ok = after.chars().next().is_none_or(|c| !host_char(c));
        if !before_ok || !after_ok {
            continue;
        }
        let port = after
            .strip_prefix(':')
            .map(|p| {
                p.chars()
                    .take_while(char::is_ascii_digit)
                    .collect::<String>()
            })
            .and_then(|p| p.parse::<u16>().ok());
        if bare {
            let url = text[..i].ends_with("://") || text[..i].ends_with('@');
            let whole = address_var && text.trim() == host;
            if !(url || port.is_some() || whole) {
                continue;
            }
        }
        out.push(port);
    }
    out
}

/// Strings a workload is configured with, with where each comes from.
fn config_strings(model: &Model, net: &Network, e: usize) -> Vec<(String, String, bool)> {
    let ep = &net.endpoints[e];
    let Some(o) = model.get(&ep.kind, Some(&ep.namespace), &ep.name) else {
        return Vec::new();
    };
    let Some(t) = o.pod_template() else {
        return Vec::new();
    };
    let address_name = |n: &str| {
        let n = n.to_ascii_uppercase();
        [
            "HOST", "ADDR", "ADDRESS", "URL", "URI", "SERVICE", "ENDPOINT", "SERVER", "DSN",
            "BROKER", "SERVERS",
        ]
        .iter()
        .any(|s| n.ends_with(s))
    };
    let mut out = Vec::new();
    let mut configmaps = BTreeSet::new();
    for c in t.containers() {
        for env in c.env {
            if let Some(v) = &env.value {
                out.push((
                    v.clone(),
                    format!("env {}", env.name),
                    address_name(&env.name),
                ));
            }
            if let Some(r) = env
                .value_from
                .as_ref()
                .and_then(|f| f.config_map_key_ref.as_ref())
            {
                configmaps.insert(r.name.clone());
            }
        }
        for f in c.env_from {
            if let Some(r) = &f.config_map_ref {
                configmaps.insert(r.name.clone());
            }
        }
    }
    for c in t.spec.containers.iter() {
        for (i, a) in c
            .args
            .iter()
            .flatten()
            .chain(c.command.iter().flatten())
            .enumerate()
        {
            out.push((
                a.clone(),
                format!("container {:?} argument {}", c.name, i + 1),
                false,
            ));
        }
    }
    for v in t.spec.volumes.iter().flatten() {
        if let Some(cm) = &v.config_map {
            configmaps.insert(cm.name.clone());
        }
    }
    for name in configmaps {
        if let Some(cm) = model.get("ConfigMap", Some(&ep.namespace), &name)
            && let Typed::ConfigMap(cm) = &cm.typed
        {
            for (k, v) in cm.data.iter().flatten() {
                out.push((
                    v.clone(),
                    format!("ConfigMap {name} key {k}"),
                    address_name(k),
                ));
            }
        }
    }
    out
}

/// A Service's ports: `(port, target, protocol)`.
type ServicePorts = Vec<(i32, Option<IntOrString>, Protocol)>;

/// The flows the manifests declare.
pub fn declared_flows(model: &Model, net: &Network, opts: &Options) -> (Vec<Flow>, Vec<String>) {
    let mut flows = Vec::new();
    let mut warnings = Vec::new();
    // Services: name → (namespace, backends, ports)
    let mut services: Vec<(String, String, Vec<usize>, ServicePorts)> = Vec::new();
    for o in model.of_kind("Service") {
        let Typed::Service(s) = &o.typed else {
            continue;
        };
        let Some(spec) = &s.spec else { continue };
        let Some(sel) = spec.selector.as_ref().filter(|s| !s.is_empty()) else {
            continue;
        };
        let ns = o.namespace.clone().unwrap_or_else(|| "default".into());
        let backends: Vec<usize> = net
            .by_namespace
            .get(&ns)
            .into_iter()
            .flatten()
            .copied()
            .filter(|&e| palisade_model::selector::matches_map(sel, &net.endpoints[e].labels))
            .collect();
        let ports = spec
            .ports
            .iter()
            .flatten()
            .map(|p| {
                let proto = p
                    .protocol
                    .as_deref()
                    .and_then(Protocol::parse)
                    .unwrap_or(Protocol::Tcp);
                (p.port, p.target_port.clone(), proto)
            })
            .collect();
        services.push((o.name.clone(), ns, backends, ports));
    }
    // the container port a Service port reaches on a backend
    let target =
        |b: usize, port: i32, target: &Option<IntOrString>, proto: Protocol| -> Option<u16> {
            match target {
                None => u16::try_from(port).ok(),
                Some(IntOrString::Int(n)) => u16::try_from(*n).ok(),
                Some(IntOrString::String(name)) => net.endpoints[b]
                    .named_ports
                    .iter()
                    .find(|(n, _, p)| n == name && *p == proto)
                    .map(|(_, port, _)| *port),
            }
        };
    // Every host name a Service answers to → the Services. A host only
    // matches as a whole run of host characters (see `find_host`), so the
    // tokens of a workload's strings say which Services to look for.
    let mut by_host: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, (svc, ns, _, _)) in services.iter().enumerate() {
        for h in service_hosts(svc, ns, ns) {
            by_host.entry(h).or_default().push(i);
        }
    }
    // Each workload's strings are looked at on their own: in parallel,
    // results kept in endpoint order.
    let per_endpoint = |e: usize| {
        let mut flows = Vec::new();
        let mut warnings = Vec::new();
        let strings = config_strings(model, net, e);
        let mut candidates: Vec<usize> = strings
            .iter()
            .flat_map(|(text, _, _)| text.split(|c: char| !host_char(c)))
            .filter(|t| !t.is_empty())
            .filter_map(|t| by_host.get(t))
            .flatten()
            .copied()
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        for (svc, ns, backends, ports) in candidates.iter().map(|&i| &services[i]) {
            for host in service_hosts(svc, ns, &net.endpoints[e].namespace) {
                for (text, origin, address_var) in &strings {
                    for port in find_host(text, &host, *address_var) {
                        let chosen: Vec<&(i32, Option<IntOrString>, Protocol)> = match port {
                            Some(p) => ports
                                .iter()
                                .filter(|(sp, _, _)| *sp == i32::from(p))
                                .collect(),
                            None => ports.iter().collect(),
                        };
                        if chosen.is_empty() {
                            warnings.push(format!(
                                "{}: {origin} names {host}:{} but Service {ns}/{svc} has no such port",
                                net.endpoints[e].display(),
                                port.unwrap_or_default()
                            ));
                        }
                        for &b in backends {
                            for (sp, tp, proto) in &chosen {
                                if let Some(tport) = target(b, *sp, tp, *proto) {
                                    flows.push(Flow {
                                        src: Source::Workload(e),
                                        dst: b,
                                        port: tport,
                                        protocol: *proto,
                                        reason: format!("{origin} → Service {ns}/{svc}"),
                                    });
                                }
                            }
                        }
                    }
                }
            }
        }
        (flows, warnings)
    };
    let found: Vec<(Vec<Flow>, Vec<String>)> = (0..net.endpoints.len())
        .into_par_iter()
        .map(per_endpoint)
        .collect();
    for (f, w) in found {
        flows.extend(f);
        warnings.extend(w);
    }
    // Ingress → backends
    for o in model.of_kind("Ingress") {
        let Typed::Ingress(ing) = &o.typed else {
            continue;
        };
        let ns = o.namespace.clone().unwrap_or_else(|| "default".into());
        let spec = ing.spec.clone().unwrap_or_default();
        let backends = spec
            .default_backend
            .iter()
            .chain(spec.rules.iter().flatten().flat_map(|r| {
                r.http
                    .iter()
                    .flat_map(|h| h.paths.iter().map(|p| &p.backend))
            }));
        for b in backends {
            let Some(s) = &b.service else { continue };
            let Some((_, _, eps, ports)) = services
                .iter()
                .find(|(n, sns, _, _)| *n == s.name && *sns == ns)
            else {
                warnings.push(format!(
                    "Ingress {ns}/{}: backend Service {} is not in the input",
                    o.name, s.name
                ));
                continue;
            };
            let port = s.port.as_ref();
            for (sp, tp, proto) in ports {
                let wanted = match port {
                    None => true,
                    Some(p) => {
                        p.number == Some(*sp)
                            || p.name.is_some()
                                && spec_port_name(model, &ns, &s.name, *sp) == p.name
                    }
                };
                if !wanted {
                    continue;
                }
                for &e in eps {
                    if let Some(tport) = target(e, *sp, tp, *proto) {
                        flows.push(Flow {
                            src: Source::IngressController(
                                opts.ingress_controller_namespace.clone(),
                            ),
                            dst: e,
                            port: tport,
                            protocol: *proto,
                            reason: format!("Ingress {ns}/{}", o.name),
                        });
                    }
                }
            }
        }
    }
    flows.sort();
    flows.dedup_by(|a, b| {
        a.src == b.src && a.dst == b.dst && a.port == b.port && a.protocol == b.protocol
    });
    (flows, warnings)
}

fn spec_port_name(model: &Model, ns: &str, svc: &str, port: i32) -> Option<String> {
    let o = model.get("Service", Some(ns), svc)?;
    let Typed::Service(s) = &o.typed else {
        return None;
    };
    s.spec
        .as_ref()?
        .ports
        .iter()
        .flatten()
        .find(|p| p.port == port)?
        .name
        .clone()
}

/// Observed flows: CSV lines `src_ns/src,dst_ns/dst,port/proto` (a header
/// line and `#` comments are skipped). Errors name the line.
pub fn parse_flows(net: &Network, name: &str, text: &str) -> (Vec<Flow>, Vec<String>) {
    let mut flows = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty()
            || line.starts_with('#')
            || (i == 0 && line.to_ascii_lowercase().starts_with("src"))
        {
            continue;
        }
        let at = format!("{name}:{}", i + 1);
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let [src, dst, port] = fields[..] else {
            errors.push(format!("{at}: expected src_ns/src,dst_ns/dst,port/proto"));
            continue;
        };
        let (port, proto) = port.split_once('/').unwrap_or((port, "TCP"));
        let Some(proto) = Protocol::parse(&proto.to_ascii_uppercase()) else {
            errors.push(format!("{at}: unknown protocol {proto:?}"));
            continue;
        };
        let Ok(port) = port.parse::<u16>() else {
            errors.push(format!("{at}: {port:?} is not a port number"));
            continue;
        };
        match (net.find(src), net.find(dst)) {
            (Ok(s), Ok(d)) => flows.push(Flow {
                src: Source::Workload(s),
                dst: d,
                port,
                protocol: proto,
                reason: format!("observed ({at})"),
            }),
            (Err(e), _) | (_, Err(e)) => errors.push(format!("{at}: {e}")),
        }
    }
    (flows, errors)
}

fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

/// Ports a peer needs, and why.
type PortsAndReasons = (BTreeSet<(Protocol, u16)>, BTreeSet<String>);

/// The policies for `flows`.
pub fn generate(net: &Network, flows: Vec<Flow>, opts: &Options) -> Generated {
    let mut namespaces: BTreeSet<String> = net
        .endpoints
        .iter()
        .map(|e| e.namespace.clone())
        .filter(|ns| !is_system(ns))
        .collect();
    if !opts.namespaces.is_empty() {
        namespaces.retain(|ns| opts.namespaces.contains(ns));
    }
    let mut g = Generated::default();
    let peer_of = |src: &Source, policy_ns: &str| -> GenPeer {
        match src {
            Source::Workload(s) => {
                let ep = &net.endpoints[*s];
                GenPeer {
                    namespace: (ep.namespace != policy_ns).then(|| ep.namespace.clone()),
                    pods: Some(selector_for(net, *s)),
                }
            }
            Source::IngressController(ns) => GenPeer {
                namespace: Some(ns.clone()),
                pods: None,
            },
        }
    };
    let src_name = |src: &Source| match src {
        Source::Workload(s) => net.endpoints[*s].display(),
        Source::IngressController(ns) => format!("the ingress controller (namespace {ns})"),
    };
    for ns in &namespaces {
        g.policies.push(GenPolicy {
            namespace: ns.clone(),
            name: "default-deny".into(),
            select: BTreeMap::new(),
            ingress: Some(Vec::new()),
            egress: Some(Vec::new()),
            comment: format!(
                "Isolates every pod of {ns}: nothing is allowed unless a policy below allows it."
            ),
        });
        g.policies.push(GenPolicy {
            namespace: ns.clone(),
            name: "allow-dns".into(),
            select: BTreeMap::new(),
            ingress: None,
            egress: Some(vec![GenRule {
                peers: vec![GenPeer {
                    namespace: Some("kube-system".into()),
                    pods: Some(BTreeMap::from([(
                        "k8s-app".to_string(),
                        "kube-dns".to_string(),
                    )])),
                }],
                ports: BTreeSet::from([(Protocol::Udp, 53), (Protocol::Tcp, 53)]),
                comment: "cluster DNS".into(),
            }]),
            comment: "Name resolution through kube-dns / CoreDNS (UDP and TCP 53).".into(),
        });
        // per workload of the namespace: ingress from its sources, egress to its destinations
        for &e in net.by_namespace.get(ns).into_iter().flatten() {
            let ep = &net.endpoints[e];
            let mut incoming: BTreeMap<GenPeer, PortsAndReasons> = BTreeMap::new();
            for f in flows.iter().filter(|f| f.dst == e) {
                let entry = incoming.entry(peer_of(&f.src, ns)).or_default();
                entry.0.insert((f.protocol, f.port));
                entry
                    .1
                    .insert(format!("{}: {}", src_name(&f.src), f.reason));
            }
            if !incoming.is_empty() {
                g.policies.push(GenPolicy {
                    namespace: ns.clone(),
                    name: format!("allow-{}-ingress", slug(&ep.name)),
                    select: selector_for(net, e),
                    ingress: Some(
                        incoming
                            .into_iter()
                            .map(|(peer, (ports, why))| GenRule {
                                peers: vec![peer],
                                ports,
                                comment: why.into_iter().collect::<Vec<_>>().join("; "),
                            })
                            .collect(),
                    ),
                    egress: None,
                    comment: format!("Connections into {}.", ep.display()),
                });
            }
            let mut outgoing: BTreeMap<GenPeer, PortsAndReasons> = BTreeMap::new();
            for f in flows.iter().filter(|f| f.src == Source::Workload(e)) {
                let entry = outgoing
                    .entry(peer_of(&Source::Workload(f.dst), ns))
                    .or_default();
                entry.0.insert((f.protocol, f.port));
                entry.1.insert(format!(
                    "to {}: {}",
                    net.endpoints[f.dst].display(),
                    f.reason
                ));
            }
            if !outgoing.is_empty() {
                g.policies.push(GenPolicy {
                    namespace: ns.clone(),
                    name: format!("allow-{}-egress", slug(&ep.name)),
                    select: selector_for(net, e),
                    ingress: None,
                    egress: Some(
                        outgoing
                            .into_iter()
                            .map(|(peer, (ports, why))| GenRule {
                                peers: vec![peer],
                                ports,
                                comment: why.into_iter().collect::<Vec<_>>().join("; "),
                            })
                            .collect(),
                    ),
                    comment: format!("Connections from {}.", ep.display()),
                });
            }
        }
    }
    g.flows = flows;
    g
}

/// A label selector: `{}` selects every pod (or namespace).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SelectorOut<'a> {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    match_labels: std::borrow::Cow<'a, BTreeMap<String, String>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PeerOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace_selector: Option<SelectorOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pod_selector: Option<SelectorOut<'a>>,
}

impl<'a> From<&'a GenPeer> for PeerOut<'a> {
    fn from(p: &'a GenPeer) -> Self {
        let namespace_selector = p.namespace.as_ref().map(|ns| SelectorOut {
            match_labels: std::borrow::Cow::Owned(BTreeMap::from([(
                NAMESPACE_NAME_LABEL.to_string(),
                ns.clone(),
            )])),
        });
        let pod_selector = match &p.pods {
            Some(sel) => Some(SelectorOut {
                match_labels: std::borrow::Cow::Borrowed(sel),
            }),
            None if p.namespace.is_none() => Some(SelectorOut {
                match_labels: std::borrow::Cow::Owned(BTreeMap::new()),
            }),
            None => None,
        };
        PeerOut {
            namespace_selector,
            pod_selector,
        }
    }
}

#[derive(Serialize)]
struct PortOut {
    protocol: &'static str,
    port: u16,
}

#[derive(Serialize)]
struct RuleOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<Vec<PeerOut<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    to: Option<Vec<PeerOut<'a>>>,
    ports: Vec<PortOut>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SpecOut<'a> {
    pod_selector: SelectorOut<'a>,
    policy_types: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ingress: Option<Vec<RuleOut<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    egress: Option<Vec<RuleOut<'a>>>,
}

#[derive(Serialize)]
struct MetaOut<'a> {
    name: &'a str,
    namespace: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PolicyOut<'a> {
    api_version: &'static str,
    kind: &'static str,
    metadata: MetaOut<'a>,
    spec: SpecOut<'a>,
}

fn rules_out(rules: &[GenRule], ingress: bool) -> Vec<RuleOut<'_>> {
    rules
        .iter()
        .map(|r| {
            let peers = Some(r.peers.iter().map(PeerOut::from).collect());
            let (from, to) = if ingress {
                (peers, None)
            } else {
                (None, peers)
            };
            RuleOut {
                from,
                to,
                ports: r
                    .ports
                    .iter()
                    .map(|(proto, port)| PortOut {
                        protocol: proto.as_str(),
                        port: *port,
                    })
                    .collect(),
            }
        })
        .collect()
}

impl GenPolicy {
    fn to_object(&self) -> PolicyOut<'_> {
        let mut types = Vec::new();
        if self.ingress.is_some() {
            types.push("Ingress");
        }
        if self.egress.is_some() {
            types.push("Egress");
        }
        PolicyOut {
            api_version: "networking.k8s.io/v1",
            kind: "NetworkPolicy",
            metadata: MetaOut {
                name: &self.name,
                namespace: &self.namespace,
            },
            spec: SpecOut {
                pod_selector: SelectorOut {
                    match_labels: std::borrow::Cow::Borrowed(&self.select),
                },
                policy_types: types,
                ingress: self.ingress.as_deref().map(|r| rules_out(r, true)),
                egress: self.egress.as_deref().map(|r| rules_out(r, false)),
            },
        }
    }

    /// The policy's comment, then why each of its rules is there.
    fn comment(&self) -> String {
        let mut s = self.comment.clone();
        for (field, rules) in [("ingress", &self.ingress), ("egress", &self.egress)] {
            for (i, r) in rules.iter().flatten().enumerate() {
                let _ = write!(s, "\n{field}[{i}]: {}", r.comment);
            }
        }
        s
    }
}

impl Generated {
    /// Multi-document YAML, each policy with a comment saying why it and
    /// each of its rules is there.
    pub fn to_yaml(&self) -> String {
        let objects: Vec<(String, PolicyOut<'_>)> = self
            .policies
            .iter()
            .map(|p| (p.comment(), p.to_object()))
            .collect();
        palisade_emit::yaml::stream("", objects.iter().map(|(c, o)| (c.clone(), o)))
    }

    /// `kubernetes_network_policy_v1` resources, each with the same
    /// comment as its YAML.
    pub fn to_terraform(&self) -> String {
        use palisade_emit::terraform::{Block, Expression, resource, string_map};
        let selector = |name: &str, labels: &BTreeMap<String, String>| {
            let mut b = Block::builder(name);
            if !labels.is_empty() {
                b = b.add_attribute((
                    "match_labels",
                    string_map(labels.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
                ));
            }
            b.build()
        };
        let blocks: Vec<(String, Block)> = self
            .policies
            .iter()
            .map(|p| {
                let mut types = Vec::new();
                if p.ingress.is_some() {
                    types.push(Expression::from("Ingress"));
                }
                if p.egress.is_some() {
                    types.push(Expression::from("Egress"));
                }
                let mut spec = Block::builder("spec")
                    .add_block(selector("pod_selector", &p.select))
                    .add_attribute(("policy_types", Expression::Array(types)));
                for (field, peer_field, rules) in
                    [("ingress", "from", &p.ingress), ("egress", "to", &p.egress)]
                {
                    for r in rules.iter().flatten() {
                        let mut rule = Block::builder(field);
                        for (proto, port) in &r.ports {
                            rule = rule.add_block(
                                Block::builder("ports")
                                    .add_attribute(("protocol", proto.as_str()))
                                    .add_attribute(("port", port.to_string()))
                                    .build(),
                            );
                        }
                        for peer in &r.peers {
                            let mut b = Block::builder(peer_field);
                            if let Some(ns) = &peer.namespace {
                                b = b.add_block(selector(
                                    "namespace_selector",
                                    &BTreeMap::from([(
                                        NAMESPACE_NAME_LABEL.to_string(),
                                        ns.clone(),
                                    )]),
                                ));
                            }
                            match &peer.pods {
                                Some(sel) => b = b.add_block(selector("pod_selector", sel)),
                                None if peer.namespace.is_none() => {
                                    b = b.add_block(selector("pod_selector", &BTreeMap::new()))
                                }
                                None => {}
                            }
                            rule = rule.add_block(b.build());
                        }
                        spec = spec.add_block(rule.build());
                    }
                }
                let block = resource(
                    "kubernetes_network_policy_v1",
                    &format!(
                        "{}_{}",
                        slug(&p.namespace).replace('-', "_"),
                        slug(&p.name).replace('-', "_")
                    ),
                )
                .add_block(
                    Block::builder("metadata")
                        .add_attribute(("name", p.name.as_str()))
                        .add_attribute(("namespace", p.namespace.as_str()))
                        .build(),
                )
                .add_block(spec.build())
                .build();
                (p.comment(), block)
            })
            .collect();
        palisade_emit::terraform::blocks(blocks)
    }
}

/// Checks generated policies with the reachability engine: every flow is
/// allowed, and between workloads of the generated namespaces nothing else
/// is (DNS aside). `net` must hold the workloads and only the generated
/// policies. Returns the problems.
pub fn verify(
    net: &Network,
    flows: &[Flow],
    generated_namespaces: &BTreeSet<String>,
) -> Vec<String> {
    let mut problems = Vec::new();
    let mut allowed: BTreeMap<(usize, usize), BTreeSet<(Protocol, u16)>> = BTreeMap::new();
    for f in flows {
        if let Source::Workload(s) = f.src {
            allowed
                .entry((s, f.dst))
                .or_default()
                .insert((f.protocol, f.port));
            let v = connection(net, Addr::Endpoint(s), Addr::Endpoint(f.dst));
            if !v.conns.allows(f.protocol, f.port) {
                problems.push(format!(
                    "{} → {} {} {} is not allowed",
                    net.endpoints[s].display(),
                    net.endpoints[f.dst].display(),
                    f.protocol,
                    f.port
                ));
            }
        }
    }
    for s in 0..net.endpoints.len() {
        for d in 0..net.endpoints.len() {
            if s == d {
                continue;
            }
            let (se, de) = (&net.endpoints[s], &net.endpoints[d]);
            if !generated_namespaces.contains(&se.namespace)
                && !generated_namespaces.contains(&de.namespace)
            {
                continue;
            }
            let c = connection(net, Addr::Endpoint(s), Addr::Endpoint(d)).conns;
            if c.is_empty() {
                continue;
            }
            let expected = allowed.get(&(s, d));
            let dns = de.namespace == "kube-system"
                && de.labels.get("k8s-app").is_some_and(|v| v == "kube-dns");
            let extra: Vec<String> = Protocol::ALL
                .iter()
                .flat_map(|&p| {
                    c.ports(p)
                        .ranges()
                        .iter()
                        .flat_map(move |&(lo, hi)| (lo..=hi).map(move |port| (p, port)))
                        .take(3)
                        .collect::<Vec<_>>()
                })
                .filter(|pp| !(expected.is_some_and(|e| e.contains(pp)) || dns && pp.1 == 53))
                .map(|(p, port)| format!("{p} {port}"))
                .collect();
            if c.other || !extra.is_empty() {
                problems.push(format!(
                    "{} → {} also allows {}",
                    se.display(),
                    de.display(),
                    if c.other {
                        c.to_string()
                    } else {
                        extra.join(",")
                    }
                ));
            }
        }
    }
    problems
}
