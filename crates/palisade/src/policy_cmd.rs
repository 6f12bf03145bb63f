//! `palisade policy test|eval`.

use crate::cli::{PolicyArgs, PolicyCommand};
use crate::exit;
use crate::output::{emit, emit_with, load_input, usage_error, use_color};
use palisade_gatekeeper::suite::CaseResult;
use palisade_report::{Format, RenderOptions, ScanReport, write};
use std::path::PathBuf;

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
            let format: Format = match format.parse() {
                Ok(f) => f,
                Err(e) => return usage_error(e),
            };
            let loaded = match load_input(&input) {
                Ok(l) => l,
                Err(e) => return usage_error(e),
            };
            // the policy files, read once: Gatekeeper's constraints and
            // ValidatingAdmissionPolicies (evaluated offline with CEL)
            let policy = palisade_source::load(&policies, &Default::default());
            let mut errors = loaded.errors;
            errors.extend(policy.errors);
            let (gatekeeper, more) = palisade_gatekeeper::PolicySet::from_objects(&policy.objects);
            errors.extend(more);
            let (vap, more) = palisade_vap::policy::PolicySet::from_objects(&policy.objects);
            errors.extend(more);
            if gatekeeper.is_empty() && vap.is_empty() && errors.is_empty() {
                errors.push(palisade_findings::InputError::about_files(
                    &policies,
                    "no Constraint (with its ConstraintTemplate) or ValidatingAdmissionPolicy (with a binding) found",
                ));
            }
            let (mut findings, more) =
                palisade_gatekeeper::evaluate::apply(gatekeeper, &inventory, &loaded.objects);
            errors.extend(more);
            findings.extend(palisade_vap::eval::apply(
                &vap,
                &policy.objects,
                &loaded.objects,
            ));
            findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
            let rules = palisade_findings::rules_of(&findings);
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
                width: crate::output::table_width(output.is_some()),
                ..Default::default()
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
            if fail_on.trips_any(report.findings.iter().map(|f| f.severity)) {
                exit::FINDINGS
            } else {
                exit::OK
            }
        }
    }
}

fn test(paths: &[PathBuf], format: &str, verbose: bool) -> u8 {
    let mut suites = Vec::new();
    for p in paths {
        palisade_gatekeeper::evaluate::find_suites(p, &mut suites);
    }
    if suites.is_empty() {
        return usage_error("no suite.yaml found");
    }
    let mut results: Vec<CaseResult> = Vec::new();
    let mut broken = Vec::new();
    for s in &suites {
        match palisade_gatekeeper::suite::run_suite_with(s, Some(&palisade_vap::suite::case)) {
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
