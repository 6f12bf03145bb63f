//! Escalation paths: from a subject with API access, or from a shell in a
//! pod, to cluster-admin, through what RBAC and the pod specs allow.
//!
//! Steps modelled:
//! * a permission that is cluster-admin by itself (bind/escalate/impersonate
//!   cluster-wide, approve CSRs, secrets or tokens of kube-system, running
//!   pods in kube-system, `*` on `*`);
//! * running pods, requesting tokens, reading token Secrets or impersonating
//!   in namespace X → every service account of X;
//! * exec into (or patch, or debug) pods of X → the service accounts those
//!   workloads mount;
//! * `nodes/proxy` → the kubelet → every pod on every node;
//! * a shell in a pod → its service account (when the token is mounted);
//!   → the node, when the pod can escape (privileged, sensitive hostPath,
//!   runtime socket, `SYS_ADMIN`);
//! * a node → every service-account token mounted on it.

use crate::graph::Rbac;
use crate::risks::{self, Scope};
use crate::subject::Subject;
use palisade_model::{Model, Object};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::fmt::Write;

/// A point in the graph.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "type", content = "name", rename_all = "kebab-case")]
pub enum Node {
    /// A subject with API access (a user, a group, a service account).
    Subject(String),
    /// A shell in a pod of this workload (`ns/Kind/name`).
    PodShell(String),
    /// Root on a node.
    Node,
    /// Cluster-admin or equivalent.
    ClusterAdmin,
}

impl std::fmt::Display for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Node::Subject(s) => f.write_str(s),
            Node::PodShell(w) => write!(f, "shell in {w}"),
            Node::Node => f.write_str("a node"),
            Node::ClusterAdmin => f.write_str("cluster-admin"),
        }
    }
}

/// One step and why it is possible.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub from: Node,
    pub to: Node,
    pub via: String,
}

/// The shortest path from a start to cluster-admin.
#[derive(Debug, Clone, Serialize)]
pub struct EscalationPath {
    pub start: Node,
    pub steps: Vec<Step>,
}

#[derive(Default)]
struct Graph {
    edges: BTreeMap<Node, Vec<(Node, String)>>,
}

impl Graph {
    fn add(&mut self, from: Node, to: Node, via: String) {
        if from == to {
            return;
        }
        let e = self.edges.entry(from).or_default();
        if !e.iter().any(|(t, _)| *t == to) {
            e.push((to, via));
        }
    }
}

fn sa_node(ns: &str, name: &str) -> Node {
    Node::Subject(
        Subject::ServiceAccount {
            namespace: ns.to_string(),
            name: name.to_string(),
        }
        .to_string(),
    )
}

/// Whether a shell in this pod is a shell on the node.
fn escapes(o: &Object) -> Option<String> {
    let t = o.pod_template()?;
    for c in t.containers() {
        let sc = c.security_context;
        if sc.and_then(|s| s.privileged) == Some(true) {
            return Some(format!("{} is privileged", c.describe()));
        }
        if sc
            .and_then(|s| s.capabilities.as_ref())
            .and_then(|caps| caps.add.as_ref())
            .is_some_and(|a| a.iter().any(|x| x == "SYS_ADMIN" || x == "ALL"))
        {
            return Some(format!("{} adds SYS_ADMIN", c.describe()));
        }
    }
    for v in t.spec.volumes.iter().flatten() {
        if let Some(hp) = &v.host_path {
            let p = hp.path.trim_end_matches('/');
            let sensitive = p.is_empty()
                || [
                    "/etc",
                    "/root",
                    "/var/lib/kubelet",
                    "/var/run",
                    "/run",
                    "/var/lib/docker",
                    "/var/lib/containerd",
                    "/proc",
                    "/dev",
                    "/home",
                ]
                .iter()
                .any(|s| {
                    p == *s || p.starts_with(&format!("{s}/")) || s.starts_with(&format!("{p}/"))
                });
            if sensitive {
                return Some(format!(
                    "mounts host path {} (volume {:?})",
                    hp.path, v.name
                ));
            }
        }
    }
    None
}

fn workload_sa(o: &Object) -> Option<(String, String)> {
    let t = o.pod_template()?;
    if t.spec.automount_service_account_token == Some(false) {
        return None;
    }
    let ns = o.namespace.clone().unwrap_or_else(|| "default".into());
    let sa = t
        .spec
        .service_account_name
        .clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "default".into());
    Some((ns, sa))
}

/// Builds the graph and returns, for every start that reaches
/// cluster-admin, the shortest path; shortest first.
pub fn escalation_paths(model: &Model, rbac: &Rbac) -> Vec<EscalationPath> {
    let mut g = Graph::default();
    // service accounts by namespace: declared ones and the ones workloads use
    let mut sas: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for o in model.of_kind("ServiceAccount") {
        if let Some(ns) = &o.namespace {
            sas.entry(ns.clone()).or_default().insert(o.name.clone());
        }
    }
    let workloads: Vec<&Object> = model.workloads().map(|(o, _)| o).collect();
    let mut workloads_by_ns: HashMap<String, Vec<&Object>> = HashMap::new();
    for o in &workloads {
        let ns = o.namespace.clone().unwrap_or_else(|| "default".into());
        if let Some((_, sa)) = workload_sa(o) {
            sas.entry(ns.clone()).or_default().insert(sa);
        }
        workloads_by_ns.entry(ns).or_default().push(o);
    }
    for b in &rbac.bindings {
        for s in &b.subjects {
            if let Subject::ServiceAccount { namespace, name } = &s.subject {
                sas.entry(namespace.clone())
                    .or_default()
                    .insert(name.clone());
            }
        }
    }

    // pods: shell → service account, shell → node, node → every token
    for o in &workloads {
        let shell = Node::PodShell(o.reference.to_string());
        if let Some((ns, sa)) = workload_sa(o) {
            g.add(
                shell.clone(),
                sa_node(&ns, &sa),
                "reads the mounted service-account token".into(),
            );
            g.add(
                Node::Node,
                sa_node(&ns, &sa),
                format!("steals the token of {} on its node", o.reference),
            );
        }
        if let Some(why) = escapes(o) {
            g.add(shell, Node::Node, format!("escapes to the node: {why}"));
        }
    }

    // RBAC: what each binding lets its subjects reach
    for (risk, f) in risks::all(rbac) {
        let Some(b) = f.binding.map(|i| &rbac.bindings[i]) else {
            continue;
        };
        let scope = Scope::of(b);
        let ns_scope: Vec<String> = match b.scope() {
            Some(ns) => vec![ns.to_string()],
            None => sas.keys().cloned().collect(),
        };
        for s in &b.subjects {
            let from = Node::Subject(s.subject.to_string());
            let via = format!("{} ({})", f.message, risk.meta.id);
            let admin_now = matches!(
                risk.meta.id,
                "rbac-cluster-admin"
                    | "rbac-bind-roles"
                    | "rbac-escalate-roles"
                    | "rbac-impersonate"
                    | "rbac-approve-csrs"
            ) && scope == Scope::Cluster;
            let privileged_ns = matches!(scope, Scope::Cluster | Scope::Privileged)
                && matches!(
                    risk.meta.id,
                    "rbac-create-workloads"
                        | "rbac-read-secrets"
                        | "rbac-write-secrets"
                        | "rbac-token-request"
                        | "rbac-cluster-admin"
                );
            if admin_now || privileged_ns {
                g.add(from.clone(), Node::ClusterAdmin, via.clone());
                continue;
            }
            match risk.meta.id {
                "rbac-create-workloads"
                | "rbac-token-request"
                | "rbac-read-secrets"
                | "rbac-write-secrets"
                | "rbac-impersonate"
                | "rbac-cluster-admin" => {
                    for ns in &ns_scope {
                        for sa in sas.get(ns).into_iter().flatten() {
                            g.add(from.clone(), sa_node(ns, sa), via.clone());
                        }
                    }
                }
                "rbac-pods-exec" | "rbac-ephemeral-containers" | "rbac-modify-pods" => {
                    for ns in &ns_scope {
                        for o in workloads_by_ns.get(ns).into_iter().flatten() {
                            g.add(
                                from.clone(),
                                Node::PodShell(o.reference.to_string()),
                                via.clone(),
                            );
                        }
                    }
                }
                "rbac-nodes-proxy" | "rbac-create-persistentvolumes" => {
                    g.add(from.clone(), Node::Node, via.clone());
                }
                _ => {}
            }
        }
    }

    // shortest path from every start to cluster-admin (BFS on reversed edges)
    let mut reverse: HashMap<&Node, Vec<(&Node, &str)>> = HashMap::new();
    for (from, tos) in &g.edges {
        for (to, via) in tos {
            reverse.entry(to).or_default().push((from, via));
        }
    }
    let mut next: HashMap<&Node, (&Node, &str)> = HashMap::new();
    let target = Node::ClusterAdmin;
    let mut queue = VecDeque::from([&target]);
    let mut seen: BTreeSet<&Node> = BTreeSet::from([&target]);
    while let Some(n) = queue.pop_front() {
        for (prev, via) in reverse.get(n).into_iter().flatten() {
            if seen.insert(prev) {
                next.insert(prev, (n, via));
                queue.push_back(prev);
            }
        }
    }
    let mut out: Vec<EscalationPath> = g
        .edges
        .keys()
        .filter(|n| matches!(n, Node::Subject(_) | Node::PodShell(_)) && next.contains_key(n))
        .map(|start| {
            let mut steps = Vec::new();
            let mut cur = start;
            while let Some((to, via)) = next.get(cur) {
                steps.push(Step {
                    from: cur.clone(),
                    to: (*to).clone(),
                    via: via.to_string(),
                });
                cur = to;
            }
            EscalationPath {
                start: start.clone(),
                steps,
            }
        })
        .collect();
    out.sort_by(|a, b| (a.steps.len(), &a.start).cmp(&(b.steps.len(), &b.start)));
    out
}

/// `A → B → cluster-admin` on one line.
pub fn one_line(p: &EscalationPath) -> String {
    let mut s = p.start.to_string();
    for st in &p.steps {
        let _ = write!(s, " → {}", st.to);
    }
    s
}

fn node_id(n: &Node) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in n.to_string().bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("n{h:x}")
}

/// Graphviz DOT of the paths.
pub fn dot(paths: &[EscalationPath]) -> String {
    let mut s = String::from("digraph escalation {\n  rankdir=LR;\n  node [shape=box];\n");
    let mut nodes = BTreeSet::new();
    let mut edges = BTreeSet::new();
    for p in paths {
        for st in &p.steps {
            nodes.insert(st.from.clone());
            nodes.insert(st.to.clone());
            edges.insert((node_id(&st.from), node_id(&st.to)));
        }
    }
    for n in &nodes {
        let _ = writeln!(s, "  {} [label={:?}];", node_id(n), n.to_string());
    }
    for (a, b) in &edges {
        let _ = writeln!(s, "  {a} -> {b};");
    }
    s.push_str("}\n");
    s
}

/// Mermaid flowchart of the paths.
pub fn mermaid(paths: &[EscalationPath]) -> String {
    let mut s = String::from("flowchart LR\n");
    let mut nodes = BTreeSet::new();
    let mut edges = BTreeSet::new();
    for p in paths {
        for st in &p.steps {
            nodes.insert(st.from.clone());
            nodes.insert(st.to.clone());
            edges.insert((node_id(&st.from), node_id(&st.to)));
        }
    }
    for n in &nodes {
        let label = n.to_string().replace('"', "'");
        let _ = writeln!(s, "  {}[\"{label}\"]", node_id(n));
    }
    for (a, b) in &edges {
        let _ = writeln!(s, "  {a} --> {b}");
    }
    s
}
