//! `palisade netpol …` end to end.

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

#[test]
fn connlist_of_microservices_demo_matches_the_expected_file() {
    palisade_corpus::require!("microservices-demo/expected-connectivity.txt");
    let root = palisade_corpus::corpus_path("microservices-demo");
    // the policies' files, not their directory: a directory with a
    // kustomization is built with kubectl, which this test does not need
    let mut policies: Vec<_> =
        std::fs::read_dir(root.join("kustomize/components/network-policies"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("network-policy-"))
            })
            .collect();
    policies.sort();
    let out = palisade()
        .args(["netpol", "matrix", "--format", "connlist"])
        .arg(root.join("release/kubernetes-manifests.yaml"))
        .args(&policies)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected: String = std::fs::read_to_string(root.join("expected-connectivity.txt"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), expected);
}

#[test]
fn reach_explains_both_sides_with_exit_codes() {
    let out = palisade()
        .args([
            "netpol",
            "reach",
            "examples/demo",
            "--from",
            "shop/api",
            "--to",
            "data/postgres",
            "--port",
            "5432",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("allowed: shop/api[Deployment] → data/postgres[StatefulSet] TCP 5432"),
        "{text}"
    );
    assert!(text.contains("allowed by ingress rule 1 of data/allow-postgres-from-shop-api (examples/demo/network-policies.yaml:25)"), "{text}");
    let out = palisade()
        .args([
            "netpol",
            "reach",
            "examples/demo",
            "--from",
            "shop/frontend",
            "--to",
            "data/postgres",
            "--port",
            "5432/TCP",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["allowed"], false);
    assert_eq!(
        v["ingress"]["isolatedBy"],
        serde_json::json!(["data/default-deny-all", "data/allow-postgres-from-shop-api"])
    );
    assert_eq!(v["egress"]["isolated"], false);
    // an address: data's egress allows DNS only
    let out = palisade()
        .args([
            "netpol",
            "reach",
            "examples/demo",
            "--from",
            "data/postgres",
            "--to",
            "0.0.0.0/0",
            "--port",
            "443",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    // misuse is exit 2 with the reason
    let out = palisade()
        .args([
            "netpol",
            "reach",
            "examples/demo",
            "--from",
            "shop/nope",
            "--to",
            "data/postgres",
            "--port",
            "5432",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("namespace shop has shop/api[Deployment], shop/frontend[Deployment]")
    );
}

#[test]
fn generated_policies_round_trip_in_yaml_and_terraform() {
    let dir = tempfile::tempdir().unwrap();
    let flows = dir.path().join("flows.csv");
    std::fs::write(
        &flows,
        "src,dst,port\nmonitoring/node-exporter,shop/api,8080/tcp\n",
    )
    .unwrap();
    let out = palisade()
        .args(["netpol", "generate", "examples/demo", "--flows"])
        .arg(&flows)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let yaml = String::from_utf8(out.stdout).unwrap();
    assert!(
        yaml.contains("verified with the reachability engine: exactly these flows are allowed"),
        "{yaml}"
    );
    assert!(
        yaml.contains("observed (") && yaml.contains("flows.csv:2)"),
        "{yaml}"
    );
    // apply: the workloads with only the generated policies
    let generated = dir.path().join("generated.yaml");
    std::fs::write(&generated, &yaml).unwrap();
    let reach = |from: &str, to: &str, port: &str| {
        palisade()
            .args([
                "netpol",
                "reach",
                "examples/demo/shop",
                "examples/demo/data/postgres.yaml",
                "examples/demo/jobs",
                "examples/demo/monitoring",
                "examples/demo/namespaces.yaml",
            ])
            .arg(&generated)
            .args(["--from", from, "--to", to, "--port", port])
            .output()
            .unwrap()
            .status
            .code()
    };
    assert_eq!(reach("shop/api", "data/postgres", "5432"), Some(0));
    assert_eq!(reach("jobs/worker", "shop/api", "8080"), Some(0));
    assert_eq!(
        reach("monitoring/node-exporter", "shop/api", "8080"),
        Some(0)
    );
    assert_eq!(reach("shop/frontend", "data/postgres", "5432"), Some(1));
    assert_eq!(reach("jobs/worker", "data/postgres", "5432"), Some(1));
    // Terraform: kubernetes_network_policy_v1 that palisade reads back
    let out = palisade()
        .args([
            "netpol",
            "generate",
            "examples/demo",
            "--format",
            "terraform",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let tf = String::from_utf8(out.stdout).unwrap();
    assert!(
        tf.contains("resource \"kubernetes_network_policy_v1\" \"data_allow_postgres_ingress\""),
        "{tf}"
    );
    std::fs::write(dir.path().join("netpol.tf"), &tf).unwrap();
    let out = palisade()
        .args(["scan", "--format", "json", "--fail-on", "none"])
        .arg(dir.path().join("netpol.tf"))
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v["errors"].as_array().unwrap().is_empty(),
        "{}",
        v["errors"]
    );
    assert!(
        !v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["id"] == "netpol-invalid")
    );
    // a bad flows line is an error with its line
    std::fs::write(&flows, "shop/api,shop/nope,80\n").unwrap();
    let out = palisade()
        .args(["netpol", "generate", "examples/demo", "--flows"])
        .arg(&flows)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("flows.csv:1: no workload shop/nope"));
}

#[test]
fn invalid_policies_are_reported_and_the_rest_analysed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("np.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: a, labels: {app: web}}\nspec: {containers: [{name: c, image: x:1}]}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: bad, namespace: a}\nspec:\n  podSelector: {}\n  ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [11.0.0.0/8]}}]}]\n",
    )
    .unwrap();
    let out = palisade()
        .args(["netpol", "matrix", "--format", "connlist"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("np.yaml:6: NetworkPolicy a/bad is invalid and ignored: spec.ingress[0].from[0].ipBlock.except[0]: except 11.0.0.0/8 is not inside cidr 10.0.0.0/8"));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "0.0.0.0-255.255.255.255[External] => a/web[Pod] : All Connections\na/web[Pod] => 0.0.0.0-255.255.255.255[External] : All Connections\n"
    );
    let out = palisade()
        .args(["scan", "--format", "json", "--fail-on", "none"])
        .arg(dir.path())
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "netpol-invalid")
        .unwrap();
    assert_eq!(f["location"]["line"], 11);
    assert_eq!(f["severity"], "high");
}

/// Unknown workloads and namespaces are refused with the closest match.
#[test]
fn misspelt_workloads_and_namespaces_are_suggested() {
    for (from, says) in [
        (
            "shp/api",
            "namespace shp has none; did you mean namespace shop?",
        ),
        ("shop/apii", "did you mean shop/api?"),
    ] {
        let a = palisade()
            .current_dir(repo())
            .args(["netpol", "reach", "--from", from, "--to", "shop/frontend"])
            .args(["--port", "80", "examples/demo"])
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&a.get_output().stderr).to_string();
        assert!(stderr.contains(says), "{stderr}");
    }
}

#[test]
fn kubevirt_virtual_machines_are_reachable_workloads() {
    let out = palisade()
        .args([
            "netpol",
            "reach",
            "--from",
            "vms/api",
            "--to",
            "vms/db-vm",
            "--port",
            "5432",
            "tests/fixtures/kubevirt/vm-netpol.yaml",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{text}");
    // the VM's template labels are selected and its interface's named
    // port resolves
    assert!(
        text.starts_with("allowed: vms/api[Deployment] → vms/db-vm[VirtualMachine] TCP 5432"),
        "{text}"
    );
    let out = palisade()
        .args([
            "netpol",
            "reach",
            "--from",
            "vms/api",
            "--to",
            "vms/db-vm",
            "--port",
            "22",
            "tests/fixtures/kubevirt/vm-netpol.yaml",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}
