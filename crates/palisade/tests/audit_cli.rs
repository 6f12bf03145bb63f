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
            "examples/audit/seed-policy.yaml",
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
    // the seed's policy has only a medium finding
    palisade()
        .args(["audit", "policy", "lint", "examples/audit/seed-policy.yaml"])
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
