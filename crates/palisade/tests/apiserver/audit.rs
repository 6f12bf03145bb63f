//! The API server's audit webhook backend sending to `palisade audit
//! serve`, set up with what `palisade audit install` writes (the test bed
//! starts the API server with its flags, webhook kubeconfig and policy).

use super::bed::{self, Bed, palisade};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};

fn port() -> u16 {
    std::env::var("PALISADE_TESTBED_AUDIT_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(18444)
}

fn sink(b: &Bed, db: &Path) -> bed::Server {
    let a = b.dir.join("audit");
    let addr = format!("127.0.0.1:{}", port());
    let (cert, key, token) = (
        a.join("sink-tls.crt"),
        a.join("sink-tls.key"),
        a.join("sink-token"),
    );
    bed::serve(
        [
            "audit".into(),
            "serve".into(),
            "--store-events".into(),
            "--addr".into(),
            addr.clone().into(),
            "--db".into(),
            db.as_os_str().to_owned(),
            "--tls-cert".into(),
            cert.as_os_str().to_owned(),
            "--tls-key".into(),
            key.as_os_str().to_owned(),
            "--token-file".into(),
            token.as_os_str().to_owned(),
        ] as [std::ffi::OsString; 13],
        port(),
    )
}

fn alerts(db: &Path) -> Vec<Value> {
    let out = palisade()
        .args(["audit", "alerts", "--format", "json", "--db"])
        .arg(db)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .flat_map(|l| match serde_json::from_str::<Value>(l).unwrap() {
            Value::Array(a) => a,
            v => vec![v],
        })
        .collect()
}

fn stored_events(db: &Path) -> Vec<(String, String)> {
    let c = rusqlite::Connection::open(db).unwrap();
    let mut st = c.prepare("SELECT audit_id, stage FROM events").unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// The API server's own audit log (its log backend) from byte `from` on:
/// events of `user` in namespace `ns`, `(auditID, stage)`.
fn logged(b: &Bed, from: usize, user: &str, ns: &str) -> BTreeSet<(String, String)> {
    let text = std::fs::read(b.dir.join("audit/audit.log")).unwrap();
    String::from_utf8_lossy(&text[from.min(text.len())..])
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| e["user"]["username"] == user && e["objectRef"]["namespace"] == ns)
        .map(|e| {
            (
                e["auditID"].as_str().unwrap().to_string(),
                e["stage"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// `rule → set of "user verb resource/name"` of the alerts about `ns`
/// (or cluster-scoped objects named `audit-demo*`).
fn by_rule(alerts: &[Value]) -> BTreeMap<String, BTreeSet<String>> {
    let mut m: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for a in alerts {
        let o = &a["event"]["objectRef"];
        let ns = o["namespace"].as_str().unwrap_or("");
        let name = o["name"].as_str().unwrap_or("");
        if ns != "audit-demo" && !name.starts_with("audit-demo") {
            continue;
        }
        let mut res = o["resource"].as_str().unwrap_or("").to_string();
        if let Some(s) = o["subresource"].as_str() {
            res = format!("{res}/{s}");
        }
        m.entry(a["rule"].as_str().unwrap().to_string())
            .or_default()
            .insert(format!(
                "{} {} {res}/{name}",
                a["event"]["user"].as_str().unwrap_or(""),
                a["event"]["verb"].as_str().unwrap_or("")
            ));
    }
    m
}

const PRIVILEGED: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: root-shell, namespace: audit-demo}
spec:
  containers:
  - name: shell
    image: busybox:1.36
    securityContext: {privileged: true}
"#;

const ALICE_READS_SECRETS: &str = r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: secret-reader, namespace: audit-demo}
rules:
- apiGroups: [""]
  resources: [secrets]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: alice-reads-secrets, namespace: audit-demo}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: secret-reader}
subjects:
- {kind: User, apiGroup: rbac.authorization.k8s.io, name: alice}
"#;

/// `(rule, ["user verb resource/name", …])`: the scenarios' alerts with the
/// default rules (palisade's pack). The five common ones are there
/// (privileged pod, binding to cluster-admin, a person reading a Secret, a
/// Role with `*`, exec — the latter twice: kubectl tries the WebSocket GET,
/// then the SPDY POST) and nothing else: the pack has no activity rules and
/// no allow-list rules, and the controllers' own writes (the namespace's
/// root CA ConfigMap, its default ServiceAccount) raise nothing.
const EXPECTED: &[(&str, &[&str])] = &[
    (
        "Binding to cluster-admin Created or Changed",
        &["palisade-admin create clusterrolebindings/audit-demo-admin"],
    ),
    (
        "Exec or Attach Into Pod",
        &[
            "palisade-admin create pods/exec/root-shell",
            "palisade-admin get pods/exec/root-shell",
        ],
    ),
    (
        "Privileged Workload Created or Changed",
        &["palisade-admin create pods/root-shell"],
    ),
    (
        "Role With Wildcard Created or Changed",
        &["palisade-admin create roles/audit-demo-everything"],
    ),
    ("Secret Read by a Person", &["alice get secrets/db"]),
];

#[test]
fn the_api_server_sends_its_audit_events_to_the_sink() {
    let Some(b) = bed::bed() else { return };
    let _g = bed::lock();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("audit.db");
    let _clean = b.cleanup(&["audit-demo"], &["clusterrolebinding/audit-demo-admin"]);
    // what the API server logs from now on (earlier runs used the same names)
    let log_start =
        std::fs::metadata(b.dir.join("audit/audit.log")).map_or(0, |m| m.len() as usize);
    let mut s = sink(b, &db);
    let alice = b.dir.join("alice.kubeconfig");

    b.ok(&["create", "namespace", "audit-demo"]);
    b.apply(ALICE_READS_SECRETS);
    b.ok(&[
        "-n",
        "audit-demo",
        "create",
        "secret",
        "generic",
        "db",
        "--from-literal=password=not-a-real-one",
    ]);
    // the common scenarios
    let out = b.kubectl_as(&b.admin, &["create", "-f", "-"], Some(PRIVILEGED));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    b.ok(&[
        "create",
        "clusterrolebinding",
        "audit-demo-admin",
        "--clusterrole=cluster-admin",
        "--user=mallory",
    ]);
    let out = b.kubectl_as(
        &alice,
        &["-n", "audit-demo", "get", "secret", "db", "-o", "name"],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    b.ok(&[
        "-n",
        "audit-demo",
        "create",
        "role",
        "audit-demo-everything",
        "--verb=*",
        "--resource=*",
    ]);
    // no kubelet: the exec fails after the API server has audited it
    let out = b.kubectl(&["-n", "audit-demo", "exec", "root-shell", "--", "id"]);
    assert!(!out.status.success());

    // Every alert about the scenarios' objects, as the default rules give
    // them (palisade's pack, every matching rule).
    let expected: BTreeMap<String, BTreeSet<String>> = EXPECTED
        .iter()
        .map(|(rule, alerts)| {
            (
                rule.to_string(),
                alerts.iter().map(|a| a.to_string()).collect(),
            )
        })
        .collect();
    let mut got = BTreeMap::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        got = by_rule(&alerts(&db));
        if got == expected {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    assert_eq!(got, expected, "the alerts the sink stored");
    eprintln!(
        "audit: {} alerts of {} rules stored by the sink for the common scenarios",
        got.values().map(BTreeSet::len).sum::<usize>(),
        got.len()
    );

    // Stop the sink, keep acting, start it again: what the API server
    // retried is stored, once.
    drop(s);
    for i in 0..5 {
        b.ok(&[
            "-n",
            "audit-demo",
            "create",
            "configmap",
            &format!("while-down-{i}"),
            "--from-literal=k=v",
        ]);
    }
    std::thread::sleep(Duration::from_secs(2));
    s = sink(b, &db);
    let want = logged(b, log_start, "palisade-admin", "audit-demo");
    let mut missing = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let stored: BTreeSet<(String, String)> = stored_events(&db).into_iter().collect();
        missing = want.difference(&stored).cloned().collect();
        if missing.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    assert!(
        missing.is_empty(),
        "{} of {} events never stored: {missing:?}",
        missing.len(),
        want.len()
    );
    // the Secret's value, plain or base64, is nowhere in what the sink stored
    let c = rusqlite::Connection::open(&db).unwrap();
    let mut st = c.prepare("SELECT event FROM events").unwrap();
    let bodies: Vec<String> = st
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(
        bodies.iter().any(|b| b.contains("\"secrets\"")),
        "Secret events are stored"
    );
    for b in &bodies {
        assert!(
            !b.contains("not-a-real-one") && !b.contains("bm90LWEtcmVhbC1vbmU="),
            "{b}"
        );
    }
    let events = stored_events(&db);
    let unique: BTreeSet<&(String, String)> = events.iter().collect();
    assert_eq!(unique.len(), events.len(), "no event stored twice");
    eprintln!(
        "audit: {} events of the test stored once each across a sink restart",
        want.len()
    );
    drop(s);

    // the flags the API server actually runs with, the policy it loaded
    let out = palisade()
        .args(["audit", "check-apiserver", "--format", "json"])
        .arg(b.dir.join("kube-apiserver.yaml"))
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = palisade()
        .args(["audit", "policy", "lint", "--rules", "default"])
        .arg(b.dir.join("audit/audit-policy.yaml"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn known_identities_come_from_the_clusters_bindings() {
    let Some(b) = bed::bed() else { return };
    let _g = bed::lock();
    let _clean = b.cleanup(&["audit-known"], &[]);
    b.ok(&["create", "namespace", "audit-known"]);
    b.ok(&[
        "-n",
        "audit-known",
        "create",
        "rolebinding",
        "known-person-view",
        "--clusterrole=view",
        "--user=known-person",
    ]);
    let event = |id: &str, user: &str| {
        serde_json::json!({
            "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata",
            "auditID": id, "stage": "ResponseComplete", "verb": "list",
            "user": {"username": user, "groups": ["system:authenticated"]},
            "sourceIPs": ["10.0.0.5"], "requestURI": "/api/v1/namespaces/audit-known/pods",
            "objectRef": {"resource": "pods", "namespace": "audit-known", "apiVersion": "v1"},
            "responseStatus": {"code": 200},
            "stageTimestamp": "2026-11-29T08:00:00Z"
        })
        .to_string()
    };
    let log = format!(
        "{}\n{}\n",
        event("k1", "known-person"),
        event("k2", "stranger")
    );
    let out = palisade()
        .args([
            "audit",
            "analyze",
            "-",
            "--format",
            "json",
            "--fail-on",
            "none",
        ])
        .arg("--known-from-cluster")
        .arg("--kubeconfig")
        .arg(&b.admin)
        .write_stdin(log)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("in the cluster are known"), "{err}");
    let alerts: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let got: Vec<(&str, &str)> = alerts
        .iter()
        .map(|a| {
            (
                a["event"]["auditID"].as_str().unwrap(),
                a["rule"].as_str().unwrap(),
            )
        })
        .collect();
    // the bootstrap bindings are there too: system:masters, the
    // controllers' service accounts… and the one this test made
    assert_eq!(got, [("k2", "Request by an Identity No Binding Names")]);
}
