//! Facts about each workload, namespace and entry point, read once from the
//! model and the analyzers' results: what the graph, the boundaries and the
//! STRIDE tables are built from.

use crate::{Evidence, Input, Options};
use palisade_model::k8s_openapi::api::core::v1::ServicePort;
use palisade_model::k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use palisade_model::{Location, Object, ObjectRef, PodTemplate, Typed};
use palisade_netpol::policy::Direction;
use palisade_netpol::reach::{Addr, Other, Verdict, connection, side_with};
use palisade_netpol::{Endpoint, Network, Protocol};
use palisade_value::Path;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

/// A client on the internet, as NetworkPolicy `ipBlock`s see it (an
/// address of TEST-NET-3, RFC 5737).
pub(crate) const INTERNET_ADDRESS: IpAddr = IpAddr::V4(Ipv4Addr::new(203, 0, 113, 10));

/// One workload and what an attacker in its pods has.
pub(crate) struct Wl<'a> {
    pub obj: &'a Object,
    pub tpl: PodTemplate<'a>,
    /// `ns/Kind/name`.
    pub id: String,
    /// `ns/name`.
    pub name: String,
    pub namespace: String,
    /// The component grouping key: the `app` label, else the name.
    pub app: String,
    pub service_account: String,
    /// Why the service-account token is mounted; `None` when it is not.
    pub token: Option<Evidence>,
    /// Why a shell in its pods is root on the node (empty: it is not).
    pub escape: Vec<Evidence>,
    /// Other access to the node (host namespaces, host ports, harmless
    /// host paths).
    pub host: Vec<Evidence>,
    pub node_selector: BTreeMap<String, String>,
    /// Index into [`Network::endpoints`].
    pub endpoint: Option<usize>,
    /// Why it is a data store.
    pub data_store: Option<String>,
    /// Secrets its pods mount (volumes, env).
    pub secrets: Vec<String>,
    pub images: Vec<String>,
}

impl Wl<'_> {
    pub fn at(&self, path: &Path, detail: impl Into<String>) -> Evidence {
        Evidence::at(&self.obj.reference, &self.obj.locate(path), detail)
    }

    pub fn here(&self, detail: impl Into<String>) -> Evidence {
        Evidence::at(&self.obj.reference, &self.obj.location, detail)
    }

    /// Whether its pods can be scheduled on a node of `pool` (a
    /// nodeSelector; empty = any node).
    pub fn may_run_on(&self, pool: &BTreeMap<String, String>) -> bool {
        pool.iter()
            .all(|(k, v)| self.node_selector.get(k).is_none_or(|x| x == v))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum EntryKind {
    Ingress,
    LoadBalancer,
    NodePort,
    HostPort,
}

/// A way in from outside the cluster to some pods.
pub(crate) struct Entry {
    /// `Ingress shop/shop`, `LoadBalancer Service ns/name`, …
    pub name: String,
    pub kind: EntryKind,
    pub object: Arc<ObjectRef>,
    pub location: Location,
    pub routes: Vec<Route>,
}

/// One route of an entry to a workload's port.
pub(crate) struct Route {
    /// `shop.example.com/api (TLS) → Service api:8080`.
    pub description: String,
    pub workload: usize,
    pub port: u16,
    pub protocol: Protocol,
    /// Ingress routes: whether the host has TLS.
    pub tls: Option<bool>,
    /// Where the route is written.
    pub written: Evidence,
    /// Whether the NetworkPolicies let the traffic in.
    pub allowed: bool,
    /// Whether an ingress policy isolates the target (so not every pod and
    /// address can reach it).
    pub isolated: bool,
    pub netpol: Vec<Evidence>,
}

/// A workload one Service port sends to.
struct Reached {
    workload: usize,
    port: u16,
    protocol: Protocol,
    allowed: bool,
    isolated: bool,
    netpol: Vec<Evidence>,
}

/// Pod Security enforcement of a namespace.
pub(crate) struct NsFacts {
    /// Whether a privileged pod is admitted (no `enforce` label, or
    /// `privileged`).
    pub admits_privileged: bool,
    pub evidence: Evidence,
}

pub(crate) struct Facts<'a> {
    pub workloads: Vec<Wl<'a>>,
    pub entries: Vec<Entry>,
    pub namespaces: BTreeMap<String, NsFacts>,
    /// Service accounts by namespace: declared, used by workloads, named by
    /// bindings.
    pub service_accounts: BTreeMap<String, BTreeSet<String>>,
    /// Endpoint index → workload index.
    pub by_endpoint: HashMap<usize, usize>,
    pub ingress_namespace: String,
    /// Whether the input has the ingress controller's workloads.
    pub ingress_controller_seen: bool,
    /// Connections the NetworkPolicies allow between workloads, to the
    /// destination's first declared port they allow: (source, destination)
    /// workload indices, sorted.
    pub lateral: Vec<(usize, usize, Protocol, u16)>,
    /// The connectivity matrix of palisade-netpol, by equivalence class:
    /// the attack graph joins pods through it instead of pod by pod.
    pub matrix: palisade_netpol::Matrix,
}

const PSA_ENFORCE: &str = "pod-security.kubernetes.io/enforce";

impl<'a> Facts<'a> {
    pub fn build(input: &Input<'a>, options: &Options) -> Facts<'a> {
        let model = input.model;
        let net = input.network;
        let mut ep_index: HashMap<(String, String, String), usize> = HashMap::new();
        for (i, e) in net.endpoints.iter().enumerate() {
            ep_index.insert((e.namespace.clone(), e.kind.clone(), e.name.clone()), i);
        }
        let inv_app: HashMap<(String, String, String), Option<String>> = input
            .inventory
            .workloads
            .iter()
            .map(|w| {
                (
                    (w.namespace.clone(), w.kind.clone(), w.name.clone()),
                    w.app.clone(),
                )
            })
            .collect();
        let mut workloads: Vec<Wl<'a>> = model
            .workloads()
            .map(|(o, t)| {
                let namespace = o.namespace.clone().unwrap_or_else(|| "default".into());
                let key = (
                    namespace.clone(),
                    o.reference.kind.clone(),
                    o.reference.name.clone(),
                );
                let endpoint = ep_index.get(&key).copied();
                let app = inv_app
                    .get(&key)
                    .cloned()
                    .flatten()
                    .or_else(|| {
                        ["app.kubernetes.io/name", "app", "k8s-app"]
                            .iter()
                            .find_map(|k| o.labels.get(*k).cloned())
                    })
                    .unwrap_or_else(|| o.name.clone());
                let service_account = t
                    .spec
                    .service_account_name
                    .clone()
                    .or_else(|| t.spec.service_account.clone())
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| "default".into());
                let images: Vec<String> = {
                    let mut v: Vec<String> = t
                        .containers()
                        .iter()
                        .filter_map(|c| c.image.map(str::to_string))
                        .collect();
                    v.dedup();
                    v
                };
                let mut w = Wl {
                    obj: o,
                    tpl: t,
                    id: o.reference.to_string(),
                    name: format!("{namespace}/{}", o.reference.name),
                    namespace,
                    app,
                    service_account,
                    token: None,
                    escape: Vec::new(),
                    host: Vec::new(),
                    node_selector: t.spec.node_selector.clone().unwrap_or_default(),
                    endpoint,
                    data_store: None,
                    secrets: secrets_of(&t),
                    images,
                };
                w.token = token(model, &w);
                host_facts(&mut w);
                w.data_store = data_store(&w, endpoint.map(|e| &net.endpoints[e]));
                w
            })
            .collect();
        workloads.sort_by(|a, b| {
            (&a.namespace, &a.obj.name, &a.obj.kind).cmp(&(&b.namespace, &b.obj.name, &b.obj.kind))
        });
        let by_endpoint = workloads
            .iter()
            .enumerate()
            .filter_map(|(i, w)| w.endpoint.map(|e| (e, i)))
            .collect();

        let mut namespaces = BTreeMap::new();
        let mut all_ns: BTreeSet<String> = model.namespaces().into_iter().collect();
        all_ns.extend(workloads.iter().map(|w| w.namespace.clone()));
        for ns in all_ns {
            namespaces.insert(ns.clone(), ns_facts(input, &ns));
        }

        let mut service_accounts: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for o in model.of_kind("ServiceAccount") {
            if let Some(ns) = &o.namespace {
                service_accounts
                    .entry(ns.clone())
                    .or_default()
                    .insert(o.name.clone());
            }
        }
        for w in &workloads {
            service_accounts
                .entry(w.namespace.clone())
                .or_default()
                .insert(w.service_account.clone());
        }
        for b in &input.rbac.bindings {
            for s in &b.subjects {
                if let palisade_rbac::Subject::ServiceAccount { namespace, name } = &s.subject {
                    service_accounts
                        .entry(namespace.clone())
                        .or_default()
                        .insert(name.clone());
                }
            }
        }

        let ingress_namespace = options.ingress_controller_namespace.clone();
        let ingress_controller_seen = workloads.iter().any(|w| w.namespace == ingress_namespace);
        let mut facts = Facts {
            workloads,
            entries: Vec::new(),
            namespaces,
            service_accounts,
            by_endpoint,
            ingress_namespace,
            ingress_controller_seen,
            lateral: Vec::new(),
            matrix: palisade_netpol::matrix(net),
        };
        facts.entries = entries(input, &facts);
        facts.lateral = lateral(net, &facts.matrix, &facts.by_endpoint);
        facts
    }

    pub fn assumptions(&self, options: &Options) -> Vec<String> {
        let mut v = vec![
            "An end user who reaches an application's port can run code in its pods (the remote-code-execution flaw every exposed application must be assumed to have); so can an attacker who reaches another workload's declared port.".to_string(),
            "Pods without conflicting nodeSelectors may share a node; a shell on a node reaches every pod, token and volume of the pods that may run there.".to_string(),
            "A namespace without a `pod-security.kubernetes.io/enforce` label (or with `privileged`) admits privileged pods: no other admission policy is known from the input.".to_string(),
            "NetworkPolicies are enforced by the network plugin; pods with hostNetwork are not subject to them.".to_string(),
            "NodePort Services and host ports count as internet exposure: they are reachable from outside wherever the nodes have public addresses or the firewall lets them through.".to_string(),
            "Reaching a data store's port from a pod exposes its data: clients' credentials are often shared or weak.".to_string(),
        ];
        if self.ingress_controller_seen {
            v.push(format!(
                "Ingress traffic is forwarded by the workloads of namespace {}.",
                options.ingress_controller_namespace
            ));
        } else {
            v.push(format!(
                "Ingress traffic is forwarded by an ingress controller in namespace {} (not in the input; change with --ingress-namespace).",
                options.ingress_controller_namespace
            ));
        }
        v
    }
}

/// Every allowed connection between two workloads, to a declared port of
/// the destination (the connectivity matrix of palisade-netpol).
fn lateral(
    net: &Network,
    m: &palisade_netpol::Matrix,
    by_endpoint: &HashMap<usize, usize>,
) -> Vec<(usize, usize, Protocol, u16)> {
    let mut out = Vec::new();
    let _ = m.for_each_edge(|e| {
        let (
            palisade_netpol::matrix::Node::Endpoint(s),
            palisade_netpol::matrix::Node::Endpoint(d),
        ) = (e.src, e.dst)
        else {
            return Ok::<(), ()>(());
        };
        let (Some(&src), Some(&dst)) = (
            by_endpoint.get(&(s as usize)),
            by_endpoint.get(&(d as usize)),
        ) else {
            return Ok(());
        };
        let conns = m.conns_of(&e);
        let mut ports = net.endpoints[d as usize].ports.clone();
        ports.sort();
        if let Some(&(port, proto)) = ports.iter().find(|(p, proto)| conns.allows(*proto, *p)) {
            out.push((src, dst, proto, port));
        }
        Ok(())
    });
    out.sort();
    out
}

/// Secrets a pod template uses.
fn secrets_of(t: &PodTemplate<'_>) -> Vec<String> {
    let mut s = BTreeSet::new();
    for v in t.spec.volumes.iter().flatten() {
        if let Some(n) = v.secret.as_ref().and_then(|x| x.secret_name.clone()) {
            s.insert(n);
        }
        for p in v.projected.iter().flat_map(|p| p.sources.iter().flatten()) {
            if let Some(x) = &p.secret {
                s.insert(x.name.clone());
            }
        }
    }
    for c in t.containers() {
        for e in c.env_from {
            if let Some(r) = &e.secret_ref {
                s.insert(r.name.clone());
            }
        }
        for e in c.env {
            if let Some(r) = e
                .value_from
                .as_ref()
                .and_then(|v| v.secret_key_ref.as_ref())
            {
                s.insert(r.name.clone());
            }
        }
    }
    s.into_iter().collect()
}

/// Whether the pods mount the token, and why.
fn token(model: &palisade_model::Model, w: &Wl<'_>) -> Option<Evidence> {
    let spec_path = w.tpl.spec_field();
    match w.tpl.spec.automount_service_account_token {
        Some(false) => None,
        Some(true) => Some(
            w.at(
                &spec_path.key("automountServiceAccountToken"),
                format!(
                    "pods mount the token of service account {}:{} (automountServiceAccountToken: true)",
                    w.namespace, w.service_account
                ),
            )
            .check("automount-service-account-token"),
        ),
        None => {
            let sa = model.get("ServiceAccount", Some(&w.namespace), &w.service_account);
            let sa_off = sa.is_some_and(|o| {
                matches!(&o.typed, Typed::ServiceAccount(s) if s.automount_service_account_token == Some(false))
            });
            if sa_off {
                return None;
            }
            Some(
                w.at(
                    &spec_path,
                    format!(
                        "pods mount the token of service account {}:{} (automountServiceAccountToken is not false)",
                        w.namespace, w.service_account
                    ),
                )
                .check("automount-service-account-token"),
            )
        }
    }
}

const RUNTIME_SOCKETS: &[&str] = &[
    "docker.sock",
    "containerd.sock",
    "crio.sock",
    "cri-dockerd.sock",
    "dockershim.sock",
];
const RUNTIME_DIRS: &[&str] = &[
    "/var/run",
    "/run",
    "/var/run/docker",
    "/run/containerd",
    "/var/run/containerd",
    "/var/run/crio",
    "/run/crio",
];
/// Host directories that hold credentials (kubelet, every pod's token,
/// root's keys): mounted even read-only, the node's secrets are the pod's.
const CREDENTIAL_DIRS: &[&str] = &[
    "/etc",
    "/etc/kubernetes",
    "/var/lib/kubelet",
    "/var/lib/etcd",
    "/root",
    "/home",
];
/// Host directories whose write access is root on the node.
const WRITABLE_ESCAPES: &[&str] = &[
    "/proc",
    "/sys",
    "/dev",
    "/boot",
    "/usr",
    "/bin",
    "/sbin",
    "/lib",
    "/lib64",
    "/var/lib/docker",
    "/var/lib/containerd",
    "/var/spool/cron",
    "/opt/cni",
    "/etc/cni",
];

fn under(p: &str, dirs: &[&str]) -> bool {
    dirs.iter()
        .any(|d| p == *d || p.starts_with(&format!("{d}/")))
}

/// Escapes to the node and other host access of a workload.
fn host_facts(w: &mut Wl<'_>) {
    let spec = w.tpl.spec;
    let spec_path = w.tpl.spec_field();
    let host_pid = spec.host_pid == Some(true);
    let mut escape = Vec::new();
    let mut host = Vec::new();
    for c in w.tpl.containers() {
        let cpath = spec_path.clone().join(&c.path());
        let sc = c.security_context;
        if sc.and_then(|s| s.privileged) == Some(true) {
            escape.push(
                w.at(
                    &cpath.clone().key("securityContext").key("privileged"),
                    format!(
                        "{} is privileged: every device and capability of the node",
                        c.describe()
                    ),
                )
                .check("pss-privileged"),
            );
        }
        let added = sc
            .and_then(|s| s.capabilities.as_ref())
            .and_then(|caps| caps.add.as_ref());
        for cap in added.into_iter().flatten() {
            let name = cap.trim_start_matches("CAP_").to_ascii_uppercase();
            let escapes = matches!(
                name.as_str(),
                "ALL" | "SYS_ADMIN" | "SYS_MODULE" | "DAC_READ_SEARCH"
            ) || (name == "SYS_PTRACE" && host_pid);
            if escapes {
                escape.push(
                    w.at(
                        &cpath
                            .clone()
                            .key("securityContext")
                            .key("capabilities")
                            .key("add"),
                        format!("{} adds capability {cap}", c.describe()),
                    )
                    .check("pss-capabilities-baseline"),
                );
            }
        }
        for p in c.ports {
            if let Some(hp) = p.host_port.filter(|&h| h > 0) {
                host.push(
                    w.at(
                        &cpath.clone().key("ports"),
                        format!("{} binds host port {hp} on the node", c.describe()),
                    )
                    .check("pss-host-ports"),
                );
            }
        }
    }
    for (i, v) in spec.volumes.iter().flatten().enumerate() {
        let Some(hp) = &v.host_path else { continue };
        let path = spec_path
            .clone()
            .key("volumes")
            .index(i)
            .key("hostPath")
            .key("path");
        let p = hp.path.trim_end_matches('/');
        let p = if p.is_empty() { "/" } else { p };
        let writable = w.tpl.containers().iter().any(|c| {
            c.volume_mounts
                .iter()
                .any(|m| m.name == v.name && m.read_only != Some(true))
        });
        let socket = RUNTIME_SOCKETS.iter().any(|s| p.ends_with(s)) || RUNTIME_DIRS.contains(&p);
        if socket {
            escape.push(
                w.at(
                    &path,
                    format!(
                        "volume {:?} mounts the container runtime socket {} (start privileged containers on the node)",
                        v.name, hp.path
                    ),
                )
                .check("container-runtime-socket"),
            );
        } else if p == "/" || under(p, CREDENTIAL_DIRS) {
            escape.push(
                w.at(
                    &path,
                    format!(
                        "volume {:?} mounts host path {}{} (node credentials and every pod's token)",
                        v.name,
                        hp.path,
                        if writable { "" } else { " read-only" }
                    ),
                )
                .check("sensitive-host-path"),
            );
        } else if writable && under(p, WRITABLE_ESCAPES) {
            escape.push(
                w.at(
                    &path,
                    format!("volume {:?} mounts host path {} writable", v.name, hp.path),
                )
                .check("sensitive-host-path"),
            );
        } else {
            host.push(
                w.at(
                    &path,
                    format!(
                        "volume {:?} mounts host path {}{}",
                        v.name,
                        hp.path,
                        if writable { "" } else { " read-only" }
                    ),
                )
                .check("pss-host-path-volumes"),
            );
        }
    }
    for (field, on, what) in [
        (
            "hostNetwork",
            spec.host_network == Some(true),
            "shares the node's network stack (node-local ports, no NetworkPolicy)",
        ),
        ("hostPID", host_pid, "sees every process of the node"),
        (
            "hostIPC",
            spec.host_ipc == Some(true),
            "shares the node's IPC namespace",
        ),
    ] {
        if on {
            host.push(
                w.at(&spec_path.clone().key(field), format!("{field}: {what}"))
                    .check("pss-host-namespaces"),
            );
        }
    }
    w.escape = escape;
    w.host = host;
}

/// Why a workload is a data store: a StatefulSet with volume claims, or a
/// database image or port.
fn data_store(w: &Wl<'_>, e: Option<&Endpoint>) -> Option<String> {
    if let Typed::StatefulSet(s) = &w.obj.typed {
        let claims: Vec<String> = s
            .spec
            .volume_claim_templates
            .iter()
            .flatten()
            .filter_map(|c| c.metadata.name.clone())
            .collect();
        let pvcs: Vec<String> = w
            .tpl
            .spec
            .volumes
            .iter()
            .flatten()
            .filter_map(|v| {
                v.persistent_volume_claim
                    .as_ref()
                    .map(|p| p.claim_name.clone())
            })
            .collect();
        if !claims.is_empty() || !pvcs.is_empty() {
            let mut all = claims;
            all.extend(pvcs);
            return Some(format!(
                "StatefulSet with persistent volume claims ({})",
                all.join(", ")
            ));
        }
    }
    let e = e?;
    if palisade_netpol::checks::is_database(e) {
        let what = e
            .images
            .iter()
            .find(|i| {
                palisade_netpol::checks::is_database(&Endpoint {
                    images: vec![(*i).clone()],
                    ports: Vec::new(),
                    ..e.clone()
                })
            })
            .map(|i| format!("database image {i}"))
            .or_else(|| {
                e.ports
                    .first()
                    .map(|(p, proto)| format!("database port {p}/{proto}"))
            })?;
        return Some(what);
    }
    None
}

fn ns_facts(input: &Input<'_>, ns: &str) -> NsFacts {
    match input.model.namespace_object(ns) {
        Some(o) => match o.labels.get(PSA_ENFORCE) {
            Some(level) => {
                let at = o.locate(&Path::root().key("metadata").key("labels").key(PSA_ENFORCE));
                NsFacts {
                    admits_privileged: level == "privileged",
                    evidence: Evidence::at(
                        &o.reference,
                        &at,
                        format!("namespace {ns} enforces Pod Security level {level}"),
                    ),
                }
            }
            None => NsFacts {
                admits_privileged: true,
                evidence: Evidence::at(
                    &o.reference,
                    &o.location,
                    format!("namespace {ns} enforces no Pod Security level"),
                )
                .check("namespace-no-psa-labels"),
            },
        },
        None => NsFacts {
            admits_privileged: true,
            evidence: Evidence::absent(format!(
                "namespace {ns} is not in the input: no Pod Security level is known to be enforced"
            )),
        },
    }
}

/// The netpol reasons of one side of a connection.
fn side_evidence(
    input: &Input<'_>,
    side: &palisade_netpol::reach::Side,
    e: &Endpoint,
    d: Direction,
    allowed: bool,
) -> Vec<Evidence> {
    let net = input.network;
    let dir = d.as_str();
    if side.isolated_by.is_empty() {
        let check = match d {
            Direction::Ingress => "netpol-workload-not-isolated",
            Direction::Egress => "netpol-no-default-deny-egress",
        };
        return vec![
            Evidence::at(
                &e.object,
                &e.location,
                format!("no NetworkPolicy isolates {dir} of {}", e.display()),
            )
            .check(check),
        ];
    }
    let policy_at = |pi: usize, rule: Option<usize>| {
        let p = &net.policies[pi];
        let loc = match (
            rule,
            input
                .model
                .get("NetworkPolicy", Some(&p.namespace), &p.name),
        ) {
            (Some(r), Some(o)) => o.locate(&palisade_netpol::Policy::rule_path(d, r)),
            _ => p.location.clone(),
        };
        (p, loc)
    };
    if allowed {
        side.allowed_by
            .iter()
            .map(|&(pi, ri)| {
                let (p, loc) = policy_at(pi, Some(ri));
                Evidence::at(
                    &p.object,
                    &loc,
                    format!(
                        "{dir} rule {} of NetworkPolicy {} allows it",
                        ri + 1,
                        p.display()
                    ),
                )
            })
            .collect()
    } else {
        side.isolated_by
            .iter()
            .map(|&pi| {
                let (p, loc) = policy_at(pi, None);
                Evidence::at(
                    &p.object,
                    &loc,
                    format!(
                        "NetworkPolicy {} isolates {dir} of {} and no rule allows it",
                        p.display(),
                        e.display()
                    ),
                )
            })
            .collect()
    }
}

/// Why a connection between two workloads is allowed (or not).
pub(crate) fn connection_evidence(
    input: &Input<'_>,
    src: usize,
    dst: usize,
    v: &Verdict,
    proto: Protocol,
    port: u16,
) -> Vec<Evidence> {
    let net = input.network;
    let eg_ok = v.egress.conns.allows(proto, port);
    let in_ok = v.ingress.conns.allows(proto, port);
    let mut out = side_evidence(
        input,
        &v.egress,
        &net.endpoints[src],
        Direction::Egress,
        eg_ok,
    );
    out.extend(side_evidence(
        input,
        &v.ingress,
        &net.endpoints[dst],
        Direction::Ingress,
        in_ok,
    ));
    out
}

/// Whether traffic from outside (the ingress controller, or an internet
/// address) reaches endpoint `e` on `port`, with the reasons.
fn admitted(
    input: &Input<'_>,
    facts_workloads: &[Wl<'_>],
    ingress_ns: &str,
    from_controller: bool,
    e: usize,
    proto: Protocol,
    port: u16,
) -> (bool, bool, Vec<Evidence>) {
    let net = input.network;
    let ep = &net.endpoints[e];
    if ep.host_network {
        return (
            true,
            false,
            vec![Evidence::at(
                &ep.object,
                &ep.location,
                format!(
                    "{} uses hostNetwork: NetworkPolicies do not apply",
                    ep.display()
                ),
            )],
        );
    }
    if from_controller {
        // the controller's own workloads when the input has them
        let controllers: Vec<usize> = facts_workloads
            .iter()
            .filter(|w| w.namespace == ingress_ns)
            .filter_map(|w| w.endpoint)
            .collect();
        if !controllers.is_empty() {
            let mut best: Option<(bool, bool, Vec<Evidence>)> = None;
            for c in controllers {
                let v = connection(net, Addr::Endpoint(c), Addr::Endpoint(e));
                let ok = v.conns.allows(proto, port);
                let isolated = !v.ingress.isolated_by.is_empty();
                let ev = connection_evidence(input, c, e, &v, proto, port);
                if ok || best.is_none() {
                    best = Some((ok, isolated, ev));
                }
                if ok {
                    break;
                }
            }
            return best.expect("at least one controller");
        }
        let controller = hypothetical_controller(net, ingress_ns, ep);
        let side = side_with(net, e, Other::Endpoint(&controller), Direction::Ingress);
        let ok = side.conns.allows(proto, port);
        let isolated = !side.isolated_by.is_empty();
        return (
            ok,
            isolated,
            side_evidence(input, &side, ep, Direction::Ingress, ok),
        );
    }
    let side = side_with(net, e, Other::Ip(INTERNET_ADDRESS), Direction::Ingress);
    let ok = side.conns.allows(proto, port);
    let isolated = !side.isolated_by.is_empty();
    (
        ok,
        isolated,
        side_evidence(input, &side, ep, Direction::Ingress, ok),
    )
}

/// The ingress controller's pods when the input lacks them: ingress-nginx's
/// standard labels in its namespace.
fn hypothetical_controller(net: &Network, ns: &str, like: &Endpoint) -> Endpoint {
    let _ = net;
    let labels = if ns == "ingress-nginx" {
        BTreeMap::from([
            (
                "app.kubernetes.io/name".to_string(),
                "ingress-nginx".to_string(),
            ),
            (
                "app.kubernetes.io/component".to_string(),
                "controller".to_string(),
            ),
        ])
    } else {
        BTreeMap::new()
    };
    Endpoint {
        namespace: ns.to_string(),
        name: "ingress-controller".into(),
        kind: "Deployment".into(),
        labels,
        named_ports: Vec::new(),
        ports: Vec::new(),
        images: Vec::new(),
        host_network: false,
        object: like.object.clone(),
        location: like.location.clone(),
    }
}

/// The container port a Service port reaches on endpoint `e`.
fn target_port(
    e: &Endpoint,
    port: i32,
    target: Option<&IntOrString>,
    proto: Protocol,
) -> Option<u16> {
    match target {
        None => u16::try_from(port).ok(),
        Some(IntOrString::Int(n)) => u16::try_from(*n).ok(),
        Some(IntOrString::String(name)) => e
            .named_ports
            .iter()
            .find(|(n, _, p)| n == name && *p == proto)
            .map(|(_, p, _)| *p),
    }
}

/// Entry points from outside: Ingresses, LoadBalancer and NodePort
/// Services, host ports.
fn entries(input: &Input<'_>, facts: &Facts<'_>) -> Vec<Entry> {
    let model = input.model;
    let net = input.network;
    let mut out = Vec::new();
    // workloads a Service selects
    let backends = |ns: &str, sel: &BTreeMap<String, String>| -> Vec<usize> {
        let mut v: Vec<usize> = net
            .by_namespace
            .get(ns)
            .into_iter()
            .flatten()
            .copied()
            .filter(|&e| palisade_model::selector::matches_map(sel, &net.endpoints[e].labels))
            .filter_map(|e| facts.by_endpoint.get(&e).copied())
            .collect();
        v.sort_unstable();
        v
    };
    // what one Service port reaches: each backend workload with its target
    // port, and whether its NetworkPolicies admit the traffic
    let reached = |ns: &str,
                   sel: &BTreeMap<String, String>,
                   sp: &ServicePort,
                   from_controller: bool|
     -> Vec<Reached> {
        let proto = sp
            .protocol
            .as_deref()
            .and_then(Protocol::parse)
            .unwrap_or(Protocol::Tcp);
        backends(ns, sel)
            .into_iter()
            .filter_map(|wi| {
                let e = facts.workloads[wi].endpoint?;
                let port = target_port(&net.endpoints[e], sp.port, sp.target_port.as_ref(), proto)?;
                let (allowed, isolated, netpol) = admitted(
                    input,
                    &facts.workloads,
                    &facts.ingress_namespace,
                    from_controller,
                    e,
                    proto,
                    port,
                );
                Some(Reached {
                    workload: wi,
                    port,
                    protocol: proto,
                    allowed,
                    isolated,
                    netpol,
                })
            })
            .collect()
    };
    let mut ingresses: Vec<&Object> = model.of_kind("Ingress").collect();
    ingresses.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    for o in ingresses {
        let Typed::Ingress(ing) = &o.typed else {
            continue;
        };
        let Some(spec) = &ing.spec else { continue };
        let ns = o.namespace.clone().unwrap_or_else(|| "default".into());
        let tls_hosts: BTreeSet<String> = spec
            .tls
            .iter()
            .flatten()
            .flat_map(|t| t.hosts.iter().flatten().cloned())
            .collect();
        // (host, path, backend, where written)
        let mut paths = Vec::new();
        if let Some(b) = &spec.default_backend {
            paths.push((
                "*".to_string(),
                "/".to_string(),
                b.clone(),
                Path::root().key("spec").key("defaultBackend"),
            ));
        }
        for (ri, r) in spec.rules.iter().flatten().enumerate() {
            let host = r.host.clone().unwrap_or_else(|| "*".into());
            for (pi, p) in r.http.iter().flat_map(|h| h.paths.iter()).enumerate() {
                paths.push((
                    host.clone(),
                    p.path.clone().unwrap_or_else(|| "/".into()),
                    p.backend.clone(),
                    Path::root()
                        .key("spec")
                        .key("rules")
                        .index(ri)
                        .key("http")
                        .key("paths")
                        .index(pi),
                ));
            }
        }
        let mut routes = Vec::new();
        for (host, path, backend, at) in paths {
            let Some(svc_ref) = &backend.service else {
                continue;
            };
            let Some(svc_obj) = model.get("Service", Some(&ns), &svc_ref.name) else {
                continue;
            };
            let Typed::Service(svc) = &svc_obj.typed else {
                continue;
            };
            let Some(sspec) = &svc.spec else { continue };
            let Some(sel) = sspec.selector.as_ref().filter(|s| !s.is_empty()) else {
                continue;
            };
            let tls = tls_hosts.contains(&host);
            for sp in sspec.ports.iter().flatten() {
                let wanted = match &svc_ref.port {
                    None => true,
                    Some(p) => p.number == Some(sp.port) || (p.name.is_some() && p.name == sp.name),
                };
                if !wanted {
                    continue;
                }
                for r in reached(&ns, sel, sp, true) {
                    routes.push(Route {
                        description: format!(
                            "{host}{path}{} → Service {}:{} → {} port {}",
                            if tls { " (TLS)" } else { " (no TLS)" },
                            svc_ref.name,
                            sp.port,
                            facts.workloads[r.workload].name,
                            r.port
                        ),
                        workload: r.workload,
                        port: r.port,
                        protocol: r.protocol,
                        tls: Some(tls),
                        written: Evidence::at(
                            &o.reference,
                            &o.locate(&at),
                            format!("routes {host}{path} to Service {}", svc_ref.name),
                        ),
                        allowed: r.allowed,
                        isolated: r.isolated,
                        netpol: r.netpol,
                    });
                }
            }
        }
        out.push(Entry {
            name: format!("Ingress {ns}/{}", o.name),
            kind: EntryKind::Ingress,
            object: o.reference.clone(),
            location: o.location.clone(),
            routes,
        });
    }
    let mut services: Vec<&Object> = model.of_kind("Service").collect();
    services.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    for o in services {
        let Typed::Service(svc) = &o.typed else {
            continue;
        };
        let Some(spec) = &svc.spec else { continue };
        let kind = match spec.type_.as_deref() {
            Some("LoadBalancer") => EntryKind::LoadBalancer,
            Some("NodePort") => EntryKind::NodePort,
            _ => continue,
        };
        let Some(sel) = spec.selector.as_ref().filter(|s| !s.is_empty()) else {
            continue;
        };
        let ns = o.namespace.clone().unwrap_or_else(|| "default".into());
        let type_at = o.locate(&Path::root().key("spec").key("type"));
        let mut routes = Vec::new();
        for sp in spec.ports.iter().flatten() {
            for r in reached(&ns, sel, sp, false) {
                let outside = match (kind, sp.node_port) {
                    (EntryKind::NodePort, Some(n)) => format!("node port {n}"),
                    (EntryKind::NodePort, None) => "a node port".to_string(),
                    _ => format!("load balancer port {}", sp.port),
                };
                routes.push(Route {
                    description: format!(
                        "{outside} → {} port {}",
                        facts.workloads[r.workload].name, r.port
                    ),
                    workload: r.workload,
                    port: r.port,
                    protocol: r.protocol,
                    tls: None,
                    written: Evidence::at(
                        &o.reference,
                        &type_at,
                        format!(
                            "Service {}/{} is of type {}",
                            ns,
                            o.name,
                            spec.type_.as_deref().unwrap_or_default()
                        ),
                    ),
                    allowed: r.allowed,
                    isolated: r.isolated,
                    netpol: r.netpol,
                });
            }
        }
        out.push(Entry {
            name: format!(
                "{} Service {ns}/{}",
                spec.type_.as_deref().unwrap_or_default(),
                o.name
            ),
            kind,
            object: o.reference.clone(),
            location: o.location.clone(),
            routes,
        });
    }
    for (wi, w) in facts.workloads.iter().enumerate() {
        let Some(e) = w.endpoint else { continue };
        let host_net = w.tpl.spec.host_network == Some(true);
        let mut routes = Vec::new();
        for c in w.tpl.containers() {
            let cpath = w.tpl.spec_field().join(&c.path()).key("ports");
            for p in c.ports {
                let host_port = p.host_port.filter(|&h| h > 0).or(if host_net {
                    Some(p.container_port)
                } else {
                    None
                });
                let (Some(hp), Ok(port)) = (host_port, u16::try_from(p.container_port)) else {
                    continue;
                };
                let proto = p
                    .protocol
                    .as_deref()
                    .and_then(Protocol::parse)
                    .unwrap_or(Protocol::Tcp);
                let (allowed, isolated, netpol) = admitted(
                    input,
                    &facts.workloads,
                    &facts.ingress_namespace,
                    false,
                    e,
                    proto,
                    port,
                );
                routes.push(Route {
                    description: format!(
                        "host port {hp}/{proto} of every node it runs on → {} port {port}",
                        w.name
                    ),
                    workload: wi,
                    port,
                    protocol: proto,
                    tls: None,
                    written: w.at(
                        &cpath,
                        if host_net {
                            format!(
                                "{} listens on {hp} in the node's network (hostNetwork)",
                                c.describe()
                            )
                        } else {
                            format!("{} binds host port {hp}", c.describe())
                        },
                    ),
                    allowed,
                    isolated,
                    netpol,
                });
            }
        }
        if !routes.is_empty() {
            out.push(Entry {
                name: format!("host ports of {}", w.name),
                kind: EntryKind::HostPort,
                object: w.obj.reference.clone(),
                location: w.obj.location.clone(),
                routes,
            });
        }
    }
    out
}
