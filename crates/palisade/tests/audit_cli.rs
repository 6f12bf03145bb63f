//! `palisade audit policy explain|lint` and `audit check-apiserver`.

use assert_cmd::Command;
use serde_json::Value;
use std::path::PathBuf;

fn palisade() -> Command {
    let mut c = Command::cargo_bin("palisade").unwrap();
    c.current_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.."));
    c
}

#[test]
fn explain_gives_level_stages_and_rule() {
    let out = palisade()
        .args([
            "audit",
            "policy",
            "explain",
            "examples/audit/sysdig-policy.yaml",
            "--user",
            "alice",
        ])
        .args([
            "--verb",
            "update",
            "--resource",
            "configmaps",
            "-n",
            "kube-system",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["level"], "Request");
    assert_eq!(v["rule"], 1);
    assert_eq!(v["line"], 15);
    assert_eq!(v["omitStages"], serde_json::json!(["RequestReceived"]));
    let out = palisade()
        .args([
            "audit",
            "policy",
            "explain",
            "examples/audit/bad-policy.yaml",
            "--user",
            "system:kubelet",
        ])
        .args(["--verb", "get", "--non-resource-url", "/healthz/ready"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("level: None") && text.contains("rules[0]"),
        "{text}"
    );
}

#[test]
fn lint_exits_1_on_high_findings_and_points_at_lines() {
    let out = palisade()
        .args([
            "audit",
            "policy",
            "lint",
            "examples/audit/bad-policy.yaml",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let found: Vec<(String, u64)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(
        found.contains(&("audit-rule-shadowed".into(), 30)),
        "{found:?}"
    );
    assert!(
        found.contains(&("audit-no-catch-all".into(), 35)),
        "{found:?}"
    );
    // this policy has only a medium finding
    palisade()
        .args([
            "audit",
            "policy",
            "lint",
            "examples/audit/sysdig-policy.yaml",
        ])
        .assert()
        .success();
    // a file that is not a policy is an input error with its line
    let out = palisade()
        .args(["audit", "policy", "lint", "examples/demo/namespaces.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an audit Policy"));
}

#[test]
fn check_apiserver_reports_retention_and_blocking_webhook() {
    let out = palisade()
        .args([
            "audit",
            "check-apiserver",
            "examples/audit/kube-apiserver.yaml",
            "--fail-on",
            "medium",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("kube-apiserver.yaml:18") && text.contains("audit-log-maxage=30"),
        "{text}"
    );
    assert!(text.contains("apiserver-audit-webhook-blocking"), "{text}");
}

#[test]
fn generate_writes_a_policy_that_lints_clean() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("policy.yaml");
    palisade()
        .args(["audit", "policy", "generate", "-o"])
        .arg(&f)
        .assert()
        .success();
    let out = palisade()
        .args(["audit", "policy", "lint", "--fail-on", "low"])
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 finding(s)"));
}

#[test]
fn analyze_prints_json_alerts_and_reports_bad_lines() {
    let out = palisade()
        .args([
            "audit",
            "analyze",
            "examples/audit/audit.log",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    // A truncated line in the log: reported, the rest analysed, exit 2.
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("examples/audit/audit.log:6: truncated JSON"),
        "{err}"
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains("hunter2"), "a secret value was printed");
    let alerts: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let rules: Vec<&str> = alerts.iter().map(|a| a["rule"].as_str().unwrap()).collect();
    for want in [
        "Secret Read by a Person",
        "Privileged Workload Created or Changed",
        "Exec or Attach Into Pod",
        "Binding to cluster-admin Created or Changed",
        "Credentials Stored in a ConfigMap",
    ] {
        assert!(rules.contains(&want), "{want} missing from {rules:?}");
    }
    // The controller's and the service account's reads raise nothing.
    assert!(
        alerts
            .iter()
            .all(|a| !a["event"]["user"].as_str().unwrap().starts_with("system:"))
    );
    let a = &alerts[0];
    for k in ["time", "rule", "priority", "output", "tags", "event"] {
        assert!(a.get(k).is_some(), "{k}");
    }
    for k in ["auditID", "user", "verb", "objectRef"] {
        assert!(a["event"].get(k).is_some(), "{k}");
    }
}

#[test]
fn analyze_with_falco_rules_files_and_first_match() {
    palisade_corpus::require!("falco-k8saudit");
    let base = palisade_corpus::corpus_path("falco-k8saudit");
    let out = palisade()
        .args([
            "audit", "analyze", "--match", "first", "--format", "json", "--rules",
        ])
        .arg(base.join("rules/k8s_audit_rules.v0.6.0.yaml"))
        .arg("--rules")
        .arg(base.join("legacy-tests/rules/k8s_audit/disallow_kactivity.yaml"))
        .arg(base.join("legacy-tests/trace_files/k8s_audit/create_configmap_sensitive_values.json"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 6);
    assert!(
        text.lines()
            .all(|l| l.contains("Create/Modify Configmap With Private Credentials"))
    );
    assert!(!text.contains("MY-KEY"), "configmap data printed");
}

#[test]
fn analyze_reports_rule_errors_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("bad.yaml");
    std::fs::write(
        &rules,
        "- rule: R\n  desc: d\n  condition: ka.verb = = get\n  output: o\n  priority: WARNING\n  source: k8s_audit\n",
    )
    .unwrap();
    let out = palisade()
        .args(["audit", "analyze", "examples/audit/audit.log", "--rules"])
        .arg(&rules)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.yaml:3: error: rule 'R': condition:"),
        "{err}"
    );
}

#[test]
fn analyze_follow_reads_appended_events() {
    use std::io::{BufRead, Write};
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.log");
    std::fs::write(&log, "").unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("palisade"))
        .args(["audit", "analyze", "--follow", "--format", "json"])
        .arg(&log)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(400));
    let line = std::fs::read_to_string("../../examples/audit/audit.log")
        .or_else(|_| {
            std::fs::read_to_string(
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/audit/audit.log"),
            )
        })
        .unwrap()
        .lines()
        .find(|l| l.contains("exec?command"))
        .unwrap()
        .to_string();
    let mut f = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    writeln!(f, "{line}").unwrap();
    drop(f);
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        let mut r = std::io::BufReader::new(stdout);
        let mut s = String::new();
        let _ = r.read_line(&mut s);
        let _ = tx.send(s);
    });
    let got = rx.recv_timeout(std::time::Duration::from_secs(20));
    let _ = child.kill();
    let _ = child.wait();
    let got = got.expect("an alert while following");
    assert!(got.contains("Exec or Attach Into Pod"), "{got}");
}

#[test]
fn lint_with_rules_reports_blind_detections() {
    let out = palisade()
        .args([
            "audit",
            "policy",
            "lint",
            "examples/audit/cis-policy.yaml",
            "--rules",
            "default",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let blind: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"] == "audit-detection-blind")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(
        blind
            .iter()
            .any(|m| m.contains("'Exec or Attach Into Pod'") && m.contains("ResponseStarted")),
        "{blind:?}"
    );
    assert!(
        blind
            .iter()
            .any(|m| m.contains("'Privileged Workload Created or Changed'")),
        "{blind:?}"
    );
    // Without --rules the coupling is not checked.
    let out = palisade()
        .args([
            "audit",
            "policy",
            "lint",
            "examples/audit/cis-policy.yaml",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains("audit-detection-blind"));
}

#[test]
fn generate_with_rules_writes_a_policy_for_them() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("r.yaml");
    std::fs::write(
        &rules,
        "- rule: NodePort\n  desc: d\n  condition: ka.target.resource=services and ka.verb=create and ka.req.service.type=NodePort\n  output: o\n  priority: WARNING\n  source: k8s_audit\n",
    )
    .unwrap();
    let policy = dir.path().join("policy.yaml");
    palisade()
        .args(["audit", "policy", "generate", "--rules"])
        .arg(&rules)
        .arg("-o")
        .arg(&policy)
        .assert()
        .success();
    let text = std::fs::read_to_string(&policy).unwrap();
    assert!(text.contains("# Bodies read by: NodePort."), "{text}");
    palisade()
        .args(["audit", "policy", "lint"])
        .arg(&policy)
        .arg("--rules")
        .arg(&rules)
        .assert()
        .success();
}

// Managed clusters' logs (EKS, GKE, AKS): the fixtures are written from the
// shapes each cloud documents; `native.jsonl` is what the API server itself
// logs for the requests in `gke-entries.json`.

const MANAGED: &str = "crates/palisade/tests/fixtures/audit-managed";

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(MANAGED)
        .join(name)
}

fn analyze_json(args: &[&str], stdin: Option<Vec<u8>>) -> (Option<i32>, Vec<Value>, String) {
    let mut c = palisade();
    c.args(["audit", "analyze", "--format", "json"]).args(args);
    if let Some(s) = stdin {
        c.write_stdin(s);
    }
    let out = c.output().unwrap();
    let alerts = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (
        out.status.code(),
        alerts,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn rules_of(alerts: &[Value]) -> Vec<String> {
    alerts
        .iter()
        .map(|a| a["rule"].as_str().unwrap().to_string())
        .collect()
}

/// The audit events an EKS or AKS fixture carries, as the API server wrote
/// them (one per line).
fn carried_events(name: &str) -> String {
    let text = std::fs::read_to_string(fixture(name)).unwrap();
    let mut out = String::new();
    let mut push = |s: &str| {
        out.push_str(s);
        out.push('\n');
    };
    match name {
        "eks-export.json" => {
            let v: Value = serde_json::from_str(&text).unwrap();
            for e in v["events"].as_array().unwrap() {
                push(e["message"].as_str().unwrap());
            }
        }
        "eks-subscription.json" => {
            for l in text.lines() {
                let v: Value = serde_json::from_str(l).unwrap();
                if v["messageType"] == "DATA_MESSAGE" {
                    for e in v["logEvents"].as_array().unwrap() {
                        push(e["message"].as_str().unwrap());
                    }
                }
            }
        }
        "aks-diagnostics.json" => {
            let v: Value = serde_json::from_str(&text).unwrap();
            for r in v["records"].as_array().unwrap() {
                push(r["properties"]["log"].as_str().unwrap());
            }
        }
        _ => unreachable!(),
    }
    out
}

#[test]
fn analyze_eks_and_aks_records_alert_as_their_events_do() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "eks-export.json",
        "eks-subscription.json",
        "aks-diagnostics.json",
    ] {
        let native = dir.path().join(format!("{name}.native.jsonl"));
        std::fs::write(&native, carried_events(name)).unwrap();
        let (code, managed, err) = analyze_json(&[&format!("{MANAGED}/{name}")], None);
        assert_eq!(code, Some(1), "{name}: {err}");
        assert!(err.is_empty(), "{name}: {err}");
        let (_, want, _) = analyze_json(&[native.to_str().unwrap()], None);
        // The same alerts, to the byte: time, rule, output, event.
        assert_eq!(managed, want, "{name}");
        let rules = rules_of(&managed);
        for r in [
            "Privileged Workload Created or Changed",
            "Exec or Attach Into Pod",
            "Secret Read by a Person",
        ] {
            assert!(
                rules.contains(&r.to_string()),
                "{name}: {r} missing from {rules:?}"
            );
        }
        // The service account's configmap read raises nothing.
        assert!(
            managed
                .iter()
                .all(|a| !a["event"]["user"].as_str().unwrap().starts_with("system:")),
            "{name}"
        );
    }
}

#[test]
fn analyze_gke_entries_alert_as_the_api_servers_events_do() {
    let key = |a: &Value| {
        let e = &a["event"];
        (
            a["time"].as_str().unwrap().to_string(),
            a["rule"].as_str().unwrap().to_string(),
            a["priority"].to_string(),
            e["auditID"].to_string(),
            e["user"].to_string(),
            e["verb"].to_string(),
            e["objectRef"].to_string(),
        )
    };
    let (code, gke, err) = analyze_json(&[&format!("{MANAGED}/gke-entries.json")], None);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.is_empty(), "{err}");
    let (_, native, _) = analyze_json(&[&format!("{MANAGED}/native.jsonl")], None);
    let mut a: Vec<_> = gke.iter().map(key).collect();
    let mut b: Vec<_> = native.iter().map(key).collect();
    a.sort();
    b.sort();
    assert_eq!(a, b);
    let rules = rules_of(&gke);
    for r in [
        "Privileged Workload Created or Changed",
        "Exec or Attach Into Pod",
        "Secret Read by a Person",
    ] {
        assert!(rules.contains(&r.to_string()), "{r} missing from {rules:?}");
    }
    // What GKE does not record: the exec's command.
    let exec = gke
        .iter()
        .find(|a| a["rule"] == "Exec or Attach Into Pod")
        .unwrap();
    assert!(
        exec["output"].as_str().unwrap().ends_with("command=<NA>)"),
        "{exec}"
    );
}

#[test]
fn analyze_reads_managed_logs_from_stdin() {
    for name in [
        "gke-entries.json",
        "eks-subscription.json",
        "aks-diagnostics.json",
    ] {
        let (_, from_file, _) = analyze_json(&[&format!("{MANAGED}/{name}")], None);
        let (code, from_stdin, err) =
            analyze_json(&["-"], Some(std::fs::read(fixture(name)).unwrap()));
        assert_eq!(code, Some(1), "{name}: {err}");
        assert_eq!(from_stdin, from_file, "{name}");
    }
}

#[test]
fn analyze_mixed_log_counts_unknown_records_once_and_skips_non_audit_payloads() {
    let native = std::fs::read_to_string(fixture("native.jsonl")).unwrap();
    let secret_read = native.lines().find(|l| l.contains("secrets")).unwrap();
    let subscription = std::fs::read_to_string(fixture("eks-subscription.json")).unwrap();
    let gke: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("gke-entries.json")).unwrap())
            .unwrap();
    let exec = gke
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["protoPayload"]["methodName"] == "io.k8s.core.v1.pods.exec.create")
        .unwrap();
    let apiserver_log = serde_json::json!({"records": [{
        "category": "kube-apiserver", "time": "2026-11-29T07:05:00Z",
        "properties": {"log": "I1129 07:05:00.1 1 trace.go:236] Trace[91]: \"List\"", "pod": "kube-apiserver-1"}
    }]});
    let authenticator = serde_json::json!({
        "messageType": "DATA_MESSAGE", "owner": "111122223333", "logGroup": "/aws/eks/shop-prod/cluster",
        "logStream": "authenticator-1f5e", "subscriptionFilters": ["all"],
        "logEvents": [{"id": "1", "timestamp": 1, "message": "time=\"2026-11-29T07:05:00Z\" level=info msg=\"access granted\""}]
    });
    let lines = [
        secret_read.to_string(),                      // 1 native
        "Nov 29 07:05:00 node kubelet[1]: ok".into(), // 2 unknown
        r#"{"level":"info","msg":"hello"}"#.into(),   // 3 unknown
        subscription.lines().nth(1).unwrap().into(),  // 4 EKS (5 events)
        apiserver_log.to_string(),                    // 5 AKS, not audit
        exec.to_string(),                             // 6 GKE
        "42".into(),                                  // 7 unknown
        authenticator.to_string(),                    // 8 EKS, not audit
    ];
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("mixed.log");
    std::fs::write(&log, lines.join("\n") + "\n").unwrap();
    let name = log.display().to_string();
    let out = palisade()
        .args(["audit", "analyze"])
        .arg(&log)
        .output()
        .unwrap();
    // Records of an unknown format are bad input: exit 2.
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    let err_lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        err_lines,
        [
            format!("{name}: 3 records of an unknown format skipped (first at {name}:2)"),
            format!(
                "{name}: warning: 2 records of a managed cluster's log skipped, no audit event in them \
                 (first at {name}:5: AKS diagnostic logs: category \"kube-apiserver\", not kube-audit)"
            ),
        ],
        "{err}"
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("from 7 event(s) (1 audit.k8s.io Event, 5 EKS CloudWatch Logs subscription, 1 GKE Cloud Logging), 3 records of an unknown format skipped, 2 records without an audit event skipped"),
        "{text}"
    );
    for r in [
        "Secret Read by a Person",
        "Exec or Attach Into Pod",
        "Privileged Workload Created or Changed",
    ] {
        assert!(text.contains(r), "{r}: {text}");
    }

    // Only non-audit payloads: a warning, not an input error.
    let only = dir.path().join("apiserver.log");
    std::fs::write(&only, format!("{apiserver_log}\n{secret_read}\n")).unwrap();
    let out = palisade()
        .args(["audit", "analyze", "--fail-on", "none"])
        .arg(&only)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("{}:1: AKS diagnostic logs", only.display())),
        "{err}"
    );
}

#[test]
fn analyze_with_local_knowledge_turns_on_its_rules() {
    let dir = tempfile::tempdir().unwrap();
    let rbac = dir.path().join("rbac.yaml");
    std::fs::write(
        &rbac,
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: devs, namespace: shop}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}\nsubjects:\n- {kind: User, name: alice}\n- {kind: Group, name: ops}\n- {kind: ServiceAccount, name: web, namespace: shop}\n",
    )
    .unwrap();
    let event = |id: &str, user: &str, groups: &[&str], ip: &str| {
        serde_json::json!({
            "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata",
            "auditID": id, "stage": "ResponseComplete", "verb": "get",
            "user": {"username": user, "groups": groups},
            "sourceIPs": [ip], "requestURI": "/api/v1/namespaces/shop/pods/web-1",
            "objectRef": {"resource": "pods", "namespace": "shop", "name": "web-1", "apiVersion": "v1"},
            "responseStatus": {"code": 200},
            "stageTimestamp": format!("2026-11-29T08:00:0{}Z", &id[1..])
        })
        .to_string()
    };
    let log = [
        event("e1", "alice", &["system:authenticated"], "10.0.0.5"),
        event("e2", "bob", &["ops", "system:authenticated"], "10.0.0.6"),
        event("e3", "eve", &["system:authenticated"], "10.0.0.7"),
        event("e4", "eve", &["system:authenticated"], "10.0.0.7"),
        event(
            "e5",
            "system:serviceaccount:shop:web",
            &["system:serviceaccounts", "system:authenticated"],
            "10.0.0.9",
        ),
        event(
            "e6",
            "system:serviceaccount:shop:web",
            &["system:serviceaccounts", "system:authenticated"],
            "203.0.113.7",
        ),
    ]
    .join("\n");
    // without knowledge: nothing
    let (code, alerts, _) = analyze_json(&["-"], Some(log.clone().into_bytes()));
    assert_eq!(code, Some(0));
    assert!(alerts.is_empty(), "{alerts:?}");
    let rbac_arg = rbac.display().to_string();
    let (code, alerts, err) = analyze_json(
        &[
            "-",
            "--internal-cidr",
            "10.0.0.0/8",
            "--known-from",
            &rbac_arg,
        ],
        Some(log.clone().into_bytes()),
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("2 user(s) and service account(s) and 1 group(s) named by 1 binding(s)"),
        "{err}"
    );
    let got: Vec<(String, String)> = alerts
        .iter()
        .map(|a| {
            (
                a["event"]["auditID"].as_str().unwrap().to_string(),
                a["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "e3".into(),
                "Request by an Identity No Binding Names".into()
            ),
            (
                "e6".into(),
                "Service Account or System Identity Used From Outside".into()
            ),
        ]
    );
    // bad knowledge is a usage error, named
    let (code, _, err) = analyze_json(&["-", "--internal-cidr", "10.0.0/33"], Some(vec![]));
    assert_eq!(code, Some(2));
    assert!(
        err.contains("--internal-cidr: '10.0.0/33' is not a CIDR"),
        "{err}"
    );
    let empty = dir.path().join("none.yaml");
    std::fs::write(
        &empty,
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
    )
    .unwrap();
    let (code, _, err) = analyze_json(
        &["-", "--known-from", &empty.display().to_string()],
        Some(vec![]),
    );
    assert_eq!(code, Some(2));
    assert!(
        err.contains("no RoleBinding or ClusterRoleBinding"),
        "{err}"
    );
}
