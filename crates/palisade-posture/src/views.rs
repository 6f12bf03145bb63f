//! What the report shows of the analyzers: the NetworkPolicy matrix and
//! coverage, RBAC risks and escalation paths, the threat model's data flow.

use crate::Input;
use palisade_findings::Severity;
use palisade_netpol::matrix::Node;
use palisade_netpol::{Direction, Network};
use palisade_threat::{BoundaryKind, ComponentKind, ThreatModel};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Workloads beyond which the namespace matrix is not computed (it visits
/// every allowed connection).
const MATRIX_LIMIT: usize = 5000;

/// Whether a workload is isolated per direction.
#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    /// `ns/name[Kind]`.
    pub workload: String,
    pub namespace: String,
    pub ingress: bool,
    pub egress: bool,
}

/// The NetworkPolicy picture.
#[derive(Debug, Clone, Serialize)]
pub struct NetpolView {
    pub workloads: usize,
    #[serde(rename = "ingressIsolated")]
    pub ingress_isolated: usize,
    #[serde(rename = "egressIsolated")]
    pub egress_isolated: usize,
    pub policies: usize,
    /// Invalid or unresolved policies (left out of the analysis).
    pub invalid: usize,
    /// Allowed connections (workload pairs and outside ranges).
    pub connections: usize,
    /// Row and column labels: namespaces, then `outside` when some
    /// connection crosses the cluster's edge.
    pub groups: Vec<String>,
    /// `cells[from][to]` = (allowed, possible) workload pairs; for
    /// `outside`, the workloads that may receive from / send to some
    /// outside address.
    pub cells: Vec<Vec<(usize, usize)>>,
    pub coverage: Vec<Coverage>,
}

pub(crate) const OUTSIDE: &str = "outside";

pub(crate) fn netpol(net: &Network) -> Option<NetpolView> {
    if net.endpoints.is_empty() {
        return None;
    }
    let coverage: Vec<Coverage> = net
        .endpoints
        .iter()
        .enumerate()
        .map(|(i, e)| Coverage {
            workload: e.display(),
            namespace: e.namespace.clone(),
            ingress: !net.isolating(i, Direction::Ingress).is_empty(),
            egress: !net.isolating(i, Direction::Egress).is_empty(),
        })
        .collect();
    let mut view = NetpolView {
        workloads: net.endpoints.len(),
        ingress_isolated: coverage.iter().filter(|c| c.ingress).count(),
        egress_isolated: coverage.iter().filter(|c| c.egress).count(),
        policies: net.policies.len(),
        invalid: net.invalid.len() + net.unresolved.len(),
        connections: 0,
        groups: Vec::new(),
        cells: Vec::new(),
        coverage,
    };
    if net.endpoints.len() > MATRIX_LIMIT {
        return Some(view);
    }
    let m = palisade_netpol::matrix(net);
    view.connections = m.len;
    let namespaces: Vec<String> = net
        .endpoints
        .iter()
        .map(|e| e.namespace.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let index: HashMap<&str, usize> = namespaces
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    let n = namespaces.len();
    let group = |node: Node| -> usize {
        match node {
            Node::Endpoint(e) => index[net.endpoints[e as usize].namespace.as_str()],
            Node::External(_) => n,
        }
    };
    let mut allowed = vec![vec![0usize; n + 1]; n + 1];
    // outside ↔ workload: count workloads, not (range, workload) pairs
    let mut outside_in: BTreeSet<u32> = BTreeSet::new();
    let mut outside_out: BTreeSet<u32> = BTreeSet::new();
    let _ = m.for_each_edge(|e| -> Result<(), ()> {
        match (e.src, e.dst) {
            (Node::External(_), Node::Endpoint(d)) => {
                outside_in.insert(d);
            }
            (Node::Endpoint(s), Node::External(_)) => {
                outside_out.insert(s);
            }
            (s, d) => allowed[group(s)][group(d)] += 1,
        }
        Ok(())
    });
    for &d in &outside_in {
        allowed[n][group(Node::Endpoint(d))] += 1;
    }
    for &s in &outside_out {
        allowed[group(Node::Endpoint(s))][n] += 1;
    }
    let sizes: Vec<usize> = namespaces
        .iter()
        .map(|ns| net.endpoints.iter().filter(|e| &e.namespace == ns).count())
        .collect();
    let with_outside = !outside_in.is_empty() || !outside_out.is_empty();
    let groups = n + usize::from(with_outside);
    view.cells = (0..groups)
        .map(|i| {
            (0..groups)
                .map(|j| {
                    let possible = match (i < n, j < n) {
                        (true, true) if i == j => sizes[i] * sizes[i].saturating_sub(1),
                        (true, true) => sizes[i] * sizes[j],
                        (true, false) => sizes[i],
                        (false, true) => sizes[j],
                        (false, false) => 0,
                    };
                    (allowed[i][j], possible)
                })
                .collect()
        })
        .collect();
    view.groups = namespaces;
    if with_outside {
        view.groups.push(OUTSIDE.to_string());
    }
    Some(view)
}

/// An RBAC risk class found.
#[derive(Debug, Clone, Serialize)]
pub struct RiskRow {
    pub check: &'static str,
    pub title: &'static str,
    /// The worst of its findings.
    pub severity: Severity,
    pub findings: usize,
    /// The bindings (or workloads) it is found on.
    pub objects: Vec<String>,
}

/// RBAC as the report shows it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RbacView {
    pub roles: usize,
    #[serde(rename = "clusterRoles")]
    pub cluster_roles: usize,
    #[serde(rename = "roleBindings")]
    pub role_bindings: usize,
    #[serde(rename = "clusterRoleBindings")]
    pub cluster_role_bindings: usize,
    /// Worst first.
    pub risks: Vec<RiskRow>,
    /// Shortest escalation path from each start that reaches cluster-admin.
    pub escalation: Vec<String>,
}

pub(crate) fn rbac(input: &Input<'_>) -> RbacView {
    let m = input.model;
    let mut risks: Vec<RiskRow> = Vec::new();
    for f in input.report.findings.iter().filter(|f| f.check.action == 5) {
        let object = f.object.to_string();
        match risks.iter_mut().find(|r| r.check == f.check.id) {
            Some(r) => {
                r.findings += 1;
                r.severity = r.severity.max(f.severity);
                if !r.objects.contains(&object) {
                    r.objects.push(object);
                }
            }
            None => risks.push(RiskRow {
                check: f.check.id,
                title: f.check.title,
                severity: f.severity,
                findings: 1,
                objects: vec![object],
            }),
        }
    }
    risks.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| b.findings.cmp(&a.findings))
            .then_with(|| a.check.cmp(b.check))
    });
    let escalation = palisade_rbac::paths::escalation_paths(m, input.rbac)
        .iter()
        .map(palisade_rbac::paths::one_line)
        .collect();
    RbacView {
        roles: m.of_kind("Role").count(),
        cluster_roles: m.of_kind("ClusterRole").count(),
        role_bindings: m.of_kind("RoleBinding").count(),
        cluster_role_bindings: m.of_kind("ClusterRoleBinding").count(),
        risks,
        escalation,
    }
}

/// A box of the data-flow diagram.
#[derive(Debug, Clone, Serialize)]
pub struct FlowNode {
    pub label: String,
    /// `internet`, `entry`, `workload` or `data-store`.
    pub kind: &'static str,
    pub namespace: Option<String>,
    pub internet_exposed: bool,
    pub column: usize,
    pub row: usize,
}

/// An arrow of the data-flow diagram.
#[derive(Debug, Clone, Serialize)]
pub struct FlowEdge {
    pub from: usize,
    pub to: usize,
    /// The port of a declared connection.
    pub label: String,
    /// A NetworkPolicy blocks it.
    pub blocked: bool,
}

/// The threat model's data flow, laid out in columns: the internet, entry
/// points, workloads (by how many declared hops they are from the first
/// ones), data stores.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DataFlow {
    pub nodes: Vec<FlowNode>,
    pub edges: Vec<FlowEdge>,
    pub columns: usize,
}

/// `ns/Kind/name` → `ns/name`.
fn short(object: &str) -> String {
    let parts: Vec<&str> = object.split('/').collect();
    match parts.as_slice() {
        [ns, _kind, name] => format!("{ns}/{name}"),
        _ => object.to_string(),
    }
}

pub(crate) fn dataflow(tm: &ThreatModel) -> DataFlow {
    let mut nodes: Vec<FlowNode> = vec![FlowNode {
        label: "internet".into(),
        kind: "internet",
        namespace: None,
        internet_exposed: true,
        column: 0,
        row: 0,
    }];
    let mut ids: BTreeMap<String, usize> = BTreeMap::new();
    let mut workloads: Vec<usize> = Vec::new();
    for c in &tm.components {
        let Some(ns) = &c.namespace else { continue };
        for w in &c.workloads {
            let name = short(&w.object);
            if ids.contains_key(&name) {
                continue;
            }
            ids.insert(name.clone(), nodes.len());
            workloads.push(nodes.len());
            nodes.push(FlowNode {
                label: name,
                kind: if c.kind == ComponentKind::DataStore {
                    "data-store"
                } else {
                    "workload"
                },
                namespace: Some(ns.clone()),
                internet_exposed: c.internet_exposed,
                column: 0,
                row: 0,
            });
        }
    }
    let mut edges: Vec<FlowEdge> = Vec::new();
    let mut entries = Vec::new();
    for b in &tm.boundaries {
        if b.kind != BoundaryKind::InternetIngress {
            continue;
        }
        let entry = nodes.len();
        entries.push(entry);
        nodes.push(FlowNode {
            label: b.name.trim_start_matches("internet ↔ ").to_string(),
            kind: "entry",
            namespace: None,
            internet_exposed: true,
            column: 1,
            row: 0,
        });
        edges.push(FlowEdge {
            from: 0,
            to: entry,
            label: String::new(),
            blocked: false,
        });
        for c in &b.crossings {
            let Some(&w) = c.target.as_ref().and_then(|t| ids.get(t)) else {
                continue;
            };
            let blocked = c.description.ends_with("(blocked by NetworkPolicy)");
            if !edges
                .iter()
                .any(|e| e.from == entry && e.to == w && e.blocked == blocked)
            {
                edges.push(FlowEdge {
                    from: entry,
                    to: w,
                    label: String::new(),
                    blocked,
                });
            }
        }
    }
    for c in &tm.connections {
        if let (Some(&a), Some(&b)) = (ids.get(&c.from), ids.get(&c.to))
            && a != b
        {
            let label = c.port.to_string();
            if !edges
                .iter()
                .any(|e| e.from == a && e.to == b && e.label == label)
            {
                edges.push(FlowEdge {
                    from: a,
                    to: b,
                    label,
                    blocked: false,
                });
            }
        }
    }
    // workload layers: longest chain of declared connections (Kahn's
    // order; members of a cycle stay where their first predecessor put them)
    let stores: BTreeSet<usize> = workloads
        .iter()
        .copied()
        .filter(|&w| nodes[w].kind == "data-store")
        .collect();
    let apps: Vec<usize> = workloads
        .iter()
        .copied()
        .filter(|w| !stores.contains(w))
        .collect();
    let app_set: BTreeSet<usize> = apps.iter().copied().collect();
    let inner: Vec<(usize, usize)> = edges
        .iter()
        .filter(|e| app_set.contains(&e.from) && app_set.contains(&e.to))
        .map(|e| (e.from, e.to))
        .collect();
    let mut indegree: BTreeMap<usize, usize> = apps.iter().map(|&a| (a, 0)).collect();
    for &(_, t) in &inner {
        *indegree.entry(t).or_default() += 1;
    }
    let mut layer: BTreeMap<usize, usize> = apps.iter().map(|&a| (a, 0)).collect();
    let mut queue: Vec<usize> = apps.iter().copied().filter(|a| indegree[a] == 0).collect();
    let mut done = BTreeSet::new();
    while let Some(n) = queue.pop() {
        done.insert(n);
        for &(f, t) in &inner {
            if f == n && !done.contains(&t) {
                let l = layer[&n] + 1;
                let e = layer.entry(t).or_default();
                *e = (*e).max(l);
                let d = indegree.entry(t).or_default();
                *d = d.saturating_sub(1);
                if *d == 0 {
                    queue.push(t);
                }
            }
        }
    }
    let app_layers = layer.values().copied().max().map_or(0, |m| m + 1);
    for &a in &apps {
        nodes[a].column = 2 + layer[&a];
    }
    let store_column = 2 + app_layers;
    for &s in &stores {
        nodes[s].column = store_column;
    }
    let columns = if stores.is_empty() {
        2 + app_layers
    } else {
        store_column + 1
    };
    // rows: by namespace and name within a column
    let mut by_column: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, n) in nodes.iter().enumerate() {
        by_column.entry(n.column).or_default().push(i);
    }
    for members in by_column.values_mut() {
        members.sort_by(|&a, &b| {
            (&nodes[a].namespace, &nodes[a].label).cmp(&(&nodes[b].namespace, &nodes[b].label))
        });
        for (row, &i) in members.iter().enumerate() {
            nodes[i].row = row;
        }
    }
    let _ = entries;
    DataFlow {
        nodes,
        edges,
        columns: columns.max(2),
    }
}
