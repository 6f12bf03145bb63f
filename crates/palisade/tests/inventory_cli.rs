//! `palisade inventory` on the demo cluster, every format.

use assert_cmd::Command;
use serde_json::Value;
use std::path::PathBuf;

fn palisade() -> Command {
    let mut c = Command::cargo_bin("palisade").unwrap();
    c.current_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.."));
    c
}

#[test]
fn inventory_of_the_demo_cluster() {
    let out = palisade()
        .args(["inventory", "examples/demo", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ws = v["workloads"].as_array().unwrap();
    assert_eq!(ws.len(), 8);
    let api = ws.iter().find(|w| w["name"] == "api").unwrap();
    assert_eq!(api["serviceAccount"], "api");
    assert_eq!(api["containers"][0]["image"]["pinned"], true);
    assert!(api["exposure"].as_array().unwrap().iter().any(|e| {
        e.as_str()
            .unwrap()
            .starts_with("Ingress shop shop.example.com/api (TLS)")
    }));
    assert_eq!(api["mounts"]["secrets"][0], "shop-api-db");
    let ne = ws.iter().find(|w| w["name"] == "node-exporter").unwrap();
    assert!(
        ne["exposure"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e == "hostNetwork")
    );
    let edges = v["edges"].as_array().unwrap();
    assert!(
        edges
            .iter()
            .any(|e| e["from"] == "shop/api" && e["to"] == "data/postgres" && e["port"] == 5432)
    );
    assert_eq!(v["summary"]["unpinnedImages"].as_array().unwrap().len(), 7);
    let csv = palisade()
        .args(["inventory", "examples/demo", "--format", "csv"])
        .output()
        .unwrap();
    let text = String::from_utf8(csv.stdout).unwrap();
    assert!(text.starts_with("namespace,kind,name,replicas"));
    assert_eq!(text.lines().count(), 9);
    let md = palisade()
        .args(["inventory", "examples/demo", "--format", "markdown"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8(md.stdout)
            .unwrap()
            .contains("## Declared connections")
    );
    let table = palisade()
        .args(["inventory", "examples/demo"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8(table.stdout)
            .unwrap()
            .contains("Unpinned images (7)")
    );
}

#[test]
fn pods_whose_owner_is_absent_are_their_owners_workload() {
    let out = palisade()
        .args([
            "inventory",
            "tests/fixtures/owners/pods-list.yaml",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let got: Vec<(String, String, String, i64)> = doc["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["namespace"].as_str().unwrap().to_string(),
                w["kind"].as_str().unwrap().to_string(),
                w["name"].as_str().unwrap().to_string(),
                w["replicas"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    // three pods of one ReplicaSet are its Deployment (pod-template-hash
    // removed), a StatefulSet's pod is the StatefulSet, a mirror pod stays a pod
    assert_eq!(
        got,
        [
            ("kube-system".into(), "Pod".into(), "etcd-node-1".into(), 1),
            ("shop".into(), "Deployment".into(), "web".into(), 3),
            ("shop".into(), "StatefulSet".into(), "db".into(), 1),
        ]
    );
}
