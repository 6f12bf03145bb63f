//! Terraform `kubernetes_*` resources are scanned with the same checks as
//! their YAML twins, and point at the `.tf` lines.

use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn scan(dir: &Path, extra: &[&str]) -> (Option<i32>, Value) {
    let out = Command::cargo_bin("palisade")
        .unwrap()
        .current_dir(repo())
        .args(["scan", "--format", "json", "--fail-on", "none"])
        .args(extra)
        .arg(dir)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    (out.status.code(), v)
}

/// What a finding is about, independent of the file it came from.
fn keys(doc: &Value) -> BTreeSet<String> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .chain(doc["suppressed"].as_array().unwrap())
        .map(|f| {
            format!(
                "{} {}/{}/{} {}",
                f["id"].as_str().unwrap(),
                f["object"]["namespace"].as_str().unwrap_or("-"),
                f["object"]["kind"].as_str().unwrap(),
                f["object"]["name"].as_str().unwrap(),
                f["path"].as_str().unwrap_or("-"),
            )
        })
        .collect()
}

/// Drops empty maps: an empty Terraform block (`metadata {}`) means the
/// same as an absent field.
fn prune(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.values_mut().for_each(prune);
            m.retain(|_, v| !matches!(v, Value::Object(o) if o.is_empty()));
        }
        Value::Array(a) => a.iter_mut().for_each(prune),
        _ => {}
    }
}

/// The objects read from a directory, as JSON, in a stable order.
fn objects(dir: &Path) -> Vec<Value> {
    let loaded = palisade_source::load(
        &[dir.to_path_buf()],
        &palisade_source::LoadOptions::default(),
    );
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let mut v: Vec<Value> = loaded.objects.iter().map(|o| o.raw.to_json()).collect();
    v.iter_mut().for_each(prune);
    v.sort_by_key(|o| format!("{}/{}", o["kind"], o["metadata"]["name"]));
    v
}

#[test]
fn yaml_and_terraform_twins_are_the_same_objects() {
    let root = repo().join("crates/palisade/tests/twins");
    for twin in std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()) {
        let name = twin.file_name().unwrap().to_string_lossy().to_string();
        let (y, t) = (objects(&twin.join("yaml")), objects(&twin.join("tf")));
        assert_eq!(y, t, "{name}");
    }
}

#[test]
fn yaml_and_terraform_twins_give_the_same_findings() {
    let root = repo().join("crates/palisade/tests/twins");
    let mut twins: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    twins.sort();
    assert!(twins.len() >= 18);
    let mut with_findings = 0;
    for twin in &twins {
        let name = twin.file_name().unwrap().to_string_lossy().to_string();
        let (_, y) = scan(&twin.join("yaml"), &[]);
        let (_, t) = scan(&twin.join("tf"), &[]);
        assert!(
            y["errors"].as_array().unwrap().is_empty(),
            "{name} yaml: {}",
            y["errors"]
        );
        assert!(
            t["errors"].as_array().unwrap().is_empty(),
            "{name} tf: {}",
            t["errors"]
        );
        let (ky, kt) = (keys(&y), keys(&t));
        with_findings += usize::from(!ky.is_empty());
        assert_eq!(
            ky,
            kt,
            "{name}: only in YAML {:#?}\nonly in Terraform {:#?}",
            ky.difference(&kt).collect::<Vec<_>>(),
            kt.difference(&ky).collect::<Vec<_>>()
        );
        for f in t["findings"].as_array().unwrap() {
            assert!(
                f["location"]["file"].as_str().unwrap().ends_with("main.tf"),
                "{f}"
            );
            assert!(f["location"]["line"].as_u64().unwrap() > 0, "{f}");
        }
    }
    // most twins are built to fail checks; Ingress, ConfigMap/Secret and a few others have none to fail
    assert!(
        with_findings >= 13,
        "{with_findings} of {} twins have findings",
        twins.len()
    );
}

const SEED: &str = r#"variable "rbac_developer_allowed_resources" {}
variable "rbac_developer_readonly_resources" {
  default = ["pods", "services"]
}

resource "kubernetes_cluster_role" "dev" {
  metadata {
    name = "developer"
  }

  rule {
    api_groups = ["*"]
    resources  = var.rbac_developer_allowed_resources
    verbs      = ["*"]
  }

  rule {
    api_groups = ["*"]
    resources  = var.rbac_developer_readonly_resources
    verbs      = ["get", "list", "watch"]
  }
}

resource "kubernetes_role_binding" "developer_binding" {
  metadata {
    name      = "developer-binding"
    namespace = "namespace0"
  }
  role_ref {
    api_group = "rbac.authorization.k8s.io"
    kind      = "ClusterRole"
    name      = "developer"
  }
  subject {
    kind      = "User"
    name      = "Martin"
    api_group = "rbac.authorization.k8s.io"
  }
}
"#;

#[test]
fn the_seed_example_is_flagged_on_its_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rbac.tf"), SEED).unwrap();
    let (code, v) = scan(dir.path(), &[]);
    assert_eq!(code, Some(0));
    let findings = v["findings"].as_array().unwrap();
    let wild = findings
        .iter()
        .find(|f| f["id"] == "rbac-wildcard")
        .expect("wildcard finding");
    assert_eq!(wild["location"]["line"], 14, "the verbs = [\"*\"] line");
    assert!(
        wild["location"]["file"]
            .as_str()
            .unwrap()
            .ends_with("rbac.tf")
    );
    let unknown = findings
        .iter()
        .find(|f| f["id"] == "unknown-value")
        .expect("unknown value reported");
    assert_eq!(unknown["location"]["line"], 13);
    assert_eq!(unknown["severity"], "info");
    // strict mode turns the unresolved variable into a failure
    let (code, v) = scan(dir.path(), &["--strict-unknown", "--fail-on", "high"]);
    assert_eq!(code, Some(1));
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["id"] == "unknown-value" && f["severity"] == "high")
    );
    // with a value for the variable, nothing is unknown
    let vars = dir.path().join("dev.tfvars");
    std::fs::write(
        &vars,
        "rbac_developer_allowed_resources = [\"deployments\"]\n",
    )
    .unwrap();
    let (_, v) = scan(dir.path(), &["--var-file", vars.to_str().unwrap()]);
    assert!(
        !v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["id"] == "unknown-value")
    );
    // and who-can sees Martin's grant in namespace0
    let out = Command::cargo_bin("palisade")
        .unwrap()
        .args(["rbac", "can", "Martin", "get", "pods", "-n", "namespace0"])
        .arg(dir.path())
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
fn invalid_hcl_is_located_and_the_rest_is_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.tf"),
        "resource \"kubernetes_pod\" \"x\" {\n  metadata {\n    name = \n  }\n}\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("ok.yaml"), "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a}\nspec: {containers: [{name: c, image: \"x:1\", securityContext: {privileged: true}}]}\n").unwrap();
    let out = Command::cargo_bin("palisade")
        .unwrap()
        .args(["scan", "--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let e = &v["errors"][0];
    assert!(e["file"].as_str().unwrap().ends_with("bad.tf"), "{e}");
    assert!(e["line"].as_u64().unwrap() >= 3, "{e}");
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["id"] == "pss-privileged")
    );
}
