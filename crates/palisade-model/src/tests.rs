use super::*;
use palisade_yaml::{Limits, parse_stream};
use std::sync::Arc;

fn load(text: &str) -> (Vec<Object>, Vec<ObjectError>) {
    let file: Arc<str> = Arc::from("test.yaml");
    let stream = parse_stream(text, &Limits::default());
    assert!(stream.errors.is_empty(), "{:?}", stream.errors);
    let mut objs = Vec::new();
    let mut errs = Vec::new();
    for d in stream.documents {
        for r in objects_from_document(d.root, &file, &ObjectOptions::default()) {
            match r {
                Ok(o) => {
                    // read with problems: reported, and kept
                    errs.extend(o.problems.iter().cloned());
                    objs.push(o)
                }
                Err(e) => errs.push(e),
            }
        }
    }
    (objs, errs)
}

const DEPLOY: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: {app: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
    spec:
      initContainers:
      - name: init
        image: busybox
      containers:
      - name: app
        image: nginx:1.27
        resources:
          limits: {cpu: 1, memory: 512Mi}
        securityContext:
          privileged: true
";

#[test]
fn deployment_normalises_to_pod_template() {
    let (objs, errs) = load(DEPLOY);
    assert!(errs.is_empty(), "{errs:?}");
    let o = &objs[0];
    assert_eq!(o.kind, "Deployment");
    assert_eq!(o.namespace.as_deref(), Some("shop"));
    assert!(o.namespace_explicit);
    assert_eq!(o.label("app"), Some("web"));
    let t = o.pod_template().unwrap();
    assert_eq!(t.spec_field().to_string(), "spec.template.spec");
    let cs = t.containers();
    assert_eq!(cs.len(), 2);
    assert_eq!(cs[0].kind, ContainerKind::Init);
    assert_eq!(cs[1].name, "app");
    // cpu: 1 (an integer) is a valid quantity
    let limits = cs[1].resources.unwrap().limits.as_ref().unwrap();
    assert_eq!(limits["cpu"].0, "1");
    let path = t
        .spec_field()
        .join(&cs[1].path())
        .key("securityContext")
        .key("privileged");
    assert_eq!(o.locate(&path).line, 22);
    assert_eq!(o.replicas(), Some(1));
    assert!(o.is_long_running());
}

#[test]
fn every_workload_kind_has_a_template() {
    let pod_spec = "containers: [{name: c, image: x}]";
    let docs = [
        format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: a}}\nspec: {{{pod_spec}}}\n"),
        format!(
            "apiVersion: batch/v1\nkind: CronJob\nmetadata: {{name: b}}\nspec:\n  schedule: '* * * * *'\n  jobTemplate:\n    spec:\n      template:\n        spec: {{{pod_spec}}}\n"
        ),
        format!(
            "apiVersion: batch/v1\nkind: Job\nmetadata: {{name: c}}\nspec:\n  template:\n    spec: {{{pod_spec}}}\n"
        ),
        format!(
            "apiVersion: v1\nkind: ReplicationController\nmetadata: {{name: d}}\nspec:\n  template:\n    spec: {{{pod_spec}}}\n"
        ),
        format!(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{name: e}}\nspec:\n  template:\n    spec: {{{pod_spec}}}\n"
        ),
        format!(
            "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {{name: f}}\nspec:\n  template:\n    spec: {{{pod_spec}}}\n"
        ),
        format!(
            "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {{name: g}}\nspec:\n  template:\n    spec: {{{pod_spec}}}\n"
        ),
        format!(
            "apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: {{name: h}}\nspec:\n  template:\n    spec: {{{pod_spec}}}\n"
        ),
        format!(
            "apiVersion: batch/v1beta1\nkind: CronJob\nmetadata: {{name: i}}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec: {{{pod_spec}}}\n"
        ),
    ];
    for d in &docs {
        let (objs, errs) = load(d);
        assert!(errs.is_empty(), "{errs:?}");
        let t = objs[0]
            .pod_template()
            .unwrap_or_else(|| panic!("{}", objs[0].kind));
        assert_eq!(t.containers()[0].image, Some("x"));
    }
    let (objs, _) = load(&docs[1]);
    assert!(!objs[0].is_long_running());
    assert_eq!(
        objs[0].pod_template().unwrap().spec_field().to_string(),
        "spec.jobTemplate.spec.template.spec"
    );
}

#[test]
fn typed_lists_give_their_items_the_list_kind() {
    // as `kubectl get --raw /api/v1/namespaces` returns it
    let text = r#"{"kind":"NamespaceList","apiVersion":"v1","metadata":{"resourceVersion":"7"},
"items":[{"metadata":{"name":"shop","labels":{"pod-security.kubernetes.io/enforce":"baseline"}}},
{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"data"}}]}"#;
    let (objs, errs) = load(text);
    assert!(errs.is_empty(), "{errs:?}");
    let got: Vec<_> = objs
        .iter()
        .map(|o| (o.api_version.as_str(), o.kind.as_str(), o.name.as_str()))
        .collect();
    assert_eq!(
        got,
        [("v1", "Namespace", "shop"), ("v1", "Namespace", "data")]
    );
    assert_eq!(
        objs[0].label("pod-security.kubernetes.io/enforce"),
        Some("baseline")
    );
    let apps = r#"{"kind":"DeploymentList","apiVersion":"apps/v1","items":[{"metadata":{"name":"w","namespace":"jobs"},"spec":{"template":{"spec":{"containers":[{"name":"c","image":"x:1"}]}}}}]}"#;
    let (objs, errs) = load(apps);
    assert!(errs.is_empty(), "{errs:?}");
    assert_eq!(
        (objs[0].api_version.as_str(), objs[0].kind.as_str()),
        ("apps/v1", "Deployment")
    );
    assert!(objs[0].pod_template().is_some());
}

#[test]
fn lists_expand_and_bad_items_do_not_stop_the_rest() {
    let text = "\
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: a, namespace: x}
- apiVersion: v1
  kind: Pod
  metadata: {name: bad}
  spec:
    securityContext:
      runAsNonRoot: \"yes\"
- kind: NoApiVersion
  metadata: {name: c}
- apiVersion: v1
  kind: Namespace
  metadata: {name: x}
";
    let (objs, errs) = load(text);
    let names: Vec<_> = objs.iter().map(|o| o.name.as_str()).collect();
    // the Pod with a field of the wrong type is reported and still read
    assert_eq!(names, ["a", "bad", "x"]);
    assert_eq!(errs.len(), 2);
    assert_eq!(errs[0].line, 12);
    assert!(
        errs[0]
            .message
            .contains("spec.securityContext.runAsNonRoot"),
        "{}",
        errs[0].message
    );
    assert!(errs[1].message.contains("apiVersion"));
    // cluster-scoped objects have no namespace
    assert_eq!(objs[2].namespace, None);
}

#[test]
fn missing_namespace_defaults() {
    let (objs, _) =
        load("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: []}\n");
    assert_eq!(objs[0].namespace.as_deref(), Some("default"));
    assert!(!objs[0].namespace_explicit);
    let (objs, _) = load("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n");
    assert_eq!(objs[0].namespace, None);
    assert!(matches!(objs[0].typed, Typed::Dynamic));
}

#[test]
fn secret_type_errors_do_not_echo_values() {
    let (_, errs) = load(
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata:\n  password: [\"hunter2\"]\nstringData: {token: [\"s3cr3t\"]}\n",
    );
    // both bad fields are reported (the object is still read), neither
    // with its value
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert!(
        errs.iter()
            .all(|e| !e.message.contains("hunter2") && !e.message.contains("s3cr3t")),
        "{errs:?}"
    );
    let (_, errs) = load(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    env:\n    - name: PASSWORD\n      value: [\"hunter2\"]\n",
    );
    assert_eq!(errs.len(), 1);
    assert!(!errs[0].message.contains("hunter2"), "{}", errs[0].message);
}

#[test]
fn labels_must_be_strings() {
    let (objs, errs) = load(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels:\n    enabled: true\n",
    );
    assert!(objs.is_empty());
    assert_eq!(errs[0].line, 6);
}

#[test]
fn model_indexes_and_owned_pods() {
    let text = "\
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web-abc, namespace: shop}
spec:
  template:
    spec: {containers: [{name: c, image: x}]}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-abc-1
  namespace: shop
  ownerReferences:
  - {apiVersion: apps/v1, kind: ReplicaSet, name: web-abc, controller: true, uid: u}
spec: {containers: [{name: c, image: x}]}
---
apiVersion: v1
kind: Pod
metadata:
  name: orphan
  namespace: shop
  ownerReferences:
  - {apiVersion: apps/v1, kind: ReplicaSet, name: gone, controller: true, uid: u}
spec: {containers: [{name: c, image: x}]}
---
apiVersion: v1
kind: Namespace
metadata: {name: empty}
";
    let (objs, errs) = load(text);
    assert!(errs.is_empty());
    let m = Model::new(objs);
    let names: Vec<_> = m.workloads().map(|(o, _)| o.name.clone()).collect();
    assert_eq!(names, ["web-abc", "orphan"]);
    assert_eq!(m.namespaces(), ["empty", "shop"]);
    assert!(m.get("Pod", Some("shop"), "orphan").is_some());
    assert_eq!(m.of_kind("Pod").count(), 2);
    assert_eq!(m.in_namespace("shop").count(), 3);
}

#[test]
fn keys_the_schema_does_not_have_are_kept_with_their_schema() {
    let (objs, errs) = load(
        "apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: web:1
        securityContext:
          runAsNonroot: true
          readOnlyRootFileSystem: true
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: np, namespace: shop}
spec:
  podSelector: {app: testapp}
  policyTypes: [Ingress]
",
    );
    assert!(errs.is_empty(), "{errs:?}");
    let d = &objs[0];
    let got: Vec<(String, u32, &str)> = d
        .stray
        .iter()
        .map(|s| (s.path.to_string(), s.line, s.schema))
        .collect();
    assert_eq!(
        got,
        [
            (
                "spec.template.spec.containers[0].securityContext.runAsNonroot".into(),
                13,
                "SecurityContext"
            ),
            (
                "spec.template.spec.containers[0].securityContext.readOnlyRootFileSystem".into(),
                14,
                "SecurityContext"
            ),
        ]
    );
    assert!(d.stray[0].fields.contains(&"runAsNonRoot"));
    let np = &objs[1];
    assert_eq!(np.stray.len(), 1);
    assert_eq!(np.stray[0].path.to_string(), "spec.podSelector.app");
    assert_eq!(np.stray[0].schema, "LabelSelector");
    // the demo's objects are exactly what their schemas say
    let (ok, _) = load(DEPLOY);
    assert!(ok[0].stray.is_empty(), "{:?}", ok[0].stray);
}

#[test]
fn kinds_palisade_does_not_know_are_said_once() {
    let (objs, _) = load(
        "apiVersion: kafka.strimzi.io/v1beta2
kind: Kafka
metadata: {name: a, namespace: k}
---
apiVersion: kafka.strimzi.io/v1beta2
kind: Kafka
metadata: {name: b, namespace: k}
---
apiVersion: kafka.strimzi.io/v1beta2
kind: KafkaTopic
metadata: {name: t, namespace: k}
---
apiVersion: monitoring.coreos.com/v1
kind: Prometheus
metadata: {name: p, namespace: m}
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: c, namespace: m}
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: app, namespace: argocd}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cm, namespace: m}
",
    );
    let note = crate::kinds::unknown_kinds_note(&objs).unwrap();
    assert!(
        note.starts_with("3 object(s) of 2 kind(s) palisade does not know"),
        "{note}"
    );
    assert!(note.contains("Kafka.kafka.strimzi.io (2), KafkaTopic.kafka.strimzi.io (1)"));
    assert!(crate::kinds::unknown_kinds_note(&objs[3..]).is_none());
}
