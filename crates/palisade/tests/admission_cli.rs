//! `palisade policy test|eval`, `scan --policies` and `admission install|serve`.

use assert_cmd::Command;
use serde_json::Value;
use std::path::PathBuf;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn palisade() -> Command {
    let mut c = Command::cargo_bin("palisade").unwrap();
    c.current_dir(repo());
    c
}

const SEED_POLICIES: [&str; 6] = [
    "--policies",
    "policies/ingress-host-allowlist/template.yaml",
    "--policies",
    "policies/unique-ingress-host/template.yaml",
    "--policies",
    "examples/admission/constraints.yaml",
];

#[test]
fn policy_test_runs_the_gatekeeper_library_and_the_seed_policies() {
    palisade_corpus::require!("gatekeeper-library/library");
    let corpus = palisade_corpus::corpus_path("gatekeeper-library/library");
    let out = palisade()
        .args(["policy", "test", "--format", "json"])
        .arg(&corpus)
        .arg("policies")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    // the library's 270 cases, the seed policies' 19, and the generated
    // Ingress ValidatingAdmissionPolicy on the same 9 samples
    assert_eq!(v["suites"], 52);
    assert_eq!(v["cases"], 298);
    assert_eq!(v["passed"], 298);
}

#[test]
fn policy_test_fails_on_a_failing_case() {
    let dir = tempfile::tempdir().unwrap();
    let src = repo().join("policies/ingress-host-allowlist");
    for f in [
        "template.yaml",
        "samples/constraint.yaml",
        "samples/allowed_exact.yaml",
    ] {
        let to = dir.path().join(f);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(src.join(f), to).unwrap();
    }
    std::fs::write(
        dir.path().join("suite.yaml"),
        "kind: Suite\napiVersion: test.gatekeeper.sh/v1alpha1\ntests:\n- name: t\n  template: template.yaml\n  constraint: samples/constraint.yaml\n  cases:\n  - name: wrong\n    object: samples/allowed_exact.yaml\n    assertions:\n    - violations: yes\n",
    )
    .unwrap();
    let out = palisade()
        .args(["policy", "test"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("FAIL") && text.contains("expected at least one violation"),
        "{text}"
    );
}

#[test]
fn policy_eval_reports_constraint_violations_as_findings() {
    let out = palisade()
        .args(["policy", "eval"])
        .args(SEED_POLICIES)
        .args([
            "examples/admission/bad-ingresses.yaml",
            "examples/demo/ingress.yaml",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let found: Vec<(String, String)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["object"]["name"].as_str().unwrap().to_string(),
                f["id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let unique = "gatekeeper/K8sPalisadeUniqueIngressHost/unique-hosts-cluster-wide";
    for (name, id) in [
        ("promo", unique),
        ("catch-all", unique),
        ("api", unique),
        ("shop", unique),
        (
            "blog",
            "gatekeeper/K8sPalisadeIngressHostAllowlist/shop-hosts-only",
        ),
    ] {
        assert!(
            found.contains(&(name.to_string(), id.to_string())),
            "{name} {id}: {found:?}"
        );
    }
    assert_eq!(found.len(), 5, "{found:?}");
    // SARIF carries them too
    let out = palisade()
        .args(["policy", "eval"])
        .args(SEED_POLICIES)
        .args(["examples/admission/bad-ingresses.yaml", "--format", "sarif"])
        .output()
        .unwrap();
    let s: Value = serde_json::from_slice(&out.stdout).unwrap();
    // without the demo's Ingress, `promo` conflicts with nothing
    assert_eq!(s["runs"][0]["results"].as_array().unwrap().len(), 3);
}

#[test]
fn scan_with_policies_adds_their_findings() {
    let out = palisade()
        .args([
            "scan",
            "examples/admission/bad-ingresses.yaml",
            "--format",
            "json",
            "--fail-on",
            "none",
        ])
        .args(SEED_POLICIES)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(ids.iter().any(|i| i.starts_with("gatekeeper/")), "{ids:?}");
}

#[test]
fn install_manifests_and_terraform_scan_without_high_findings() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = dir.path().join("install.yaml");
    palisade()
        .args(["admission", "install", "--mutate", "--replicas", "3", "-o"])
        .arg(&yaml)
        .assert()
        .success();
    let text = std::fs::read_to_string(&yaml).unwrap();
    for kind in [
        "kind: Secret",
        "kind: Deployment",
        "kind: PodDisruptionBudget",
        "kind: Service",
        "kind: ValidatingWebhookConfiguration",
        "kind: MutatingWebhookConfiguration",
        "caBundle:",
        "sideEffects: None",
        "replicas: 3",
    ] {
        assert!(text.contains(kind), "{kind} missing");
    }
    assert_eq!(scan_without_high(&yaml)["summary"]["objects"], 13);
    let tf = dir.path().join("tf");
    std::fs::create_dir(&tf).unwrap();
    palisade()
        .args(["admission", "install", "--format", "terraform", "-o"])
        .arg(tf.join("main.tf"))
        .assert()
        .success();
    let tf_text = std::fs::read_to_string(tf.join("main.tf")).unwrap();
    assert!(
        !tf_text.contains("PRIVATE KEY"),
        "no key material in the Terraform code"
    );
    assert_eq!(scan_without_high(&tf)["summary"]["objects"], 12);
}

/// `palisade scan PATH --fail-on high` succeeds; its JSON report.
fn scan_without_high(path: &std::path::Path) -> Value {
    let out = palisade()
        .arg("scan")
        .arg(path)
        .args(["--fail-on", "high", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn serve_refuses_a_bad_configuration_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.yaml");
    std::fs::write(&cfg, "checks:\n  modes:\n    image-latest-tag: sometimes\n").unwrap();
    let out = palisade()
        .args([
            "admission",
            "serve",
            "--tls-cert",
            "x",
            "--tls-key",
            "y",
            "--config",
        ])
        .arg(&cfg)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("config.yaml:3"), "{err}");
}

#[test]
fn serve_answers_over_tls_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let certs = palisade_admission::install::certificates("demo").unwrap();
    std::fs::write(dir.path().join("tls.crt"), &certs.cert_pem).unwrap();
    std::fs::write(dir.path().join("tls.key"), &certs.key_pem).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("palisade"))
        .current_dir(repo())
        .args([
            "admission",
            "serve",
            "--config",
            "examples/admission/config.yaml",
            "--addr",
        ])
        .arg(format!("127.0.0.1:{port}"))
        .arg("--tls-cert")
        .arg(dir.path().join("tls.crt"))
        .arg("--tls-key")
        .arg(dir.path().join("tls.key"))
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let (deny, ingress) = rt.block_on(async {
        let tls = palisade_webhook::client::tls_config(certs.ca_pem.as_bytes()).unwrap();
        let mut c = None;
        for _ in 0..200 {
            if let Ok(x) = palisade_webhook::client::Client::connect(
                addr,
                "palisade-webhook.demo.svc",
                tls.clone(),
            )
            .await
            {
                c = Some(x);
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let mut c = c.expect("the server came up");
        let body =
            std::fs::read(repo().join("examples/admission/requests/privileged-pod.json")).unwrap();
        let (_, a) = c.send("POST", "/validate", body).await.unwrap();
        let body =
            std::fs::read(repo().join("examples/admission/requests/ingress-taken-host.json"))
                .unwrap();
        let (_, b) = c.send("POST", "/validate", body).await.unwrap();
        (
            serde_json::from_slice::<Value>(&a).unwrap(),
            serde_json::from_slice::<Value>(&b).unwrap(),
        )
    });
    assert_eq!(deny["response"]["allowed"], false);
    let msg = deny["response"]["status"]["message"].as_str().unwrap();
    assert!(
        msg.contains("pss-privileged") && msg.contains("image-latest-tag"),
        "{msg}"
    );
    // the demo's inventory already serves shop.example.com in namespace shop
    assert_eq!(ingress["response"]["allowed"], false, "{ingress:#}");
    let msg = ingress["response"]["status"]["message"].as_str().unwrap();
    assert!(msg.contains("of ingress shop/shop"), "{msg}");
    sigterm(child.id());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

fn sigterm(pid: u32) {
    let _ = std::process::Command::new("kill")
        .arg("-TERM")
        .arg(pid.to_string())
        .status();
}

#[test]
fn review_answers_one_request_offline() {
    let out = palisade()
        .args([
            "admission",
            "review",
            "--config",
            "examples/admission/config.yaml",
        ])
        .arg("examples/admission/requests/privileged-pod.json")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let r = &v["response"];
    assert_eq!(r["allowed"], false);
    assert_eq!(r["uid"], "8c5a7d2e-1f6b-4d0a-9a63-2f1e7c0b9d11");
    // denied at baseline, so not warned again at restricted
    let warnings = r["warnings"].to_string();
    assert!(!warnings.contains("pss-privileged"), "{warnings}");
    assert!(warnings.contains("pss-run-as-non-root"), "{warnings}");
    let out = palisade()
        .args(["admission", "review", "-"])
        .write_stdin("{\"kind\": \"AdmissionReview\", \"request\": {}}")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("uid"));
}

/// The limit flags over the configuration: a pod over `--max-containers`
/// and a review over `--max-request-bytes` are refused as AdmissionReviews
/// naming the flag; a zero concurrency is a usage error.
#[test]
fn serve_flags_set_the_review_limits() {
    let out = palisade()
        .args([
            "admission",
            "serve",
            "--tls-cert",
            "x",
            "--tls-key",
            "y",
            "--max-concurrent-reviews",
            "0",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 1"));
    let dir = tempfile::tempdir().unwrap();
    let certs = palisade_admission::install::certificates("demo").unwrap();
    std::fs::write(dir.path().join("tls.crt"), &certs.cert_pem).unwrap();
    std::fs::write(dir.path().join("tls.key"), &certs.key_pem).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("palisade"))
        .current_dir(repo())
        .args(["admission", "serve", "--addr"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("--tls-cert")
        .arg(dir.path().join("tls.crt"))
        .arg("--tls-key")
        .arg(dir.path().join("tls.key"))
        .args(["--max-containers", "1", "--max-request-bytes", "8192"])
        .args(["--max-concurrent-reviews", "2", "--max-connections", "16"])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let answers = rt.block_on(async {
        let tls = palisade_webhook::client::tls_config(certs.ca_pem.as_bytes()).unwrap();
        let mut c = None;
        for _ in 0..200 {
            if let Ok(x) = palisade_webhook::client::Client::connect(
                addr,
                "palisade-webhook.demo.svc",
                tls.clone(),
            )
            .await
            {
                c = Some(x);
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let mut c = c.expect("the server came up");
        let one: Value = serde_json::from_slice(
            &std::fs::read(repo().join("examples/admission/requests/privileged-pod.json")).unwrap(),
        )
        .unwrap();
        let mut two = one.clone();
        let c0 = two["request"]["object"]["spec"]["containers"][0].clone();
        two["request"]["object"]["spec"]["containers"] = serde_json::json!([c0.clone(), c0]);
        let mut big = one.clone();
        big["request"]["object"]["metadata"]["annotations"] =
            serde_json::json!({"pad": "x".repeat(10_000)});
        let mut out = Vec::new();
        for body in [one, two, big] {
            let (s, b) = c
                .send("POST", "/validate", serde_json::to_vec(&body).unwrap())
                .await
                .unwrap();
            assert_eq!(s, 200, "{}", String::from_utf8_lossy(&b));
            out.push(serde_json::from_slice::<Value>(&b).unwrap()["response"].clone());
        }
        out
    });
    // one container: judged (and denied for what it is)
    let msg = answers[0]["status"]["message"].as_str().unwrap();
    assert!(msg.contains("pss-privileged"), "{msg}");
    // two: refused unchecked, naming the flag
    assert_eq!(answers[1]["allowed"], false);
    assert_eq!(answers[1]["status"]["code"], 422);
    let msg = answers[1]["status"]["message"].as_str().unwrap();
    assert!(
        msg.contains("limit of 1") && msg.contains("--max-containers"),
        "{msg}"
    );
    // over 8192 bytes: refused by its uid
    assert_eq!(answers[2]["allowed"], false);
    assert_eq!(answers[2]["status"]["code"], 413);
    assert!(
        answers[2]["status"]["message"]
            .as_str()
            .unwrap()
            .contains("limit of 8192 bytes")
    );
    sigterm(child.id());
    assert!(child.wait().unwrap().success());
}
