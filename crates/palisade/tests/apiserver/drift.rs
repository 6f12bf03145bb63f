//! `palisade drift --cluster` after hand edits through kubectl.

use super::bed::{self, palisade};
use super::live::{apply_demo, demo_cleanup};
use serde_json::Value;

#[test]
fn drift_reports_exactly_the_three_hand_edits() {
    let Some(b) = bed::bed() else { return };
    let _g = bed::lock();
    let _clean = demo_cleanup(b);
    apply_demo(b);
    let repo = bed::repo();
    let drift = || {
        let out = palisade()
            .args(["drift", "--cluster", "--format", "json", "--kubeconfig"])
            .arg(&b.admin)
            .arg("--iac")
            .arg(repo.join("examples/demo"))
            .arg(repo.join("testbed/restricted-viewer.yaml"))
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
        let mut found: Vec<String> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                format!(
                    "{} {}/{}/{}",
                    d["kind"].as_str().unwrap(),
                    d["object"]["kind"].as_str().unwrap(),
                    d["object"]["namespace"].as_str().unwrap_or(""),
                    d["object"]["name"].as_str().unwrap()
                )
            })
            .collect();
        found.sort();
        (out.status.code(), found)
    };
    // freshly applied: the API server's defaults and its controllers'
    // objects are not drift
    let (code, found) = drift();
    assert_eq!(found, Vec::<String>::new());
    assert_eq!(code, Some(0));

    b.ok(&[
        "-n",
        "shop",
        "patch",
        "deployment",
        "frontend",
        "--type=strategic",
        "-p",
        r#"{"spec":{"template":{"spec":{"hostNetwork":true}}}}"#,
    ]);
    b.ok(&[
        "-n",
        "shop",
        "create",
        "configmap",
        "handmade",
        "--from-literal=mode=debug",
    ]);
    b.ok(&["-n", "data", "delete", "service", "postgres"]);
    let (code, found) = drift();
    assert_eq!(
        found,
        vec![
            "changed Deployment/shop/frontend".to_string(),
            "missing Service/data/postgres".to_string(),
            "unmanaged ConfigMap/shop/handmade".to_string(),
        ]
    );
    assert_eq!(code, Some(1));
}
