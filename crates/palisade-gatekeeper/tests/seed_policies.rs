//! The seed's admission examples, as Gatekeeper policies shipped in
//! `policies/`: an Ingress host allowlist, and unique Ingress hosts per
//! namespace and cluster-wide, wildcard hosts included.

use palisade_gatekeeper::suite::run_suite;
use std::path::Path;

fn run(name: &str) -> usize {
    let suite = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../policies")
        .join(name)
        .join("suite.yaml");
    let results = run_suite(&suite).unwrap();
    let failed: Vec<String> = results
        .iter()
        .filter(|r| r.status != "pass")
        .map(|r| {
            format!(
                "{} / {}: {} {:?} {:?}",
                r.test, r.case, r.status, r.reason, r.violations
            )
        })
        .collect();
    assert!(failed.is_empty(), "{}", failed.join("\n"));
    results.len()
}

#[test]
fn ingress_host_allowlist() {
    assert_eq!(run("ingress-host-allowlist"), 9);
}

#[test]
fn unique_ingress_hosts_with_wildcards() {
    assert_eq!(run("unique-ingress-host"), 10);
}
