//! `--cluster` and `palisade drift` against recorded API responses served
//! over HTTPS on localhost (the README says so: no API server can be
//! installed where palisade is built and tested).

use assert_cmd::Command;
use serde_json::Value;

fn palisade() -> Command {
    Command::cargo_bin("palisade").unwrap()
}

#[test]
fn scan_the_cluster_and_reproduce_it_offline() {
    let server = palisade_live::testserver::start();
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("cluster.yaml");
    let out = palisade()
        .args([
            "scan",
            "--cluster",
            "--format",
            "json",
            "--fail-on",
            "none",
            "--kubeconfig",
        ])
        .arg(server.kubeconfig.path())
        .arg("--dump")
        .arg(&dump)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("warning: clusterroles: forbidden"),
        "{stderr}"
    );
    let live: Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = live["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "pss-privileged")
        .expect("privileged pod on page 2");
    assert_eq!(f["location"]["file"], "cluster:Pod/shop/web-2");
    assert!(
        live["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["id"] == "pss-host-namespaces")
    );
    // the dump scans to the same findings
    let out = palisade()
        .args(["scan", "--format", "json", "--fail-on", "none"])
        .arg(&dump)
        .output()
        .unwrap();
    let offline: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids = |v: &Value| {
        let mut x: Vec<String> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| format!("{} {}", f["id"], f["object"]["name"]))
            .collect();
        x.sort();
        x
    };
    assert_eq!(ids(&live), ids(&offline));
}

#[test]
fn drift_against_the_cluster_and_a_dump() {
    let server = palisade_live::testserver::start();
    let dir = tempfile::tempdir().unwrap();
    let iac = dir.path().join("iac.yaml");
    std::fs::write(
        &iac,
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: web-2, namespace: shop}\nspec:\n  containers: [{name: c, image: \"nginx:1.27\"}]\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, namespace: shop}\n",
    )
    .unwrap();
    let out = palisade()
        .args(["drift", "--format", "json", "--cluster", "--iac"])
        .arg(&iac)
        .arg("--kubeconfig")
        .arg(server.kubeconfig.path())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let kinds: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            format!(
                "{} {}",
                d["kind"].as_str().unwrap(),
                d["object"]["name"].as_str().unwrap()
            )
        })
        .collect();
    assert!(kinds.contains(&"unmanaged web-1".to_string()), "{kinds:?}");
    assert!(
        kinds.contains(&"unmanaged web".to_string()),
        "the Service: {kinds:?}"
    );
    assert!(kinds.contains(&"missing app".to_string()), "{kinds:?}");
    assert!(
        kinds.contains(&"changed web-2".to_string()),
        "privileged added live: {kinds:?}"
    );
    // no drift against itself
    let out = palisade()
        .args(["drift", "--iac"])
        .arg(&iac)
        .arg("--live")
        .arg(&iac)
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
fn an_unreachable_cluster_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("kubeconfig");
    std::fs::write(&kc, "apiVersion: v1\nkind: Config\nclusters:\n- name: x\n  cluster: {server: \"https://127.0.0.1:9\"}\ncontexts:\n- name: x\n  context: {cluster: x, user: u}\ncurrent-context: x\nusers:\n- name: u\n  user: {token: t}\n").unwrap();
    let out = palisade()
        .args([
            "scan",
            "--cluster",
            "--request-timeout",
            "2",
            "--kubeconfig",
        ])
        .arg(&kc)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cluster: API discovery"));
}

#[test]
fn rbac_questions_against_the_cluster() {
    let server = palisade_live::testserver::start();
    let kc = server.kubeconfig.path().to_str().unwrap().to_string();
    let out = palisade()
        .args([
            "rbac",
            "who-can",
            "create",
            "pods",
            "-n",
            "shop",
            "--format",
            "json",
            "--cluster",
            "--kubeconfig",
            &kc,
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let who: Vec<String> = v
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
    // clusterroles could not be listed: the default roles are known offline
    assert!(who.contains(&"User:ops".to_string()), "{who:?}");
    assert!(who.contains(&"ServiceAccount:web".to_string()), "{who:?}");
    let out = palisade()
        .args([
            "rbac",
            "can",
            "shop:web",
            "create",
            "pods",
            "-n",
            "default",
            "--cluster",
            "--kubeconfig",
            &kc,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "edit is granted in shop only");
    let out = palisade()
        .args([
            "rbac",
            "paths",
            "--format",
            "json",
            "--cluster",
            "--kubeconfig",
            &kc,
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "ops is cluster-admin: a path exists"
    );
}
