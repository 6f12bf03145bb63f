//! Databases that accept connections from every namespace.

use super::{Hit, NetpolCheck, on_policy};
use crate::network::{Endpoint, Network};
use crate::policy::{Direction, Policy};
use crate::reach::{Other, side_with};
use palisade_findings::{CheckMeta, Framework, Severity};
use palisade_model::Model;

static META: CheckMeta = CheckMeta {
    id: "netpol-database-open",
    title: "Database reachable from every namespace",
    severity: Severity::High,
    action: 6,
    category: "network",
    frameworks: &[
        Framework::Nsa("network-separation"),
        Framework::Mitre("T1021"),
    ],
    risk: "A database (PostgreSQL, MySQL, MongoDB, Redis, Elasticsearch, etcd, …) that any pod of any \
namespace can connect to is one compromised pod — a vulnerable web app, a CI job — away from its \
data; database credentials are often weak or shared.",
    fix: "Isolate the database's ingress and allow only its clients: `podSelector` for the apps \
that use it, with `namespaceSelector` + `podSelector` in one peer for other namespaces, on the \
database port only.",
};

pub static CHECK: NetpolCheck = NetpolCheck {
    meta: &META,
    detect,
};

const DATABASES: &[&str] = &[
    "postgres",
    "postgis",
    "mysql",
    "mariadb",
    "percona",
    "mongo",
    "redis",
    "valkey",
    "keydb",
    "cassandra",
    "scylla",
    "elasticsearch",
    "opensearch",
    "etcd",
    "memcached",
    "couchdb",
    "cockroach",
    "clickhouse",
    "influxdb",
    "neo4j",
];
const DATABASE_PORTS: &[u16] = &[
    5432, 3306, 27017, 6379, 9042, 9200, 2379, 11211, 26257, 8086, 7687, 5984,
];

/// Whether a workload runs a database, by image or port.
pub fn is_database(e: &Endpoint) -> bool {
    e.images.iter().any(|img| {
        let repo = img.split(['@', ':']).next().unwrap_or(img);
        let base = repo.rsplit('/').next().unwrap_or(repo);
        DATABASES
            .iter()
            .any(|d| base.starts_with(d) || base.ends_with(d))
    }) || e.ports.iter().any(|(p, _)| DATABASE_PORTS.contains(p))
}

fn detect(model: &Model, net: &Network) -> Vec<Hit> {
    let dbs: Vec<usize> = (0..net.endpoints.len())
        .filter(|&i| is_database(&net.endpoints[i]))
        .collect();
    if dbs.is_empty() {
        return Vec::new();
    }
    // an arbitrary pod in a namespace of its own (open egress: its
    // namespace has no policy), so only the database's ingress decides
    let mut probe = net.endpoints[dbs[0]].clone();
    probe.namespace = "palisade-any-namespace".into();
    probe.name = "any-pod".into();
    probe.labels.clear();
    probe.named_ports.clear();
    let mut out = Vec::new();
    for d in dbs {
        let e = &net.endpoints[d];
        let v = side_with(net, d, Other::Endpoint(&probe), Direction::Ingress);
        let ports: Vec<u16> = e.ports.iter().map(|(p, _)| *p).collect();
        let open_port = ports
            .iter()
            .zip(&e.ports)
            .find(|(_, (p, proto))| v.conns.allows(*proto, *p))
            .map(|(p, _)| *p);
        let open = match open_port {
            Some(_) => true,
            None => ports.is_empty() && !v.conns.is_empty(),
        };
        if !open {
            continue;
        }
        let port = open_port
            .map(|p| format!(" on port {p}"))
            .unwrap_or_default();
        if v.isolated_by.is_empty() {
            out.push(Hit {
                object: e.object.clone(),
                location: e.location.clone(),
                path: None,
                message: format!("database {} is selected by no ingress policy: any pod of any namespace can connect{port}", e.display()),
                severity: None,
            });
        } else if let Some(&(pi, ri)) = v.allowed_by.first() {
            let p = &net.policies[pi];
            out.push(on_policy(
                model,
                p,
                Policy::rule_path(Direction::Ingress, ri),
                format!(
                    "ingress rule {} of policy {} lets any pod of any namespace connect to database {}{port}",
                    ri + 1,
                    p.display(),
                    e.display()
                ),
            ));
        }
    }
    out
}
