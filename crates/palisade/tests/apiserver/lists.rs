//! The API's own list format, saved with `kubectl get --raw`: typed lists
//! (`DeploymentList`, `NamespaceList`, …) whose items carry no apiVersion
//! or kind are read offline, the kind taken from the list.

use super::bed::{self, palisade};
use super::live::{apply_demo, demo_cleanup};
use serde_json::Value;
use std::collections::BTreeSet;

#[test]
fn raw_api_lists_scan_like_the_live_cluster() {
    let Some(b) = bed::bed() else { return };
    let _g = bed::lock();
    let _clean = demo_cleanup(b);
    apply_demo(b);
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    // every kind a live read lists, saved as the API returns it
    for (group, version, plural, _, _) in palisade_live::KINDS {
        let path = if group.is_empty() {
            format!("/api/{version}/{plural}")
        } else {
            format!("/apis/{group}/{version}/{plural}")
        };
        let (name, path) = (plural, path.as_str());
        let raw = b.ok(&["get", "--raw", path]);
        let v: Value = serde_json::from_str(&raw).unwrap();
        assert!(v["kind"].as_str().unwrap().ends_with("List"));
        let items = v["items"].as_array().unwrap();
        assert!(
            items.iter().all(|i| i.get("kind").is_none()),
            "typed list items carry no kind: {path}"
        );
        let f = dir.path().join(format!("{name}.json"));
        std::fs::write(&f, raw).unwrap();
        files.push(f);
    }
    let keys = |v: &Value, kinds: &[&str]| -> BTreeSet<String> {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| kinds.contains(&f["object"]["kind"].as_str().unwrap()))
            .map(|f| {
                format!(
                    "{} {}/{}",
                    f["id"], f["object"]["namespace"], f["object"]["name"]
                )
            })
            .collect()
    };
    let out = palisade()
        .args(["scan", "--format", "json", "--fail-on", "none"])
        .args(&files)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let offline: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        offline["errors"].as_array().is_none_or(Vec::is_empty),
        "{}",
        offline["errors"]
    );
    let out = palisade()
        .args([
            "scan",
            "--format",
            "json",
            "--fail-on",
            "none",
            "--cluster",
            "--kubeconfig",
        ])
        .arg(&b.admin)
        .output()
        .unwrap();
    let live: Value = serde_json::from_slice(&out.stdout).unwrap();
    let kinds = ["Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job"];
    let workloads = keys(&offline, &kinds);
    assert!(workloads.len() > 20, "{workloads:?}");
    assert_eq!(workloads, keys(&live, &kinds));
}
