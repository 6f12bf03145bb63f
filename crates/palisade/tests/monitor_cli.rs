//! `palisade monitor rules|coverage|metrics`, checked with promtool: the
//! rules generated for the demo pass `promtool check rules` and fire in
//! `promtool test rules` on synthetic series; every palisade series they
//! use is exported by the real servers, whose /metrics pass
//! `promtool check metrics`. promtool (Debian package `prometheus`) is
//! required when PALISADE_REQUIRE_PROMTOOL=1 (CI); without it the promtool
//! steps are skipped with a message.

use palisade_webhook::client::{Client, tls_config};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("palisade")
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn palisade(args: &[&str]) -> std::process::Output {
    Command::new(bin())
        .current_dir(repo())
        .args(args)
        .output()
        .unwrap()
}

/// promtool, or `None` (with a message) when it is not installed and not
/// required.
fn promtool() -> Option<PathBuf> {
    let found = Command::new("promtool")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if found {
        return Some(PathBuf::from("promtool"));
    }
    if std::env::var("PALISADE_REQUIRE_PROMTOOL").as_deref() == Ok("1") {
        panic!("promtool is required (PALISADE_REQUIRE_PROMTOOL=1): apt-get install prometheus");
    }
    eprintln!(
        "skipping the promtool checks: promtool is not installed (apt-get install prometheus)"
    );
    None
}

fn run_promtool(tool: &Path, args: &[&str], stdin: Option<&[u8]>) -> (bool, String) {
    let mut child = Command::new(tool)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut input = child.stdin.take().unwrap();
        if let Some(b) = stdin {
            input.write_all(b).unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn yaml_to_json(text: &str) -> Vec<Value> {
    let s = palisade_yaml::parse_stream(text, &Default::default());
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    s.documents.iter().map(|d| d.root.to_json()).collect()
}

fn demo_rules(format: &str, dir: &Path) -> (PathBuf, String) {
    let path = dir.join(format!("rules-{format}.yaml"));
    let out = palisade(&[
        "monitor",
        "rules",
        "examples/demo",
        "--format",
        format,
        "--rule-label",
        "release=kube-prometheus-stack",
        "-o",
        path.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&path).unwrap();
    (path, text)
}

/// The metric names the rules select, by prefix.
fn palisade_series(groups: &Value, prefix: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for g in groups.as_array().unwrap() {
        for r in g["rules"].as_array().unwrap() {
            let expr = r["expr"].as_str().unwrap();
            for s in palisade_monitor::promql::selectors(expr).unwrap() {
                if let Some(m) = s.metric.filter(|m| m.starts_with(prefix)) {
                    out.insert(m);
                }
            }
        }
    }
    out
}

/// A sample of `name`, or (a labelled counter before its first
/// increment) its family's declaration.
fn exported(scrape: &str, name: &str) -> bool {
    let declared = name
        .strip_suffix("_total")
        .map(|base| format!("# TYPE {base} counter"));
    scrape.lines().any(|l| {
        l.strip_prefix(name)
            .is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' '))
            || declared.as_deref() == Some(l)
    })
}

#[test]
fn rules_for_the_demo_pass_promtool_check_rules() {
    let dir = tempfile::tempdir().unwrap();
    let (plain, text) = demo_rules("prometheus", dir.path());
    let (_, object) = demo_rules("prometheusrule", dir.path());
    let object = &yaml_to_json(&object)[0];
    assert_eq!(object["apiVersion"], "monitoring.coreos.com/v1");
    assert_eq!(object["kind"], "PrometheusRule");
    assert_eq!(
        object["metadata"]["labels"]["release"],
        "kube-prometheus-stack"
    );
    let plain_json = &yaml_to_json(&text)[0];
    // the same groups either way
    assert_eq!(object["spec"], *plain_json);
    let alerts: BTreeSet<&str> = plain_json["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["rules"].as_array().unwrap())
        .map(|r| r["alert"].as_str().unwrap())
        .collect();
    for a in [
        "PalisadeAdmissionDenialsSpike",
        "PalisadeAdmissionWebhookErrors",
        "PalisadeAdmissionLatencyHigh",
        "PalisadeAuditCriticalAlerts",
        "PalisadePostureRegressed",
        "PalisadeVulnerabilityDataStale",
        "KubeDeploymentReplicasUnavailable",
        "KubeStatefulSetReplicasNotReady",
        "KubePodCrashLooping",
        "KubePodRestartingOften",
        "KubePersistentVolumeFillingUp",
        "CertificateExpiringSoon",
        "KubePodsInDefaultNamespace",
        "KubeJobFailed",
    ] {
        assert!(alerts.contains(a), "{a} missing from {alerts:?}");
    }
    let Some(tool) = promtool() else { return };
    let (ok, out) = run_promtool(&tool, &["check", "rules", plain.to_str().unwrap()], None);
    assert!(ok, "promtool check rules:\n{out}\n{text}");
    assert!(out.contains("SUCCESS"), "{out}");
    // the PrometheusRule's spec is the same rule file
    let spec = dir.path().join("spec.json");
    std::fs::write(&spec, object["spec"].to_string()).unwrap();
    let (ok, out) = run_promtool(&tool, &["check", "rules", spec.to_str().unwrap()], None);
    assert!(ok, "promtool check rules (PrometheusRule spec):\n{out}");
}

/// `promtool test rules` over synthetic series: the generated rules fire
/// for the workloads they name, with their labels, and not for others.
#[test]
fn generated_alerts_fire_on_the_series_they_watch() {
    let dir = tempfile::tempdir().unwrap();
    let (_, text) = demo_rules("prometheus", dir.path());
    let Some(tool) = promtool() else { return };
    // annotations are templates; the test compares labels
    let mut rules = yaml_to_json(&text).remove(0);
    for g in rules["groups"].as_array_mut().unwrap() {
        for r in g["rules"].as_array_mut().unwrap() {
            r.as_object_mut().unwrap().remove("annotations");
        }
    }
    let rules_path = dir.path().join("rules.json");
    std::fs::write(&rules_path, rules.to_string()).unwrap();
    let test = serde_json::json!({
        "rule_files": [rules_path.to_str().unwrap()],
        "evaluation_interval": "1m",
        "tests": [{
            "interval": "1m",
            "input_series": [
                {"series": "kube_deployment_status_replicas_unavailable{namespace=\"shop\", deployment=\"frontend\"}", "values": "1x30"},
                {"series": "kube_deployment_status_replicas_unavailable{namespace=\"jobs\", deployment=\"worker\"}", "values": "0x30"},
                {"series": "kube_pod_container_status_waiting_reason{namespace=\"data\", pod=\"postgres-0\", container=\"postgres\", reason=\"CrashLoopBackOff\"}", "values": "1x30"},
                {"series": "kube_pod_container_status_waiting_reason{namespace=\"data\", pod=\"postgres-exporter-0\", container=\"x\", reason=\"CrashLoopBackOff\"}", "values": "1x30"},
                {"series": "kubelet_volume_stats_available_bytes{namespace=\"data\", persistentvolumeclaim=\"data-postgres-0\"}", "values": "5x30"},
                {"series": "kubelet_volume_stats_capacity_bytes{namespace=\"data\", persistentvolumeclaim=\"data-postgres-0\"}", "values": "100x30"},
                {"series": "palisade_admission_rejected_total{endpoint=\"validate\", reason=\"timeout\"}", "values": "0+2x30"},
                // eight days before the test's epoch
                {"series": "palisade_vulndb_last_update_timestamp_seconds", "values": "-691200x150"},
                {"series": "palisade_posture_last_run_timestamp_seconds", "values": "1500x150"},
            ],
            "alert_rule_test": [
                {"eval_time": "20m", "alertname": "KubeDeploymentReplicasUnavailable", "exp_alerts": [
                    {"exp_labels": {"severity": "critical", "namespace": "shop", "deployment": "frontend",
                                    "workload": "frontend", "workload_kind": "Deployment", "business_critical": "true"}}]},
                {"eval_time": "20m", "alertname": "KubePodCrashLooping", "exp_alerts": [
                    {"exp_labels": {"severity": "critical", "namespace": "data", "pod": "postgres-0", "container": "postgres",
                                    "reason": "CrashLoopBackOff", "workload": "postgres", "workload_kind": "StatefulSet",
                                    "business_critical": "true"}}]},
                {"eval_time": "20m", "alertname": "KubePersistentVolumeFillingUp", "exp_alerts": [
                    {"exp_labels": {"severity": "critical", "namespace": "data", "persistentvolumeclaim": "data-postgres-0",
                                    "workload": "postgres", "workload_kind": "StatefulSet", "business_critical": "true"}}]},
                {"eval_time": "10m", "alertname": "PalisadeAdmissionWebhookErrors", "exp_alerts": [
                    {"exp_labels": {"severity": "critical", "endpoint": "validate", "reason": "timeout"}}]},
                {"eval_time": "2h", "alertname": "PalisadeVulnerabilityDataStale", "exp_alerts": [
                    {"exp_labels": {"severity": "warning"}}]},
                {"eval_time": "2h", "alertname": "PalisadeScanNotRunning", "exp_alerts": []},
            ],
        }],
    });
    let test_path = dir.path().join("test.json");
    std::fs::write(&test_path, test.to_string()).unwrap();
    let (ok, out) = run_promtool(&tool, &["test", "rules", test_path.to_str().unwrap()], None);
    assert!(ok, "promtool test rules:\n{out}");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn connect(port: u16, host: &str, ca: &[u8]) -> Client {
    let addr = format!("127.0.0.1:{port}").parse().unwrap();
    for _ in 0..500 {
        if let Ok(c) = Client::connect(addr, host, tls_config(ca).unwrap()).await {
            return c;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the server did not start");
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn check_scrape(tool: Option<&Path>, what: &str, scrape: &str) {
    let Some(tool) = tool else { return };
    let (ok, out) = run_promtool(tool, &["check", "metrics"], Some(scrape.as_bytes()));
    assert!(ok, "promtool check metrics ({what}):\n{out}\n{scrape}");
}

const BROKEN_POLICY: &str = r#"apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: k8sbroken
spec:
  crd:
    spec:
      names:
        kind: K8sBroken
  targets:
    - target: admission.k8s.gatekeeper.sh
      rego: |
        package k8sbroken
        violation[{"msg": msg}] {
          x := 1 / 0
          msg := sprintf("%v", [x])
        }
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sBroken
metadata:
  name: broken
"#;

/// The admission webhook's and the audit sink's /metrics, scraped from
/// running servers, and a scan's metrics: promtool accepts them, and every
/// palisade series the generated rules use is there.
#[test]
fn servers_export_what_the_rules_use_and_promtool_accepts_it() {
    let dir = tempfile::tempdir().unwrap();
    let (_, text) = demo_rules("prometheus", dir.path());
    let groups = yaml_to_json(&text).remove(0)["groups"].clone();
    let tool = promtool();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    // the admission webhook
    let certs = palisade_admission::install::certificates("demo").unwrap();
    std::fs::write(dir.path().join("tls.crt"), &certs.cert_pem).unwrap();
    std::fs::write(dir.path().join("tls.key"), &certs.key_pem).unwrap();
    // a policy that fails to evaluate, so that policy errors are counted
    std::fs::write(dir.path().join("policies.yaml"), BROKEN_POLICY).unwrap();
    std::fs::write(
        dir.path().join("config.yaml"),
        format!(
            "policies:\n  paths: [{}]\n  failurePolicy: fail-open\nlimits: {{timeoutSeconds: 5}}\n",
            dir.path().join("policies.yaml").display()
        ),
    )
    .unwrap();
    let port = free_port();
    let _webhook = Killed(
        Command::new(bin())
            .current_dir(repo())
            .args(["admission", "serve", "--config"])
            .arg(dir.path().join("config.yaml"))
            .arg("--addr")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--tls-cert")
            .arg(dir.path().join("tls.crt"))
            .arg("--tls-key")
            .arg(dir.path().join("tls.key"))
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let scrape = rt.block_on(async {
        let mut c = connect(port, "palisade-webhook.demo.svc", certs.ca_pem.as_bytes()).await;
        let body =
            std::fs::read(repo().join("examples/admission/requests/privileged-pod.json")).unwrap();
        let (s, _) = c.send("POST", "/validate", body).await.unwrap();
        assert_eq!(s, 200);
        let (s, _) = c
            .send("POST", "/validate", b"not json".to_vec())
            .await
            .unwrap();
        assert_eq!(s, 400);
        let (s, m) = c.send("GET", "/metrics", vec![]).await.unwrap();
        assert_eq!(s, 200);
        String::from_utf8(m).unwrap()
    });
    let used = palisade_series(&groups, "palisade_admission_");
    assert!(used.len() >= 4, "{used:?}");
    for name in &used {
        assert!(exported(&scrape, name), "{name} is not exported:\n{scrape}");
    }
    check_scrape(tool.as_deref(), "admission webhook", &scrape);

    // the audit sink
    let sink_dir = dir.path().join("sink");
    std::fs::create_dir(&sink_dir).unwrap();
    let port = free_port();
    let out = Command::new(bin())
        .args(["audit", "install", "--url"])
        .arg(format!("https://localhost:{port}/audit"))
        .arg("-o")
        .arg(&sink_dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _sink = Killed(
        Command::new(bin())
            .current_dir(&sink_dir)
            .args([
                "audit",
                "serve",
                "--tls-cert",
                "sink-tls.crt",
                "--tls-key",
                "sink-tls.key",
                "--token-file",
                "sink-token",
                "--db",
                "audit.db",
                "--output-file",
                "alerts.jsonl",
                "--addr",
            ])
            .arg(format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let token = std::fs::read_to_string(sink_dir.join("sink-token")).unwrap();
    let ca = std::fs::read(sink_dir.join("sink-ca.crt")).unwrap();
    let log = std::fs::read_to_string(repo().join("examples/audit/audit.log")).unwrap();
    let items: Vec<Value> = log
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let batch =
        serde_json::to_vec(&serde_json::json!({"kind": "EventList", "items": items})).unwrap();
    let scrape = rt.block_on(async {
        let mut c = connect(port, "localhost", &ca).await;
        let auth = format!("Bearer {}", token.trim());
        let (s, b) = c
            .send_with("POST", "/audit", &[("authorization", &auth)], batch)
            .await
            .unwrap();
        assert_eq!(s, 200, "{}", String::from_utf8_lossy(&b));
        let (s, _) = c.send("POST", "/audit", b"{}".to_vec()).await.unwrap();
        assert_eq!(s, 401);
        // alerts go to the outputs after the 200
        let mut text = String::new();
        for _ in 0..250 {
            let (s, m) = c.send("GET", "/metrics", vec![]).await.unwrap();
            assert_eq!(s, 200);
            text = String::from_utf8(m).unwrap();
            if text.contains("palisade_audit_output_deliveries_total{") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        text
    });
    // series that appear once something happened: alerts, refusals,
    // requests, deliveries
    for name in [
        "palisade_audit_output_deliveries_total",
        "palisade_audit_alerts_total",
        "palisade_audit_events_total",
        "palisade_audit_rejected_total",
        "palisade_audit_requests_total",
        "palisade_audit_batch_duration_seconds_bucket",
    ] {
        assert!(exported(&scrape, name), "{name} is not exported:\n{scrape}");
    }
    for name in palisade_series(&groups, "palisade_audit_") {
        assert!(
            exported(&scrape, &name),
            "{name} is not exported:\n{scrape}"
        );
    }
    check_scrape(tool.as_deref(), "audit sink", &scrape);

    // a scan's metrics, with a vulnerability database
    let db = dir.path().join("osv.sqlite");
    let osv = dir.path().join("osv");
    std::fs::create_dir(&osv).unwrap();
    std::fs::write(
        osv.join("GHSA-test.json"),
        r#"{"id": "GHSA-test-0001", "modified": "2024-05-01T00:00:00Z", "affected": [{"package": {"ecosystem": "npm", "name": "left-pad"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.3.0"}]}]}]}"#,
    )
    .unwrap();
    let out = Command::new(bin())
        .args(["db", "import", "--db"])
        .arg(&db)
        .arg(&osv)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let prom = dir.path().join("palisade.prom");
    let out = palisade(&[
        "monitor",
        "metrics",
        "examples/demo",
        "--db",
        db.to_str().unwrap(),
        "-o",
        prom.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let scrape = std::fs::read_to_string(&prom).unwrap();
    for name in palisade_series(&groups, "palisade_posture_")
        .iter()
        .chain(&palisade_series(&groups, "palisade_vulndb_"))
    {
        assert!(exported(&scrape, name), "{name} is not exported:\n{scrape}");
    }
    assert!(exported(&scrape, "palisade_vulndb_records"), "{scrape}");
    let score: f64 = scrape
        .lines()
        .find_map(|l| l.strip_prefix("palisade_posture_score "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(score > 0.0 && score < 100.0, "{score}");
    check_scrape(tool.as_deref(), "scan metrics", &scrape);
}

const USER_RULES: &str = r#"apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: shop-alerts
  namespace: monitoring
spec:
  groups:
    - name: shop
      rules:
        - alert: FrontendUnavailable
          expr: kube_deployment_status_replicas_available{namespace="shop", deployment="frontend"} == 0
          for: 5m
        - alert: ShopRestarts
          expr: increase(kube_pod_container_status_restarts_total{namespace="shop"}[1h]) > 5
"#;

#[test]
fn coverage_reports_critical_workloads_without_alerts() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("alerts.yaml");
    std::fs::write(&rules, USER_RULES).unwrap();
    let out = palisade(&[
        "monitor",
        "coverage",
        "examples/demo",
        "--rules",
        rules.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["alerts"], 2);
    assert_eq!(v["criticalWorkloads"], 3);
    assert_eq!(v["gaps"], 1);
    let by = |id: &str| {
        v["workloads"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["workload"] == id)
            .unwrap()
            .clone()
    };
    let fe = by("shop/Deployment/frontend");
    assert_eq!(fe["reach"], "workload");
    assert_eq!(fe["alerts"][0]["alert"], "FrontendUnavailable");
    assert_eq!(by("shop/Deployment/api")["reach"], "namespace");
    let pg = by("data/StatefulSet/postgres");
    assert_eq!(pg["gap"], true);
    assert_eq!(pg["critical"][0], "data store: StatefulSet");

    // the generated rules leave no gap; a plain rule file is read too
    let (plain, _) = demo_rules("prometheus", dir.path());
    let out = palisade(&[
        "monitor",
        "coverage",
        "examples/demo",
        "--rules",
        plain.to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("3 business-critical workloads, 0 without an alert"),
        "{text}"
    );
    assert!(
        text.contains("data/StatefulSet/postgres  covered"),
        "{text}"
    );

    // PrometheusRule objects among the manifests are read too
    let pg_rule = dir.path().join("pg.yaml");
    std::fs::write(
        &pg_rule,
        USER_RULES.replace(
            r#"kube_deployment_status_replicas_available{namespace="shop", deployment="frontend"} == 0"#,
            r#"kube_statefulset_status_replicas_ready{namespace="data", statefulset="postgres"} < 1"#,
        ),
    )
    .unwrap();
    let out = palisade(&[
        "monitor",
        "coverage",
        "examples/demo",
        pg_rule.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let pg = v["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["workload"] == "data/StatefulSet/postgres")
        .unwrap();
    assert_eq!(pg["reach"], "workload", "{v:#}");
    assert_eq!(pg["alerts"][0]["via"], "statefulset=\"postgres\"");
    // and the namespace rule still covers shop: no gap left
    assert_eq!(v["gaps"], 0, "{v:#}");
    assert_eq!(out.status.code(), Some(0));

    // only labelled workloads: none in the demo
    let out = palisade(&[
        "monitor",
        "coverage",
        "examples/demo",
        "--label-only",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["criticalWorkloads"], 0);
}

#[test]
fn bad_options_are_usage_errors() {
    let out = palisade(&["monitor", "rules", "examples/demo", "--components", "bogus"]);
    assert_eq!(out.status.code(), Some(2));
    let out = palisade(&[
        "monitor",
        "coverage",
        "examples/demo",
        "--critical-label",
        "novalue",
    ]);
    assert_eq!(out.status.code(), Some(2));
}
