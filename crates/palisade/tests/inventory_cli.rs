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
    // and so in every analysis: the checks see the Deployment once
    let scan = palisade()
        .args([
            "scan",
            "tests/fixtures/owners/pods-list.yaml",
            "-f",
            "json",
            "--fail-on",
            "none",
        ])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&scan.stdout).unwrap();
    let mut per_check: std::collections::BTreeMap<(String, String), usize> = Default::default();
    for f in doc["findings"].as_array().unwrap() {
        let o = &f["object"];
        assert!(
            o["kind"] != "Pod" || o["name"] == "etcd-node-1",
            "a pod of an absent owner was analyzed as a pod: {f}"
        );
        *per_check
            .entry((
                format!("{}/{}", o["kind"], o["name"]),
                f["id"].as_str().unwrap().to_string(),
            ))
            .or_default() += 1;
    }
    assert!(
        per_check.contains_key(&(
            "\"Deployment\"/\"web\"".into(),
            "pss-seccomp-restricted".into()
        )),
        "{per_check:?}"
    );
    assert!(per_check.values().all(|n| *n == 1), "{per_check:?}");
    assert_eq!(doc["summary"]["workloads"], 3);
    // the reachability matrix names the owners
    let matrix = palisade()
        .args(["netpol", "matrix", "tests/fixtures/owners/pods-list.yaml"])
        .output()
        .unwrap();
    let text = String::from_utf8(matrix.stdout).unwrap();
    assert!(text.contains("shop/web[Deployment]"), "{text}");
    assert!(text.contains("shop/db[StatefulSet]"), "{text}");
    assert!(!text.contains("web-7d9f8c6b5"), "{text}");
}

#[test]
fn kubevirt_virtual_machines_are_workloads() {
    let out = palisade()
        .args([
            "inventory",
            "tests/fixtures/kubevirt/vm-inventory.yaml",
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
    let w = doc["workloads"].as_array().unwrap();
    // the VM once; its instance is the VM's, not a second workload
    assert_eq!(w.len(), 1, "{w:#?}");
    let vm = &w[0];
    assert_eq!(vm["kind"], "VirtualMachine");
    assert_eq!(vm["name"], "legacy-erp");
    assert_eq!(vm["app"], "erp");
    assert_eq!(vm["serviceAccount"], "erp");
    assert_eq!(vm["containers"][0]["kind"], "disk");
    assert_eq!(
        vm["containers"][0]["image"]["image"],
        "quay.io/containerdisks/fedora:40"
    );
    assert_eq!(vm["mounts"]["persistentVolumeClaims"][0], "erp-data");
    assert_eq!(vm["mounts"]["secrets"][0], "erp-db");
    let exposure = vm["exposure"].as_array().unwrap();
    assert!(
        exposure
            .iter()
            .any(|e| e.as_str().unwrap().contains("NodePort")),
        "{exposure:?}"
    );
}
