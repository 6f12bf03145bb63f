//! Test suites for ValidatingAdmissionPolicies, in the gator `Suite`
//! format `palisade policy test` runs for Gatekeeper: a test names a
//! `policy:` file (the policy, its bindings and parameters) instead of a
//! template and a constraint; each case names an `object` file and may
//! give the labels of its namespace (`namespaceLabels`); the assertions
//! count violations and match their messages, as for Gatekeeper.
//!
//! ```yaml
//! kind: Suite
//! apiVersion: test.gatekeeper.sh/v1alpha1
//! tests:
//! - name: ingress hosts
//!   policy: policy.yaml
//!   cases:
//!   - name: allowed
//!     object: samples/allowed.yaml
//!     namespaceLabels: {team: shop}
//!     assertions: [{violations: no}]
//! ```

use crate::eval::Review;
use crate::policy::PolicySet;
use palisade_model::{Object, ObjectOptions, objects_from_document};
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

fn read(path: &Path) -> Result<Vec<Object>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let stream = palisade_yaml::parse_stream(&text, &palisade_yaml::Limits::default());
    if let Some(e) = stream.errors.first() {
        return Err(format!("{}: {e}", path.display()));
    }
    let file: Arc<str> = Arc::from(path.display().to_string());
    let mut out = Vec::new();
    for d in stream.documents {
        for o in objects_from_document(d.root, &file, &ObjectOptions::default()) {
            out.push(o.map_err(|e| e.to_string())?);
        }
    }
    Ok(out)
}

/// One case: the messages of the validations the case's object fails.
pub fn case(policy: &Path, case: &Json, dir: &Path) -> Result<Vec<String>, String> {
    let policy_objects = read(policy)?;
    let (set, errors) = PolicySet::from_objects(&policy_objects);
    if let Some(e) = errors.first() {
        return Err(e.to_string());
    }
    if set.is_empty() {
        return Err(format!(
            "{}: no ValidatingAdmissionPolicy",
            policy.display()
        ));
    }
    let object = case
        .get("object")
        .and_then(Json::as_str)
        .ok_or("case has no object")?;
    let labels: BTreeMap<String, String> = case
        .get("namespaceLabels")
        .and_then(Json::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                .collect()
        })
        .unwrap_or_default();
    let params = crate::eval::params_among(&policy_objects);
    let mut messages = Vec::new();
    for o in read(&dir.join(object))? {
        let mut ns_labels = labels.clone();
        if let Some(ns) = &o.namespace {
            ns_labels
                .entry("kubernetes.io/metadata.name".into())
                .or_insert_with(|| ns.clone());
        }
        let review = Review::create(o.admitted_json(), ns_labels);
        messages.extend(set.review(&review, &params).into_iter().map(|d| d.message));
    }
    Ok(messages)
}
