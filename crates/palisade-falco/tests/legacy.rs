//! Falco's k8s-audit conformance cases (66, restated with corpus paths in
//! `falco-k8saudit/legacy-tests/expected.yaml`): each case loads its rules
//! files in order, reads its trace file and must raise exactly the expected
//! alerts — Falco's default `rule_matching: first`.

use palisade_falco::{Matching, Scratch, compile, event};
use std::collections::BTreeMap;

#[derive(serde::Deserialize)]
struct Expected {
    cases: Vec<Case>,
}

#[derive(serde::Deserialize)]
struct Case {
    name: String,
    trace_file: String,
    rules_files: Vec<String>,
    detect: bool,
    #[serde(default)]
    detect_counts: BTreeMap<String, usize>,
    #[serde(default)]
    stderr_contains: Option<String>,
}

fn run(case: &Case, base: &std::path::Path) -> Result<(), String> {
    let files: Vec<(String, String)> = case
        .rules_files
        .iter()
        .map(|f| {
            (
                f.clone(),
                std::fs::read_to_string(base.join(f)).expect("rules file"),
            )
        })
        .collect();
    let rs = compile(&files);
    if rs.has_errors() {
        return Err(format!("rules did not load: {:?}", rs.diags));
    }
    let trace = std::fs::read(base.join(&case.trace_file)).expect("trace");
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut errors = Vec::new();
    let mut events = Vec::new();
    event::read(trace.as_slice(), event::DEFAULT_MAX_EVENT_BYTES, |r| {
        match r {
            Ok((_, e)) => events.push(e),
            Err(e) => errors.push(e.to_string()),
        }
        true
    })
    .unwrap();
    let mut s = Scratch::new();
    for e in &events {
        for a in rs.evaluate(
            e,
            Matching::First,
            &mut s,
            &mut palisade_falco::Windows::new(),
        ) {
            *counts.entry(a.rule).or_default() += 1;
        }
    }
    if let Some(want) = &case.stderr_contains
        && !errors.iter().any(|e| e.contains(want.as_str()))
    {
        return Err(format!(
            "expected an error containing {want:?}, got {errors:?}"
        ));
    }
    if case.stderr_contains.is_none() && !errors.is_empty() {
        return Err(format!("unexpected read errors {errors:?}"));
    }
    if !case.detect && !counts.is_empty() {
        return Err(format!("expected no alert, got {counts:?}"));
    }
    if case.detect && counts.is_empty() {
        return Err("expected alerts, got none".into());
    }
    for (rule, n) in &case.detect_counts {
        let got = counts.get(rule).copied().unwrap_or(0);
        if got != *n {
            return Err(format!(
                "rule {rule:?}: expected {n} alerts, got {got} (all: {counts:?})"
            ));
        }
    }
    Ok(())
}

#[test]
fn falco_legacy_k8s_audit_cases() {
    palisade_corpus::require!("falco-k8saudit/legacy-tests/expected.yaml");
    let base = palisade_corpus::corpus_path("falco-k8saudit");
    let text =
        std::fs::read_to_string(base.join("legacy-tests/expected.yaml")).expect("expected.yaml");
    let stream = palisade_yaml::parse_stream(&text, &palisade_yaml::Limits::default());
    let exp: Expected = palisade_value::from_node(&stream.documents[0].root).expect("shape");
    assert_eq!(exp.cases.len(), 66);
    let mut failed = Vec::new();
    for c in &exp.cases {
        if let Err(e) = run(c, &base) {
            failed.push(format!("{}: {e}", c.name));
        }
    }
    let passed = exp.cases.len() - failed.len();
    eprintln!("falco legacy k8s_audit cases: {passed}/{}", exp.cases.len());
    assert!(
        failed.is_empty(),
        "{} failed:\n{}",
        failed.len(),
        failed.join("\n")
    );
}
