//! `gator verify` Suite files (`test.gatekeeper.sh/v1alpha1`, `kind: Suite`):
//! each test names a template and a constraint, each case an object (or an
//! AdmissionReview), optional inventory files, and assertions
//! (`violations: yes|no|N`, optionally limited to messages matching a
//! regular expression).

use crate::{Inventory, PolicySet, Review};
use palisade_source::{LoadOptions, load};
use serde_json::Value as Json;
use std::path::{Path, PathBuf};

/// The result of one case.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CaseResult {
    pub suite: String,
    pub test: String,
    pub case: String,
    /// `pass`, `fail`, `error` or `skip`.
    pub status: &'static str,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The violations found, for the report.
    pub violations: Vec<String>,
}

impl CaseResult {
    pub fn passed(&self) -> bool {
        matches!(self.status, "pass" | "skip")
    }
}

/// Every document of a YAML file, as written (an AdmissionReview has no
/// metadata, so these are not read as model objects).
fn read_yaml(path: &Path) -> Result<Vec<Json>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let stream = palisade_yaml::parse_stream(&text, &palisade_yaml::Limits::default());
    if let Some(e) = stream.errors.first() {
        return Err(format!("{}:{e}", path.display()));
    }
    let docs: Vec<Json> = stream.documents.iter().map(|d| d.root.to_json()).collect();
    if docs.is_empty() {
        return Err(format!("{}: no object", path.display()));
    }
    Ok(docs)
}

fn read_suite(path: &Path) -> Result<Json, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let stream = palisade_yaml::parse_stream(&text, &palisade_yaml::Limits::default());
    if let Some(e) = stream.errors.first() {
        return Err(format!("{}:{e}", path.display()));
    }
    let doc = stream
        .documents
        .into_iter()
        .next()
        .ok_or_else(|| format!("{}: empty file", path.display()))?;
    let j = doc.root.to_json();
    if j.get("kind").and_then(Json::as_str) != Some("Suite") {
        return Err(format!(
            "{}: not a gator Suite (kind: Suite)",
            path.display()
        ));
    }
    Ok(j)
}

/// An assertion's expected count.
enum Expect {
    AtLeastOne,
    Exactly(usize),
}

fn expectation(a: &Json) -> Result<Expect, String> {
    match a.get("violations") {
        None => Ok(Expect::AtLeastOne),
        Some(Json::String(s)) if s == "yes" => Ok(Expect::AtLeastOne),
        Some(Json::String(s)) if s == "no" => Ok(Expect::Exactly(0)),
        Some(Json::Bool(true)) => Ok(Expect::AtLeastOne),
        Some(Json::Bool(false)) => Ok(Expect::Exactly(0)),
        Some(Json::Number(n)) if n.as_u64().is_some() => {
            Ok(Expect::Exactly(n.as_u64().unwrap_or(0) as usize))
        }
        Some(Json::String(s)) => s
            .parse::<usize>()
            .map(Expect::Exactly)
            .map_err(|_| format!("violations: {s:?} is not yes, no or a count")),
        Some(other) => Err(format!("violations: {other} is not yes, no or a count")),
    }
}

/// Checks the assertions of a case against its violation messages.
fn check(assertions: &[Json], messages: &[String]) -> Result<(), String> {
    for a in assertions {
        let expect = expectation(a)?;
        let (n, what) = match a.get("message").and_then(Json::as_str) {
            Some(re) => {
                let r = regex::Regex::new(re).map_err(|e| format!("message {re:?}: {e}"))?;
                (
                    messages.iter().filter(|m| r.is_match(m)).count(),
                    format!(" matching {re:?}"),
                )
            }
            None => (messages.len(), String::new()),
        };
        match expect {
            Expect::AtLeastOne if n == 0 => {
                return Err(format!("expected at least one violation{what}, got none"));
            }
            Expect::Exactly(k) if k != n => {
                return Err(format!("expected {k} violation(s){what}, got {n}"));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Runs every test and case of one suite file.
pub fn run_suite(path: &Path) -> Result<Vec<CaseResult>, String> {
    run_suite_with(path, None)
}

/// Evaluates one case of a test that names a `policy:` file (a
/// ValidatingAdmissionPolicy with its bindings and parameters) instead of
/// a template and a constraint: `(policy file, case, directory of the
/// suite)` → the messages of the violations.
pub type PolicyCase<'a> = dyn Fn(&Path, &Json, &Path) -> Result<Vec<String>, String> + 'a;

/// [`run_suite`], with `policy_case` for tests that name a `policy:`.
pub fn run_suite_with(
    path: &Path,
    policy_case: Option<&PolicyCase<'_>>,
) -> Result<Vec<CaseResult>, String> {
    let suite = read_suite(path)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let at = |rel: &str| -> PathBuf { dir.join(rel) };
    let suite_name = path.display().to_string();
    let mut results = Vec::new();
    for test in suite
        .get("tests")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        let tname = test
            .get("name")
            .and_then(Json::as_str)
            .unwrap_or("")
            .to_string();
        let cases: Vec<&Json> = test
            .get("cases")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .collect();
        let result = |case: &Json, status, reason: Option<String>, violations| CaseResult {
            suite: suite_name.clone(),
            test: tname.clone(),
            case: case
                .get("name")
                .and_then(Json::as_str)
                .unwrap_or("")
                .to_string(),
            status,
            reason,
            violations,
        };
        if test.get("skip").and_then(Json::as_bool) == Some(true) {
            results.extend(cases.iter().map(|c| result(c, "skip", None, Vec::new())));
            continue;
        }
        if let Some(policy) = test.get("policy").and_then(Json::as_str) {
            let Some(eval) = policy_case else {
                results.extend(cases.iter().map(|c| {
                    result(c, "error", Some("a test with a policy: file needs a ValidatingAdmissionPolicy evaluator".into()), Vec::new())
                }));
                continue;
            };
            for case in cases {
                if case.get("skip").and_then(Json::as_bool) == Some(true) {
                    results.push(result(case, "skip", None, Vec::new()));
                    continue;
                }
                let (status, reason, messages) = judge(case, eval(&at(policy), case, dir));
                results.push(result(case, status, reason, messages));
            }
            continue;
        }
        let set = load_policies(test, &at);
        let set = match set {
            Ok(s) => s,
            Err(e) => {
                results.extend(
                    cases
                        .iter()
                        .map(|c| result(c, "error", Some(e.clone()), Vec::new())),
                );
                continue;
            }
        };
        for case in cases {
            if case.get("skip").and_then(Json::as_bool) == Some(true) {
                results.push(result(case, "skip", None, Vec::new()));
                continue;
            }
            let (status, reason, messages) = judge(case, run_case(&set, case, &at));
            results.push(result(case, status, reason, messages));
        }
    }
    Ok(results)
}

/// A case's status from what its evaluation said: `pass` or `fail` by its
/// assertions, `error` when it could not be evaluated.
fn judge(
    case: &Json,
    outcome: Result<Vec<String>, String>,
) -> (&'static str, Option<String>, Vec<String>) {
    match outcome {
        Ok(messages) => {
            let assertions: Vec<Json> = case
                .get("assertions")
                .and_then(Json::as_array)
                .cloned()
                .unwrap_or_default();
            match check(&assertions, &messages) {
                Ok(()) => ("pass", None, messages),
                Err(e) => ("fail", Some(e), messages),
            }
        }
        Err(e) => ("error", Some(e), Vec::new()),
    }
}

fn load_policies(test: &Json, at: &dyn Fn(&str) -> PathBuf) -> Result<PolicySet, String> {
    let field = |k: &str| -> Result<PathBuf, String> {
        test.get(k)
            .and_then(Json::as_str)
            .map(at)
            .ok_or_else(|| format!("test has no {k}"))
    };
    let loaded = load(
        &[field("template")?, field("constraint")?],
        &LoadOptions::default(),
    );
    if let Some(e) = loaded.errors.first() {
        return Err(e.to_string());
    }
    let (set, errors) = PolicySet::from_objects(&loaded.objects);
    if let Some(e) = errors.first() {
        return Err(e.to_string());
    }
    if set.is_empty() {
        return Err("no constraint loaded".into());
    }
    Ok(set)
}

fn run_case(
    set: &PolicySet,
    case: &Json,
    at: &dyn Fn(&str) -> PathBuf,
) -> Result<Vec<String>, String> {
    let object = case
        .get("object")
        .and_then(Json::as_str)
        .ok_or("case has no object")?;
    let mut set = set.clone();
    let inventory_files: Vec<&str> = case
        .get("inventory")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(Json::as_str)
        .collect();
    if !inventory_files.is_empty() {
        let mut inv = Inventory::default();
        for f in inventory_files {
            for o in read_yaml(&at(f))? {
                inv.add(&o);
            }
        }
        set.set_inventory(inv).map_err(|e| e.0)?;
    }
    let mut messages = Vec::new();
    for obj in read_yaml(&at(object))? {
        let review = if obj.get("kind").and_then(Json::as_str) == Some("AdmissionReview") {
            Review::from_request(obj.get("request").unwrap_or(&Json::Null))
        } else {
            Review::create(obj)
        };
        let out = set.review(&review);
        if let Some(e) = out.errors.first() {
            return Err(format!("{} {}: {}", e.kind, e.constraint, e.message));
        }
        messages.extend(out.violations.into_iter().map(|v| v.message));
    }
    Ok(messages)
}
