//! The generated Pod Security policy, evaluated offline with palisade's CEL,
//! decides every upstream Pod Security Admission fixture as the fixture
//! says: `shared/corpus/pod-security-admission/testdata/<level>/<version>/
//! <pass|fail>/*.yaml`, every level and version, none skipped. (The same
//! policy applied to a real API server is proven in the test bed:
//! `crates/palisade/tests/apiserver/vap.rs`.)

use palisade_model::{Object, ObjectOptions, objects_from_document};
use palisade_pss::Version;
use palisade_vap::eval::{Review, resource_of};
use palisade_vap::generate::{Options, generate};
use palisade_vap::policy::{Action, PolicySet};
use palisade_yaml::{Limits, parse_stream};
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::sync::Arc;

fn objects(text: &str, file: &str) -> Vec<Object> {
    let stream = parse_stream(text, &Limits::default());
    assert!(stream.errors.is_empty(), "{file}: {:?}", stream.errors);
    let file: Arc<str> = Arc::from(file);
    stream
        .documents
        .into_iter()
        .flat_map(|d| objects_from_document(d.root, &file, &ObjectOptions::default()))
        .map(|o| o.unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

/// The generated policy of `version`, its bindings and parameters.
fn policies(version: Version) -> (PolicySet, Vec<Object>) {
    let generated = generate(&Options {
        pss_version: version,
        exempt_namespaces: Vec::new(),
        policies: vec!["pod-security".into()],
        ..Options::default()
    })
    .unwrap();
    let objs = objects(&generated.to_yaml(), "generated.yaml");
    let (set, errors) = PolicySet::from_objects(&objs);
    assert!(errors.is_empty(), "{errors:?}");
    (set, objs)
}

#[test]
fn generated_pod_security_policy_decides_every_upstream_fixture() {
    palisade_corpus::require!("pod-security-admission/testdata");
    let root = palisade_corpus::corpus_path("pod-security-admission/testdata");
    let mut total = 0;
    let mut failures = Vec::new();
    let mut versions: Vec<String> = std::fs::read_dir(root.join("baseline"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    versions.sort();
    for v in &versions {
        let version: Version = v.parse().unwrap();
        let (set, objs) = policies(version);
        let params = palisade_vap::eval::params_among(&objs);
        for level in ["baseline", "restricted"] {
            for outcome in ["pass", "fail"] {
                let dir = root.join(level).join(v).join(outcome);
                let mut files: Vec<_> = std::fs::read_dir(&dir)
                    .unwrap()
                    .map(|e| e.unwrap().path())
                    .collect();
                files.sort();
                for f in files {
                    total += 1;
                    let text = std::fs::read_to_string(&f).unwrap();
                    let pod = objects(&text, &f.display().to_string()).remove(0);
                    let mut object = pod.admitted_json();
                    object["metadata"]["namespace"] = Json::from("pss-test");
                    let labels = BTreeMap::from([
                        (
                            "kubernetes.io/metadata.name".to_string(),
                            "pss-test".to_string(),
                        ),
                        (
                            "pod-security.kubernetes.io/enforce".to_string(),
                            level.to_string(),
                        ),
                    ]);
                    let review = Review::create(object, labels);
                    assert_eq!(review.resource, resource_of("Pod"));
                    let decisions = set.review(&review, &params);
                    let denied = decisions.iter().any(|d| d.actions.contains(&Action::Deny));
                    let errors: Vec<_> = decisions
                        .iter()
                        .filter(|d| d.message.contains("could not be evaluated"))
                        .collect();
                    let rel = f.strip_prefix(&root).unwrap().display().to_string();
                    if !errors.is_empty() {
                        failures.push(format!("{rel}: {errors:?}"));
                    } else if denied != (outcome == "fail") {
                        failures.push(format!("{rel}: denied={denied} {decisions:?}"));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} fixtures decided wrongly:\n{}",
        failures.len(),
        failures[..failures.len().min(30)].join("\n")
    );
    assert_eq!(total, 4537);
}
