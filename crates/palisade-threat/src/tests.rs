use super::*;
use palisade_model::{Model, Object, ObjectOptions, objects_from_document};
use std::sync::Arc;

/// Objects of a YAML stream, each document in its own file (`doc-N.yaml`),
/// so that their order can change without changing their locations.
fn objects(yaml: &str) -> Vec<Object> {
    let s = palisade_yaml::parse_stream(yaml, &palisade_yaml::Limits::default());
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    s.documents
        .into_iter()
        .enumerate()
        .flat_map(|(i, d)| {
            let file: Arc<str> = Arc::from(format!("doc-{i}.yaml"));
            objects_from_document(d.root, &file, &ObjectOptions::default())
        })
        .map(|r| r.expect("valid"))
        .collect()
}

fn analyze_model(model: &Model) -> ThreatModel {
    let outcome = palisade_checks::run(model, &palisade_checks::Settings::default());
    let network = Network::build(model);
    let rbac = Rbac::build(model);
    let inventory = palisade_inventory::inventory(model);
    analyze(
        &Input {
            model,
            findings: &outcome.findings,
            suppressed: &outcome.suppressed,
            network: &network,
            rbac: &rbac,
            inventory: &inventory,
        },
        &Options {
            source: "test".into(),
            ..Options::default()
        },
    )
}

fn threat_model(yaml: &str) -> ThreatModel {
    analyze_model(&Model::new(objects(yaml)))
}

fn ns(name: &str, labels: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Namespace\nmetadata: {{name: {name}, labels: {{{labels}}}}}\n---\n"
    )
}

fn deployment(ns: &str, name: &str, port: u16, spec_extra: &str, sc: &str) -> String {
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: {ns}, labels: {{app: {name}}}}}
spec:
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
{spec_extra}      containers:
      - name: main
        image: example/{name}:1.0
        ports: [{{containerPort: {port}, name: http}}]
        securityContext: {{{sc}}}
---
"
    )
}

fn service(ns: &str, name: &str, port: u16) -> String {
    format!(
        "apiVersion: v1\nkind: Service\nmetadata: {{name: {name}, namespace: {ns}}}\nspec:\n  selector: {{app: {name}}}\n  ports: [{{port: {port}, targetPort: http}}]\n---\n"
    )
}

fn ingress(ns: &str, svc: &str, port: u16) -> String {
    format!(
        "apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {{name: public, namespace: {ns}}}
spec:
  rules:
  - host: shop.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend: {{service: {{name: {svc}, port: {{number: {port}}}}}}}
---
"
    )
}

const POSTGRES: &str = "apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: data}
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      automountServiceAccountToken: false
      containers:
      - name: postgres
        image: postgres:16.4
        ports: [{containerPort: 5432, name: pg}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
";

fn web_and_db() -> String {
    ns("web", "")
        + &ns("data", "")
        + &deployment("web", "frontend", 8080, "", "")
        + &service("web", "frontend", 80)
        + &ingress("web", "frontend", 80)
        + POSTGRES
}

fn has_path(tm: &ThreatModel, profile: ProfileId, start: &str, target: &str) -> bool {
    tm.paths
        .iter()
        .any(|p| p.profile == profile && p.start == start && p.target == target)
}

#[test]
fn internet_reaches_the_database_through_the_exposed_pod() {
    let tm = threat_model(&web_and_db());
    let p = tm
        .paths
        .iter()
        .find(|p| p.profile == ProfileId::EndUser && p.target == "data of data/db")
        .expect("a path from the internet to the database");
    assert_eq!(
        p.one_line(),
        "internet → Ingress web/public → pod web/frontend → data of data/db"
    );
    assert_eq!(p.impact, Impact::Severe);
    // every step carries evidence from the input
    assert!(p.steps.iter().all(|s| !s.evidence.is_empty()), "{p:#?}");
    let last = &p.steps[2];
    assert!(last.action.contains("TCP 5432"), "{}", last.action);
    assert!(
        last.evidence
            .iter()
            .any(|e| e.check.as_deref() == Some("netpol-no-default-deny-egress")),
        "{:#?}",
        last.evidence
    );
    // the database is a data store component, reached from the internet
    let db = tm
        .components
        .iter()
        .find(|c| c.id == "app/data/db")
        .expect("the database component");
    assert_eq!(db.kind, ComponentKind::DataStore);
    let i3 = tm
        .threats
        .iter()
        .find(|t| t.id == "app/data/db#I3")
        .expect("I3 on the database");
    assert_eq!(i3.status, Status::Open);
    assert!(
        i3.evidence
            .iter()
            .any(|e| e.detail.contains("reached from the internet in 3 steps"))
    );
}

#[test]
fn an_ingress_policy_on_the_database_closes_the_path() {
    let policy = "apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-only-from-batch, namespace: data}
spec:
  podSelector: {matchLabels: {app: db}}
  policyTypes: [Ingress]
  ingress:
  - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: batch}}}]
---
";
    let tm = threat_model(&(web_and_db() + policy));
    assert!(!has_path(
        &tm,
        ProfileId::EndUser,
        "internet",
        "data of data/db"
    ));
    assert!(!has_path(
        &tm,
        ProfileId::Internal,
        "shell in pod web/frontend",
        "data of data/db"
    ));
    // the front end is still reached from the internet
    assert!(has_path(
        &tm,
        ProfileId::EndUser,
        "internet",
        "pod web/frontend"
    ));
    let i3 = tm
        .threats
        .iter()
        .find(|t| t.id == "app/data/db#I3")
        .unwrap();
    assert_eq!(i3.status, Status::Mitigated, "{i3:#?}");
}

#[test]
fn an_egress_default_deny_on_the_front_end_closes_the_path() {
    let policy = "apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-egress, namespace: web}
spec:
  podSelector: {}
  policyTypes: [Egress]
---
";
    let tm = threat_model(&(web_and_db() + policy));
    assert!(!has_path(
        &tm,
        ProfileId::EndUser,
        "internet",
        "data of data/db"
    ));
}

#[test]
fn an_ingress_policy_that_blocks_the_controller_closes_the_entry() {
    let policy = "apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: web}
spec:
  podSelector: {}
  policyTypes: [Ingress]
---
";
    let tm = threat_model(&(web_and_db() + policy));
    assert!(
        tm.paths.iter().all(|p| p.profile != ProfileId::EndUser),
        "{:#?}",
        tm.paths
    );
    let b = tm
        .boundaries
        .iter()
        .find(|b| b.kind == BoundaryKind::InternetIngress)
        .unwrap();
    assert!(
        b.crossings[0]
            .description
            .ends_with("(blocked by NetworkPolicy)")
    );
}

fn escape_and_admin(privileged: bool) -> String {
    let binding = "apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: deployer-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: deployer, namespace: ci}]
---
";
    ns("tools", "pod-security.kubernetes.io/enforce: privileged")
        + &ns("ci", "pod-security.kubernetes.io/enforce: restricted")
        + &deployment(
            "tools",
            "agent",
            9000,
            "      automountServiceAccountToken: false\n",
            &format!("privileged: {privileged}"),
        )
        + &deployment(
            "ci",
            "runner",
            8080,
            "      serviceAccountName: deployer\n",
            "",
        )
        + binding
}

#[test]
fn pod_shell_escapes_to_the_node_and_steals_a_cluster_admin_token() {
    let tm = threat_model(&escape_and_admin(true));
    let p = tm
        .paths
        .iter()
        .find(|p| p.start == "shell in pod tools/agent" && p.target == "cluster-admin")
        .expect("a path from the privileged pod to cluster-admin");
    assert_eq!(
        p.one_line(),
        "shell in pod tools/agent → node → serviceaccount:ci:deployer → cluster-admin"
    );
    assert_eq!(p.profile, ProfileId::Internal);
    assert_eq!(p.impact, Impact::Critical);
    let escape = &p.steps[0];
    assert!(
        escape
            .evidence
            .iter()
            .any(|e| e.check.as_deref() == Some("pss-privileged")
                && e.file == "doc-2.yaml"
                && e.line > 0),
        "{:#?}",
        escape.evidence
    );
    assert!(
        p.steps[2]
            .evidence
            .iter()
            .any(|e| e.check.as_deref() == Some("rbac-cluster-admin"))
    );
    // critical paths come first
    assert_eq!(tm.paths[0].impact, Impact::Critical);
    let internal = tm
        .profiles
        .iter()
        .find(|p| p.id == ProfileId::Internal)
        .unwrap();
    assert!(internal.assets.cluster_admin);
    assert!(internal.assets.nodes.contains(&"node".to_string()));
    // the pod ↔ node boundary of tools is open
    let b = tm
        .boundaries
        .iter()
        .find(|b| b.id == "pod-node/tools")
        .unwrap();
    assert_eq!(b.status, BoundaryStatus::Open);
}

#[test]
fn a_hardened_security_context_closes_the_node_path() {
    let tm = threat_model(&escape_and_admin(false));
    assert!(
        tm.paths
            .iter()
            .all(|p| p.start != "shell in pod tools/agent"),
        "{:#?}",
        tm.paths
    );
    let internal = tm
        .profiles
        .iter()
        .find(|p| p.id == ProfileId::Internal)
        .unwrap();
    let agent = internal
        .by_start
        .iter()
        .find(|s| s.start == "shell in pod tools/agent")
        .unwrap();
    // no escape of its own: the node only through the runner's cluster-admin token
    let node = agent.reaches.iter().find(|r| r.target == "node").unwrap();
    assert_eq!(node.steps, 3, "{agent:#?}");
    // the runner's own token still is a path
    assert!(has_path(
        &tm,
        ProfileId::Internal,
        "shell in pod ci/runner",
        "cluster-admin"
    ));
    let e1 = tm
        .threats
        .iter()
        .find(|t| t.id == "control-plane/kubelet#E1")
        .unwrap();
    assert_eq!(e1.status, Status::Mitigated);
}

fn create_pods(ns_labels: &str) -> String {
    let rbac = "apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pod-maker, namespace: apps}
rules: [{apiGroups: [''], resources: [pods], verbs: [create]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: pod-maker, namespace: apps}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-maker}
subjects: [{kind: ServiceAccount, name: default, namespace: apps}]
---
";
    ns("apps", ns_labels) + &deployment("apps", "worker", 8080, "", "") + rbac
}

#[test]
fn creating_pods_where_no_pod_security_is_enforced_reaches_a_node() {
    let tm = threat_model(&create_pods(""));
    let p = tm
        .paths
        .iter()
        .find(|p| p.start == "shell in pod apps/worker" && p.target == "node")
        .expect("pod → token → privileged pod → node");
    assert_eq!(
        p.one_line(),
        "shell in pod apps/worker → serviceaccount:apps:default → node"
    );
    assert!(p.steps[1].action.contains("privileged pod"));
    assert!(
        p.steps[1]
            .evidence
            .iter()
            .any(|e| e.check.as_deref() == Some("namespace-no-psa-labels"))
    );
    // with Pod Security baseline enforced, the same permission stops short of the node
    let tm = threat_model(&create_pods("pod-security.kubernetes.io/enforce: baseline"));
    assert!(
        !tm.paths.iter().any(|p| p.target == "node"),
        "{:#?}",
        tm.paths
    );
}

#[test]
fn api_access_profile_starts_from_users_and_groups() {
    let yaml = ns("apps", "")
        + &deployment("apps", "worker", 8080, "", "")
        + "apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ops}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: Group, name: ops, apiGroup: rbac.authorization.k8s.io}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: debug, namespace: apps}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects: [{kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}]
---
";
    let tm = threat_model(&yaml);
    let ids: Vec<ProfileId> = tm.profiles.iter().map(|p| p.id).collect();
    assert_eq!(ids, ProfileId::ALL);
    let privileged = &tm.profiles[2];
    assert_eq!(privileged.starts, vec!["user:alice".to_string()]);
    assert!(has_path(
        &tm,
        ProfileId::Privileged,
        "user:alice",
        "Secrets of apps"
    ));
    assert!(has_path(&tm, ProfileId::Privileged, "user:alice", "node"));
    assert!(!privileged.assets.cluster_admin);
}

#[test]
fn output_does_not_depend_on_input_order() {
    let yaml = web_and_db() + &escape_and_admin(true) + &create_pods("");
    let objs = objects(&yaml);
    let mut reversed = objs.clone();
    reversed.reverse();
    let a = analyze_model(&Model::new(objs));
    let b = analyze_model(&Model::new(reversed));
    assert_eq!(markdown(&a), markdown(&b));
    assert_eq!(json(&a), json(&b));
    assert_eq!(html(&a), html(&b));
    // ranks are dense and sorted by impact, then length
    for w in a.paths.windows(2) {
        assert!(
            (std::cmp::Reverse(w[0].impact), w[0].length)
                <= (std::cmp::Reverse(w[1].impact), w[1].length),
            "{} before {}",
            w[0].id,
            w[1].id
        );
    }
    assert_eq!(a.paths[0].id, "AP-01");
}

#[test]
fn renderers_draw_the_paths() {
    let tm = threat_model(&(web_and_db() + &escape_and_admin(true)));
    let md = markdown(&tm);
    assert!(md.contains("```mermaid\nflowchart LR\n"));
    assert!(md.contains("## STRIDE"));
    assert!(md.contains("### End user (outside the cluster)"));
    let page = html(&tm);
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(!page.contains("<script"), "no scripts");
    assert!(
        !page
            .replace("http://www.w3.org/2000/svg", "")
            .contains("http://")
    );
    assert!(!page.contains("https://"));
    let v: serde_json::Value = serde_json::from_str(&json(&tm)).unwrap();
    assert_eq!(v["paths"][0]["id"], "AP-01");
    assert_eq!(v["profiles"].as_array().unwrap().len(), 3);
}

/// `n` workers in namespace `web` (no NetworkPolicies): each may reach
/// every other one and the database.
fn open_namespace(n: usize) -> String {
    let mut yaml = web_and_db();
    for i in 0..n {
        yaml += &deployment("web", &format!("worker-{i}"), 8080, "", "");
    }
    yaml
}

fn graph_size(yaml: &str) -> (usize, usize) {
    let model = Model::new(objects(yaml));
    let outcome = palisade_checks::run(&model, &palisade_checks::Settings::default());
    let network = Network::build(&model);
    let rbac = Rbac::build(&model);
    let inventory = palisade_inventory::inventory(&model);
    let input = Input {
        model: &model,
        findings: &outcome.findings,
        suppressed: &outcome.suppressed,
        network: &network,
        rbac: &rbac,
        inventory: &inventory,
    };
    let facts = facts::Facts::build(&input, &Options::default());
    let g = graph::Graph::build(&input, &facts);
    (g.nodes.len(), g.edges.len())
}

#[test]
fn pods_of_an_open_namespace_meet_in_hubs_not_pairwise() {
    // every pair of the 40 workers may connect: 1,560 connections, but
    // the graph grows by a few edges per worker
    let (_, small) = graph_size(&open_namespace(10));
    let (_, large) = graph_size(&open_namespace(40));
    assert!(large - small <= 30 * 6, "{small} → {large} edges");
    // and a connection through the hubs is still one step, from the
    // sending pod to the receiving one
    let tm = threat_model(&open_namespace(3));
    let p = tm
        .paths
        .iter()
        .find(|p| p.start == "shell in pod web/worker-1" && p.target == "data of data/db")
        .expect("a worker reaches the database");
    assert_eq!(p.length, 1);
    assert_eq!(p.steps[0].from, "pod web/worker-1");
    assert_eq!(p.steps[0].to, "data of data/db");
    assert!(
        p.steps[0].action.contains("TCP 5432"),
        "{}",
        p.steps[0].action
    );
}

#[test]
fn cluster_wide_exec_reaches_pods_through_a_namespace_hub() {
    let yaml = ns("apps", "pod-security.kubernetes.io/enforce: restricted")
        + &POSTGRES.replace("namespace: data", "namespace: apps")
        + "apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: exec}
rules: [{apiGroups: [''], resources: [pods/exec], verbs: [create]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: exec}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: exec}
subjects: [{kind: User, name: dana, apiGroup: rbac.authorization.k8s.io}]
---
";
    let tm = threat_model(&yaml);
    let p = tm
        .paths
        .iter()
        .find(|p| p.start == "user:dana" && p.target == "data of apps/db")
        .unwrap_or_else(|| panic!("{:#?}", tm.paths));
    let hops: Vec<&str> = p.steps.iter().map(|s| s.to.as_str()).collect();
    assert_eq!(hops, ["pod apps/db", "data of apps/db"]);
    assert_eq!(p.steps[0].from, "user:dana");
    assert_eq!(p.steps[0].action, "execs into or modifies apps/db");
    assert_eq!(
        p.steps[0].evidence[0].check.as_deref(),
        Some("rbac-pods-exec")
    );
}

#[test]
fn long_evidence_lists_are_cut_and_counted() {
    // 20 bindings give the api's service account 20 rbac-read-secrets findings
    let mut yaml = ns("apps", "") + &deployment("apps", "api", 8080, "", "");
    for i in 0..20 {
        yaml += &format!(
            "apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {{name: read-{i}, namespace: apps}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: secrets-{i}}}
subjects: [{{kind: ServiceAccount, name: default, namespace: apps}}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {{name: secrets-{i}}}
rules: [{{apiGroups: [''], resources: [secrets], verbs: [get]}}]
---
"
        );
    }
    let tm = threat_model(&yaml);
    let t = tm
        .threats
        .iter()
        .find(|t| t.id == "app/apps/api#I4")
        .expect("I4 on the api");
    assert_eq!(t.status, Status::Open);
    assert_eq!(t.evidence.len(), MAX_EVIDENCE);
    assert_eq!(t.evidence_more, 20 - MAX_EVIDENCE);
    let json: serde_json::Value = serde_json::from_str(&json(&tm)).unwrap();
    let t = json["threats"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "app/apps/api#I4")
        .unwrap();
    assert_eq!(t["evidenceMore"], 20 - MAX_EVIDENCE);
    assert!(markdown(&tm).contains(&format!("… and {} more", 20 - MAX_EVIDENCE)));
}

#[test]
fn a_cluster_admin_binding_keeps_every_rbac_threat_open() {
    // scan reports the binding once, as rbac-cluster-admin: the threats
    // keyed on narrower classes (webhooks, nodes/proxy, Secrets) are open
    let yaml = ns("apps", "")
        + &deployment("apps", "api", 8080, "", "")
        + "apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ci}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: Group, name: ci, apiGroup: rbac.authorization.k8s.io}]
---
";
    let tm = threat_model(&yaml);
    for id in [
        "control-plane/api-server#T1",
        "control-plane/kubelet#E2",
        "app/apps/api#I4",
    ] {
        let t = tm
            .threats
            .iter()
            .find(|t| t.id == id)
            .unwrap_or_else(|| panic!("{id}"));
        assert_eq!(t.status, Status::Open, "{t:#?}");
        assert!(
            t.evidence
                .iter()
                .any(|e| e.check.as_deref() == Some("rbac-cluster-admin")),
            "{t:#?}"
        );
    }
}

#[test]
fn the_page_escapes_what_the_input_names() {
    // a workload named with markup, on an internet-exposed attack path
    let name = "f<blink>&'\"x";
    let yaml = ns("web", "")
        + &ns("data", "")
        + &deployment("web", name, 8080, "", "")
        + &service("web", name, 80)
        + &ingress("web", name, 80)
        + POSTGRES;
    let tm = threat_model(&yaml);
    assert!(tm.paths.iter().any(|p| p.one_line().contains(name)));
    let page = html(&tm);
    assert!(
        !page.contains("<blink>"),
        "markup of the input reached the page"
    );
    let escaped = "f&#60;blink&#62;&#38;&#39;&#34;x";
    // in text, in the path's SVG (label and accessible name), in attributes
    assert!(page.contains(&format!("web/{escaped}")));
    assert!(page.contains(&format!(
        "aria-label=\"internet → Ingress web/public → pod web/{escaped} → data of data/db\""
    )));
    assert!(page.contains(&format!(">pod web/{escaped}</text>")));
}
