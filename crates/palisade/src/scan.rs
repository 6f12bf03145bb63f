//! `palisade scan`.

use crate::cli::ScanArgs;
use crate::exit;
use crate::output::{emit_with, load_input, usage_error, use_color};
use palisade_checks::{Config, Settings, catalogue, find};
use palisade_findings::Severity;
use palisade_model::Model;
use palisade_report::{Format, RenderOptions, ScanReport, SuppressedFinding, write};
use std::path::{Path, PathBuf};

/// Finds `.palisade.yaml`: the current directory first, then the first
/// scanned directory.
pub(crate) fn discover_config(paths: &[PathBuf]) -> Option<PathBuf> {
    let here = Path::new(".palisade.yaml");
    if here.is_file() {
        return Some(here.to_path_buf());
    }
    paths
        .iter()
        .find(|p| p.is_dir())
        .map(|d| d.join(".palisade.yaml"))
        .filter(|p| p.is_file())
}

/// `none` or a severity.
fn parse_threshold(s: &str) -> Result<Option<Severity>, String> {
    if s.eq_ignore_ascii_case("none") {
        Ok(None)
    } else {
        s.parse::<Severity>().map(Some).map_err(|e| e.to_string())
    }
}

/// What a scan found, before it is rendered.
pub(crate) struct Scanned {
    pub model: Model,
    /// Findings at or above `--min-severity`, suppressed, errors, summary.
    pub report: ScanReport,
    /// Every reported finding, whatever `--min-severity` (the history).
    pub all_findings: Vec<palisade_findings::Finding>,
    /// Evaluations per check (the score).
    pub stats: Vec<palisade_checks::CheckStats>,
    pub fail_on: Option<Severity>,
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
        && let Err(e) = crate::history_cmd::record(
            db,
            "scan",
            &crate::history_cmd::source_of(&args.input),
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
    let code = match fail_on {
        Some(t) if report.findings.iter().any(|f| f.severity >= t) => exit::FINDINGS,
        _ => exit::OK,
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
        .or_else(|| discover_config(&args.input.paths));
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
            return Err(usage_error(format!(
                "unknown check id {id:?} (see `palisade checks list`)"
            )));
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
    let min_severity = match args.min_severity.as_deref() {
        Some(s) => match s.parse::<Severity>() {
            Ok(s) => s,
            Err(e) => return Err(usage_error(e)),
        },
        None => config.min_severity.unwrap_or(Severity::Info),
    };
    let fail_on = match args
        .fail_on
        .as_deref()
        .or(config.fail_on.as_deref())
        .map(parse_threshold)
    {
        Some(Ok(t)) => t,
        Some(Err(e)) => return Err(usage_error(e)),
        None => Some(Severity::High),
    };
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
                        .unwrap_or(crate::vuln_cmd::DEFAULT_MAX_AGE_DAYS);
                    if let Ok(s) = d.freshness()
                        && let Some(w) = crate::vuln_cmd::staleness(&s, &db_path, max_age)
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
                crate::vuln_cmd::MatchOptions {
                    ignores: config.vulnerabilities.ignore.clone(),
                    ..Default::default()
                },
            )
        });
        settings.images = std::sync::Arc::new(read_images(
            &args.images,
            vulns.as_ref().map(|(d, o)| (*d, o)),
            &mut image_errors,
        ));
    }
    let loaded = match load_input(&args.input) {
        Ok(l) => l,
        Err(e) => return Err(usage_error(e)),
    };
    phase("read and parse");
    let files = loaded.files;
    let model = Model::new(loaded.objects);
    phase("model");
    let outcome = palisade_checks::run(&model, &settings);
    phase("checks");
    let score = outcome.score();
    let stats = outcome.stats;
    let mut all_findings = outcome.findings;
    let mut errors = loaded.errors;
    errors.extend(image_errors);
    let mut policy_rules = Vec::new();
    if !args.policies.is_empty() {
        let (pf, perrs) = crate::policy_cmd::evaluate(&args.policies, &[], model.objects());
        errors.extend(perrs);
        policy_rules = crate::policy_cmd::rules_of(&pf);
        all_findings.extend(pf);
        all_findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        phase("policies");
    }
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
    let report = ScanReport::new(
        env!("CARGO_PKG_VERSION"),
        findings,
        suppressed,
        errors,
        rules,
        (model.len(), model.workload_count(), files, score),
    );
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

/// Reads each image with `palisade sbom`'s opener and assessment, keyed by
/// its tags (and digest) for the image-attack-surface check; with a
/// vulnerability database, its packages are matched as `palisade vuln`
/// matches them, for the image-vulnerabilities check.
fn read_images(
    targets: &[String],
    vulns: Option<(&palisade_vulndb::Db, &crate::vuln_cmd::MatchOptions)>,
    errors: &mut Vec<palisade_findings::InputError>,
) -> palisade_checks::images::Images {
    let mut images = palisade_checks::images::Images::default();
    for t in targets {
        let (path, selector) = palisade_imagefs::split_selector(t);
        let err = |message: String| palisade_findings::InputError {
            file: t.clone(),
            line: 0,
            column: 0,
            message,
        };
        let sbom = match palisade_sbom::scan(&path, selector.as_deref()) {
            Ok(s) => s,
            Err(e) => {
                errors.push(err(e.message));
                continue;
            }
        };
        for w in &sbom.warnings {
            errors.push(err(w.to_string()));
        }
        let Some(img) = &sbom.source.image else {
            errors.push(err(
                "not an image (a docker-archive or OCI layout/archive is needed to know its tags)"
                    .into(),
            ));
            continue;
        };
        let mut refs = img.tags.clone();
        if let Some(d) = &img.manifest_digest {
            refs.extend(img.tags.iter().map(|tag| {
                format!(
                    "{}@{d}",
                    tag.rsplit_once(':').map_or(tag.as_str(), |(r, _)| r)
                )
            }));
        }
        if refs
            .iter()
            .all(|r| palisade_model::ImageRef::parse(r).is_none() || !r.contains([':', '@']))
        {
            errors.push(err("the image has no tag to match workloads by (tag it, e.g. skopeo copy … docker-archive:IMG.tar:registry/app:1.2)".into()));
            continue;
        }
        let surface = sbom
            .findings
            .iter()
            .filter(|f| f.id != "IMG-RUNS-AS-ROOT")
            .map(|f| {
                (
                    f.title.trim_start_matches("image ").to_string(),
                    f.evidence.clone(),
                )
            })
            .collect();
        let vulnerabilities = match vulns {
            Some((db, opts)) => {
                let subjects = crate::vuln_cmd::subjects_of(&sbom);
                match crate::vuln_cmd::match_subjects(db, &subjects, opts) {
                    Ok(m) => Some(summarise(&m)),
                    Err(e) => {
                        errors.push(err(e));
                        None
                    }
                }
            }
            None => None,
        };
        images.insert(
            &refs,
            palisade_checks::images::ImageFacts {
                source: t.clone(),
                user: img.config.user.clone(),
                surface,
                vulnerabilities,
            },
        );
    }
    images
}

/// An image's vulnerabilities, counted, with the worst fixable ones.
fn summarise(m: &crate::vuln_cmd::Matched) -> palisade_checks::images::VulnSummary {
    let mut v = palisade_checks::images::VulnSummary {
        suppressed: m.suppressed.len(),
        ..Default::default()
    };
    for r in &m.findings {
        match r.vulnerability.severity {
            "critical" => v.critical += 1,
            "high" => v.high += 1,
            "medium" => v.medium += 1,
            "low" => v.low += 1,
            _ => v.other += 1,
        }
        if r.vulnerability.fix.is_some() {
            v.fixable += 1;
        }
    }
    v.packages = m
        .findings
        .iter()
        .map(|r| r.purl.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    // Findings are sorted worst first: the first fixable ones, one per id.
    for r in m.findings.iter().filter(|r| r.vulnerability.fix.is_some()) {
        if v.top.len() == 3 {
            break;
        }
        if v.top.iter().any(|(id, _, _)| *id == r.vulnerability.id) {
            continue;
        }
        v.top.push((
            r.vulnerability.id.clone(),
            format!("{} {}", r.package, r.version),
            r.upgrade
                .clone()
                .or_else(|| r.vulnerability.fix.clone())
                .unwrap_or_default(),
        ));
    }
    v
}
