//! `palisade threat-model` on the demo cluster (Markdown snapshot, JSON,
//! HTML) and on the live cluster (recorded API responses).

use assert_cmd::Command;
use serde_json::Value;
use std::path::PathBuf;

fn palisade() -> Command {
    let mut c = Command::cargo_bin("palisade").unwrap();
    c.current_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.."));
    c
}

fn run(args: &[&str]) -> String {
    let out = palisade().args(args).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn demo_threat_model_markdown() {
    let md = run(&["threat-model", "examples/demo"]);
    // byte-identical on every run: fit for git and review
    assert_eq!(
        md,
        run(&["threat-model", "examples/demo", "--format", "markdown"])
    );
    insta::assert_snapshot!("demo_markdown", md);
}

fn path<'a>(v: &'a Value, start: &str, target: &str) -> &'a Value {
    v["paths"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["start"] == start && p["target"] == target)
        .unwrap_or_else(|| panic!("no path {start} → {target}: {:#}", v["paths"]))
}

#[test]
fn demo_threat_model_json() {
    let v: Value =
        serde_json::from_str(&run(&["threat-model", "examples/demo", "--format", "json"])).unwrap();
    assert_eq!(v["source"], "examples/demo");
    let profiles: Vec<&str> = v["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(profiles, ["end-user", "internal", "privileged"]);
    // internet → ingress → api pod → (no egress policy in shop) → postgres
    let p = path(&v, "internet", "data of data/postgres");
    let hops: Vec<&str> = p["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["to"].as_str().unwrap())
        .collect();
    assert_eq!(
        hops,
        ["Ingress shop/shop", "pod shop/api", "data of data/postgres"]
    );
    let last = &p["steps"][2]["evidence"];
    assert!(
        last.as_array()
            .unwrap()
            .iter()
            .any(|e| e["check"] == "netpol-no-default-deny-egress"
                && e["file"] == "examples/demo/shop/api.yaml")
    );
    assert!(last.as_array().unwrap().iter().any(|e| e["object"]
        == "data/NetworkPolicy/allow-postgres-from-shop-api"
        && e["line"].as_u64().unwrap() > 0));
    // the front end cannot reach postgres directly: data admits only shop/api
    assert!(
        v["paths"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| !(p["start"] == "shell in pod shop/frontend"
                && p["target"] == "data of data/postgres"))
    );
    // pod shell → privileged + docker.sock → node → what the node holds
    let p = path(&v, "shell in pod jobs/nightly-report", "node");
    assert_eq!(p["impact"], "severe");
    let ev = p["steps"][0]["evidence"].as_array().unwrap();
    assert!(
        ev.iter()
            .any(|e| e["check"] == "pss-privileged" && e["line"] == 41)
    );
    assert!(
        ev.iter()
            .any(|e| e["check"] == "container-runtime-socket" && e["line"] == 54)
    );
    let yields: Vec<&str> = p["yields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|y| y.as_str().unwrap())
        .collect();
    assert!(
        yields
            .iter()
            .any(|y| y.starts_with("service-account tokens there:")
                && y.contains("serviceaccount:jobs:default (")),
        "{yields:?}"
    );
    assert!(
        yields
            .iter()
            .any(|y| y.contains("data/postgres-credentials")),
        "{yields:?}"
    );
    let p = path(
        &v,
        "shell in pod jobs/nightly-report",
        "data of data/postgres",
    );
    assert_eq!(p["steps"][0]["to"], "node");
    // the default service account of jobs holds `edit`: create a privileged pod
    let p = path(&v, "shell in pod jobs/worker", "node");
    assert!(
        p["steps"][1]["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["check"] == "namespace-no-psa-labels")
    );
    // pod shell → privileged/hostPath → node → a token on the node → RBAC → cluster-admin
    let p = path(&v, "shell in pod jobs/nightly-report", "cluster-admin");
    assert_eq!(p["impact"], "critical");
    let hops: Vec<&str> = p["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["to"].as_str().unwrap())
        .collect();
    assert_eq!(
        hops,
        [
            "node",
            "serviceaccount:monitoring:event-exporter",
            "cluster-admin"
        ]
    );
    let rbac_step = p["steps"][2]["evidence"].as_array().unwrap();
    assert!(
        rbac_step.iter().any(|e| e["check"] == "rbac-cluster-admin"
            && e["file"] == "examples/demo/monitoring/event-exporter.yaml"),
        "{rbac_step:#?}"
    );
    // API access: group ci (ClusterRole ci-deployer) and oncall (Secrets everywhere)
    assert_eq!(path(&v, "group:ci", "cluster-admin")["id"], "AP-01");
    path(&v, "user:oncall@example.com", "cluster-admin");
    // STRIDE with evidence and status
    let threats = v["threats"].as_array().unwrap();
    let t = threats
        .iter()
        .find(|t| t["id"] == "app/jobs/nightly-report#E1")
        .unwrap();
    assert_eq!(t["status"], "open");
    assert!(
        t["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["check"] == "pss-privileged")
    );
    let t = threats
        .iter()
        .find(|t| t["id"] == "app/shop/api#I1")
        .unwrap();
    assert_eq!(t["status"], "open");
    assert_eq!(t["evidence"][0]["file"], "examples/demo/shop/api.yaml");
    let t = threats
        .iter()
        .find(|t| t["id"] == "app/data/postgres#T1")
        .unwrap();
    assert_eq!(t["status"], "mitigated");
    assert!(
        t["verified"]
            .as_str()
            .unwrap()
            .contains("readonly-root-filesystem")
    );
    // node-exporter's host mounts were accepted with a reason
    let t = threats
        .iter()
        .find(|t| t["id"] == "app/monitoring/node-exporter#E1")
        .unwrap();
    assert_eq!(t["status"], "accepted", "{t:#}");
    let components: Vec<&str> = v["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    for cp in [
        "api-server",
        "etcd",
        "kubelet",
        "kube-proxy",
        "scheduler",
        "controller-manager",
        "coredns",
    ] {
        assert!(
            components.contains(&format!("control-plane/{cp}").as_str()),
            "{cp}"
        );
    }
    let db = v["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "app/data/postgres")
        .unwrap();
    assert_eq!(db["kind"], "data-store");
}

#[test]
fn demo_threat_model_html_is_self_contained() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("threat.html");
    let status = palisade()
        .args(["threat-model", "examples/demo", "--format", "html", "-o"])
        .arg(&out)
        .output()
        .unwrap()
        .status;
    assert_eq!(status.code(), Some(0));
    let page = std::fs::read_to_string(&out).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("<style>"));
    assert!(page.matches("<svg ").count() >= 2, "an SVG per attack path");
    assert!(page.contains("flowchart LR"), "the Mermaid sources as text");
    assert!(!page.contains("<script"));
    assert!(!page.contains("https://"));
    assert!(!page.contains("<link"));
}

#[test]
fn threat_model_of_the_live_cluster() {
    let server = palisade_live::testserver::start();
    let out = Command::cargo_bin("palisade")
        .unwrap()
        .args([
            "threat-model",
            "--cluster",
            "--format",
            "json",
            "--kubeconfig",
        ])
        .arg(server.kubeconfig.path())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["source"], "cluster");
    let p = path(&v, "shell in pod shop/web-2", "node");
    assert_eq!(
        p["steps"][0]["evidence"][0]["file"],
        "cluster:Pod/shop/web-2"
    );
    path(&v, "user:ops", "cluster-admin");
}

#[test]
fn threat_model_needs_an_input() {
    let out = palisade().args(["threat-model"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = palisade()
        .args(["threat-model", "examples/demo", "--format", "pdf"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
