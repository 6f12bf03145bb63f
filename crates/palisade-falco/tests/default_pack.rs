//! palisade's default pack: one audit event per attack class raises at
//! least the rule meant for it, and a benign stream (controllers, nodes,
//! reads, a CI service account's ordinary deploy) raises nothing.

use palisade_falco::{AuditEvent, Matching, Scratch, compile, default_rule_files};
use serde_json::{Value, json};

fn fired(e: Value) -> Vec<String> {
    let r = compile(&default_rule_files());
    assert!(r.diags.is_empty(), "{:?}", r.diags);
    let mut s = Scratch::new();
    r.evaluate(
        &AuditEvent::from_json(e),
        Matching::All,
        &mut s,
        &mut palisade_falco::Windows::new(),
    )
    .into_iter()
    .map(|a| a.rule)
    .collect()
}

/// A completed request: `user verb resource[/sub]` in `ns` (empty: cluster
/// scoped), with an optional request body.
fn req(user: &str, verb: &str, target: &str, ns: &str, name: &str, body: Option<Value>) -> Value {
    let (resource, sub) = target.split_once('/').unwrap_or((target, ""));
    let mut obj = json!({"resource": resource, "name": name});
    if !ns.is_empty() {
        obj["namespace"] = json!(ns);
    }
    if !sub.is_empty() {
        obj["subresource"] = json!(sub);
    }
    let uri = if ns.is_empty() {
        format!("/apis/x/v1/{resource}/{name}")
    } else {
        format!("/apis/x/v1/namespaces/{ns}/{resource}/{name}")
    };
    let mut e = json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "RequestResponse",
        "auditID": "id-1", "stage": "ResponseComplete", "verb": verb,
        "user": {"username": user, "groups": ["system:authenticated"]},
        "sourceIPs": ["198.51.100.4"], "userAgent": "kubectl/v1.30.2",
        "requestURI": uri, "objectRef": obj,
        "responseStatus": {"code": if verb == "create" { 201 } else { 200 }},
        "stageTimestamp": "2026-11-29T08:00:00Z"
    });
    if let Some(b) = body {
        e["requestObject"] = b;
    }
    e
}

/// A long-running request as logged when its stream opens.
fn stream(user: &str, sub: &str, query: &str) -> Value {
    json!({
        "kind": "Event", "auditID": "id-2", "stage": "ResponseStarted", "verb": "create",
        "user": {"username": user, "groups": ["system:authenticated"]},
        "requestURI": format!("/api/v1/namespaces/shop/pods/web-1/{sub}?{query}"),
        "objectRef": {"resource": "pods", "subresource": sub, "name": "web-1", "namespace": "shop"},
        "responseStatus": {"code": 101},
        "stageTimestamp": "2026-11-29T08:00:00Z"
    })
}

fn pod_template(spec: Value) -> Value {
    json!({"kind": "Deployment", "spec": {"replicas": 1, "template": {"spec": spec}}})
}

fn role(rules: Value) -> Value {
    json!({"kind": "Role", "rules": rules})
}

fn binding(role: &str) -> Value {
    json!({"roleRef": {"kind": "ClusterRole", "name": role}, "subjects": [{"kind": "User", "name": "mallory"}]})
}

#[track_caller]
fn expect(e: Value, rule: &str) {
    let got = fired(e);
    assert!(got.contains(&rule.to_string()), "{rule} not in {got:?}");
}

#[test]
fn every_attack_class_alerts() {
    let alice = "alice@example.com";
    // Service-account token theft.
    expect(
        req(
            alice,
            "get",
            "secrets",
            "kube-system",
            "deployer-token-7x2k",
            None,
        ),
        "Service Account Token Secret Read by a Person",
    );
    expect(
        req(
            alice,
            "create",
            "serviceaccounts/token",
            "kube-system",
            "deployer",
            None,
        ),
        "Token Requested for a Service Account by a Person",
    );
    // Client certificates: a CSR, and its approval.
    expect(
        req(
            alice,
            "create",
            "certificatesigningrequests",
            "",
            "mallory",
            Some(json!({"spec": {"signerName": "kubernetes.io/kube-apiserver-client"}})),
        ),
        "Client Certificate Requested",
    );
    expect(
        req(
            alice,
            "update",
            "certificatesigningrequests/approval",
            "",
            "mallory",
            None,
        ),
        "Certificate Signing Request Approved",
    );
    // Bindings to privileged ClusterRoles.
    expect(
        req(
            alice,
            "create",
            "clusterrolebindings",
            "",
            "b",
            Some(binding("cluster-admin")),
        ),
        "Binding to cluster-admin Created or Changed",
    );
    expect(
        req(
            alice,
            "patch",
            "rolebindings",
            "shop",
            "b",
            Some(binding("admin")),
        ),
        "Binding to a Powerful ClusterRole Created or Changed",
    );
    // Roles granting `*`, nodes/proxy, escalate/bind/impersonate, writes.
    expect(
        req(
            alice,
            "create",
            "clusterroles",
            "",
            "r",
            Some(role(
                json!([{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]),
            )),
        ),
        "Role With Wildcard Created or Changed",
    );
    expect(
        req(
            alice,
            "create",
            "clusterroles",
            "",
            "r",
            Some(role(
                json!([{"apiGroups": [""], "resources": ["nodes/proxy"], "verbs": ["get"]}]),
            )),
        ),
        "Role Granting nodes/proxy",
    );
    expect(
        req(
            alice,
            "update",
            "clusterroles",
            "",
            "r",
            Some(role(
                json!([{"apiGroups": [""], "resources": ["users"], "verbs": ["impersonate"]}]),
            )),
        ),
        "Role Granting Escalate, Bind or Impersonate",
    );
    expect(
        req(
            alice,
            "create",
            "roles",
            "shop",
            "r",
            Some(role(
                json!([{"apiGroups": [""], "resources": ["secrets"], "verbs": ["create", "update"]}]),
            )),
        ),
        "Role Granting Write on Secrets or Workloads",
    );
    expect(
        req(
            alice,
            "patch",
            "roles",
            "shop",
            "r",
            Some(role(
                json!([{"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create"]}]),
            )),
        ),
        "Role With Pod Exec Created or Changed",
    );
    // Changes to `system:` roles and bindings.
    expect(
        req(alice, "patch", "clusterroles", "", "system:node", None),
        "System Role or Binding Changed",
    );
    // Anonymous requests that succeed.
    let mut anon = req("system:anonymous", "list", "pods", "", "", None);
    anon["requestURI"] = json!("/api/v1/pods");
    anon["user"]["groups"] = json!(["system:unauthenticated"]);
    expect(anon, "Unauthenticated Request Served");
    // Admission webhooks.
    expect(
        req(
            "system:serviceaccount:tools:installer",
            "create",
            "mutatingwebhookconfigurations",
            "",
            "inject",
            None,
        ),
        "Admission Webhook Configuration Changed",
    );
    expect(
        req(
            alice,
            "patch",
            "validatingwebhookconfigurations",
            "",
            "policy",
            None,
        ),
        "Admission Webhook Configuration Changed",
    );
    // exec / attach / port-forward / kubectl cp.
    expect(
        stream(alice, "exec", "command=sh&stdin=true&tty=true"),
        "Exec or Attach Into Pod",
    );
    expect(
        stream(alice, "attach", "stdin=true"),
        "Exec or Attach Into Pod",
    );
    expect(
        stream(alice, "portforward", "ports=5432"),
        "Port Forward to Pod",
    );
    expect(
        stream(
            alice,
            "exec",
            "command=tar&command=cf&command=-&command=/data",
        ),
        "File Copied Through Exec",
    );
    // Privileged / host namespaces / hostPath / capabilities: a Pod create,
    // and every controller's template on create and update.
    let ci = "system:serviceaccount:ci:deployer";
    let priv_c = json!({"containers": [{"name": "c", "image": "busybox", "securityContext": {"privileged": true}}]});
    expect(
        req(
            alice,
            "create",
            "pods",
            "shop",
            "p",
            Some(json!({"kind": "Pod", "spec": priv_c})),
        ),
        "Privileged Workload Created or Changed",
    );
    for kind in [
        "deployments",
        "daemonsets",
        "statefulsets",
        "replicasets",
        "jobs",
        "replicationcontrollers",
    ] {
        for verb in ["create", "update", "patch"] {
            expect(
                req(
                    ci,
                    verb,
                    kind,
                    "shop",
                    "w",
                    Some(pod_template(priv_c.clone())),
                ),
                "Privileged Workload Created or Changed",
            );
        }
    }
    expect(
        req(
            ci,
            "create",
            "cronjobs",
            "shop",
            "w",
            Some(json!({"spec": {"jobTemplate": {"spec": {"template": {"spec": priv_c}}}}})),
        ),
        "Privileged Workload Created or Changed",
    );
    expect(
        req(
            ci,
            "update",
            "deployments",
            "shop",
            "w",
            Some(pod_template(
                json!({"hostPID": true, "containers": [{"name": "c"}]}),
            )),
        ),
        "Host Namespace Workload Created or Changed",
    );
    expect(
        req(
            alice,
            "create",
            "pods",
            "shop",
            "p",
            Some(json!({"spec": {"hostNetwork": true, "containers": [{"name": "c"}]}})),
        ),
        "Host Namespace Workload Created or Changed",
    );
    expect(
        req(
            ci,
            "patch",
            "daemonsets",
            "shop",
            "w",
            Some(pod_template(
                json!({"volumes": [{"name": "root", "hostPath": {"path": "/"}}]}),
            )),
        ),
        "HostPath Workload Created or Changed",
    );
    expect(
        req(
            alice,
            "create",
            "pods",
            "shop",
            "p",
            Some(
                json!({"spec": {"containers": [{"name": "c", "securityContext": {"capabilities": {"add": ["NET_RAW", "SYS_ADMIN"]}}}]}}),
            ),
        ),
        "Dangerous Capability Added to Workload",
    );
    expect(
        req(
            ci,
            "update",
            "statefulsets",
            "shop",
            "w",
            Some(pod_template(
                json!({"containers": [{"name": "c", "securityContext": {"capabilities": {"add": ["SYS_PTRACE"]}}}]}),
            )),
        ),
        "Dangerous Capability Added to Workload",
    );
    // A person creating a workload in kube-system.
    expect(
        req(
            alice,
            "create",
            "deployments",
            "kube-system",
            "helper",
            Some(pod_template(json!({"containers": [{"name": "c"}]}))),
        ),
        "Workload Created in kube-system by a Person",
    );
    // NodePort / LoadBalancer Services.
    expect(
        req(
            alice,
            "create",
            "services",
            "shop",
            "db",
            Some(json!({"spec": {"type": "NodePort", "ports": [{"port": 5432}]}})),
        ),
        "Service Exposed Through NodePort or LoadBalancer",
    );
    expect(
        req(
            ci,
            "create",
            "services",
            "shop",
            "web",
            Some(json!({"spec": {"type": "LoadBalancer", "ports": [{"port": 443}]}})),
        ),
        "Service Exposed Through NodePort or LoadBalancer",
    );
    expect(
        req(
            alice,
            "patch",
            "services",
            "shop",
            "db",
            Some(json!({"spec": {"type": "NodePort"}})),
        ),
        "Service Exposed Through NodePort or LoadBalancer",
    );
    // Ingress without TLS (and not with it).
    expect(
        req(
            ci,
            "create",
            "ingresses",
            "shop",
            "web",
            Some(json!({"spec": {"rules": [{"host": "shop.example.com"}]}})),
        ),
        "Ingress Without TLS",
    );
    let tls = fired(req(
        ci,
        "create",
        "ingresses",
        "shop",
        "web",
        Some(
            json!({"spec": {"tls": [{"hosts": ["shop.example.com"], "secretName": "c"}], "rules": [{"host": "shop.example.com"}]}}),
        ),
    ));
    assert!(!tls.contains(&"Ingress Without TLS".to_string()), "{tls:?}");
    // An Ingress logged at Metadata (no body): nothing to judge.
    let meta = fired(req(ci, "create", "ingresses", "shop", "web", None));
    assert!(
        !meta.contains(&"Ingress Without TLS".to_string()),
        "{meta:?}"
    );
    // New DaemonSets and CronJobs.
    expect(
        req(
            ci,
            "create",
            "daemonsets",
            "shop",
            "agent",
            Some(pod_template(json!({"containers": [{"name": "c"}]}))),
        ),
        "DaemonSet Created",
    );
    expect(
        req(
            ci,
            "create",
            "cronjobs",
            "shop",
            "nightly",
            Some(json!({"spec": {"schedule": "0 1 * * *"}})),
        ),
        "CronJob Created",
    );
    // Secrets read by people; credentials in ConfigMaps.
    expect(
        req(alice, "get", "secrets", "shop", "db", None),
        "Secret Read by a Person",
    );
    expect(
        req(
            alice,
            "create",
            "configmaps",
            "shop",
            "cfg",
            Some(json!({"data": {"DB_PASSWORD": "x"}})),
        ),
        "Credentials Stored in a ConfigMap",
    );
}

#[test]
fn a_benign_stream_raises_nothing() {
    let plain = pod_template(
        json!({"containers": [{"name": "web", "image": "registry.example.com/web:1.2", "securityContext": {"allowPrivilegeEscalation": false, "runAsNonRoot": true}}]}),
    );
    let mut heartbeat = req(
        "system:node:worker-1",
        "update",
        "leases",
        "kube-node-lease",
        "worker-1",
        Some(json!({"spec": {"holderIdentity": "worker-1"}})),
    );
    heartbeat["objectRef"]["apiGroup"] = json!("coordination.k8s.io");
    let mut get = req("alice@example.com", "get", "pods", "shop", "web-1", None);
    get["requestURI"] = json!("/api/v1/namespaces/shop/pods/web-1");
    let mut health = req("system:anonymous", "get", "", "", "", None);
    health["objectRef"] = Value::Null;
    health["requestURI"] = json!("/healthz");
    let kcm = "system:kube-controller-manager";
    let events = [
        // Controllers doing their work.
        req(
            "system:serviceaccount:kube-system:deployment-controller",
            "update",
            "replicasets",
            "shop",
            "web-7d9",
            Some(plain.clone()),
        ),
        req(
            "system:serviceaccount:kube-system:replicaset-controller",
            "create",
            "pods",
            "shop",
            "web-7d9-x",
            Some(json!({"spec": {"containers": [{"name": "web"}]}})),
        ),
        req(
            "system:serviceaccount:kube-system:daemon-set-controller",
            "create",
            "pods",
            "kube-system",
            "kube-proxy-x",
            Some(
                json!({"spec": {"hostNetwork": true, "containers": [{"name": "kube-proxy", "securityContext": {"privileged": true}}], "volumes": [{"name": "m", "hostPath": {"path": "/lib/modules"}}]}}),
            ),
        ),
        req(
            kcm,
            "get",
            "secrets",
            "kube-system",
            "bootstrap-token-abcdef",
            None,
        ),
        req(
            kcm,
            "update",
            "certificatesigningrequests/approval",
            "",
            "csr-x",
            None,
        ),
        req(
            "system:node:worker-1",
            "create",
            "certificatesigningrequests",
            "",
            "csr-x",
            None,
        ),
        req(
            "system:node:worker-1",
            "create",
            "serviceaccounts/token",
            "shop",
            "default",
            None,
        ),
        req(
            "system:node:worker-1",
            "create",
            "pods",
            "kube-system",
            "kube-apiserver-worker-1",
            Some(
                json!({"spec": {"hostNetwork": true, "containers": [{"name": "a", "securityContext": {"privileged": true}}]}}),
            ),
        ),
        req(
            "system:apiserver",
            "update",
            "clusterroles",
            "",
            "cluster-admin",
            Some(role(
                json!([{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]),
            )),
        ),
        req(
            "system:apiserver",
            "create",
            "clusterrolebindings",
            "",
            "cluster-admin",
            Some(binding("cluster-admin")),
        ),
        req(
            "system:serviceaccount:kube-system:clusterrole-aggregation-controller",
            "patch",
            "clusterroles",
            "",
            "admin",
            Some(role(
                json!([{"apiGroups": [""], "resources": ["pods/exec", "secrets"], "verbs": ["create", "delete"]}]),
            )),
        ),
        req(
            "system:kube-scheduler",
            "create",
            "pods/binding",
            "shop",
            "web-7d9-x",
            None,
        ),
        // Node heartbeats and leases.
        heartbeat,
        req(
            "system:node:worker-1",
            "patch",
            "nodes/status",
            "",
            "worker-1",
            None,
        ),
        // Reads by people and service accounts.
        get,
        req("alice@example.com", "list", "deployments", "shop", "", None),
        req(
            "system:serviceaccount:shop:app",
            "get",
            "configmaps",
            "shop",
            "settings",
            None,
        ),
        req(
            "system:serviceaccount:shop:app",
            "get",
            "secrets",
            "shop",
            "db",
            None,
        ),
        health,
        // A CI service account applying an ordinary Deployment and Service.
        req(
            "system:serviceaccount:ci:deployer",
            "patch",
            "deployments",
            "shop",
            "web",
            Some(plain.clone()),
        ),
        req(
            "system:serviceaccount:ci:deployer",
            "create",
            "deployments",
            "shop",
            "web",
            Some(plain),
        ),
        req(
            "system:serviceaccount:ci:deployer",
            "create",
            "services",
            "shop",
            "web",
            Some(json!({"spec": {"type": "ClusterIP", "ports": [{"port": 80}]}})),
        ),
        req(
            "system:serviceaccount:ci:deployer",
            "create",
            "configmaps",
            "shop",
            "settings",
            Some(json!({"data": {"LOG_LEVEL": "info"}})),
        ),
        // …and re-applying its LoadBalancer Service.
        req(
            "system:serviceaccount:ci:deployer",
            "patch",
            "services",
            "shop",
            "web",
            Some(json!({"spec": {"type": "LoadBalancer", "ports": [{"port": 443}]}})),
        ),
    ];
    for e in events {
        let got = fired(e.clone());
        assert!(got.is_empty(), "{got:?} for {e}");
    }
}

#[test]
fn rule_matching_first_stays_available() {
    let r = compile(&default_rule_files());
    let e = AuditEvent::from_json(req(
        "alice@example.com",
        "patch",
        "deployments",
        "shop",
        "web",
        Some(pod_template(
            json!({"hostPID": true, "containers": [{"name": "c", "securityContext": {"privileged": true}}]}),
        )),
    ));
    let mut s = Scratch::new();
    assert!(
        r.evaluate(
            &e,
            Matching::All,
            &mut s,
            &mut palisade_falco::Windows::new()
        )
        .len()
            >= 2
    );
    assert_eq!(
        r.evaluate(
            &e,
            Matching::First,
            &mut s,
            &mut palisade_falco::Windows::new()
        )
        .len(),
        1
    );
}

/// Events at one second apart through one window state: the alerts'
/// rules, in order.
fn over_time(r: &palisade_falco::RuleSet, events: Vec<Value>) -> Vec<(usize, String)> {
    let mut w = palisade_falco::Windows::new();
    let mut out = Vec::new();
    for (i, mut e) in events.into_iter().enumerate() {
        e["stageTimestamp"] = json!(format!("2026-11-29T08:{:02}:{:02}Z", i / 60, i % 60));
        let ev = AuditEvent::from_json(e);
        let mut s = Scratch::new();
        for a in r.evaluate(&ev, Matching::All, &mut s, &mut w) {
            out.push((i, a.rule));
        }
    }
    out
}

fn refused(user: &str, resource: &str) -> Value {
    let mut e = req(user, "list", resource, "shop", "", None);
    e["responseStatus"] = json!({"code": 403});
    e
}

#[test]
fn bursts_of_refused_requests_alert_once_per_window() {
    let r = compile(&default_rule_files());
    // nineteen refusals in a minute: a program missing a permission
    let quiet: Vec<Value> = (0..19).map(|_| refused("bob", "secrets")).collect();
    assert!(over_time(&r, quiet).is_empty());
    // forty in forty seconds: probing; one alert, at the twentieth
    let burst: Vec<Value> = (0..40)
        .map(|i| {
            refused(
                "system:serviceaccount:shop:web",
                ["secrets", "pods", "nodes", "roles"][i % 4],
            )
        })
        .collect();
    let got = over_time(&r, burst);
    assert_eq!(got, vec![(19, "Forbidden Requests Burst".to_string())]);
    // the control plane's refusals never count
    let system: Vec<Value> = (0..40)
        .map(|_| refused("system:kube-scheduler", "pods"))
        .collect();
    assert!(over_time(&r, system).is_empty());
}

#[test]
fn secrets_read_across_namespaces_alert_on_the_fifth() {
    let r = compile(&default_rule_files());
    let read = |user: &str, ns: &str| req(user, "list", "secrets", ns, "", None);
    // one namespace read over and over: not bulk access
    let same: Vec<Value> = (0..30)
        .map(|_| read("system:serviceaccount:ci:deployer", "shop"))
        .collect();
    assert!(over_time(&r, same).is_empty());
    // Helm's release lookups in many namespaces: left out
    let helm: Vec<Value> = (0..8)
        .map(|i| {
            let mut e = read("system:serviceaccount:ci:deployer", &format!("app-{i}"));
            e["requestURI"] = json!(format!(
                "/api/v1/namespaces/app-{i}/secrets?labelSelector=name%3Dweb%2Cowner%3Dhelm"
            ));
            e
        })
        .collect();
    assert!(over_time(&r, helm).is_empty());
    // an operator fetching the Secret it manages, by name, namespace after
    // namespace: not a list
    let by_name: Vec<Value> = (0..8)
        .map(|i| {
            req(
                "system:serviceaccount:cert-manager:cert-manager",
                "get",
                "secrets",
                &format!("app-{i}"),
                "web-tls",
                None,
            )
        })
        .collect();
    assert!(over_time(&r, by_name).is_empty());
    let bulk: Vec<Value> = (0..8)
        .map(|i| read("system:serviceaccount:shop:web", &format!("ns-{i}")))
        .collect();
    let got: Vec<(usize, String)> = over_time(&r, bulk)
        .into_iter()
        .filter(|(_, rule)| rule == "Secrets Read Across Many Namespaces")
        .collect();
    assert_eq!(
        got,
        vec![(4, "Secrets Read Across Many Namespaces".to_string())]
    );
}

#[test]
fn failed_authentications_from_one_address_alert() {
    let r = compile(&default_rule_files());
    let failed = |ip: &str| {
        json!({
            "kind": "Event", "auditID": "x", "stage": "ResponseStarted", "verb": "list",
            "user": {}, "sourceIPs": [ip], "userAgent": "curl/8.5.0",
            "requestURI": "/api/v1/secrets", "responseStatus": {"code": 401}
        })
    };
    let spread: Vec<Value> = (0..30)
        .map(|i| failed(&format!("198.51.100.{i}")))
        .collect();
    assert!(over_time(&r, spread).is_empty());
    let one: Vec<Value> = (0..12).map(|_| failed("203.0.113.7")).collect();
    assert_eq!(
        over_time(&r, one),
        vec![(9, "Failed Authentication Burst".to_string())]
    );
}

#[test]
fn local_knowledge_turns_its_rules_on() {
    use palisade_falco::knowledge::{Knowledge, Known, compile_with, parse_cidr};
    let sa_outside = {
        let mut e = req(
            "system:serviceaccount:shop:web",
            "list",
            "secrets",
            "shop",
            "",
            None,
        );
        e["sourceIPs"] = json!(["203.0.113.7", "10.0.0.12"]);
        e
    };
    let sa_inside = {
        let mut e = req(
            "system:serviceaccount:shop:web",
            "list",
            "pods",
            "shop",
            "",
            None,
        );
        e["sourceIPs"] = json!(["10.1.2.3"]);
        e
    };
    let stranger = req("eve", "get", "pods", "shop", "web-1", None);
    let bound = req("alice@example.com", "get", "pods", "shop", "web-1", None);
    let mut grouped = req("bob", "get", "pods", "shop", "web-1", None);
    grouped["user"]["groups"] = json!(["ops", "system:authenticated"]);
    let events = || {
        vec![
            sa_outside.clone(),
            sa_outside.clone(),
            sa_inside.clone(),
            stranger.clone(),
            stranger.clone(),
            bound.clone(),
            grouped.clone(),
        ]
    };
    // without the knowledge both rules stay off
    let plain = compile(&default_rule_files());
    let got = over_time(&plain, events());
    assert!(
        got.iter().all(
            |(_, r)| r != "Service Account or System Identity Used From Outside"
                && r != "Request by an Identity No Binding Names"
        ),
        "{got:?}"
    );
    let k = Knowledge {
        internal_networks: vec![parse_cidr("10.0.0.0/8").unwrap()],
        known: Some(Known {
            users: vec![
                "alice@example.com".into(),
                "system:serviceaccount:shop:web".into(),
            ],
            groups: vec!["ops".into(), "system:authenticated".into()],
            source: "test".into(),
        }),
    };
    let r = compile_with(&default_rule_files(), &k);
    assert!(r.diags.is_empty(), "{:?}", r.diags);
    let got: Vec<(usize, String)> = over_time(&r, events())
        .into_iter()
        .filter(|(_, r)| {
            r == "Service Account or System Identity Used From Outside"
                || r == "Request by an Identity No Binding Names"
        })
        .collect();
    // once per identity and address in the window; system:authenticated,
    // which every user carries, does not make eve known
    assert_eq!(
        got,
        vec![
            (
                0,
                "Service Account or System Identity Used From Outside".to_string()
            ),
            (3, "Request by an Identity No Binding Names".to_string()),
        ]
    );
}

#[test]
fn window_settings_out_of_range_are_errors_on_their_line() {
    let bad = r#"
- rule: Probe
  desc: d
  condition: ka.response.code = 403
  output: o
  priority: WARNING
  source: k8s_audit
  window:
    by: [ka.user.name]
    count: 0
    within: 60s
- rule: Probe2
  desc: d
  condition: ka.response.code = 403
  output: o
  priority: WARNING
  source: k8s_audit
  window:
    by: [ka.user.name]
    count: 5
    within: 3d
- rule: Probe3
  desc: d
  condition: ka.response.code = 403
  output: o
  priority: WARNING
  source: k8s_audit
  window:
    by: [ka.no.such.field]
    count: 5
    within: 1m
"#;
    let r = compile(&[("mine.yaml".to_string(), bad.to_string())]);
    let msgs: Vec<String> = r.diags.iter().map(|d| d.to_string()).collect();
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("mine.yaml:10: error: rule 'Probe': window: count must be")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("mine.yaml:21: error: rule 'Probe2': window: within must be")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.contains("mine.yaml:28") && m.contains("unknown field 'ka.no.such.field'")),
        "{msgs:?}"
    );
    // a threshold is changed with override
    let tuned = r#"
- rule: Forbidden Requests Burst
  window: {by: [ka.user.name], count: 3, within: 60s}
  override: {window: replace}
"#;
    let mut files = default_rule_files();
    files.push(("tuned.yaml".into(), tuned.into()));
    let r = compile(&files);
    assert!(r.diags.is_empty(), "{:?}", r.diags);
    let got = over_time(&r, (0..3).map(|_| refused("bob", "secrets")).collect());
    assert_eq!(got, vec![(2, "Forbidden Requests Burst".to_string())]);
}
