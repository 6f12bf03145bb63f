use super::*;
use crate::audit::{GenerateOptions, generate, to_terraform, to_yaml};
use crate::risks::{Scope, by_id, evaluate};
use palisade_findings::Severity;
use palisade_model::{Model, ObjectOptions, objects_from_document};
use std::sync::Arc;

fn model(yaml: &str) -> Model {
    let stream = palisade_yaml::parse_stream(yaml, &palisade_yaml::Limits::default());
    assert!(stream.errors.is_empty(), "{:?}", stream.errors);
    let file: Arc<str> = Arc::from("rbac.yaml");
    let objects = stream
        .documents
        .into_iter()
        .flat_map(|d| objects_from_document(d.root, &file, &ObjectOptions::default()))
        .map(|r| r.expect("valid"))
        .collect();
    Model::new(objects)
}

fn rbac(yaml: &str) -> Rbac {
    Rbac::build(&model(yaml))
}

fn req(verb: &str, resource: &str, ns: Option<&str>) -> Request {
    let (group, resource, sub) = resources::parse(resource).unwrap();
    Request::Resource {
        verb: verb.into(),
        group,
        resource,
        subresource: sub,
        namespace: ns.map(str::to_string),
        name: None,
    }
}

fn who(s: &str) -> Identity {
    Identity::new(Subject::parse(s).unwrap(), &[])
}

fn cluster_role(name: &str, labels: &str, rules: &str) -> String {
    format!(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: {name}\n  labels: {{{labels}}}\nrules:\n{rules}---\n"
    )
}

fn crb(name: &str, role: &str, subject: &str) -> String {
    format!(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {{name: {name}}}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: {role}}}\nsubjects:\n- {subject}\n---\n"
    )
}

fn rb(ns: &str, name: &str, kind: &str, role: &str, subject: &str) -> String {
    format!(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {{name: {name}, namespace: {ns}}}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: {kind}, name: {role}}}\nsubjects:\n- {subject}\n---\n"
    )
}

#[test]
fn aggregation_widens_edit_and_is_traced() {
    let y = cluster_role(
        "crd-editor",
        "rbac.authorization.k8s.io/aggregate-to-edit: \"true\"",
        "- apiGroups: [example.com]\n  resources: [widgets]\n  verbs: [create]\n",
    ) + &rb(
        "team",
        "devs-edit",
        "ClusterRole",
        "edit",
        "{kind: Group, name: devs}",
    );
    let r = rbac(&y);
    let widget = Request::Resource {
        verb: "create".into(),
        group: "example.com".into(),
        resource: "widgets".into(),
        subresource: "".into(),
        namespace: Some("team".into()),
        name: None,
    };
    let grants = r.who_can(&widget, false);
    assert_eq!(grants.len(), 1);
    assert_eq!(grants[0].role.name, "edit");
    let (src, loc) = r.rule_source(grants[0].rule);
    assert_eq!(src.name, "crd-editor");
    assert_eq!(loc.unwrap().line, 7);
    // admin aggregates edit, so the widening reaches admin too
    let admin = r.role(RoleKind::ClusterRole, None, "admin").unwrap();
    assert!(admin.rules.iter().any(|x| x.rule.resources == ["widgets"]));
    // and view does not
    let view = r.role(RoleKind::ClusterRole, None, "view").unwrap();
    assert!(!view.rules.iter().any(|x| x.rule.resources == ["widgets"]));
    // the default edit role lets devs read secrets in their namespace only
    assert!(
        r.can(
            &Identity::new(Subject::User("a".into()), &["devs".into()]),
            &req("get", "secrets", Some("team"))
        )
        .allowed
    );
    assert!(
        !r.can(
            &Identity::new(Subject::User("a".into()), &["devs".into()]),
            &req("get", "secrets", Some("other"))
        )
        .allowed
    );
}

#[test]
fn role_bindings_grant_in_their_namespace_only() {
    let y = cluster_role(
        "reader",
        "",
        "- apiGroups: [\"\"]\n  resources: [pods]\n  verbs: [get]\n",
    ) + &rb(
        "a",
        "read",
        "ClusterRole",
        "reader",
        "{kind: User, name: alice}",
    );
    let r = rbac(&y);
    assert!(r.can(&who("alice"), &req("get", "pods", Some("a"))).allowed);
    assert!(!r.can(&who("alice"), &req("get", "pods", Some("b"))).allowed);
    assert!(
        !r.can(&who("alice"), &req("get", "pods", None)).allowed,
        "not cluster-wide"
    );
    // who-can without a namespace lists the namespaced grant with its scope
    let g = r.who_can(&req("get", "pods", None), true);
    assert_eq!(g.len(), 1);
    assert_eq!(g[0].scope(), Some("a"));
}

#[test]
fn service_accounts_and_implicit_groups() {
    let y = cluster_role(
        "reader",
        "",
        "- apiGroups: [\"\"]\n  resources: [configmaps]\n  verbs: [list]\n",
    ) + &rb(
        "ns1",
        "sa-default-ns",
        "ClusterRole",
        "reader",
        "{kind: ServiceAccount, name: sa1}",
    ) + &crb(
        "all-sas",
        "reader",
        "{kind: Group, name: \"system:serviceaccounts:ns2\", apiGroup: rbac.authorization.k8s.io}",
    );
    let r = rbac(&y);
    assert!(
        r.can(&who("ns1:sa1"), &req("list", "configmaps", Some("ns1")))
            .allowed,
        "subject namespace defaults to the binding's"
    );
    assert!(
        r.can(&who("ns2:x"), &req("list", "configmaps", None))
            .allowed,
        "group bound cluster-wide"
    );
    assert!(
        r.can(&who("ns2:anyone"), &req("list", "configmaps", Some("zzz")))
            .allowed
    );
    assert!(
        !r.can(&who("ns3:anyone"), &req("list", "configmaps", Some("zzz")))
            .allowed
    );
    let root = Identity::new(Subject::User("x".into()), &["system:masters".into()]);
    let d = r.can(&root, &req("delete", "nodes", None));
    assert!(d.allowed && d.system_masters && d.grants.is_empty());
}

#[test]
fn explain_lists_every_grant_by_scope() {
    let y = cluster_role(
        "reader",
        "",
        "- apiGroups: [\"\"]\n  resources: [pods]\n  verbs: [get]\n- nonResourceURLs: [/metrics]\n  verbs: [get]\n",
    ) + &rb(
        "a",
        "r1",
        "ClusterRole",
        "reader",
        "{kind: User, name: alice}",
    ) + &crb("c1", "reader", "{kind: User, name: alice}");
    let r = rbac(&y);
    let e = r.explain(&who("alice"));
    // cluster-wide first (2 rules), then namespace a (1 rule: URL rules only apply cluster-wide)
    assert_eq!(e.len(), 3);
    assert_eq!(e[0].scope(), None);
    assert_eq!(e[2].scope(), Some("a"));
}

/// `(risk id, rule that must fire, near miss that must not)`, each bound
/// cluster-wide to a user.
const PERMISSION_CASES: &[(&str, &str, &str)] = &[
    (
        "rbac-cluster-admin",
        "- apiGroups: ['*']\n  resources: ['*']\n  verbs: ['*']\n",
        "- apiGroups: ['']\n  resources: ['*']\n  verbs: ['*']\n",
    ),
    (
        "rbac-create-workloads",
        "- apiGroups: ['']\n  resources: [pods]\n  verbs: [create]\n",
        "- apiGroups: ['']\n  resources: [pods]\n  verbs: [get, list]\n",
    ),
    (
        "rbac-create-workloads",
        "- apiGroups: [apps]\n  resources: [deployments]\n  verbs: [patch]\n",
        "- apiGroups: [apps]\n  resources: [deployments/status]\n  verbs: [patch]\n",
    ),
    (
        "rbac-bind-roles",
        "- apiGroups: [rbac.authorization.k8s.io]\n  resources: [clusterroles]\n  verbs: [bind]\n",
        "- apiGroups: [rbac.authorization.k8s.io]\n  resources: [clusterroles]\n  verbs: [get]\n",
    ),
    (
        "rbac-escalate-roles",
        "- apiGroups: [rbac.authorization.k8s.io]\n  resources: [roles]\n  verbs: [escalate]\n",
        "- apiGroups: [rbac.authorization.k8s.io]\n  resources: [roles]\n  verbs: [update]\n",
    ),
    (
        "rbac-impersonate",
        "- apiGroups: ['']\n  resources: [groups]\n  verbs: [impersonate]\n",
        "- apiGroups: ['']\n  resources: [groups]\n  verbs: [list]\n",
    ),
    (
        "rbac-approve-csrs",
        "- apiGroups: [certificates.k8s.io]\n  resources: [certificatesigningrequests/approval]\n  verbs: [update]\n- apiGroups: [certificates.k8s.io]\n  resources: [signers]\n  verbs: [approve]\n",
        "- apiGroups: [certificates.k8s.io]\n  resources: [certificatesigningrequests/approval]\n  verbs: [update]\n",
    ),
    (
        "rbac-read-secrets",
        "- apiGroups: ['']\n  resources: [secrets]\n  verbs: [list]\n",
        "- apiGroups: ['']\n  resources: [configmaps]\n  verbs: [list]\n",
    ),
    (
        "rbac-write-secrets",
        "- apiGroups: ['']\n  resources: [secrets]\n  verbs: [create]\n",
        "- apiGroups: ['']\n  resources: [secrets]\n  verbs: [get]\n",
    ),
    (
        "rbac-token-request",
        "- apiGroups: ['']\n  resources: [serviceaccounts/token]\n  verbs: [create]\n",
        "- apiGroups: ['']\n  resources: [serviceaccounts]\n  verbs: [create]\n",
    ),
    (
        "rbac-control-webhooks",
        "- apiGroups: [admissionregistration.k8s.io]\n  resources: [mutatingwebhookconfigurations]\n  verbs: [patch]\n",
        "- apiGroups: [admissionregistration.k8s.io]\n  resources: [mutatingwebhookconfigurations]\n  verbs: [get]\n",
    ),
    (
        "rbac-modify-pods",
        "- apiGroups: ['']\n  resources: [pods]\n  verbs: [patch]\n",
        "- apiGroups: ['']\n  resources: [pods/status]\n  verbs: [get]\n",
    ),
    (
        "rbac-nodes-proxy",
        "- apiGroups: ['']\n  resources: [nodes/proxy]\n  verbs: [get]\n",
        "- apiGroups: ['']\n  resources: [nodes/metrics]\n  verbs: [get]\n",
    ),
    (
        "rbac-ephemeral-containers",
        "- apiGroups: ['']\n  resources: [pods/ephemeralcontainers]\n  verbs: [patch]\n",
        "- apiGroups: ['']\n  resources: [pods/ephemeralcontainers]\n  verbs: [get]\n",
    ),
    (
        "rbac-pods-exec",
        "- apiGroups: ['']\n  resources: [pods/exec]\n  verbs: [create]\n",
        "- apiGroups: ['']\n  resources: [pods/portforward]\n  verbs: [create]\n",
    ),
    (
        "rbac-steal-pods",
        "- apiGroups: ['']\n  resources: [pods]\n  verbs: [delete]\n- apiGroups: ['']\n  resources: [nodes]\n  verbs: [patch]\n",
        "- apiGroups: ['']\n  resources: [pods]\n  verbs: [delete]\n",
    ),
    (
        "rbac-modify-service-status",
        "- apiGroups: ['']\n  resources: [services/status]\n  verbs: [patch]\n",
        "- apiGroups: ['']\n  resources: [services]\n  verbs: [patch]\n",
    ),
    (
        "rbac-modify-node-status",
        "- apiGroups: ['']\n  resources: [nodes/status]\n  verbs: [update]\n",
        "- apiGroups: ['']\n  resources: [nodes/status]\n  verbs: [get]\n",
    ),
    (
        "rbac-modify-pod-status",
        "- apiGroups: ['']\n  resources: [pods/status]\n  verbs: [update]\n",
        "- apiGroups: ['']\n  resources: [pods/status]\n  verbs: [get]\n",
    ),
    (
        "rbac-create-persistentvolumes",
        "- apiGroups: ['']\n  resources: [persistentvolumes]\n  verbs: [create]\n",
        "- apiGroups: ['']\n  resources: [persistentvolumeclaims]\n  verbs: [create]\n",
    ),
    (
        "rbac-modify-namespaces",
        "- apiGroups: ['']\n  resources: [namespaces]\n  verbs: [patch]\n",
        "- apiGroups: ['']\n  resources: [namespaces]\n  verbs: [get]\n",
    ),
];

#[test]
fn every_permission_risk_has_a_hit_and_a_near_miss() {
    for (id, hit, miss) in PERMISSION_CASES {
        let risk = by_id(id).unwrap_or_else(|| panic!("{id}"));
        let hit_y = cluster_role("r", "", hit) + &crb("b", "r", "{kind: User, name: u}");
        let found = evaluate(&rbac(&hit_y), risk);
        assert_eq!(found.len(), 1, "{id} should fire on\n{hit}");
        let role_ref_line = hit_y
            .lines()
            .position(|l| l.starts_with("roleRef"))
            .unwrap() as u32
            + 1;
        assert_eq!(
            found[0].location.line, role_ref_line,
            "{id}: points at the binding's roleRef"
        );
        assert!(found[0].message.contains("user:u"), "{}", found[0].message);
        let miss_y = cluster_role("r", "", miss) + &crb("b", "r", "{kind: User, name: u}");
        assert!(
            evaluate(&rbac(&miss_y), risk).is_empty(),
            "{id} should not fire on\n{miss}"
        );
    }
    // every permission risk class is covered above
    for r in risks::ALL {
        if matches!(r.detect, risks::Detect::Permission { .. }) {
            assert!(
                PERMISSION_CASES.iter().any(|(id, _, _)| *id == r.meta.id),
                "{} has no test",
                r.meta.id
            );
        }
    }
}

#[test]
fn severity_depends_on_scope() {
    let rules = "- apiGroups: ['']\n  resources: [pods]\n  verbs: [create]\n";
    let risk = by_id("rbac-create-workloads").unwrap();
    let sev = |binding: String| {
        let r = rbac(&(cluster_role("r", "", rules) + &binding));
        evaluate(&r, risk).first().map(|f| f.severity)
    };
    assert_eq!(
        sev(crb("b", "r", "{kind: User, name: u}")),
        Some(Severity::Critical)
    );
    assert_eq!(
        sev(rb(
            "kube-system",
            "b",
            "ClusterRole",
            "r",
            "{kind: User, name: u}"
        )),
        Some(Severity::Critical)
    );
    assert_eq!(
        sev(rb("app", "b", "ClusterRole", "r", "{kind: User, name: u}")),
        Some(Severity::Medium)
    );
    // a RoleBinding cannot grant cluster-scoped resources
    let nodes = "- apiGroups: ['']\n  resources: [nodes/proxy]\n  verbs: [get]\n";
    let r = rbac(
        &(cluster_role("r", "", nodes)
            + &rb("app", "b", "ClusterRole", "r", "{kind: User, name: u}")),
    );
    assert!(evaluate(&r, by_id("rbac-nodes-proxy").unwrap()).is_empty());
    assert_eq!(Scope::of(&r.bindings[0]), Scope::Namespace);
}

#[test]
fn aggregated_rules_name_their_source() {
    let y = cluster_role(
        "sneaky",
        "rbac.authorization.k8s.io/aggregate-to-edit: \"true\"",
        "- apiGroups: ['']\n  resources: [nodes/proxy]\n  verbs: [get]\n",
    ) + &crb("everyone-edits", "edit", "{kind: Group, name: devs}");
    let r = rbac(&y);
    let f = evaluate(&r, by_id("rbac-nodes-proxy").unwrap());
    assert_eq!(f.len(), 1);
    assert!(
        f[0].message.contains("aggregated from ClusterRole sneaky"),
        "{}",
        f[0].message
    );
    let w = evaluate(&r, by_id("rbac-aggregation-widens").unwrap());
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].severity, Severity::High);
    assert!(
        w[0].message.contains("aggregates into edit"),
        "{}",
        w[0].message
    );
    // a label no default role selects widens nothing
    let quiet = cluster_role(
        "x",
        "team: a",
        "- apiGroups: ['']\n  resources: [secrets]\n  verbs: [get]\n",
    );
    assert!(evaluate(&rbac(&quiet), by_id("rbac-aggregation-widens").unwrap()).is_empty());
}

#[test]
fn binding_and_role_risks() {
    let urls = cluster_role(
        "disc",
        "",
        "- nonResourceURLs: [/version]\n  verbs: [get]\n",
    );
    let pods = cluster_role(
        "pods",
        "",
        "- apiGroups: ['']\n  resources: [pods]\n  verbs: [get]\n",
    );
    let anon = by_id("rbac-anonymous-access").unwrap();
    assert_eq!(
        evaluate(
            &rbac(
                &(pods.clone()
                    + &crb(
                        "a",
                        "pods",
                        "{kind: Group, name: \"system:unauthenticated\"}"
                    ))
            ),
            anon
        )[0]
        .severity,
        Severity::Critical
    );
    assert!(
        evaluate(
            &rbac(
                &(urls
                    + &crb(
                        "a",
                        "disc",
                        "{kind: Group, name: \"system:unauthenticated\"}"
                    ))
            ),
            anon
        )
        .is_empty()
    );
    let dsa = by_id("rbac-default-service-account-bound").unwrap();
    assert_eq!(
        evaluate(
            &rbac(
                &(pods.clone()
                    + &rb(
                        "app",
                        "b",
                        "ClusterRole",
                        "pods",
                        "{kind: ServiceAccount, name: default}"
                    ))
            ),
            dsa
        )
        .len(),
        1
    );
    assert!(
        evaluate(
            &rbac(
                &(pods.clone()
                    + &rb(
                        "app",
                        "b",
                        "ClusterRole",
                        "pods",
                        "{kind: ServiceAccount, name: api}"
                    ))
            ),
            dsa
        )
        .is_empty()
    );
    let missing = by_id("rbac-binding-missing-role").unwrap();
    let m = evaluate(
        &rbac(&rb("app", "b", "Role", "nope", "{kind: User, name: u}")),
        missing,
    );
    assert!(m[0].message.contains("Role app/nope"), "{}", m[0].message);
    assert!(
        evaluate(
            &rbac(&rb(
                "app",
                "b",
                "ClusterRole",
                "system:node-proxier",
                "{kind: User, name: u}"
            )),
            missing
        )
        .is_empty()
    );
    let ns = by_id("rbac-subject-namespace-missing").unwrap();
    assert_eq!(
        evaluate(
            &rbac(&(pods.clone() + &crb("c", "pods", "{kind: ServiceAccount, name: x}"))),
            ns
        )
        .len(),
        1
    );
    assert!(
        evaluate(
            &rbac(
                &(pods.clone()
                    + &rb(
                        "app",
                        "b",
                        "ClusterRole",
                        "pods",
                        "{kind: ServiceAccount, name: x}"
                    ))
            ),
            ns
        )
        .is_empty()
    );
    let wild = by_id("rbac-wildcard").unwrap();
    let w = evaluate(
        &rbac(&cluster_role(
            "w",
            "",
            "- apiGroups: ['']\n  resources: [pods]\n  verbs: ['*']\n",
        )),
        wild,
    );
    assert_eq!((w[0].location.line, w[0].severity), (9, Severity::High));
    assert!(evaluate(&rbac(&pods), wild).is_empty());
}

#[test]
fn escalation_paths_rank_by_length() {
    let y = cluster_role(
        "runner",
        "",
        "- apiGroups: ['']\n  resources: [pods]\n  verbs: [create]\n",
    ) + &rb(
        "kube-system",
        "ci-runs-pods",
        "ClusterRole",
        "runner",
        "{kind: ServiceAccount, name: ci, namespace: ci}",
    ) + &crb(
        "admin-sa",
        "cluster-admin",
        "{kind: ServiceAccount, name: ops, namespace: tools}",
    ) + "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent, namespace: tools}\nspec:\n  template:\n    spec:\n      serviceAccountName: ops\n      containers:\n      - {name: a, image: x, securityContext: {privileged: true}}\n---\n"
        + "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: a, image: x, securityContext: {privileged: true}}\n";
    let m = model(&y);
    let r = Rbac::build(&m);
    let paths = paths::escalation_paths(&m, &r);
    let lines: Vec<String> = paths.iter().map(paths::one_line).collect();
    assert!(
        lines.contains(&"serviceaccount:ci:ci → cluster-admin".to_string()),
        "{lines:#?}"
    );
    assert!(
        lines.contains(&"serviceaccount:tools:ops → cluster-admin".to_string()),
        "{lines:#?}"
    );
    // a shell in the privileged web pod escapes to the node and steals ops' token
    let web = paths
        .iter()
        .find(|p| p.start == paths::Node::PodShell("shop/Deployment/web".into()))
        .unwrap();
    assert_eq!(
        paths::one_line(web),
        "shell in shop/Deployment/web → a node → serviceaccount:tools:ops → cluster-admin"
    );
    assert!(paths[0].steps.len() <= paths.last().unwrap().steps.len());
    assert!(paths::dot(&paths).starts_with("digraph"));
    assert!(paths::mermaid(&paths).contains("-->"));
}

#[test]
fn audit2rbac_alice() {
    palisade_corpus::require!("audit2rbac/testdata/demo.log");
    let log = std::fs::read_to_string(palisade_corpus::corpus_path("audit2rbac/testdata/demo.log"))
        .unwrap();
    let opts = GenerateOptions {
        expand_read_verbs: true,
        name: "audit2rbac:alice".into(),
    };
    let alice = Subject::User("alice".into());
    let (policy, errors) = generate(&log, &alice, &opts);
    assert!(errors.is_empty(), "{errors:?}");
    // README §4: a Role in ns1 granting get/list/watch on configmaps, pods, secrets
    assert_eq!(policy.scopes.len(), 1);
    let rules = &policy.scopes[&Some("ns1".to_string())];
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0].api_groups, [""]);
    assert_eq!(rules[0].resources, ["configmaps", "pods", "secrets"]);
    assert_eq!(rules[0].verbs, ["get", "list", "watch"]);
    assert!(rules[0].resource_names.is_empty());
    // the YAML is what a cluster accepts, and scans clean of wildcard risks
    let yaml = to_yaml(&policy, &alice, &opts);
    let m = model(&yaml);
    let r = Rbac::build(&m);
    assert_eq!(r.bindings.len(), 1);
    assert!(
        r.can(&who("alice"), &req("watch", "secrets", Some("ns1")))
            .allowed
    );
    assert!(
        !r.can(&who("alice"), &req("get", "secrets", Some("default")))
            .allowed
    );
    let tf = to_terraform(&policy, &alice, &opts);
    assert!(tf.contains("resource \"kubernetes_role_v1\""), "{tf}");
    assert!(
        tf.contains("resources = [\"configmaps\", \"pods\", \"secrets\"]"),
        "{tf}"
    );
    assert!(tf.contains("resource \"kubernetes_role_binding_v1\""));
}

#[test]
fn audit_log_service_account_names_and_broken_lines() {
    let log = "{\"stage\":\"ResponseComplete\",\"verb\":\"get\",\"requestURI\":\"/api/v1/namespaces/a/configmaps/cfg\",\"user\":{\"username\":\"system:serviceaccount:a:app\"},\"objectRef\":{\"resource\":\"configmaps\",\"namespace\":\"a\",\"name\":\"cfg\",\"apiVersion\":\"v1\"}}\nnot json\n{\"stage\":\"ResponseComplete\",\"verb\":\"get\",\"requestURI\":\"/healthz\",\"user\":{\"username\":\"system:serviceaccount:a:app\"}}\n{\"stage\":\"RequestReceived\",\"verb\":\"delete\",\"requestURI\":\"/api/v1/nodes/n\",\"user\":{\"username\":\"system:serviceaccount:a:app\"},\"objectRef\":{\"resource\":\"nodes\",\"name\":\"n\"}}\n";
    let sa = Subject::parse("a:app").unwrap();
    let opts = GenerateOptions {
        expand_read_verbs: false,
        name: "app".into(),
    };
    let (p, errors) = generate(log, &sa, &opts);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].line, 2);
    assert_eq!(p.scopes[&Some("a".to_string())][0].resource_names, ["cfg"]);
    assert_eq!(p.scopes[&None][0].non_resource_urls, ["/healthz"]);
    assert_eq!(
        p.events_used, 2,
        "the RequestReceived stage is not a decision"
    );
    let yaml = to_yaml(&p, &sa, &opts);
    assert!(yaml.contains("kind: ServiceAccount"));
}

/// Kubescape regolibrary RBAC rules whose meaning a palisade check covers:
/// their test inputs must give the same verdict. Cases where kubescape
/// flags a cluster-scoped resource granted through a RoleBinding (which
/// the RBAC authorizer never honours) are listed with that reason.
#[test]
fn kubescape_regolibrary_rbac_cross_check() {
    palisade_corpus::require!("kubescape-regolibrary/rules");
    const MAPPING: &[(&str, &[&str])] = &[
        (
            "rule-can-bind-escalate",
            &["rbac-bind-roles", "rbac-escalate-roles"],
        ),
        (
            "rule-can-impersonate-users-groups-v1",
            &["rbac-impersonate"],
        ),
        ("rule-can-list-get-secrets-v1", &["rbac-read-secrets"]),
        (
            "rule-can-modify-admission-webhooks",
            &["rbac-control-webhooks"],
        ),
        (
            "rule-can-create-service-account-token",
            &["rbac-token-request"],
        ),
        ("exec-into-container-v1", &["rbac-pods-exec"]),
        ("cluster-admin-role", &["rbac-cluster-admin"]),
    ];
    /// (rule, case): kubescape reports a grant the authorizer does not make.
    const SEMANTIC_DIFFERENCES: &[(&str, &str)] = &[
        // ValidatingWebhookConfigurations are cluster-scoped: a RoleBinding grants nothing on them
        (
            "rule-can-modify-admission-webhooks",
            "clusterrole-rolebinding",
        ),
        ("rule-can-modify-admission-webhooks", "role-rolebinding"),
        // `pods/*` is not an RBAC wildcard: the authorizer matches `res/sub` and `*/sub` only
        ("exec-into-container-v1", "clusterrole"),
    ];
    let root = palisade_corpus::corpus_path("kubescape-regolibrary/rules");
    let mut compared = 0;
    let mut differences = Vec::new();
    for (rule, ids) in MAPPING {
        let mut cases: Vec<_> = std::fs::read_dir(root.join(rule).join("test"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        cases.sort();
        for case in cases {
            let name = case.file_name().unwrap().to_string_lossy().to_string();
            let expected: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(case.join("expected.json")).unwrap())
                    .unwrap();
            let kubescape = !expected.as_array().unwrap().is_empty();
            let mut yaml = String::new();
            let mut inputs: Vec<_> = std::fs::read_dir(case.join("input"))
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            inputs.sort();
            for f in inputs {
                yaml.push_str(&std::fs::read_to_string(f).unwrap());
                yaml.push_str("\n---\n");
            }
            let r = rbac(&yaml);
            let ours = ids
                .iter()
                .any(|id| !evaluate(&r, by_id(id).unwrap()).is_empty());
            if SEMANTIC_DIFFERENCES.contains(&(rule, name.as_str())) {
                assert!(
                    kubescape && !ours,
                    "{rule}/{name}: the documented difference no longer holds"
                );
                continue;
            }
            compared += 1;
            if kubescape != ours {
                differences.push(format!(
                    "{rule}/{name}: kubescape {kubescape}, palisade {ours}"
                ));
            }
        }
    }
    assert!(compared >= 15, "{compared}");
    assert!(differences.is_empty(), "{differences:#?}");
}

#[test]
fn matrix_merges_scopes_per_subject_and_cell() {
    let yaml = cluster_role(
        "reader",
        "",
        "- {apiGroups: [''], resources: [pods], verbs: [get]}\n",
    ) + &rb(
        "a",
        "r1",
        "ClusterRole",
        "reader",
        "{kind: User, name: bob}",
    ) + &rb(
        "b",
        "r2",
        "ClusterRole",
        "reader",
        "{kind: User, name: bob}",
    ) + &rb(
        "b",
        "r3",
        "ClusterRole",
        "reader",
        "{kind: User, name: bob}",
    ) + &crb("c1", "reader", "{kind: Group, name: ops}");
    let r = rbac(&yaml);
    let m = query::matrix(&r);
    let keys: Vec<String> = m.rows.iter().map(|row| row.subject.to_string()).collect();
    assert_eq!(keys, ["group:ops", "user:bob"]);
    let bob = &m.rows[1];
    assert_eq!(bob.cells.len(), 1, "only get pods");
    let (col, scopes) = &bob.cells[0];
    assert_eq!(m.columns[*col as usize], ("get", "pods".to_string()));
    assert_eq!(
        scopes,
        &[Some("a"), Some("b")],
        "two bindings in b are one scope"
    );
    let json = serde_json::to_value(&m).unwrap();
    assert_eq!(
        json["group:ops"],
        serde_json::json!([{"verb": "get", "resource": "pods", "scopes": ["cluster-wide"]}])
    );
}

#[test]
fn a_full_wildcard_binding_is_reported_once() {
    let yaml = crb(
        "ops-admin",
        "cluster-admin",
        "{kind: Group, name: ops, apiGroup: rbac.authorization.k8s.io}",
    ) + &cluster_role(
        "reader",
        "",
        "- apiGroups: ['']\n  resources: [secrets]\n  verbs: [get]\n",
    ) + &crb(
        "read",
        "reader",
        "{kind: User, name: bob, apiGroup: rbac.authorization.k8s.io}",
    );
    let r = rbac(&yaml);
    let on = |v: &[(&'static risks::Risk, risks::RiskFinding)], name: &str| -> Vec<&str> {
        let mut ids: Vec<&str> = v
            .iter()
            .filter(|(_, f)| f.object.name == name)
            .map(|(r, _)| r.meta.id)
            .collect();
        ids.sort();
        ids
    };
    let all = risks::all(&r);
    // what scan reports
    let admin = risks::admin_bindings(&r);
    let reported: Vec<_> = all
        .iter()
        .filter(|(risk, f)| !risks::subsumed(risk, f, &admin))
        .cloned()
        .collect();
    // every permission class is true of `* on *` …
    assert!(
        on(&all, "ops-admin").len() > 10,
        "{:?}",
        on(&all, "ops-admin")
    );
    assert!(on(&all, "ops-admin").contains(&"rbac-read-secrets"));
    // … and one finding says it all
    assert_eq!(on(&reported, "ops-admin"), ["rbac-cluster-admin"]);
    // other bindings keep their classes
    assert_eq!(on(&reported, "read"), ["rbac-read-secrets"]);
    assert_eq!(on(&all, "read"), on(&reported, "read"));
    // each class on its own still answers for the wildcard binding
    assert!(
        evaluate(&r, by_id("rbac-read-secrets").unwrap())
            .iter()
            .any(|f| f.object.name == "ops-admin")
    );
}
