//! `palisade rbac …` end to end on the demo cluster and the audit2rbac corpus.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn palisade() -> Command {
    let mut c = Command::cargo_bin("palisade").unwrap();
    c.current_dir(repo());
    c
}

fn run_json(args: &[&str]) -> (Option<i32>, Value) {
    let out = palisade().args(args).output().unwrap();
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    (out.status.code(), v)
}

#[test]
fn who_can_read_secrets_in_the_demo() {
    let (code, v) = run_json(&[
        "rbac",
        "who-can",
        "get",
        "secrets",
        "examples/demo",
        "--format",
        "json",
    ]);
    assert_eq!(code, Some(0));
    let subjects: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            format!(
                "{}:{}",
                g["subject"]["kind"].as_str().unwrap(),
                g["subject"]["name"].as_str().unwrap()
            )
        })
        .collect();
    assert!(subjects.contains(&"Group:ci".to_string()), "{subjects:?}");
    assert!(
        subjects.contains(&"User:oncall@example.com".to_string()),
        "{subjects:?}"
    );
    // jobs/default holds `edit` in jobs: a namespaced grant, through the default role
    let default = v
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["subject"]["name"] == "default" && g["subject"]["namespace"] == "jobs")
        .expect("jobs/default can read secrets through edit");
    assert_eq!(default["scope"], "namespace jobs");
    assert_eq!(default["role"], "ClusterRole edit");
    assert_eq!(
        default["ruleSource"],
        "ClusterRole system:aggregate-to-edit"
    );
}

#[test]
fn can_answers_yes_and_no_with_exit_codes() {
    let out = palisade()
        .args([
            "rbac",
            "can",
            "jobs:default",
            "create",
            "pods",
            "-n",
            "jobs",
            "examples/demo",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8(out.stdout).unwrap().starts_with("yes"));
    let out = palisade()
        .args([
            "rbac",
            "can",
            "jobs:default",
            "create",
            "pods",
            "-n",
            "shop",
            "examples/demo",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8(out.stdout).unwrap().starts_with("no"));
    let (code, v) = run_json(&[
        "rbac",
        "can",
        "user:someone",
        "delete",
        "nodes",
        "--group",
        "ci",
        "examples/demo",
        "--format",
        "json",
    ]);
    assert_eq!(code, Some(0));
    assert_eq!(v["allowed"], true);
    assert!(
        v["grants"][0]["binding"]
            .as_str()
            .unwrap()
            .contains("ci-deployer")
    );
}

#[test]
fn explain_groups_by_scope() {
    let out = palisade()
        .args(["rbac", "explain", "oncall@example.com", "examples/demo"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("cluster-wide:"), "{text}");
    assert!(text.contains("secrets"), "{text}");
}

#[test]
fn risks_are_scan_findings() {
    let (code, v) = run_json(&["rbac", "risks", "examples/demo", "--format", "json"]);
    assert_eq!(code, Some(1));
    let ids: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    for id in [
        "rbac-cluster-admin",
        "rbac-wildcard",
        "rbac-read-secrets",
        "rbac-pods-exec",
        "rbac-default-service-account-bound",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    assert!(ids.iter().all(|id| id.starts_with("rbac-")));
    // the same findings come out of scan
    let (_, scan) = run_json(&["scan", "examples/demo", "--format", "json"]);
    let in_scan = scan["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"].as_str().unwrap().starts_with("rbac-"))
        .count();
    assert_eq!(in_scan, ids.len());
}

#[test]
fn paths_reach_cluster_admin() {
    let (code, v) = run_json(&["rbac", "paths", "examples/demo", "--format", "json"]);
    assert_eq!(code, Some(1));
    let starts: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["start"]["name"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(starts.contains(&"group:ci".to_string()), "{starts:?}");
    let out = palisade()
        .args(["rbac", "paths", "examples/demo", "--format", "mermaid"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .starts_with("flowchart LR")
    );
}

#[test]
fn generate_from_the_audit2rbac_log() {
    palisade_corpus::require!("audit2rbac/testdata/demo.log");
    let log = palisade_corpus::corpus_path("audit2rbac/testdata/demo.log");
    let out = palisade()
        .args(["rbac", "generate", "--user", "alice", "--audit-log"])
        .arg(&log)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let yaml = String::from_utf8(out.stdout).unwrap();
    assert!(yaml.contains("kind: Role\n"), "{yaml}");
    assert!(yaml.contains("namespace: ns1"));
    assert!(
        yaml.contains("    resources:\n      - configmaps\n      - pods\n      - secrets\n"),
        "{yaml}"
    );
    assert!(yaml.contains("    verbs:\n      - get\n      - list\n      - watch\n"));
    // the generated YAML is itself valid input
    let check = palisade()
        .args(["rbac", "can", "alice", "list", "secrets", "-n", "ns1", "-"])
        .write_stdin(yaml)
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(0));
    let tf = palisade()
        .args([
            "rbac",
            "generate",
            "--serviceaccount",
            "ns1:sa1",
            "--format",
            "terraform",
            "--audit-log",
        ])
        .arg(&log)
        .output()
        .unwrap();
    assert!(
        String::from_utf8(tf.stdout)
            .unwrap()
            .contains("kubernetes_role_binding_v1")
    );
}

#[test]
fn bad_rbac_input_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("b.yaml"),
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b, namespace: a}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: ghost}\nsubjects:\n- {kind: User, name: u}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: bad-selector}\naggregationRule:\n  clusterRoleSelectors:\n  - matchExpressions: [{key: a, operator: Sometimes}]\n",
    )
    .unwrap();
    let (code, v) = run_json(&[
        "rbac",
        "risks",
        "--format",
        "json",
        "--fail-on",
        "none",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0));
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "rbac-binding-missing-role")
        .unwrap();
    // pointed at the roleRef that names the missing role
    assert_eq!(f["location"]["line"], 4);
    assert_eq!(f["path"], "roleRef");
    let log = dir.path().join("audit.log");
    std::fs::write(&log, "{\"verb\":\"get\",\"user\":{\"username\":\"u\"},\"objectRef\":{\"resource\":\"pods\",\"namespace\":\"a\"}}\n{broken\n").unwrap();
    let out = palisade()
        .args(["rbac", "generate", "--user", "u", "--audit-log"])
        .arg(&log)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("audit.log:2"));
}

#[test]
fn matrix_lists_each_subject_with_verbs_resources_and_scopes() {
    let (code, v) = run_json(&["rbac", "matrix", "examples/demo", "--format", "json"]);
    assert_eq!(code, Some(0));
    let ci = v["group:ci"].as_array().expect("group ci is in the matrix");
    assert!(ci.iter().any(|p| p["verb"] == "get"
        && p["resource"] == "secrets"
        && p["scopes"][0] == "cluster-wide"));
    let jobs = v["serviceaccount:jobs:default"].as_array().unwrap();
    assert!(jobs.iter().any(|p| p["verb"] == "create"
        && p["resource"] == "pods"
        && p["scopes"] == serde_json::json!(["jobs"])));
}

#[test]
fn resources_read_as_kubectl_reads_them_and_typos_are_refused() {
    let out = |args: &[&str]| palisade().args(args).output().unwrap();
    // singular and short names mean the same resource as the plural
    let plural = out(&["rbac", "who-can", "get", "secrets", "examples/demo"]);
    for alias in ["secret", "Secret"] {
        let o = out(&["rbac", "who-can", "get", alias, "examples/demo"]);
        assert_eq!(o.status.code(), Some(0), "{alias}");
        assert_eq!(o.stdout, plural.stdout, "{alias}");
    }
    let o = out(&["rbac", "who-can", "list", "po", "examples/demo"]);
    assert_eq!(o.status.code(), Some(0));
    // a misspelt verb or resource is an error naming what was meant
    let o = out(&["rbac", "who-can", "gett", "secrets", "examples/demo"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("unknown verb \"gett\" (did you mean \"get\"?)"),
        "{err}"
    );
    let o = out(&["rbac", "who-can", "get", "secretz", "examples/demo"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("did you mean \"secrets\""), "{err}");
    // and so is a misspelt check id
    let o = out(&["checks", "explain", "pss-priviliged"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("did you mean \"pss-privileged\""), "{err}");
}

/// A misspelt namespace is said once, with the closest declared one; the
/// answer is still given (cluster-wide grants reach every namespace).
#[test]
fn misspelt_namespace_is_suggested() {
    let a = palisade()
        .current_dir(repo())
        .args([
            "rbac",
            "who-can",
            "get",
            "secrets",
            "-n",
            "shp",
            "examples/demo",
        ])
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    assert!(
        stderr.contains("namespace shp is not in the input; did you mean shop?"),
        "{stderr}"
    );
    let a = palisade()
        .current_dir(repo())
        .args([
            "rbac",
            "who-can",
            "get",
            "secrets",
            "-n",
            "default",
            "examples/demo",
        ])
        .assert()
        .success();
    assert!(a.get_output().stderr.is_empty());
}
