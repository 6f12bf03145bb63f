//! The attack graph: what an attacker at one point can reach next, each
//! edge backed by evidence from the input, and the breadth-first searches
//! that find the shortest attack paths.
//!
//! Edges:
//! * internet → an entry point (Ingress, LoadBalancer/NodePort Service,
//!   host port) → the pods it routes to, when the NetworkPolicies let the
//!   traffic in (remote code execution in the application is assumed);
//! * pod → pod, pod → data store: connections the NetworkPolicies allow to
//!   a declared port (both the source's egress and the destination's
//!   ingress are judged). They go through two hubs per NetworkPolicy
//!   equivalence class (pod → its class → what the class may reach → each
//!   pod there), edges of no length: a namespace without policies would
//!   otherwise be an edge per pair of pods;
//! * pod → its service account, when the token is mounted;
//! * pod → node, when a shell in it is root on the node (privileged,
//!   runtime socket, sensitive host path, SYS_ADMIN …);
//! * node → every pod, token and data-store volume that may be on it;
//! * subject → what RBAC lets it reach (palisade-rbac's risk classes):
//!   cluster-admin, other service accounts, the Secrets of a namespace, the
//!   pods of a namespace (exec), a node (nodes/proxy, PersistentVolumes, a
//!   privileged pod where no Pod Security level is enforced);
//! * a subject → the groups it implicitly belongs to.

use crate::facts::{Facts, connection_evidence};
use crate::{
    Assets, AttackPath, Evidence, Impact, Input, Profile, ProfileId, Reach, StartReach, Step,
};
use palisade_netpol::Protocol;
use palisade_netpol::reach::{Addr, connection};
use palisade_rbac::Subject;
use palisade_rbac::risks::{self, Risk, RiskFinding, Scope};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Node {
    Internet,
    /// Index into [`Facts::entries`].
    Entry(usize),
    /// Code execution in the pods of a workload (index into
    /// [`Facts::workloads`]).
    Pod(usize),
    /// Root on a node of a pool (a nodeSelector as `k=v,…`; empty: any node).
    Host(String),
    /// Acting as a subject against the API server.
    Subject(Subject),
    /// Every Secret of a namespace.
    Secrets(String),
    /// The data of a data store (workload index).
    Data(usize),
    ClusterAdmin,
    /// Hub: the pods of a NetworkPolicy equivalence class, as senders.
    Senders(u32),
    /// Hub: network access to the pods of a class (first) with a set of
    /// connections (second, index into the matrix's connections).
    Access(u32, u32),
    /// Hub: the pods of a namespace (`None`: of every namespace), for RBAC
    /// that reaches them all.
    PodsIn(Option<String>),
    /// Hub: the service accounts of a namespace (`None`: of every
    /// namespace).
    AccountsIn(Option<String>),
}

/// What a namespace hub leads to.
#[derive(Debug, Clone, Copy)]
enum Members {
    Pods,
    Accounts,
}

#[derive(Debug, Clone)]
pub(crate) enum EdgeKind {
    /// Pod → the hub of its class (no length).
    Sends,
    /// Class hub → what the class may reach (no length).
    Allowed,
    /// Namespace hub → its pods or service accounts (no length).
    Fan,
    Expose,
    Route {
        route: usize,
    },
    Connect {
        protocol: Protocol,
        port: u16,
    },
    DataNet {
        protocol: Protocol,
        port: u16,
    },
    OwnData,
    Token,
    Escape,
    HostPod,
    HostToken {
        workload: usize,
    },
    HostData,
    Member,
    Rbac {
        risk: usize,
    },
    PrivilegedPod {
        risk: usize,
        namespace: String,
    },
    TokenSecret {
        secret: String,
    },
}

pub(crate) struct Edge {
    pub from: usize,
    pub to: usize,
    pub kind: EdgeKind,
}

pub(crate) struct Graph<'i, 'a> {
    input: &'i Input<'a>,
    pub facts: &'i Facts<'a>,
    pub nodes: Vec<Node>,
    index: HashMap<Node, usize>,
    pub edges: Vec<Edge>,
    /// Outgoing edges per node, in insertion order.
    pub out: Vec<Vec<usize>>,
    pub risks: Vec<(&'static Risk, RiskFinding)>,
    seen: BTreeSet<(usize, usize)>,
}

const NONE: u32 = u32::MAX;

/// Items of a list a path's "what it yields" names before "and N more": on
/// a large cluster a node may run hundreds of pods.
const MAX_YIELDS: usize = 12;

fn capped(v: &[String]) -> String {
    if v.len() <= MAX_YIELDS {
        v.join(", ")
    } else {
        format!(
            "{}, and {} more",
            v[..MAX_YIELDS].join(", "),
            v.len() - MAX_YIELDS
        )
    }
}

/// Attack paths listed per profile and target (the shortest first).
const MAX_STARTS_PER_TARGET: usize = 3;
/// Targets listed per start in a profile's table.
const MAX_REACHES_PER_START: usize = 8;

/// A target a start reaches: node, impact, steps.
type Reached = (usize, Impact, usize);

/// Shortest paths to one target from everywhere. Kept compact (6 bytes a
/// node): there is one tree per target.
pub(crate) struct TargetTree {
    pub node: usize,
    pub impact: Impact,
    /// Steps to the target (`u16::MAX`: it is not reached).
    dist: Vec<u16>,
    /// The edge taken towards the target.
    next: Vec<u32>,
}

impl TargetTree {
    /// Steps from `n` to the target, when `n` reaches it.
    pub fn distance(&self, n: usize) -> Option<u32> {
        let d = self.dist[n];
        (d != u16::MAX).then_some(u32::from(d))
    }
}

pub(crate) struct Search {
    /// The targets (nodes above medium impact), by label. Their trees are
    /// built one at a time when paths are searched: all of them at once
    /// would be targets × nodes.
    pub targets: Vec<usize>,
    /// Incoming edges per node.
    reverse: Vec<Vec<usize>>,
    /// Shortest paths from the internet: parent node and edge.
    pub from_internet: Vec<(u32, u32)>,
    pub internet_dist: Vec<u32>,
}

impl<'i, 'a> Graph<'i, 'a> {
    fn node(&mut self, n: Node) -> usize {
        if let Some(&i) = self.index.get(&n) {
            return i;
        }
        let i = self.nodes.len();
        self.nodes.push(n.clone());
        self.index.insert(n, i);
        self.out.push(Vec::new());
        i
    }

    fn add(&mut self, from: Node, to: Node, kind: EdgeKind) {
        let (f, t) = (self.node(from), self.node(to));
        if f == t || !self.seen.insert((f, t)) {
            return;
        }
        self.out[f].push(self.edges.len());
        self.edges.push(Edge {
            from: f,
            to: t,
            kind,
        });
    }

    pub fn index_of(&self, n: &Node) -> Option<usize> {
        self.index.get(n).copied()
    }

    pub fn build(input: &'i Input<'a>, facts: &'i Facts<'a>) -> Graph<'i, 'a> {
        let mut g = Graph {
            input,
            facts,
            nodes: Vec::new(),
            index: HashMap::new(),
            edges: Vec::new(),
            out: Vec::new(),
            risks: sorted_risks(input),
            seen: BTreeSet::new(),
        };
        g.node(Node::Internet);
        for i in 0..facts.workloads.len() {
            g.node(Node::Pod(i));
        }
        // internet → entries → pods
        for (ei, e) in facts.entries.iter().enumerate() {
            if !e.routes.iter().any(|r| r.allowed) {
                continue;
            }
            g.add(Node::Internet, Node::Entry(ei), EdgeKind::Expose);
            for (ri, r) in e.routes.iter().enumerate() {
                if r.allowed {
                    g.add(
                        Node::Entry(ei),
                        Node::Pod(r.workload),
                        EdgeKind::Route { route: ri },
                    );
                }
            }
        }
        // pods: data, token, escape
        for (i, w) in facts.workloads.iter().enumerate() {
            if w.data_store.is_some() {
                g.add(Node::Pod(i), Node::Data(i), EdgeKind::OwnData);
            }
            if w.token.is_some() {
                g.add(
                    Node::Pod(i),
                    Node::Subject(sa(&w.namespace, &w.service_account)),
                    EdgeKind::Token,
                );
            }
            if !w.escape.is_empty() {
                g.add(
                    Node::Pod(i),
                    Node::Host(pool_key(&w.node_selector)),
                    EdgeKind::Escape,
                );
            }
        }
        // pod → pod and pod → data store, as the NetworkPolicies allow:
        // pod → its class → (class, connections) → the pods there
        g.lateral_edges();
        // nodes → every pod, token and data volume that may be there
        let pools: BTreeSet<String> = g
            .nodes
            .iter()
            .filter_map(|n| match n {
                Node::Host(p) => Some(p.clone()),
                _ => None,
            })
            .chain(std::iter::once(String::new()))
            .collect();
        for pool in &pools {
            g.connect_host(pool);
        }
        g.rbac_edges();
        // legacy token Secrets: reading a namespace's Secrets is its tokens
        let mut token_secrets: Vec<(&str, &str, String)> = Vec::new();
        for o in input.model.of_kind("Secret") {
            if let palisade_model::Typed::Secret(s) = &o.typed
                && s.type_.as_deref() == Some("kubernetes.io/service-account-token")
                && let (Some(ns), Some(sa_name)) = (
                    o.namespace.as_deref(),
                    o.annotations.get("kubernetes.io/service-account.name"),
                )
            {
                token_secrets.push((ns, sa_name, o.name.clone()));
            }
        }
        token_secrets.sort();
        for (ns, sa_name, secret) in token_secrets {
            if g.index.contains_key(&Node::Secrets(ns.to_string())) {
                g.add(
                    Node::Secrets(ns.to_string()),
                    Node::Subject(sa(ns, sa_name)),
                    EdgeKind::TokenSecret { secret },
                );
            }
        }
        // subjects → the groups they implicitly belong to, where RBAC binds them
        let groups: BTreeSet<String> = input
            .rbac
            .bindings
            .iter()
            .flat_map(|b| b.subjects.iter())
            .filter_map(|s| match &s.subject {
                Subject::Group(g) => Some(g.clone()),
                _ => None,
            })
            .collect();
        let members: Vec<Subject> = g
            .nodes
            .iter()
            .filter_map(|n| match n {
                Node::Subject(s @ (Subject::User(_) | Subject::ServiceAccount { .. })) => {
                    Some(s.clone())
                }
                _ => None,
            })
            .collect();
        for s in members {
            for grp in s.implicit_groups() {
                if groups.contains(&grp) {
                    g.add(
                        Node::Subject(s.clone()),
                        Node::Subject(Subject::Group(grp)),
                        EdgeKind::Member,
                    );
                }
            }
        }
        g
    }

    fn lateral_edges(&mut self) {
        let facts = self.facts;
        let m = &facts.matrix;
        // classes that may send to the same (class, connections) share a
        // hub, named by its first class
        let mut hub_of: HashMap<&[(u32, u32)], u32> = HashMap::new();
        let mut hubs = BTreeSet::new();
        for (i, w) in facts.workloads.iter().enumerate() {
            if let Some(e) = w.endpoint {
                let c = m.class_of(e as u32);
                let h = *hub_of.entry(m.class_out(c)).or_insert(c);
                hubs.insert(h);
                self.add(Node::Pod(i), Node::Senders(h), EdgeKind::Sends);
            }
        }
        let mut access = BTreeSet::new();
        for &h in &hubs {
            for &(d, k) in m.class_out(h) {
                access.insert((d, k));
                self.add(Node::Senders(h), Node::Access(d, k), EdgeKind::Allowed);
            }
        }
        for (d, k) in access {
            let conns = &m.conns[k as usize];
            for &e in m.members(d) {
                let Some(&dst) = facts.by_endpoint.get(&(e as usize)) else {
                    continue;
                };
                let mut ports = self.input.network.endpoints[e as usize].ports.clone();
                ports.sort();
                let Some(&(port, protocol)) = ports.iter().find(|(p, pr)| conns.allows(*pr, *p))
                else {
                    continue;
                };
                let (to, kind) = if facts.workloads[dst].data_store.is_some() {
                    (Node::Data(dst), EdgeKind::DataNet { protocol, port })
                } else {
                    (Node::Pod(dst), EdgeKind::Connect { protocol, port })
                };
                self.add(Node::Access(d, k), to, kind);
            }
        }
    }

    /// The length of an edge: hub edges have none.
    pub fn weight(&self, ei: usize) -> u32 {
        match self.edges[ei].kind {
            EdgeKind::Sends | EdgeKind::Allowed | EdgeKind::Fan => 0,
            _ => 1,
        }
    }

    /// Whether a node is a hub (never shown).
    fn is_hub(&self, n: usize) -> bool {
        matches!(
            self.nodes[n],
            Node::Senders(_) | Node::Access(..) | Node::PodsIn(_) | Node::AccountsIn(_)
        )
    }

    /// The steps of a path (edges from `start`): (from, edge, to) with
    /// hubs left out: `from` is the node before the hubs the step leaves
    /// from, `to` the node after the hubs it goes through.
    pub fn shown(&self, start: usize, edges: &[usize]) -> Vec<(usize, usize, usize)> {
        let mut from = start;
        let mut v: Vec<(usize, usize, usize)> = Vec::new();
        let mut open = false;
        for &e in edges {
            let to = self.edges[e].to;
            if self.weight(e) > 0 {
                v.push((from, e, to));
                open = self.is_hub(to);
            } else if open {
                // through the hub the last step went to
                if let Some(last) = v.last_mut() {
                    last.2 = to;
                }
                open = self.is_hub(to);
            }
            if !self.is_hub(to) {
                from = to;
            }
        }
        v
    }

    /// The length of a path: its edges but hub edges.
    fn length(&self, edges: &[usize]) -> usize {
        edges.iter().filter(|&&e| self.weight(e) > 0).count()
    }

    fn connect_host(&mut self, pool: &str) {
        let sel: BTreeMap<String, String> = pool
            .split(',')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let facts = self.facts;
        for (i, w) in facts.workloads.iter().enumerate() {
            if !w.may_run_on(&sel) {
                continue;
            }
            let host = Node::Host(pool.to_string());
            if w.data_store.is_some() {
                self.add(host.clone(), Node::Data(i), EdgeKind::HostData);
            }
            if w.token.is_some() {
                self.add(
                    host.clone(),
                    Node::Subject(sa(&w.namespace, &w.service_account)),
                    EdgeKind::HostToken { workload: i },
                );
            }
            self.add(host, Node::Pod(i), EdgeKind::HostPod);
        }
    }

    fn rbac_edges(&mut self) {
        let facts = self.facts;
        let rbac = self.input.rbac;
        let all_ns: Vec<String> = facts
            .namespaces
            .keys()
            .chain(facts.service_accounts.keys())
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        for ri in 0..self.risks.len() {
            let (risk, f) = (self.risks[ri].0, &self.risks[ri].1);
            let Some(b) = f.binding.map(|i| &rbac.bindings[i]) else {
                continue;
            };
            let id = risk.meta.id;
            let scope = Scope::of(b);
            let namespaces: Vec<String> = match b.scope() {
                Some(ns) => vec![ns.to_string()],
                None => all_ns.clone(),
            };
            let admin_now = matches!(
                id,
                "rbac-cluster-admin"
                    | "rbac-bind-roles"
                    | "rbac-escalate-roles"
                    | "rbac-impersonate"
                    | "rbac-approve-csrs"
            ) && scope == Scope::Cluster;
            let privileged_ns = matches!(scope, Scope::Cluster | Scope::Privileged)
                && matches!(
                    id,
                    "rbac-create-workloads"
                        | "rbac-read-secrets"
                        | "rbac-write-secrets"
                        | "rbac-token-request"
                        | "rbac-cluster-admin"
                );
            for s in &b.subjects {
                let from = Node::Subject(s.subject.clone());
                if admin_now || privileged_ns {
                    self.add(from, Node::ClusterAdmin, EdgeKind::Rbac { risk: ri });
                    continue;
                }
                let to_sas = matches!(
                    id,
                    "rbac-create-workloads"
                        | "rbac-token-request"
                        | "rbac-impersonate"
                        | "rbac-write-secrets"
                        | "rbac-cluster-admin"
                );
                let to_secrets = matches!(
                    id,
                    "rbac-read-secrets" | "rbac-write-secrets" | "rbac-cluster-admin"
                );
                let to_pods = matches!(
                    id,
                    "rbac-pods-exec"
                        | "rbac-ephemeral-containers"
                        | "rbac-modify-pods"
                        | "rbac-cluster-admin"
                );
                let to_node_by_pod = matches!(id, "rbac-create-workloads" | "rbac-cluster-admin");
                if matches!(id, "rbac-nodes-proxy" | "rbac-create-persistentvolumes") {
                    self.add(
                        from.clone(),
                        Node::Host(String::new()),
                        EdgeKind::Rbac { risk: ri },
                    );
                }
                for ns in &namespaces {
                    if to_node_by_pod
                        && facts.namespaces.get(ns).is_none_or(|n| n.admits_privileged)
                    {
                        self.add(
                            from.clone(),
                            Node::Host(String::new()),
                            EdgeKind::PrivilegedPod {
                                risk: ri,
                                namespace: ns.clone(),
                            },
                        );
                    }
                    if to_secrets {
                        self.add(
                            from.clone(),
                            Node::Secrets(ns.clone()),
                            EdgeKind::Rbac { risk: ri },
                        );
                    }
                }
                // pods and service accounts through a hub per namespace (and
                // one for every namespace): subjects × pods would not scale
                if to_pods {
                    let hub = self.namespace_hub(Members::Pods, b.scope(), &all_ns);
                    self.add(from.clone(), hub, EdgeKind::Rbac { risk: ri });
                }
                if to_sas {
                    let hub = self.namespace_hub(Members::Accounts, b.scope(), &all_ns);
                    self.add(from.clone(), hub, EdgeKind::Rbac { risk: ri });
                }
            }
        }
    }

    /// The hub of the pods or service accounts of a namespace (`None`: of
    /// every namespace), with its edges.
    fn namespace_hub(&mut self, members: Members, ns: Option<&str>, all_ns: &[String]) -> Node {
        let hub = match members {
            Members::Pods => Node::PodsIn(ns.map(str::to_string)),
            Members::Accounts => Node::AccountsIn(ns.map(str::to_string)),
        };
        if self.index.contains_key(&hub) {
            return hub;
        }
        self.node(hub.clone());
        let facts = self.facts;
        let to: Vec<Node> = match (ns, members) {
            (None, _) => all_ns
                .iter()
                .map(|n| self.namespace_hub(members, Some(n), all_ns))
                .collect(),
            (Some(ns), Members::Pods) => (0..facts.workloads.len())
                .filter(|&i| facts.workloads[i].namespace == ns)
                .map(Node::Pod)
                .collect(),
            (Some(ns), Members::Accounts) => facts
                .service_accounts
                .get(ns)
                .into_iter()
                .flatten()
                .map(|name| Node::Subject(sa(ns, name)))
                .collect(),
        };
        for t in to {
            self.add(hub.clone(), t, EdgeKind::Fan);
        }
        hub
    }

    /// The impact of reaching a node, if it is a target.
    pub fn impact(&self, n: usize) -> Option<Impact> {
        match &self.nodes[n] {
            Node::ClusterAdmin => Some(Impact::Critical),
            Node::Host(_) | Node::Data(_) => Some(Impact::Severe),
            Node::Secrets(_) => Some(Impact::High),
            Node::Pod(_) => Some(Impact::Medium),
            _ => None,
        }
    }

    pub fn label(&self, n: usize) -> String {
        let f = self.facts;
        match &self.nodes[n] {
            Node::Internet => "internet".into(),
            Node::Entry(e) => f.entries[*e].name.clone(),
            Node::Pod(w) => format!("pod {}", f.workloads[*w].name),
            Node::Host(p) if p.is_empty() => "node".into(),
            Node::Host(p) => format!("node (pool {p})"),
            Node::Subject(s) => s.to_string(),
            Node::Secrets(ns) => format!("Secrets of {ns}"),
            Node::Data(w) => format!("data of {}", f.workloads[*w].name),
            Node::ClusterAdmin => "cluster-admin".into(),
            Node::Senders(c) => format!("pods of NetworkPolicy class {c}"),
            Node::Access(c, k) => format!("access {k} to NetworkPolicy class {c}"),
            Node::PodsIn(Some(ns)) => format!("pods of {ns}"),
            Node::PodsIn(None) => "pods of every namespace".into(),
            Node::AccountsIn(Some(ns)) => format!("service accounts of {ns}"),
            Node::AccountsIn(None) => "service accounts of every namespace".into(),
        }
    }

    /// The label of a node as a start (`shell in pod …`).
    pub fn start_label(&self, n: usize) -> String {
        match &self.nodes[n] {
            Node::Pod(w) => format!("shell in pod {}", self.facts.workloads[*w].name),
            _ => self.label(n),
        }
    }

    /// The starts of a profile.
    pub fn starts(&self, p: ProfileId) -> Vec<usize> {
        let mut v: Vec<usize> = (0..self.nodes.len())
            .filter(|&i| match (&self.nodes[i], p) {
                (Node::Internet, ProfileId::EndUser) => !self.out[i].is_empty(),
                (Node::Pod(_), ProfileId::Internal) => true,
                (Node::Subject(Subject::User(_) | Subject::Group(_)), ProfileId::Privileged) => {
                    !self.out[i].is_empty()
                }
                _ => false,
            })
            .collect();
        v.sort_by_key(|&i| self.start_label(i));
        v
    }

    /// Breadth-first searches: to every target (but application pods) from
    /// everywhere, and from the internet to everything.
    pub fn search(&self) -> Search {
        let n = self.nodes.len();
        let mut reverse: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (ei, e) in self.edges.iter().enumerate() {
            reverse[e.to].push(ei);
        }
        let mut targets: Vec<usize> = (0..n)
            .filter(|&i| matches!(self.impact(i), Some(x) if x > Impact::Medium))
            .collect();
        targets.sort_by_key(|&i| self.label(i));
        let internet = self.index[&Node::Internet];
        let mut internet_dist = vec![NONE; n];
        let mut from_internet = vec![(NONE, NONE); n];
        internet_dist[internet] = 0;
        // 0-1 breadth-first: hub edges have no length
        let mut done = vec![false; n];
        let mut q = VecDeque::from([internet]);
        while let Some(x) = q.pop_front() {
            if std::mem::replace(&mut done[x], true) {
                continue;
            }
            for &ei in &self.out[x] {
                let t = self.edges[ei].to;
                let w = self.weight(ei);
                let d = internet_dist[x] + w;
                if d < internet_dist[t] {
                    internet_dist[t] = d;
                    from_internet[t] = (x as u32, ei as u32);
                    if w == 0 {
                        q.push_front(t);
                    } else {
                        q.push_back(t);
                    }
                }
            }
        }
        Search {
            targets,
            reverse,
            from_internet,
            internet_dist,
        }
    }

    /// Shortest paths to target `t` from every node.
    pub fn tree(&self, s: &Search, t: usize) -> TargetTree {
        let n = self.nodes.len();
        let mut dist = vec![NONE; n];
        dist[t] = 0;
        // 0-1 breadth-first backwards (hub edges have no length); nodes in
        // the order their distance is final
        let mut done = vec![false; n];
        let mut q = VecDeque::from([t]);
        let mut layered = Vec::new();
        while let Some(x) = q.pop_front() {
            if std::mem::replace(&mut done[x], true) {
                continue;
            }
            if x != t {
                layered.push(x);
            }
            for &ei in &s.reverse[x] {
                let p = self.edges[ei].from;
                let w = self.weight(ei);
                if dist[x] + w < dist[p] {
                    dist[p] = dist[x] + w;
                    if w == 0 {
                        q.push_front(p);
                    } else {
                        q.push_back(p);
                    }
                }
            }
        }
        // among the shortest paths, the one through the fewest other
        // starts (pods, users, groups): a path through another start is
        // that start's path. A node's successors on shortest paths are
        // final before it, but for those at the same distance (hub edges)
        // that came later: they are not candidates.
        let mut via_starts = vec![u32::MAX; n];
        via_starts[t] = 0;
        let mut next = vec![(NONE, NONE); n];
        for p in layered {
            let mut best: Option<(u32, usize, usize)> = None;
            for &ei in &self.out[p] {
                let x = self.edges[ei].to;
                if dist[x] == NONE
                    || dist[x] + self.weight(ei) != dist[p]
                    || via_starts[x] == u32::MAX
                {
                    continue;
                }
                let cost = via_starts[x] + u32::from(x != t && self.is_start(x));
                if best.is_none_or(|(c, _, _)| cost < c) {
                    best = Some((cost, x, ei));
                }
            }
            let (cost, x, ei) = best.expect("a node one step closer");
            via_starts[p] = cost;
            next[p] = (x as u32, ei as u32);
        }
        TargetTree {
            node: t,
            impact: self.impact(t).expect("a target"),
            dist: dist
                .iter()
                .map(|&d| u16::try_from(d).unwrap_or(u16::MAX))
                .collect(),
            next: next.iter().map(|&(_, e)| e).collect(),
        }
    }

    /// Nodes reachable from any of `starts`.
    pub fn reachable(&self, starts: &[usize]) -> Vec<bool> {
        let mut seen = vec![false; self.nodes.len()];
        let mut q: VecDeque<usize> = starts.iter().copied().collect();
        for &s in starts {
            seen[s] = true;
        }
        while let Some(x) = q.pop_front() {
            for &ei in &self.out[x] {
                let t = self.edges[ei].to;
                if !seen[t] {
                    seen[t] = true;
                    q.push_back(t);
                }
            }
        }
        seen
    }

    /// The edges of the shortest path from `start` to target tree `t`.
    fn path_to(&self, t: &TargetTree, start: usize) -> Vec<usize> {
        let mut v = Vec::new();
        let mut cur = start;
        while cur != t.node {
            let e = t.next[cur];
            if e == NONE {
                return Vec::new();
            }
            v.push(e as usize);
            cur = self.edges[e as usize].to;
        }
        v
    }

    /// Whether the shortest path from `start` to tree `t` goes through
    /// another start of profile `p`.
    fn through_start(&self, t: &TargetTree, start: usize, p: ProfileId) -> bool {
        let mut cur = start;
        while cur != t.node {
            let e = t.next[cur];
            if e == NONE {
                return false;
            }
            cur = self.edges[e as usize].to;
            if cur != t.node && self.is_start_of(cur, p) {
                return true;
            }
        }
        false
    }

    /// The edges of the shortest path from the internet to `n`.
    fn path_from_internet(&self, s: &Search, n: usize) -> Vec<usize> {
        let mut v = Vec::new();
        let mut cur = n;
        while s.from_internet[cur].0 != NONE {
            let (p, e) = s.from_internet[cur];
            v.push(e as usize);
            cur = p as usize;
        }
        v.reverse();
        v
    }

    /// Whether a node is a start of some profile.
    fn is_start(&self, n: usize) -> bool {
        matches!(
            &self.nodes[n],
            Node::Pod(_) | Node::Subject(Subject::User(_) | Subject::Group(_))
        )
    }

    /// Whether a node is a start of profile `p` (for pruning dominated paths).
    fn is_start_of(&self, n: usize, p: ProfileId) -> bool {
        matches!(
            (&self.nodes[n], p),
            (Node::Pod(_), ProfileId::Internal)
                | (
                    Node::Subject(Subject::User(_) | Subject::Group(_)),
                    ProfileId::Privileged
                )
        )
    }

    /// The ranked attack paths and the profiles with what they reach.
    pub fn paths_and_profiles(&self, s: &Search) -> (Vec<AttackPath>, Vec<Profile>) {
        struct Cand {
            profile: ProfileId,
            start: usize,
            target: usize,
            impact: Impact,
            edges: Vec<usize>,
        }
        let mut cands: Vec<Cand> = Vec::new();
        let ca = self.index_of(&Node::ClusterAdmin);
        let starts: Vec<(ProfileId, Vec<usize>)> = ProfileId::ALL
            .iter()
            .map(|&p| (p, self.starts(p)))
            .collect();
        // labels, computed once: candidates are compared by them
        let start_labels: HashMap<usize, String> = starts
            .iter()
            .flat_map(|(_, st)| st.iter().map(|&x| (x, self.start_label(x))))
            .collect();
        let mut target_labels: HashMap<usize, String> = HashMap::new();
        // per profile and start: the best MAX_REACHES_PER_START targets
        // reached, and how many there are in all
        let mut reaches: BTreeMap<(ProfileId, usize), (Vec<Reached>, usize)> = starts
            .iter()
            .flat_map(|(p, st)| st.iter().map(move |&x| ((*p, x), (Vec::new(), 0))))
            .collect();
        fn reach_key<'l>(
            r: &Reached,
            labels: &'l HashMap<usize, String>,
        ) -> (std::cmp::Reverse<Impact>, usize, &'l str) {
            (
                std::cmp::Reverse(r.1),
                r.2,
                labels.get(&r.0).map_or("", String::as_str),
            )
        }
        let note_reach = |reaches: &mut BTreeMap<(ProfileId, usize), (Vec<Reached>, usize)>,
                          labels: &HashMap<usize, String>,
                          key: (ProfileId, usize),
                          r: Reached| {
            let Some((best, total)) = reaches.get_mut(&key) else {
                return;
            };
            *total += 1;
            let k = reach_key(&r, labels);
            let at = best.partition_point(|x| reach_key(x, labels) <= k);
            if at < MAX_REACHES_PER_START {
                best.insert(at, r);
                best.truncate(MAX_REACHES_PER_START);
            }
        };
        // per profile and target: how many starts reach it (the few
        // shortest are kept as candidates)
        let mut per_target: HashMap<(ProfileId, usize), usize> = HashMap::new();
        let ca_tree = ca
            .filter(|c| s.targets.contains(c))
            .map(|c| self.tree(s, c));
        for &tn in &s.targets {
            let built;
            let t = match &ca_tree {
                Some(c) if c.node == tn => c,
                _ => {
                    built = self.tree(s, tn);
                    &built
                }
            };
            target_labels.insert(tn, self.label(tn));
            for (p, sts) in &starts {
                let p = *p;
                // the MAX_STARTS_PER_TARGET shortest, by length then start
                let mut best: Vec<(usize, &str, usize, Vec<usize>)> = Vec::new();
                let mut count = 0;
                for &start in sts {
                    let Some(d) = t.distance(start).filter(|&d| d > 0) else {
                        continue;
                    };
                    // a shell in a data store's own pod has its data: not a path
                    if matches!((&self.nodes[start], &self.nodes[t.node]), (Node::Pod(a), Node::Data(b)) if a == b)
                    {
                        continue;
                    }
                    let d = d as usize;
                    note_reach(
                        &mut reaches,
                        &target_labels,
                        (p, start),
                        (t.node, t.impact, d),
                    );
                    // cluster-admin is every asset: longer paths to less are noise
                    let to_ca = ca_tree
                        .as_ref()
                        .and_then(|c| c.distance(start))
                        .filter(|&c| c > 0);
                    if Some(t.node) != ca && to_ca.is_some_and(|c| c as usize <= d) {
                        continue;
                    }
                    // a path through another start of the same profile is
                    // that start's path, listed on its own
                    if self.through_start(t, start, p) {
                        continue;
                    }
                    count += 1;
                    let label = start_labels[&start].as_str();
                    let at = best.partition_point(|(l, sl, _, _)| (*l, *sl) <= (d, label));
                    if at < MAX_STARTS_PER_TARGET {
                        best.insert(at, (d, label, start, self.path_to(t, start)));
                        best.truncate(MAX_STARTS_PER_TARGET);
                    }
                }
                if count > 0 {
                    per_target.insert((p, t.node), count);
                }
                for (_, _, start, edges) in best {
                    cands.push(Cand {
                        profile: p,
                        start,
                        target: t.node,
                        impact: t.impact,
                        edges,
                    });
                }
            }
        }
        // initial access of the end user: code execution in application pods
        for start in self.starts(ProfileId::EndUser) {
            for (n, node) in self.nodes.iter().enumerate() {
                if !matches!(node, Node::Pod(_)) || s.internet_dist[n] == NONE {
                    continue;
                }
                let edges = self.path_from_internet(s, n);
                target_labels.entry(n).or_insert_with(|| self.label(n));
                note_reach(
                    &mut reaches,
                    &target_labels,
                    (ProfileId::EndUser, start),
                    (n, Impact::Medium, self.length(&edges)),
                );
                cands.push(Cand {
                    profile: ProfileId::EndUser,
                    start,
                    target: n,
                    impact: Impact::Medium,
                    edges,
                });
            }
        }
        // a medium path that a listed longer path of the same start extends adds nothing
        let node_seq = |c: &Cand| -> Vec<usize> {
            let mut v = vec![c.start];
            v.extend(
                c.edges
                    .iter()
                    .map(|&e| self.edges[e].to)
                    .filter(|&n| !self.is_hub(n)),
            );
            v
        };
        let seqs: Vec<Vec<usize>> = cands.iter().map(node_seq).collect();
        let mut by_start: HashMap<usize, Vec<usize>> = HashMap::new();
        for (i, c) in cands.iter().enumerate() {
            by_start.entry(c.start).or_default().push(i);
        }
        let keep: Vec<bool> = cands
            .iter()
            .enumerate()
            .map(|(i, c)| {
                c.impact > Impact::Medium
                    || !by_start[&c.start].iter().any(|&j| {
                        j != i && seqs[j].len() > seqs[i].len() && seqs[j].starts_with(&seqs[i])
                    })
            })
            .collect();
        let mut kept: Vec<Cand> = cands
            .into_iter()
            .zip(keep)
            .filter_map(|(c, k)| k.then_some(c))
            .collect();
        kept.sort_by_cached_key(|c| {
            (
                std::cmp::Reverse(c.impact),
                self.length(&c.edges),
                c.profile,
                self.start_label(c.start),
                self.label(c.target),
            )
        });
        // per profile and target, the few shortest starts; the others are
        // counted (and listed in the profile's table)
        for c in kept.iter().filter(|c| c.impact == Impact::Medium) {
            *per_target.entry((c.profile, c.target)).or_default() += 1;
        }
        let mut shown: HashMap<(ProfileId, usize), usize> = HashMap::new();
        kept.retain(|c| {
            let n = shown.entry((c.profile, c.target)).or_default();
            *n += 1;
            *n <= MAX_STARTS_PER_TARGET
        });
        let sa_risk_ids: BTreeMap<(String, String), BTreeSet<String>> =
            crate::boundaries::sa_risks(self.input, &self.risks)
                .into_iter()
                .map(|(k, v)| (k, v.into_iter().filter_map(|e| e.check).collect()))
                .collect();
        let width = kept.len().to_string().len().max(2);
        let mut listed: HashMap<(usize, usize), String> = HashMap::new();
        let paths: Vec<AttackPath> = kept
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let id = format!("AP-{:0width$}", i + 1);
                listed.insert((c.start, c.target), id.clone());
                AttackPath {
                    id,
                    profile: c.profile,
                    start: self.start_label(c.start),
                    target: self.label(c.target),
                    impact: c.impact,
                    length: self.length(&c.edges),
                    steps: self
                        .shown(c.start, &c.edges)
                        .into_iter()
                        .map(|(from, e, to)| self.step(from, e, to))
                        .collect(),
                    yields: self.yields(c.target, &sa_risk_ids),
                    more_starts: per_target[&(c.profile, c.target)]
                        .saturating_sub(MAX_STARTS_PER_TARGET),
                }
            })
            .collect();
        let profiles = ProfileId::ALL
            .iter()
            .map(|&p| {
                let starts = self.starts(p);
                let seen = self.reachable(&starts);
                let by_start = starts
                    .iter()
                    .map(|&st| {
                        let (best, total) = reaches
                            .get(&(p, st))
                            .map_or((&[][..], 0), |(b, n)| (b.as_slice(), *n));
                        let r: Vec<Reach> = best
                            .iter()
                            .map(|&(t, impact, steps)| Reach {
                                target: target_labels[&t].clone(),
                                impact,
                                steps,
                                path: listed.get(&(st, t)).cloned(),
                            })
                            .collect();
                        let more = total - r.len();
                        StartReach {
                            start: self.start_label(st),
                            reaches: r,
                            more,
                        }
                    })
                    .collect();
                Profile {
                    id: p,
                    name: p.title().to_string(),
                    description: p.description().to_string(),
                    starts: starts.iter().map(|&x| self.start_label(x)).collect(),
                    assets: self.assets(&seen, &starts),
                    by_start,
                }
            })
            .collect();
        (paths, profiles)
    }

    /// What holding a target gives: for a node, the pods, tokens and
    /// data-store volumes that may be on it; for the Secrets of a namespace,
    /// the Secrets known from the input.
    fn yields(
        &self,
        target: usize,
        sa_risks: &BTreeMap<(String, String), BTreeSet<String>>,
    ) -> Vec<String> {
        let f = self.facts;
        match &self.nodes[target] {
            Node::Host(_) => {
                let mut pods = Vec::new();
                let mut tokens = Vec::new();
                let mut data = Vec::new();
                let mut secrets = BTreeSet::new();
                for &ei in &self.out[target] {
                    let e = &self.edges[ei];
                    match (&e.kind, &self.nodes[e.to]) {
                        (EdgeKind::HostPod, Node::Pod(w)) => {
                            let wl = &f.workloads[*w];
                            pods.push(wl.name.clone());
                            secrets
                                .extend(wl.secrets.iter().map(|s| format!("{}/{s}", wl.namespace)));
                        }
                        (
                            EdgeKind::HostToken { .. },
                            Node::Subject(s @ Subject::ServiceAccount { namespace, name }),
                        ) => {
                            let risks = sa_risks.get(&(namespace.clone(), name.clone()));
                            tokens.push(match risks {
                                Some(r) if !r.is_empty() => format!(
                                    "{s} ({})",
                                    r.iter().cloned().collect::<Vec<_>>().join(", ")
                                ),
                                _ => format!("{s} (nothing risky)"),
                            });
                        }
                        (EdgeKind::HostData, Node::Data(w)) => {
                            data.push(f.workloads[*w].name.clone())
                        }
                        _ => {}
                    }
                }
                let list = |v: Vec<String>| {
                    if v.is_empty() {
                        "none".to_string()
                    } else {
                        capped(&v)
                    }
                };
                vec![
                    format!("pods that may run there: {}", list(pods)),
                    format!("service-account tokens there: {}", list(tokens)),
                    format!(
                        "Secrets those pods mount: {}",
                        list(secrets.into_iter().collect())
                    ),
                    format!("data-store volumes there: {}", list(data)),
                ]
            }
            Node::Secrets(ns) => {
                let mut known: BTreeSet<String> = self
                    .input
                    .model
                    .of_kind("Secret")
                    .filter(|o| o.namespace.as_deref() == Some(ns.as_str()))
                    .map(|o| o.name.clone())
                    .collect();
                for w in f.workloads.iter().filter(|w| &w.namespace == ns) {
                    known.extend(w.secrets.iter().cloned());
                }
                vec![if known.is_empty() {
                    format!(
                        "no Secret of {ns} is in the input or used by its workloads; every Secret created there later"
                    )
                } else {
                    format!(
                        "Secrets of {ns} known from the input: {}; and every Secret created there later",
                        capped(&known.into_iter().collect::<Vec<_>>())
                    )
                }]
            }
            _ => Vec::new(),
        }
    }

    fn assets(&self, seen: &[bool], starts: &[usize]) -> Assets {
        let f = self.facts;
        let mut a = Assets::default();
        let mut secrets = BTreeSet::new();
        let mut pods = BTreeSet::new();
        let mut sas = BTreeSet::new();
        let mut data = BTreeSet::new();
        let mut nodes = BTreeSet::new();
        for (i, n) in self.nodes.iter().enumerate() {
            if !seen[i] {
                continue;
            }
            match n {
                Node::ClusterAdmin => a.cluster_admin = true,
                Node::Host(_) => {
                    nodes.insert(self.label(i));
                }
                Node::Data(w) => {
                    data.insert(f.workloads[*w].name.clone());
                }
                Node::Secrets(ns) => {
                    secrets.insert(format!("{ns}/*"));
                }
                Node::Subject(s @ Subject::ServiceAccount { .. }) => {
                    sas.insert(s.to_string());
                }
                Node::Pod(w) => {
                    let wl = &f.workloads[*w];
                    for s in &wl.secrets {
                        secrets.insert(format!("{}/{s}", wl.namespace));
                    }
                    if !starts.contains(&i) {
                        pods.insert(wl.name.clone());
                    }
                }
                _ => {}
            }
        }
        a.nodes = nodes.into_iter().collect();
        a.data_stores = data.into_iter().collect();
        a.secrets = secrets.into_iter().collect();
        a.service_accounts = sas.into_iter().collect();
        a.pods = pods.into_iter().collect();
        a
    }

    /// One edge as a step of a path: what the attacker does, why it is
    /// possible, what closes it.
    /// `from` and `to`: where the step starts and ends, past the hubs
    /// (the sending pod of a connection, whose edge leaves a hub; the pod
    /// an RBAC edge reaches through the hub of its namespace).
    pub fn step(&self, from_node: usize, ei: usize, to_node: usize) -> Step {
        let e = &self.edges[ei];
        let f = self.facts;
        let (from, to) = (self.label(from_node), self.label(to_node));
        let wl = |n: usize| match &self.nodes[n] {
            Node::Pod(w) | Node::Data(w) => Some(&f.workloads[*w]),
            _ => None,
        };
        let (action, evidence, mitigation): (String, Vec<Evidence>, String) = match &e.kind {
            EdgeKind::Sends | EdgeKind::Allowed | EdgeKind::Fan => {
                unreachable!("hub edges are not steps")
            }
            EdgeKind::Expose => {
                let Node::Entry(en) = &self.nodes[e.to] else {
                    unreachable!()
                };
                let entry = &f.entries[*en];
                (
                    format!("reaches {} from the internet", entry.name),
                    vec![Evidence::at(&entry.object, &entry.location, format!("{} is reachable from outside the cluster", entry.name))],
                    "expose only what must be public; restrict sources (loadBalancerSourceRanges, an authenticating proxy or WAF in front of the Ingress)".into(),
                )
            }
            EdgeKind::Route { route } => {
                let Node::Entry(en) = &self.nodes[e.from] else {
                    unreachable!()
                };
                let r = &f.entries[*en].routes[*route];
                let w = &f.workloads[r.workload];
                let mut ev = vec![r.written.clone()];
                ev.extend(r.netpol.iter().cloned());
                (
                    format!(
                        "sends requests to {} port {}/{} and exploits the application (remote code execution)",
                        w.name, r.port, r.protocol
                    ),
                    ev,
                    format!(
                        "an ingress NetworkPolicy on {} that admits only the ingress controller (`palisade generate netpol`); container hardening that limits what code execution gives (readonly-root-filesystem, run-as-root, capabilities-not-dropped)",
                        w.name
                    ),
                )
            }
            EdgeKind::Connect { protocol, port } | EdgeKind::DataNet { protocol, port } => {
                let (Node::Pod(a), Node::Pod(b) | Node::Data(b)) =
                    (&self.nodes[from_node], &self.nodes[e.to])
                else {
                    unreachable!()
                };
                let (wa, wb) = (&f.workloads[*a], &f.workloads[*b]);
                let (Some(ea), Some(eb)) = (wa.endpoint, wb.endpoint) else {
                    unreachable!()
                };
                let v = connection(self.input.network, Addr::Endpoint(ea), Addr::Endpoint(eb));
                let ev = connection_evidence(self.input, ea, eb, &v, *protocol, *port);
                let data = matches!(e.kind, EdgeKind::DataNet { .. });
                (
                    if data {
                        format!(
                            "connects to data store {} on {protocol} {port} (the NetworkPolicies allow it)",
                            wb.name
                        )
                    } else {
                        format!(
                            "connects to {} on {protocol} {port} (the NetworkPolicies allow it) and exploits it",
                            wb.name
                        )
                    },
                    ev,
                    if data {
                        format!(
                            "least-privilege NetworkPolicies: egress of {} only to what it needs, ingress of {} only from its clients (`palisade generate netpol`; checks netpol-no-default-deny-egress, netpol-database-open)",
                            wa.namespace, wb.name
                        )
                    } else {
                        format!(
                            "least-privilege NetworkPolicies for {} and {} (`palisade generate netpol`; checks netpol-no-default-deny-egress, netpol-no-default-deny-ingress, netpol-workload-not-isolated)",
                            wa.namespace, wb.namespace
                        )
                    },
                )
            }
            EdgeKind::OwnData => {
                let w = wl(e.from).expect("a pod");
                (
                    "reads the data store's files and credentials from inside its pod".into(),
                    vec![w.here(format!(
                        "{} is a data store: {}",
                        w.name,
                        w.data_store.clone().unwrap_or_default()
                    ))],
                    "harden the data store's container and restrict who can reach or exec into it"
                        .into(),
                )
            }
            EdgeKind::Token => {
                let w = wl(e.from).expect("a pod");
                (
                    "reads the mounted service-account token".into(),
                    w.token.iter().cloned().collect(),
                    format!(
                        "automountServiceAccountToken: false on {} unless it calls the API (check automount-service-account-token, `palisade fix`)",
                        w.name
                    ),
                )
            }
            EdgeKind::Escape => {
                let w = wl(e.from).expect("a pod");
                let mut ev = w.escape.clone();
                if let Some(n) = f.namespaces.get(&w.namespace) {
                    ev.push(n.evidence.clone());
                }
                (
                    "escapes to the node it runs on (root on the node)".into(),
                    ev,
                    format!(
                        "drop privileged, runtime sockets and sensitive host paths from {} (checks pss-privileged, container-runtime-socket, sensitive-host-path) and enforce Pod Security baseline on namespace {} (namespace-no-psa-labels; `palisade admission` blocks them at admission)",
                        w.name, w.namespace
                    ),
                )
            }
            EdgeKind::HostPod => {
                let w = wl(e.to).expect("a pod");
                (
                    format!("takes over the containers of {} on the node", w.name),
                    vec![w.here(format!(
                        "{} may run on the same node (no conflicting nodeSelector)",
                        w.name
                    ))],
                    "keep pods from escaping to nodes; run sensitive workloads on dedicated nodes (nodeSelector and taints)".into(),
                )
            }
            EdgeKind::HostToken { workload } => {
                let w = &f.workloads[*workload];
                (
                    format!(
                        "steals the service-account token of {}'s pods from the kubelet's directory on the node",
                        w.name
                    ),
                    w.token.iter().cloned().collect(),
                    format!(
                        "automountServiceAccountToken: false on {} unless it calls the API; dedicated nodes for workloads with powerful tokens",
                        w.name
                    ),
                )
            }
            EdgeKind::HostData => {
                let w = wl(e.to).expect("a data store");
                (
                    format!("reads {}'s volumes and environment on the node", w.name),
                    vec![w.here(format!(
                        "{} is a data store ({}) that may run on the same node",
                        w.name,
                        w.data_store.clone().unwrap_or_default()
                    ))],
                    "run data stores on dedicated nodes (nodeSelector and taints); keep pods from escaping to nodes".into(),
                )
            }
            EdgeKind::Member => (
                format!("acts as {to}, a group every request of {from} carries"),
                vec![Evidence::absent(format!(
                    "{to} is a group Kubernetes adds to {from}; RBAC binds permissions to it"
                ))],
                format!("bind nothing to {to}"),
            ),
            EdgeKind::Rbac { risk } => {
                let (r, rf) = (&self.risks[*risk].0, &self.risks[*risk].1);
                let action = match &self.nodes[to_node] {
                    Node::ClusterAdmin => "escalates to cluster-admin".to_string(),
                    Node::Secrets(ns) => {
                        format!("reads (or writes) every Secret of namespace {ns}")
                    }
                    Node::Pod(_) => {
                        format!("execs into or modifies {}", to.trim_start_matches("pod "))
                    }
                    Node::Host(_) => {
                        "reaches a node through the API (kubelet proxy or host volumes)".to_string()
                    }
                    Node::Subject(_) => format!(
                        "acts as {to} (runs a pod as it, requests or impersonates its token)"
                    ),
                    _ => "uses its RBAC permissions".to_string(),
                };
                (
                    action,
                    vec![
                        Evidence::at(&rf.object, &rf.location, rf.message.clone()).check(r.meta.id),
                    ],
                    format!(
                        "remove or narrow the binding (check {}; `palisade rbac generate` writes a least-privilege role from the audit log)",
                        r.meta.id
                    ),
                )
            }
            EdgeKind::PrivilegedPod { risk, namespace } => {
                let (r, rf) = (&self.risks[*risk].0, &self.risks[*risk].1);
                let mut ev = vec![
                    Evidence::at(&rf.object, &rf.location, rf.message.clone()).check(r.meta.id),
                ];
                if let Some(n) = f.namespaces.get(namespace) {
                    ev.push(n.evidence.clone());
                }
                (
                    format!(
                        "creates a privileged pod with the node's root filesystem in namespace {namespace} on a node of its choice"
                    ),
                    ev,
                    format!(
                        "enforce Pod Security baseline or restricted on namespace {namespace} (check namespace-no-psa-labels; `palisade admission` enforces it) and remove pod creation from the binding (check {})",
                        r.meta.id
                    ),
                )
            }
            EdgeKind::TokenSecret { secret } => {
                let Node::Secrets(ns) = &self.nodes[e.from] else {
                    unreachable!()
                };
                let o = self.input.model.get("Secret", Some(ns), secret);
                (
                    format!("reads the token Secret {ns}/{secret}"),
                    o.map(|o| {
                        vec![Evidence::at(
                            &o.reference,
                            &o.location,
                            format!("Secret {ns}/{secret} holds a long-lived token of {to}"),
                        )]
                    })
                    .unwrap_or_default(),
                    "delete long-lived token Secrets; use bound tokens (TokenRequest)".into(),
                )
            }
        };
        Step {
            from,
            to,
            action,
            evidence,
            mitigation,
        }
    }
}

/// palisade-rbac's risk findings in catalogue order, then by object and
/// line (not by input order). All of them, those `scan` leaves out behind
/// an `rbac-cluster-admin` finding included: each is an edge of the graph.
fn sorted_risks(input: &Input<'_>) -> Vec<(&'static Risk, RiskFinding)> {
    let pos = |r: &Risk| {
        risks::ALL
            .iter()
            .position(|x| x.meta.id == r.meta.id)
            .unwrap_or(usize::MAX)
    };
    let mut v = risks::all(input.rbac);
    v.sort_by_cached_key(|(r, f)| {
        (
            pos(r),
            f.object.to_string(),
            f.location.clone(),
            f.message.clone(),
        )
    });
    v
}

fn sa(ns: &str, name: &str) -> Subject {
    Subject::ServiceAccount {
        namespace: ns.to_string(),
        name: name.to_string(),
    }
}

fn pool_key(sel: &BTreeMap<String, String>) -> String {
    sel.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}
