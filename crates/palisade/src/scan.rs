//! `palisade scan`.

use crate::cli::ScanArgs;
use crate::exit;
use crate::output::{emit_with, load_input, usage_error, use_color};
use palisade_checks::{Config, Settings, catalogue, find};
use palisade_findings::{Severity, Threshold};
use palisade_model::Model;
use palisade_report::{Format, RenderOptions, ScanReport, SuppressedFinding, write};

/// What a scan found, before it is rendered.
pub(crate) struct Scanned {
    pub model: Model,
    /// Findings at or above `--min-severity`, suppressed, errors, summary.
    pub report: ScanReport,
    /// Every reported finding, whatever `--min-severity` (the history).
    pub all_findings: Vec<palisade_findings::Finding>,
    /// Evaluations per check (the score).
    pub stats: Vec<palisade_checks::CheckStats>,
    pub fail_on: Threshold,
    pub format: Format,
    /// Image archives read (`--images`) and whether a vulnerability
    /// database matched their packages.
    pub images: usize,
    pub vuln_db: bool,
}

pub fn run(args: ScanArgs) -> u8 {
    let now = match args
        .history
        .as_ref()
        .map(|_| palisade_history::now(args.now.as_deref()))
    {
        Some(Err(e)) => return usage_error(e),
        Some(Ok(t)) => Some(t),
        None => None,
    };
    let scanned = match analyze(&args) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let Scanned {
        model,
        report,
        all_findings,
        fail_on,
        format,
        ..
    } = scanned;
    if let (Some(db), Some(now)) = (&args.history, now)
        && let Err(e) = palisade_history::record_report(
            db,
            "scan",
            &args.input.source_name(),
            now,
            &report,
            &all_findings,
        )
    {
        return usage_error(e);
    }
    let opts = RenderOptions {
        color: format == Format::Table && use_color(args.color, args.output.is_some()),
        show_suppressed: args.show_suppressed,
        group: args.group.parse().unwrap_or_default(),
        compact: args.compact,
        width: crate::output::table_width(args.output.is_some()),
        fix_command: crate::output::fix_command(&args.input),
    };
    let mut phases = crate::output::Phases::new();
    if let Err(e) = emit_with(args.output.as_deref(), |w| write(&report, format, opts, w)) {
        return usage_error(e);
    }
    phases.mark("report");
    // the process ends here: freeing millions of tree nodes one by one
    // would only delay the exit
    std::mem::forget(model);
    std::mem::forget(all_findings);
    if !report.errors.is_empty() {
        if format != Format::Table || args.output.is_some() {
            for e in &report.errors {
                eprintln!("palisade: {e}");
            }
        }
        return exit::INPUT_ERROR;
    }
    let code = if fail_on.trips_any(report.findings.iter().map(|f| f.severity)) {
        exit::FINDINGS
    } else {
        exit::OK
    };
    std::mem::forget(report);
    code
}

/// Reads the input and runs the checks (and policies) as `scan` does:
/// configuration, check selection, Pod Security defaults, images.
pub(crate) fn analyze(args: &ScanArgs) -> Result<Scanned, u8> {
    let config_path = args
        .config
        .clone()
        .or_else(|| Config::discover(&args.input.paths));
    let config = match &config_path {
        Some(p) => match Config::load(p) {
            Ok(c) => c,
            Err(e) => return Err(usage_error(e)),
        },
        None => Config::default(),
    };
    let mut settings = match Settings::from_config(&config) {
        Ok(s) => s,
        Err(e) => {
            let file = config_path
                .as_deref()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            return Err(usage_error(format!("{file}: {e}")));
        }
    };
    for id in args.checks.iter().chain(&args.skip) {
        if find(id).is_none() {
            return Err(usage_error(palisade_checks::unknown_id(id)));
        }
    }
    if !args.checks.is_empty() {
        settings.only = Some(args.checks.iter().cloned().collect());
    }
    settings.disabled.extend(args.skip.iter().cloned());
    if args.strict_unknown {
        settings
            .severity
            .insert("unknown-value".to_string(), Severity::High);
    }
    if let Some(l) = &args.pss_level {
        match l.parse() {
            Ok(l) => settings.default_pss.level = l,
            Err(e) => return Err(usage_error(e)),
        }
    }
    if let Some(v) = &args.pss_version {
        match v.parse() {
            Ok(v) => settings.default_pss.version = v,
            Err(e) => return Err(usage_error(e)),
        }
    }
    let min_severity = args
        .min_severity
        .or(config.min_severity)
        .unwrap_or(Severity::Info);
    let fail_on = args.fail_on.or(config.fail_on).unwrap_or(Threshold::High);
    let format: Format = match args.format.parse() {
        Ok(f) => f,
        Err(e) => return Err(usage_error(e)),
    };

    let mut phases = crate::output::Phases::new();
    let mut phase = |name: &str| phases.mark(name);
    let mut image_errors = Vec::new();
    let mut vuln_db_used = false;
    if !args.images.is_empty() {
        // A database when one is given, or the default one exists.
        let db_path = args
            .db
            .clone()
            .unwrap_or_else(palisade_vulndb::default_path);
        let db = if args.db.is_some() || db_path.is_file() {
            if !db_path.is_file() {
                return Err(usage_error(format!(
                    "no vulnerability database at {}: run `palisade db update` first",
                    db_path.display()
                )));
            }
            match palisade_vulndb::Db::open(&db_path) {
                Ok(d) => {
                    let max_age = config
                        .vulnerabilities
                        .max_age
                        .unwrap_or(palisade_vuln::DEFAULT_MAX_AGE_DAYS);
                    if let Ok(s) = d.freshness()
                        && let Some(w) = palisade_vuln::staleness(&s, &db_path, max_age)
                    {
                        eprintln!("palisade: warning: {w}");
                    }
                    Some(d)
                }
                Err(e) => return Err(usage_error(e)),
            }
        } else {
            None
        };
        vuln_db_used = db.is_some();
        let vulns = db.as_ref().map(|d| {
            (
                d,
                palisade_vuln::MatchOptions {
                    ignores: config.vulnerabilities.ignore.clone(),
                    ..Default::default()
                },
            )
        });
        settings.images = std::sync::Arc::new(palisade_vuln::images::read(
            &args.images,
            vulns.as_ref().map(|(d, o)| (*d, o)),
            &mut image_errors,
        ));
    }
    let loaded = match load_input(&args.input) {
        Ok(l) => l,
        Err(e) => return Err(usage_error(e)),
    };
    // the target version: the flag, else the live cluster's
    let target = match args
        .kubernetes_version
        .as_deref()
        .map(parse_kubernetes_minor)
    {
        Some(Ok(t)) => Some(t),
        Some(Err(e)) => return Err(usage_error(e)),
        // a server whose version does not read as 1.NN: the newest
        None => loaded
            .server_version
            .as_deref()
            .and_then(palisade_model::kinds::kubernetes_minor),
    };
    if let Some(minor) = target {
        settings.kubernetes_minor = Some(minor);
        // the Pod Security version that release enforces, unless set
        let pss_version_set =
            args.pss_version.is_some() || config.pss.as_ref().is_some_and(|p| p.version.is_some());
        if !pss_version_set {
            // the newest policy version is `latest` (same checks, same name)
            settings.default_pss.version = if minor >= palisade_pss::Version::MAX_MINOR {
                palisade_pss::Version::Latest
            } else {
                palisade_pss::Version::Minor(minor)
            };
        }
    }
    phase("read and parse");
    let files = loaded.files;
    let model = Model::new(loaded.objects);
    phase("model");
    let outcome = palisade_checks::run(&model, &settings);
    phase("checks");
    let score = outcome.score();
    let mut stats = outcome.stats;
    let mut all_findings = outcome.findings;
    // `palisade fix` edits manifests, not charts or kustomizations: findings
    // on rendered objects keep their fix text but offer no edit
    for f in all_findings
        .iter_mut()
        .filter(|f| loaded.rendered_files.contains(&*f.location.file))
    {
        f.autofix = None;
    }
    let mut errors = loaded.errors;
    errors.extend(image_errors);
    // the ValidatingAdmissionPolicies of the input, evaluated offline on it
    let (vap_set, vap_errors) = palisade_vap::policy::PolicySet::from_objects(model.objects());
    errors.extend(vap_errors);
    let mut policy_findings = Vec::new();
    if !vap_set.is_empty() {
        policy_findings.extend(palisade_vap::eval::findings(&vap_set, &model));
        phase("admission policies");
    }
    if !args.policies.is_empty() {
        let (pf, perrs) =
            palisade_gatekeeper::evaluate::evaluate(&args.policies, &[], model.objects());
        errors.extend(perrs);
        policy_findings.extend(pf);
        phase("policies");
    }
    let policy_rules = palisade_findings::rules_of(&policy_findings);
    if !policy_findings.is_empty() {
        all_findings.extend(policy_findings);
        all_findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    }
    // one cause (an RBAC rule, a workload's resources), one finding
    let all_findings = palisade_checks::merge_causes(all_findings, &mut stats);
    let findings: Vec<_> = all_findings
        .iter()
        .filter(|f| f.severity >= min_severity)
        .cloned()
        .collect();
    let suppressed = outcome
        .suppressed
        .into_iter()
        .map(|s| SuppressedFinding {
            finding: s.finding,
            reason: s.reason,
            by: s.by,
        })
        .collect();
    let rules = catalogue()
        .iter()
        .map(|c| c.meta())
        .filter(|m| {
            !settings.disabled.contains(m.id)
                && settings.only.as_ref().is_none_or(|o| o.contains(m.id))
        })
        .chain(policy_rules)
        .collect();
    let mut report = ScanReport::new(
        env!("CARGO_PKG_VERSION"),
        findings,
        suppressed,
        errors,
        rules,
        (model.len(), model.workload_count(), files, score),
    );
    report.advice = palisade_checks::score::advice(&stats);
    let ran = stats.len();
    let all = catalogue().len();
    if ran < all {
        report.score_scope = Some(format!("over the {ran} of {all} checks that ran"));
    }
    Ok(Scanned {
        model,
        report,
        all_findings,
        stats,
        fail_on,
        format,
        images: args.images.len(),
        vuln_db: vuln_db_used,
    })
}

/// `--kubernetes-version`'s value (or the server's) → its minor version.
pub(crate) fn parse_kubernetes_minor(s: &str) -> Result<u32, String> {
    palisade_model::kinds::kubernetes_minor(s)
        .ok_or_else(|| format!("--kubernetes-version: '{s}' is not a version like 1.28"))
}

#[cfg(test)]
mod version_tests {
    #[test]
    fn kubernetes_versions() {
        use super::parse_kubernetes_minor as p;
        assert_eq!(p("1.28"), Ok(28));
        assert_eq!(p("v1.20.7"), Ok(20));
        assert_eq!(p("1.37+"), Ok(37));
        assert!(p("2.0").is_err());
        assert!(p("1").is_err());
        assert!(p("latest").is_err());
    }
}
