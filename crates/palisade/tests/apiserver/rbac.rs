//! `palisade rbac can` and `who-can` against the API server's own RBAC
//! authorizer: every answer must equal a SubjectAccessReview.

use super::bed::{self, Bed, palisade};
use palisade_rbac::{Identity, Rbac, Request, Subject};
use serde_json::{Value, json};

/// RBAC beside the demo's: aggregated ClusterRoles, groups, service
/// accounts (one named without a namespace), resourceNames, subresources,
/// non-resource URLs (also bound by a RoleBinding, where they grant
/// nothing), wildcards, and a binding to a role that does not exist.
const GENERATED: &str = r#"
apiVersion: v1
kind: Namespace
metadata: {name: rbac-a}
---
apiVersion: v1
kind: Namespace
metadata: {name: rbac-b}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: sa1, namespace: rbac-a}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: sa2, namespace: rbac-a}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: sa1, namespace: rbac-b}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: pt-agg-parent}
aggregationRule:
  clusterRoleSelectors:
  - matchLabels: {pt.palisade.dev/aggregate: "true"}
rules: []
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: pt-agg-child-1
  labels: {pt.palisade.dev/aggregate: "true"}
rules:
- apiGroups: [""]
  resources: [pods, pods/log]
  verbs: [get, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: pt-agg-child-2
  labels: {pt.palisade.dev/aggregate: "true"}
rules:
- apiGroups: [apps]
  resources: [deployments]
  verbs: [create, delete]
- apiGroups: [""]
  resources: [pods/exec]
  verbs: [create]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: pt-urls}
rules:
- nonResourceURLs: [/metrics, "/logs/*", /healthz]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: pt-named}
rules:
- apiGroups: [""]
  resources: [configmaps]
  resourceNames: [cm1, cm2]
  verbs: [get, update]
- apiGroups: [""]
  resources: [secrets]
  resourceNames: [s1]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: pt-sub}
rules:
- apiGroups: [""]
  resources: [pods/status]
  verbs: [patch, update]
- apiGroups: [apps]
  resources: [deployments/scale, "*/scale"]
  verbs: [update]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: pt-star-apps}
rules:
- apiGroups: [apps]
  resources: ["*"]
  verbs: [get, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: pt-wild-verb}
rules:
- apiGroups: [""]
  resources: [services]
  verbs: ["*"]
- apiGroups: ["*"]
  resources: [jobs, cronjobs]
  verbs: [list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: pt-escalate}
rules:
- apiGroups: [rbac.authorization.k8s.io]
  resources: [clusterroles, roles]
  verbs: [escalate, bind]
- apiGroups: [""]
  resources: [users, groups, serviceaccounts]
  verbs: [impersonate]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: r1, namespace: rbac-a}
rules:
- apiGroups: [""]
  resources: [secrets]
  verbs: [list, watch]
- apiGroups: [""]
  resources: ["*"]
  verbs: [delete]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: pt-agg-team-a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pt-agg-parent}
subjects:
- {kind: Group, apiGroup: rbac.authorization.k8s.io, name: team-a}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: pt-urls-bob, namespace: rbac-a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pt-urls}
subjects:
- {kind: User, apiGroup: rbac.authorization.k8s.io, name: bob}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: pt-urls-team-b}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pt-urls}
subjects:
- {kind: Group, apiGroup: rbac.authorization.k8s.io, name: team-b}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: pt-named-sa1, namespace: rbac-a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pt-named}
subjects:
- {kind: ServiceAccount, name: sa1, namespace: rbac-a}
- {kind: User, apiGroup: rbac.authorization.k8s.io, name: carol}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: pt-sub, namespace: rbac-b}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pt-sub}
subjects:
- {kind: User, apiGroup: rbac.authorization.k8s.io, name: carol}
- {kind: Group, apiGroup: rbac.authorization.k8s.io, name: team-a}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: pt-star-apps}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pt-star-apps}
subjects:
- {kind: ServiceAccount, name: sa1, namespace: rbac-b}
- {kind: Group, apiGroup: rbac.authorization.k8s.io, name: "system:serviceaccounts:rbac-a"}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: r1, namespace: rbac-a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r1}
subjects:
- {kind: User, apiGroup: rbac.authorization.k8s.io, name: dave}
- {kind: ServiceAccount, name: sa2}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: pt-wild-verb}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pt-wild-verb}
subjects:
- {kind: User, apiGroup: rbac.authorization.k8s.io, name: erin}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: pt-escalate, namespace: rbac-b}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pt-escalate}
subjects:
- {kind: User, apiGroup: rbac.authorization.k8s.io, name: erin}
- {kind: ServiceAccount, name: sa1, namespace: rbac-b}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: pt-dangling, namespace: rbac-b}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: does-not-exist}
subjects:
- {kind: User, apiGroup: rbac.authorization.k8s.io, name: frank}
"#;

const GENERATED_CLUSTER_OBJECTS: &[&str] = &[
    "clusterrole/pt-agg-parent",
    "clusterrole/pt-agg-child-1",
    "clusterrole/pt-agg-child-2",
    "clusterrole/pt-urls",
    "clusterrole/pt-named",
    "clusterrole/pt-sub",
    "clusterrole/pt-star-apps",
    "clusterrole/pt-wild-verb",
    "clusterrole/pt-escalate",
    "clusterrolebinding/pt-agg-team-a",
    "clusterrolebinding/pt-urls-team-b",
    "clusterrolebinding/pt-star-apps",
    "clusterrolebinding/pt-wild-verb",
];

/// `(group, resource, subresource, namespaced)`
const RESOURCES: &[(&str, &str, &str, bool)] = &[
    ("", "pods", "", true),
    ("", "pods", "log", true),
    ("", "pods", "exec", true),
    ("", "pods", "status", true),
    ("", "configmaps", "", true),
    ("", "secrets", "", true),
    ("", "services", "", true),
    ("", "serviceaccounts", "", true),
    ("", "serviceaccounts", "token", true),
    ("", "namespaces", "", false),
    ("", "nodes", "", false),
    ("", "nodes", "proxy", false),
    ("", "users", "", false),
    ("", "groups", "", false),
    ("apps", "deployments", "", true),
    ("apps", "deployments", "scale", true),
    ("apps", "replicasets", "scale", true),
    ("apps", "statefulsets", "", true),
    ("apps", "daemonsets", "", true),
    ("batch", "jobs", "", true),
    ("batch", "cronjobs", "", true),
    ("networking.k8s.io", "ingresses", "", true),
    ("networking.k8s.io", "networkpolicies", "", true),
    ("rbac.authorization.k8s.io", "roles", "", true),
    ("rbac.authorization.k8s.io", "clusterroles", "", false),
    (
        "rbac.authorization.k8s.io",
        "clusterrolebindings",
        "",
        false,
    ),
    (
        "authorization.k8s.io",
        "selfsubjectaccessreviews",
        "",
        false,
    ),
    ("example.com", "widgets", "", true),
];
const VERBS: &[&str] = &[
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
    "escalate",
    "bind",
    "impersonate",
    "use",
];
const NAMESPACES: &[&str] = &[
    "rbac-a",
    "rbac-b",
    "shop",
    "data",
    "jobs",
    "monitoring",
    "kube-system",
    "default",
];
const NAMES: &[&str] = &["cm1", "cm2", "s1", "other"];
const URLS: &[&str] = &[
    "/metrics",
    "/logs/kube-apiserver.log",
    "/logs",
    "/healthz",
    "/healthz/etcd",
    "/api",
    "/apis/apps",
    "/version",
    "/livez",
    "/readyz",
    "/openapi/v2",
    "/debug/pprof",
];
const USERS: &[&str] = &[
    "alice",
    "bob",
    "carol",
    "dave",
    "erin",
    "frank",
    "ops",
    "system:anonymous",
];
const GROUPS: &[&str] = &[
    "team-a",
    "team-b",
    "developers",
    "system:authenticated",
    "system:unauthenticated",
];

struct Question {
    identity: Identity,
    request: Request,
}

fn pick<'a, T>(rng: &mut fastrand::Rng, xs: &'a [T]) -> &'a T {
    &xs[rng.usize(..xs.len())]
}

fn service_accounts(model: &palisade_model::Model) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = model
        .objects()
        .iter()
        .filter(|o| o.kind == "ServiceAccount")
        .map(|o| (o.namespace.clone().unwrap_or_default(), o.name.clone()))
        .collect();
    v.sort();
    v
}

fn question(rng: &mut fastrand::Rng, sas: &[(String, String)]) -> Question {
    let subject = match rng.u8(..10) {
        0..=4 => Subject::User(pick(rng, USERS).to_string()),
        _ => {
            let (ns, name) = pick(rng, sas);
            Subject::ServiceAccount {
                namespace: ns.clone(),
                name: name.clone(),
            }
        }
    };
    let mut groups = Vec::new();
    if matches!(subject, Subject::User(_)) {
        for g in GROUPS {
            if rng.u8(..4) == 0 {
                groups.push(g.to_string());
            }
        }
    }
    let identity = Identity::new(subject, &groups);
    let verb = pick(rng, VERBS).to_string();
    let request = if rng.u8(..10) == 0 {
        Request::NonResource {
            verb: if rng.bool() { "get".into() } else { verb },
            path: pick(rng, URLS).to_string(),
        }
    } else {
        let &(group, resource, sub, namespaced) = pick(rng, RESOURCES);
        let namespace = if namespaced {
            // a namespaced resource asked cluster-wide (all namespaces) now and then
            (rng.u8(..8) != 0).then(|| pick(rng, NAMESPACES).to_string())
        } else {
            None
        };
        let name = (rng.u8(..3) == 0).then(|| pick(rng, NAMES).to_string());
        Request::Resource {
            verb,
            group: group.into(),
            resource: resource.into(),
            subresource: sub.into(),
            namespace,
            name,
        }
    };
    Question { identity, request }
}

fn review(user: &str, groups: &[String], req: &Request) -> Value {
    let mut spec = json!({"user": user, "groups": groups});
    match req {
        Request::NonResource { verb, path } => {
            spec["nonResourceAttributes"] = json!({"verb": verb, "path": path});
        }
        Request::Resource {
            verb,
            group,
            resource,
            subresource,
            namespace,
            name,
        } => {
            spec["resourceAttributes"] = json!({
                "verb": verb, "group": group, "resource": resource, "subresource": subresource,
                "namespace": namespace.clone().unwrap_or_default(), "name": name.clone().unwrap_or_default(),
            });
        }
    }
    json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview", "spec": spec})
}

/// Asks the API server every review, 32 at a time.
fn ask(bed: &Bed, reviews: Vec<Value>) -> Vec<bool> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        use futures::StreamExt;
        let kc = kube::config::Kubeconfig::read_from(&bed.admin).unwrap();
        let config = kube::Config::from_custom_kubeconfig(kc, &Default::default())
            .await
            .unwrap();
        let client = kube::Client::try_from(config).unwrap();
        let answers: Vec<(usize, bool)> = futures::stream::iter(reviews.into_iter().enumerate())
            .map(|(i, body)| {
                let client = client.clone();
                async move {
                    let req =
                        http::Request::post("/apis/authorization.k8s.io/v1/subjectaccessreviews")
                            .header("content-type", "application/json")
                            .body(serde_json::to_vec(&body).unwrap())
                            .unwrap();
                    let v: Value = client.request(req).await.expect("SubjectAccessReview");
                    (i, v["status"]["allowed"].as_bool().unwrap_or(false))
                }
            })
            .buffer_unordered(32)
            .collect()
            .await;
        let mut out = vec![false; answers.len()];
        for (i, a) in answers {
            out[i] = a;
        }
        out
    })
}

fn describe(q: &Question) -> String {
    format!(
        "{} (groups {:?}) {:?}",
        q.identity.subject, q.identity.groups, q.request
    )
}

#[test]
fn rbac_can_and_who_can_agree_with_subject_access_reviews() {
    let Some(b) = bed::bed() else { return };
    let _g = bed::lock();
    let _clean = b.cleanup(&["rbac-a", "rbac-b"], GENERATED_CLUSTER_OBJECTS);
    let _demo = super::live::demo_cleanup(b);
    for f in ["namespaces.yaml", "rbac.yaml"] {
        let demo = bed::repo().join("examples/demo").join(f);
        b.ok(&[
            "apply",
            "--server-side",
            "--force-conflicts",
            "-f",
            demo.to_str().unwrap(),
        ]);
    }
    b.apply(GENERATED);
    // the controller manager fills the aggregated role
    b.wait_for(30, "ClusterRole aggregation", || {
        let v: Value =
            serde_json::from_str(&b.ok(&["get", "clusterrole", "pt-agg-parent", "-o", "json"]))
                .unwrap();
        v["rules"].as_array().is_some_and(|r| r.len() >= 3)
    });
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("cluster.yaml");
    let out = palisade()
        .args([
            "scan",
            "--cluster",
            "--fail-on",
            "none",
            "--format",
            "json",
            "--kubeconfig",
        ])
        .arg(&b.admin)
        .arg("--dump")
        .arg(&dump)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let loaded = palisade_source::load(std::slice::from_ref(&dump), &Default::default());
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let model = palisade_model::Model::new(loaded.objects);
    let rbac = Rbac::build(&model);
    let sas = service_accounts(&model);
    assert!(
        sas.len() > 15,
        "the controllers' service accounts are read too: {sas:?}"
    );

    let mut rng = fastrand::Rng::with_seed(2026);
    let questions: Vec<Question> = (0..5000).map(|_| question(&mut rng, &sas)).collect();
    let reviews = questions
        .iter()
        .map(|q| {
            review(
                q.identity.user.as_deref().unwrap_or(""),
                &q.identity.groups,
                &q.request,
            )
        })
        .collect();
    let server = ask(b, reviews);
    let mut wrong = Vec::new();
    let mut allowed = 0;
    for (q, &s) in questions.iter().zip(&server) {
        let ours = rbac.can(&q.identity, &q.request).allowed;
        allowed += usize::from(s);
        if ours != s {
            wrong.push(format!("palisade {ours}, API server {s}: {}", describe(q)));
        }
    }
    eprintln!(
        "rbac can: {} of {} questions agree with SubjectAccessReview ({allowed} allowed)",
        5000 - wrong.len(),
        5000
    );
    assert!(
        wrong.is_empty(),
        "{} disagreements:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert!(
        allowed > 250 && allowed < 4750,
        "the questions test both answers: {allowed} allowed"
    );

    // the command line gives the same answers (a sample: one process each)
    for q in questions.iter().step_by(125) {
        let Request::Resource {
            verb,
            group,
            resource,
            subresource,
            namespace,
            name,
        } = &q.request
        else {
            continue;
        };
        let mut spec = resource.clone();
        if !subresource.is_empty() {
            spec = format!("{spec}/{subresource}");
        }
        if !group.is_empty() {
            spec = format!(
                "{}.{group}{}",
                resource,
                if subresource.is_empty() {
                    String::new()
                } else {
                    format!("/{subresource}")
                }
            );
        }
        // the command line addresses a namespace by its own name, and
        // names core resources it knows (users and groups are not objects)
        if resource == "namespaces" || palisade_rbac::resources::parse(&spec).is_err() {
            continue;
        }
        let subject = match &q.identity.subject {
            Subject::User(u) => format!("user:{u}"),
            Subject::ServiceAccount { namespace, name } => {
                format!("system:serviceaccount:{namespace}:{name}")
            }
            Subject::Group(g) => format!("group:{g}"),
        };
        let mut cmd = palisade();
        cmd.args(["rbac", "can", &subject, verb, &spec]).arg(&dump);
        for g in &q.identity.groups {
            cmd.args(["--group", g]);
        }
        if let Some(ns) = namespace {
            cmd.args(["-n", ns]);
        }
        if let Some(n) = name {
            cmd.args(["--name", n]);
        }
        let out = cmd.output().unwrap();
        let expect = rbac.can(&q.identity, &q.request).allowed;
        assert_eq!(
            out.status.code(),
            Some(if expect { 0 } else { 1 }),
            "{}: {}{}",
            describe(q),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    // who-can: the subjects palisade lists are exactly those a review allows
    let mut subjects: Vec<Subject> = rbac.subjects().into_iter().cloned().collect();
    subjects.sort();
    subjects.dedup();
    let who_questions: Vec<Request> = {
        let mut rng = fastrand::Rng::with_seed(7);
        std::iter::repeat_with(|| question(&mut rng, &sas).request)
            .filter(|r| matches!(r, Request::Resource { .. }))
            .take(60)
            .collect()
    };
    let mut reviews = Vec::new();
    for req in &who_questions {
        for s in &subjects {
            // each subject alone, without the groups a user is in implicitly
            let (user, groups) = match s {
                Subject::User(u) => (u.clone(), vec![]),
                Subject::Group(g) => ("palisade-probe-nobody".to_string(), vec![g.clone()]),
                Subject::ServiceAccount { namespace, name } => {
                    (format!("system:serviceaccount:{namespace}:{name}"), vec![])
                }
            };
            reviews.push(review(&user, &groups, req));
        }
    }
    let server = ask(b, reviews);
    let mut checked = 0;
    for (i, req) in who_questions.iter().enumerate() {
        let any_ns = matches!(
            req,
            Request::Resource {
                namespace: None,
                ..
            }
        );
        if any_ns {
            // without a namespace, who-can also lists RoleBindings' subjects
            // (allowed somewhere): a review asks cluster-wide only
            continue;
        }
        let mut ours: Vec<&Subject> = rbac.who_can(req, false).iter().map(|g| g.subject).collect();
        ours.sort();
        ours.dedup();
        let theirs: Vec<&Subject> = subjects
            .iter()
            .enumerate()
            .filter(|(j, _)| server[i * subjects.len() + j])
            .map(|(_, s)| s)
            .collect();
        assert_eq!(ours, theirs, "who-can {req:?}");
        checked += 1;
    }
    eprintln!(
        "rbac who-can: {checked} questions, {} subjects each, equal to SubjectAccessReview",
        subjects.len()
    );
    assert!(checked >= 25);
}
