//! Every case of every gator Suite in the Gatekeeper library
//! (shared/corpus/gatekeeper-library: 49 suites, 270 cases) must pass.

use palisade_corpus::corpus_path;
use palisade_gatekeeper::suite::run_suite;

#[test]
fn gatekeeper_library_suites_pass() {
    palisade_corpus::require!("gatekeeper-library/library");
    let root = corpus_path("gatekeeper-library/library");
    let mut suites = Vec::new();
    for group in ["general", "pod-security-policy"] {
        for e in std::fs::read_dir(root.join(group)).unwrap() {
            let p = e.unwrap().path().join("suite.yaml");
            if p.exists() {
                suites.push(p);
            }
        }
    }
    suites.sort();
    assert_eq!(suites.len(), 49, "the corpus holds 49 suites");
    let mut total = 0;
    let mut failures = Vec::new();
    for s in &suites {
        let results = run_suite(s).unwrap_or_else(|e| panic!("{}: {e}", s.display()));
        for r in results {
            total += 1;
            if r.status != "pass" {
                failures.push(format!(
                    "{} / {} / {}: {} {}  violations: {:?}",
                    r.suite,
                    r.test,
                    r.case,
                    r.status,
                    r.reason.unwrap_or_default(),
                    r.violations
                ));
            }
        }
    }
    assert_eq!(total, 270, "the corpus holds 270 cases");
    assert!(
        failures.is_empty(),
        "{} of {total} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
