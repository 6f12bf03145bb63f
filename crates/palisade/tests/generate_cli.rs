//! `palisade generate …`: quotas close the namespace findings; the other
//! generators answer as their home commands do.

use assert_cmd::Command;
use serde_json::Value;
use std::path::PathBuf;

fn palisade() -> Command {
    let mut c = Command::cargo_bin("palisade").unwrap();
    c.current_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.."));
    c
}

fn ids(args: &[&str]) -> Vec<String> {
    let out = palisade()
        .args(["scan", "--format", "json", "--fail-on", "none"])
        .args(args)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn generated_quotas_close_the_quota_and_limit_range_findings() {
    let before = ids(&["examples/demo"]);
    let quota_checks = ["namespace-no-resourcequota", "namespace-no-limitrange"];
    assert!(
        before.iter().any(|i| quota_checks.contains(&i.as_str())),
        "{before:?}"
    );
    let dir = tempfile::tempdir().unwrap();
    let q = dir.path().join("quotas.yaml");
    palisade()
        .args([
            "generate",
            "quotas",
            "examples/demo",
            "--headroom",
            "2",
            "-o",
        ])
        .arg(&q)
        .assert()
        .success();
    let text = std::fs::read_to_string(&q).unwrap();
    assert!(text.contains("kind: ResourceQuota") && text.contains("kind: LimitRange"));
    assert!(text.contains("×2 headroom"), "{text}");
    let after = ids(&["examples/demo", q.to_str().unwrap()]);
    for c in quota_checks {
        assert!(!after.iter().any(|i| i == c), "{c} still reported");
    }
    // Terraform twin, read back by the scanner.
    let tf = dir.path().join("quotas.tf");
    palisade()
        .args([
            "generate",
            "quotas",
            "examples/demo",
            "--format",
            "terraform",
            "-o",
        ])
        .arg(&tf)
        .assert()
        .success();
    let after = ids(&["examples/demo", tf.to_str().unwrap()]);
    for c in quota_checks {
        assert!(
            !after.iter().any(|i| i == c),
            "{c} still reported with the Terraform quotas"
        );
    }
    palisade()
        .args(["generate", "quotas", "examples/demo", "--headroom", "0.5"])
        .assert()
        .code(2);
}

#[test]
fn generate_is_one_entry_point_for_every_generator() {
    let a = palisade()
        .args(["generate", "netpol", "examples/demo", "-n", "shop"])
        .output()
        .unwrap();
    let b = palisade()
        .args(["netpol", "generate", "examples/demo", "-n", "shop"])
        .output()
        .unwrap();
    assert!(a.status.success());
    assert_eq!(a.stdout, b.stdout);
    let a = palisade()
        .args(["generate", "audit-policy"])
        .output()
        .unwrap();
    let b = palisade()
        .args(["audit", "policy", "generate"])
        .output()
        .unwrap();
    assert!(a.status.success());
    assert_eq!(a.stdout, b.stdout);
}
