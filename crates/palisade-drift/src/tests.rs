use super::*;
use palisade_model::{ObjectOptions, objects_from_document};

fn model(name: &str, yaml: &str) -> Model {
    let stream = palisade_yaml::parse_stream(yaml, &palisade_yaml::Limits::default());
    assert!(stream.errors.is_empty(), "{:?}", stream.errors);
    let file: Arc<str> = Arc::from(name);
    Model::new(
        stream
            .documents
            .into_iter()
            .flat_map(|d| objects_from_document(d.root, &file, &ObjectOptions::default()))
            .map(|r| r.unwrap())
            .collect(),
    )
}

const IAC: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports: [{containerPort: 80}]
        securityContext: {runAsNonRoot: true}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: shop}
spec:
  podSelector: {}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: only-in-git, namespace: shop}
";

/// The same objects as the API server returns them: defaults, status,
/// server-owned metadata; plus controller-created and click-ops objects.
const LIVE: &str = "\
apiVersion: v1
kind: List
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
    namespace: shop
    uid: '1234'
    resourceVersion: \"99\"
    annotations: {deployment.kubernetes.io/revision: \"3\"}
    managedFields: [{manager: kubectl}]
  spec:
    replicas: 1
    selector: {matchLabels: {app: web}}
    template:
      metadata: {labels: {app: web}}
      spec:
        serviceAccountName: default
        dnsPolicy: ClusterFirst
        containers:
        - name: web
          image: nginx:1.27
          imagePullPolicy: IfNotPresent
          ports: [{containerPort: 80, protocol: TCP}]
          securityContext: {runAsNonRoot: true, privileged: true}
  status: {replicas: 1}
- apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {name: deny, namespace: shop}
  spec:
    podSelector: {}
    policyTypes: [Ingress]
- apiVersion: v1
  kind: Service
  metadata: {name: web, namespace: shop}
  spec:
    type: ClusterIP
    clusterIP: 10.0.0.12
    selector: {app: web}
    ports: [{port: 80, targetPort: 80, protocol: TCP}]
- apiVersion: apps/v1
  kind: ReplicaSet
  metadata:
    name: web-abc
    namespace: shop
    ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: '1234', controller: true}]
  spec:
    template:
      spec: {containers: [{name: web, image: nginx:1.27}]}
- apiVersion: v1
  kind: ServiceAccount
  metadata: {name: default, namespace: shop}
- apiVersion: v1
  kind: Namespace
  metadata: {name: kube-system}
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: debug, namespace: shop}
  spec:
    selector: {matchLabels: {app: debug}}
    template:
      metadata: {labels: {app: debug}}
      spec: {containers: [{name: d, image: busybox}]}
";

#[test]
fn drift_kinds() {
    let d = drift(&model("iac.yaml", IAC), &model("cluster", LIVE));
    let summary: Vec<(DriftKind, String)> =
        d.iter().map(|x| (x.kind, x.object.to_string())).collect();
    assert_eq!(
        summary,
        [
            (DriftKind::Unmanaged, "shop/Deployment/debug".to_string()),
            (DriftKind::Missing, "shop/ConfigMap/only-in-git".to_string()),
            (DriftKind::Changed, "shop/Deployment/web".to_string()),
        ]
    );
    let changed = d.iter().find(|x| x.kind == DriftKind::Changed).unwrap();
    assert_eq!(changed.changes.len(), 1, "{:#?}", changed.changes);
    assert_eq!(
        changed.changes[0].path,
        "spec.template.spec.containers[0].securityContext"
    );
    assert_eq!(changed.changes[0].live["privileged"], true);
    assert_eq!(changed.iac.as_ref().unwrap().line, 1);
}

#[test]
fn no_drift_when_equal() {
    let live = model("cluster", IAC);
    assert!(drift(&model("iac.yaml", IAC), &live).is_empty());
}

#[test]
fn kinds_the_cluster_read_skipped_are_not_missing() {
    let iac = model(
        "iac.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: shop}\nstringData: {password: x}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: shop}\n",
    );
    let live = model("cluster", "apiVersion: v1\nkind: List\nitems: []\n");
    let missing = |read: Option<&[&str]>| -> Vec<String> {
        drift_of_read(&iac, &live, read)
            .iter()
            .map(|d| d.object.to_string())
            .collect()
    };
    // Secrets are never read from a cluster: not missing
    assert_eq!(missing(Some(&["ConfigMap"])), ["shop/ConfigMap/c"]);
    assert_eq!(missing(None).len(), 2);
}

#[test]
fn limit_range_defaulting_is_not_drift() {
    let iac = "apiVersion: v1\nkind: LimitRange\nmetadata: {name: l, namespace: shop}\nspec:\n  limits:\n  - type: Container\n    defaultRequest: {cpu: 100m}\n    default: {memory: 256Mi}\n    max: {cpu: \"2\", memory: 2Gi}\n";
    // as the API server stores it
    let live = "apiVersion: v1\nkind: LimitRange\nmetadata: {name: l, namespace: shop}\nspec:\n  limits:\n  - type: Container\n    defaultRequest: {cpu: 100m, memory: 256Mi}\n    default: {cpu: \"2\", memory: 256Mi}\n    max: {cpu: \"2\", memory: 2Gi}\n";
    assert!(drift(&model("iac.yaml", iac), &model("cluster", live)).is_empty());
    let changed = live.replace(
        "max: {cpu: \"2\", memory: 2Gi}",
        "max: {cpu: \"4\", memory: 2Gi}",
    );
    assert_eq!(
        drift(&model("iac.yaml", iac), &model("cluster", &changed)).len(),
        1
    );
}
