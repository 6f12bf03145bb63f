//! Test helpers: YAML in, findings of one check out.

use crate::engine::{Settings, run};
use palisade_findings::Finding;
use palisade_model::{Model, ObjectOptions, objects_from_document};
use std::collections::HashSet;
use std::sync::Arc;

/// Loads a YAML stream into a model (panics on any input error).
pub fn model(yaml: &str) -> Model {
    let stream = palisade_yaml::parse_stream(yaml, &palisade_yaml::Limits::default());
    assert!(stream.errors.is_empty(), "{:?}", stream.errors);
    let file: Arc<str> = Arc::from("test.yaml");
    let mut objects = Vec::new();
    for d in stream.documents {
        for o in objects_from_document(d.root, &file, &ObjectOptions::default()) {
            objects.push(o.expect("valid object"));
        }
    }
    Model::new(objects)
}

/// Runs only `check` over `yaml`.
pub fn findings(check: &str, yaml: &str) -> Vec<Finding> {
    let settings = Settings {
        only: Some(HashSet::from([check.to_string()])),
        ..Settings::default()
    };
    run(&model(yaml), &settings).findings
}

/// Runs only `checks` over `yaml`.
pub fn findings_with(yaml: &str, checks: &[&str]) -> Vec<Finding> {
    let settings = Settings {
        only: Some(checks.iter().map(|c| c.to_string()).collect()),
        ..Settings::default()
    };
    run(&model(yaml), &settings).findings
}

/// `(line, message)` of each finding of `check`.
pub fn lines(check: &str, yaml: &str) -> Vec<(u32, String)> {
    findings(check, yaml)
        .into_iter()
        .map(|f| (f.location.line, f.message))
        .collect()
}

/// A Deployment in `ns` whose pod spec is `spec` (YAML indented for
/// `spec.template.spec`, i.e. 6 spaces).
pub fn deployment(ns: &str, spec: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\n  namespace: {ns}\nspec:\n  selector: {{matchLabels: {{app: a}}}}\n  template:\n    metadata:\n      labels: {{app: a}}\n    spec:\n{spec}"
    )
}

/// A Namespace with a Pod Security `enforce` level.
pub fn namespace(name: &str, level: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n  labels:\n    pod-security.kubernetes.io/enforce: {level}\n---\n"
    )
}
