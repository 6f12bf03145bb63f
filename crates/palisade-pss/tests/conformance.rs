//! Conformance with the upstream Pod Security Admission fixtures:
//! `shared/corpus/pod-security-admission/testdata/<level>/<version>/<pass|fail>/<check><n>.yaml`.
//! Every `pass/` pod must be allowed and every `fail/` pod denied at its
//! level and version, with the check named by the file prefix among the
//! violations. No fixture is skipped.

use palisade_model::{ObjectOptions, Typed, objects_from_document};
use palisade_pss::{Level, LevelVersion, Version, allowed, evaluate};
use palisade_yaml::{Limits, parse_stream};
use std::path::Path;
use std::sync::Arc;

fn load_pod(path: &Path) -> Box<palisade_model::k8s_openapi::api::core::v1::Pod> {
    let text = std::fs::read_to_string(path).unwrap();
    let stream = parse_stream(&text, &Limits::default());
    assert!(
        stream.errors.is_empty(),
        "{}: {:?}",
        path.display(),
        stream.errors
    );
    let doc = stream.documents.into_iter().next().expect("one document");
    let file: Arc<str> = Arc::from(path.display().to_string());
    let mut objs = objects_from_document(doc.root, &file, &ObjectOptions::default());
    let obj = objs
        .remove(0)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    match obj.typed {
        Typed::Pod(p) => p,
        _ => panic!("{} is not a Pod", path.display()),
    }
}

/// `runasnonroot1.yaml` → `runasnonroot`
fn check_prefix(file_name: &str) -> String {
    file_name
        .trim_end_matches(".yaml")
        .trim_end_matches(|c: char| c.is_ascii_digit())
        .to_string()
}

#[test]
fn pod_security_admission_fixtures() {
    palisade_corpus::require!("pod-security-admission/testdata");
    let root = palisade_corpus::corpus_path("pod-security-admission/testdata");
    let mut total = 0;
    let mut failures = Vec::new();
    let mut per_level = std::collections::BTreeMap::new();
    for level in ["baseline", "restricted"] {
        let lvl: Level = level.parse().unwrap();
        let mut versions: Vec<_> = std::fs::read_dir(root.join(level))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        versions.sort();
        assert_eq!(versions.len(), 38, "v1.0 … v1.37 for {level}");
        for v in versions {
            let version: Version = v.parse().unwrap();
            let lv = LevelVersion {
                level: lvl,
                version,
            };
            for outcome in ["pass", "fail"] {
                let dir = root.join(level).join(&v).join(outcome);
                let mut files: Vec<_> = std::fs::read_dir(&dir)
                    .unwrap()
                    .map(|e| e.unwrap().path())
                    .collect();
                files.sort();
                for f in files {
                    total += 1;
                    *per_level.entry((level, outcome)).or_insert(0) += 1;
                    let pod = load_pod(&f);
                    let spec = pod.spec.as_ref().expect("fixture has a spec");
                    let violations = evaluate(lv, Some(&pod.metadata), spec);
                    let ok = allowed(&violations);
                    let rel = f.strip_prefix(&root).unwrap().display().to_string();
                    if outcome == "pass" {
                        if !ok {
                            failures.push(format!("{rel}: denied: {violations:?}"));
                        }
                    } else {
                        let want = check_prefix(f.file_name().unwrap().to_str().unwrap());
                        let named = violations
                            .iter()
                            .any(|v| v.check.to_ascii_lowercase() == want);
                        if ok {
                            failures.push(format!("{rel}: allowed"));
                        } else if !named {
                            failures.push(format!(
                                "{rel}: denied but {want} not among {:?}",
                                violations.iter().map(|v| v.check).collect::<Vec<_>>()
                            ));
                        }
                    }
                }
            }
        }
    }
    eprintln!(
        "pod-security-admission fixtures: {total} evaluated, {} failed; {per_level:?}",
        failures.len()
    );
    assert_eq!(total, 4537, "fixture count (SOURCES.md)");
    assert!(
        failures.is_empty(),
        "{} of {total} fixtures failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
