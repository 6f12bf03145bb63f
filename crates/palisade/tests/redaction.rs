//! Secret values never leave palisade. Values are planted where secrets
//! live in manifests (a Secret's `data` and `stringData`, its
//! last-applied copy, a credential env value, a `--token=` argument) and in
//! an audit event, then every command that reads them runs in every output
//! format; no output — stdout, stderr, or a file it writes — may contain a
//! planted value, nor its base64 or URL-encoded form.

use assert_cmd::Command;
use base64::Engine;
use std::path::Path;

/// Values that look like credentials (mixed classes, no dictionary word).
const PLANTED: [&str; 5] = [
    "Zq8kP2vL9wX4mTr7",
    "Hb3Nf6Yc1Qs5Dg8J",
    "Wm2Ex7Ka4Up9Ri6T",
    "Gv5Oz1Lc8Bn3Hy2Q",
    "Ts9Fd4Jw6Mq1Xe7P",
];

fn manifests(dir: &Path) {
    let [v0, v1, v2, v3, v4] = PLANTED;
    let b64 = base64::engine::general_purpose::STANDARD.encode(v1);
    let last_applied = format!(
        r#"{{"apiVersion":"v1","kind":"Secret","metadata":{{"name":"db","namespace":"shop"}},"stringData":{{"password":"{v2}"}}}}"#
    );
    std::fs::write(
        dir.join("app.yaml"),
        format!(
            r#"apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: shop
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{last_applied}'
type: Opaque
stringData:
  password: {v0}
data:
  token: {b64}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels: {{app: api}}
  template:
    metadata:
      labels: {{app: api}}
    spec:
      containers:
      - name: api
        image: registry.example/api:1.0
        args: ["--listen=:8080", "--token={v4}"]
        env:
        - name: DB_PASSWORD
          value: {v3}
        ports:
        - containerPort: 8080
"#
        ),
    )
    .unwrap();
}

fn audit_log(dir: &Path) {
    let [v0, ..] = PLANTED;
    let event = serde_json::json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "RequestResponse",
        "auditID": "a1", "stage": "ResponseComplete", "verb": "create",
        "requestURI": "/api/v1/namespaces/shop/secrets",
        "user": {"username": "alice", "groups": ["system:authenticated"]},
        "sourceIPs": ["10.0.0.1"], "userAgent": "kubectl/v1.31",
        "objectRef": {"resource": "secrets", "namespace": "shop", "name": "db", "apiVersion": "v1"},
        "responseStatus": {"code": 201},
        "requestObject": {"kind": "Secret", "apiVersion": "v1",
            "metadata": {"name": "db", "namespace": "shop"},
            "stringData": {"password": v0}},
        "requestReceivedTimestamp": "2026-12-01T10:00:00.000000Z",
        "stageTimestamp": "2026-12-01T10:00:00.100000Z"
    });
    std::fs::write(dir.join("audit.log"), format!("{event}\n")).unwrap();
}

/// Every form of every planted value that must not appear.
fn forbidden() -> Vec<String> {
    let mut out = Vec::new();
    for v in PLANTED {
        out.push(v.to_string());
        out.push(base64::engine::general_purpose::STANDARD.encode(v));
        out.push(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v));
        // URL encoding changes nothing in these values; a prefix of the
        // value (what a mask could reveal) must not show either
        out.push(v[..8].to_string());
    }
    out
}

fn leaks(text: &str) -> Vec<String> {
    forbidden()
        .into_iter()
        .filter(|f| text.contains(f.as_str()))
        .collect()
}

#[test]
fn no_output_of_any_command_contains_a_planted_secret() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    manifests(d);
    audit_log(d);
    let app = d.join("app.yaml").display().to_string();
    let log = d.join("audit.log").display().to_string();
    let out = |name: &str| d.join("out").join(name).display().to_string();
    std::fs::create_dir(d.join("out")).unwrap();
    let runs: Vec<Vec<String>> = [
        vec!["scan", &app],
        vec!["scan", &app, "-f", "json"],
        vec!["scan", &app, "-f", "sarif"],
        vec!["scan", &app, "-f", "markdown"],
        vec!["scan", &app, "--compact"],
        vec!["scan", &app, "--group", "object"],
        vec!["secrets", &app],
        vec!["secrets", &app, "-f", "json"],
        vec!["secrets", &app, "-f", "sarif"],
        vec!["fix", &app, "--diff", "--unsafe"],
        vec!["report", &app, "-o", &out("report.html")],
        vec![
            "report",
            &app,
            "--format",
            "markdown",
            "-o",
            &out("report.md"),
        ],
        vec!["inventory", &app],
        vec!["inventory", &app, "-f", "json"],
        vec!["inventory", &app, "-f", "csv"],
        vec!["inventory", &app, "-f", "markdown"],
        vec!["inventory", &app, "-f", "cyclonedx"],
        vec!["threat-model", &app],
        vec!["threat-model", &app, "-f", "json"],
        vec![
            "threat-model",
            &app,
            "-f",
            "html",
            "-o",
            &out("threat.html"),
        ],
        vec!["pss", &app, "--level", "restricted"],
        vec!["pss", &app, "--level", "restricted", "-f", "json"],
        vec!["rbac", "risks", &app, "-f", "json"],
        vec!["netpol", "matrix", &app],
        vec!["generate", "netpol", &app],
        vec!["generate", "quotas", &app],
        vec!["monitor", "rules", &app],
        vec!["monitor", "metrics", &app],
        vec!["audit", "analyze", &log],
        vec!["audit", "analyze", &log, "-f", "json"],
    ]
    .into_iter()
    .map(|r| r.into_iter().map(str::to_string).collect())
    .collect();
    let mut problems = Vec::new();
    for args in &runs {
        let o = Command::new(env!("CARGO_BIN_EXE_palisade"))
            .args(args)
            .current_dir(d)
            .output()
            .unwrap();
        assert!(
            o.status.code().is_some_and(|c| c <= 2),
            "palisade {} crashed: {}",
            args.join(" "),
            String::from_utf8_lossy(&o.stderr)
        );
        for (stream, bytes) in [("stdout", &o.stdout), ("stderr", &o.stderr)] {
            let found = leaks(&String::from_utf8_lossy(bytes));
            if !found.is_empty() {
                problems.push(format!("palisade {} ({stream}): {found:?}", args.join(" ")));
            }
        }
    }
    for f in std::fs::read_dir(d.join("out")).unwrap() {
        let p = f.unwrap().path();
        let found = leaks(&std::fs::read_to_string(&p).unwrap());
        if !found.is_empty() {
            problems.push(format!("{}: {found:?}", p.display()));
        }
    }
    // the manifests themselves still hold the values (fix --diff wrote nothing)
    assert!(std::fs::read_to_string(&app).unwrap().contains(PLANTED[0]));
    assert!(
        problems.is_empty(),
        "secret values in outputs:\n{}",
        problems.join("\n")
    );
}
