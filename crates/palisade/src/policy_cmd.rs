//! `palisade policy test|eval`.

use crate::cli::{PolicyArgs, PolicyCommand};
use crate::exit;
use crate::output::{emit, emit_with, load_input, usage_error, use_color};
use palisade_findings::{CheckMeta, Finding, InputError, Severity};
use palisade_gatekeeper::suite::{CaseResult, run_suite};
use palisade_gatekeeper::{Inventory, PolicySet};
use palisade_model::Object;
use palisade_report::{Format, RenderOptions, ScanReport, write};
use std::path::{Path, PathBuf};

pub fn run(args: PolicyArgs) -> u8 {
    match args.command {
        PolicyCommand::Test {
            suites,
            format,
            verbose,
        } => test(&suites, &format, verbose),
        PolicyCommand::Eval {
            policies,
            inventory,
            input,
            format,
            output,
            fail_on,
            color,
        } => {
            let fail_on = if fail_on.eq_ignore_ascii_case("none") {
                None
            } else {
                match fail_on.parse::<Severity>() {
                    Ok(s) => Some(s),
                    Err(e) => return usage_error(e),
                }
            };
            let format: Format = match format.parse() {
                Ok(f) => f,
                Err(e) => return usage_error(e),
            };
            let loaded = match load_input(&input) {
                Ok(l) => l,
                Err(e) => return usage_error(e),
            };
            let (findings, perrs) = evaluate(&policies, &inventory, &loaded.objects);
            let mut errors = loaded.errors;
            errors.extend(perrs);
            let rules = rules_of(&findings);
            let n = loaded.objects.len();
            let workloads = loaded
                .objects
                .iter()
                .filter(|o| o.pod_template().is_some())
                .count();
            // the share of objects no constraint objects to
            let flagged: std::collections::HashSet<_> =
                findings.iter().map(|f| f.object.clone()).collect();
            let score = (100 * (n - flagged.len().min(n)))
                .checked_div(n)
                .map_or(100, |s| s as u32);
            let report = ScanReport::new(
                env!("CARGO_PKG_VERSION"),
                findings,
                Vec::new(),
                errors,
                rules,
                (n, workloads, loaded.files, score),
            );
            let opts = RenderOptions {
                color: format == Format::Table && use_color(color, output.is_some()),
                show_suppressed: false,
            };
            if let Err(e) = emit_with(output.as_deref(), |w| write(&report, format, opts, w)) {
                return usage_error(e);
            }
            if !report.errors.is_empty() {
                if format != Format::Table || output.is_some() {
                    for e in &report.errors {
                        eprintln!("palisade: {e}");
                    }
                }
                return exit::INPUT_ERROR;
            }
            match fail_on {
                Some(t) if report.findings.iter().any(|f| f.severity >= t) => exit::FINDINGS,
                _ => exit::OK,
            }
        }
    }
}

/// Loads the policies and applies them to `objects`, with `objects` (and
/// the `inventory` files) as `data.inventory`.
pub fn evaluate(
    policies: &[PathBuf],
    inventory: &[PathBuf],
    objects: &[Object],
) -> (Vec<Finding>, Vec<InputError>) {
    let opts = palisade_source::LoadOptions::default();
    let loaded = palisade_source::load(policies, &opts);
    let mut errors = loaded.errors;
    let (mut set, more) = PolicySet::from_objects(&loaded.objects);
    errors.extend(more);
    if set.is_empty() && errors.is_empty() {
        errors.push(InputError {
            file: policies
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            line: 0,
            column: 0,
            message: "no Constraint (with its ConstraintTemplate) found".into(),
        });
    }
    let mut inv = Inventory::default();
    for o in objects {
        inv.add_object(o);
    }
    if !inventory.is_empty() {
        let extra = palisade_source::load(inventory, &opts);
        errors.extend(extra.errors);
        for o in &extra.objects {
            inv.add_object(o);
        }
    }
    if let Err(e) = set.set_inventory(inv) {
        errors.push(InputError {
            file: "inventory".into(),
            line: 0,
            column: 0,
            message: e.0,
        });
    }
    (
        palisade_gatekeeper::findings::findings(&set, objects),
        errors,
    )
}

/// The rule metadata of the constraints that produced findings.
pub fn rules_of(findings: &[Finding]) -> Vec<&'static CheckMeta> {
    let mut v: Vec<&'static CheckMeta> = Vec::new();
    for f in findings {
        if !v.iter().any(|m| std::ptr::eq(*m, f.check)) {
            v.push(f.check);
        }
    }
    v
}

fn find_suites(p: &Path, out: &mut Vec<PathBuf>) {
    if p.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(p)
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        entries.sort();
        for e in entries {
            if e.is_dir() {
                find_suites(&e, out);
            } else if e.file_name().is_some_and(|n| n == "suite.yaml") {
                out.push(e);
            }
        }
    } else {
        out.push(p.to_path_buf());
    }
}

fn test(paths: &[PathBuf], format: &str, verbose: bool) -> u8 {
    let mut suites = Vec::new();
    for p in paths {
        find_suites(p, &mut suites);
    }
    if suites.is_empty() {
        return usage_error("no suite.yaml found");
    }
    let mut results: Vec<CaseResult> = Vec::new();
    let mut broken = Vec::new();
    for s in &suites {
        match run_suite(s) {
            Ok(r) => results.extend(r),
            Err(e) => broken.push(e),
        }
    }
    let passed = results.iter().filter(|r| r.status == "pass").count();
    let skipped = results.iter().filter(|r| r.status == "skip").count();
    let failed = results.len() - passed - skipped;
    let text = if format == "json" {
        let doc = serde_json::json!({
            "suites": suites.len(), "cases": results.len(), "passed": passed,
            "failed": failed, "skipped": skipped, "results": results, "errors": broken,
        });
        serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
    } else {
        let mut t = String::new();
        for r in &results {
            if verbose || !r.passed() {
                t.push_str(&format!(
                    "{:5} {} / {} / {}{}\n",
                    r.status.to_uppercase(),
                    r.suite,
                    r.test,
                    r.case,
                    r.reason
                        .as_deref()
                        .map(|x| format!(": {x}"))
                        .unwrap_or_default()
                ));
            }
        }
        for b in &broken {
            t.push_str(&format!("ERROR {b}\n"));
        }
        t.push_str(&format!(
            "{} suites, {} cases: {passed} passed, {failed} failed, {skipped} skipped\n",
            suites.len(),
            results.len()
        ));
        t
    };
    if let Err(e) = emit(&text, None) {
        return usage_error(e);
    }
    if !broken.is_empty() {
        exit::INPUT_ERROR
    } else if failed > 0 {
        exit::FINDINGS
    } else {
        exit::OK
    }
}
