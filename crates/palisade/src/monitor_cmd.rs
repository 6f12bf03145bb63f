//! `palisade monitor` (area 11, monitoring): alerting rules from the inventory,
//! coverage of business-critical workloads by the user's alerting rules,
//! and a scan's posture metrics for Prometheus.

use crate::cli::{
    CriticalArgs, InputArgs, MonitorArgs, MonitorCommand, MonitorCoverageArgs, MonitorMetricsArgs,
    MonitorRulesArgs,
};
use crate::exit;
use crate::output::{emit, load_input, usage_error};
use palisade_model::Model;
use palisade_monitor::coverage::{Coverage, Reach};
use palisade_monitor::{Components, CriticalOptions, RulesOptions, SourceRule};
use std::path::PathBuf;

pub fn run(args: MonitorArgs) -> u8 {
    match args.command {
        MonitorCommand::Rules(a) => rules(a),
        MonitorCommand::Coverage(a) => coverage(a),
        MonitorCommand::Metrics(a) => metrics(a),
    }
}

/// Reads the input; errors go to stderr (the rest is used).
fn model(input: &InputArgs) -> Result<(Model, Vec<String>, bool), String> {
    let loaded = load_input(input)?;
    for e in &loaded.errors {
        eprintln!("palisade: {e}");
    }
    Ok((
        Model::new(loaded.objects),
        loaded.skipped,
        !loaded.errors.is_empty(),
    ))
}

fn rules(a: MonitorRulesArgs) -> u8 {
    let critical = match critical_options(&a.critical) {
        Ok(c) => c,
        Err(e) => return usage_error(e),
    };
    let components = match Components::parse(&a.components) {
        Ok(c) => c,
        Err(e) => return usage_error(e),
    };
    let rule_labels = match a
        .rule_labels
        .iter()
        .map(|s| CriticalOptions::parse_label(s))
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(l) => l,
        Err(e) => return usage_error(e),
    };
    let (model, _, had_errors) = match model(&a.input) {
        Ok(m) => m,
        Err(e) => return usage_error(e),
    };
    let survey = palisade_monitor::survey(&model, &critical);
    for n in &survey.notes {
        eprintln!("palisade: note: {n}");
    }
    let groups = palisade_monitor::generate(
        &survey,
        &RulesOptions {
            components,
            vulndb_max_age_days: a.vulndb_max_age,
            scan_interval_hours: a.scan_interval,
            admission_latency_seconds: a.admission_latency,
        },
    );
    let text = if a.format == "prometheus" {
        palisade_monitor::yaml::rule_file(&groups)
    } else {
        let mut labels = vec![(
            "app.kubernetes.io/managed-by".to_string(),
            "palisade".to_string(),
        )];
        labels.extend(rule_labels);
        palisade_monitor::yaml::prometheus_rule(
            &groups,
            &palisade_monitor::yaml::ObjectMeta {
                name: a.name.clone(),
                namespace: a.rule_namespace.clone(),
                labels,
            },
        )
    };
    if let Err(e) = emit(&text, a.output.as_deref()) {
        return usage_error(e);
    }
    let n: usize = groups.iter().map(|g| g.rules.len()).sum();
    eprintln!(
        "palisade: {n} alerting rules in {} groups for {} workloads ({} critical)",
        groups.len(),
        survey.targets.len(),
        survey.targets.iter().filter(|t| t.is_critical()).count()
    );
    if had_errors {
        exit::INPUT_ERROR
    } else {
        exit::OK
    }
}

/// Rules from PrometheusRule objects and from files that hold no
/// Kubernetes object but a rule file's `groups:`.
fn read_rules(model: &Model, files: &[String], errors: &mut Vec<String>) -> Vec<SourceRule> {
    let mut out = Vec::new();
    for o in model.objects() {
        if o.kind == "PrometheusRule" && o.group() == "monitoring.coreos.com" {
            let (rules, errs) = palisade_monitor::rules_in(&o.raw, &o.location.file);
            out.extend(rules);
            errors.extend(errs);
        }
    }
    for f in files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        let stream = palisade_yaml::parse_stream(&text, &Default::default());
        for d in &stream.documents {
            if d.root.get("groups").is_some() {
                let (rules, errs) = palisade_monitor::rules_in(&d.root, f);
                out.extend(rules);
                errors.extend(errs);
            }
        }
    }
    out
}

/// Rule files and directories of them (`*.yaml`, `*.yml`, `*.json`):
/// PrometheusRule objects and Prometheus rule files.
fn read_rule_paths(paths: &[PathBuf], errors: &mut Vec<String>) -> Vec<SourceRule> {
    fn walk(p: &std::path::Path, files: &mut Vec<PathBuf>, errors: &mut Vec<String>) {
        if p.is_dir() {
            let mut entries: Vec<PathBuf> = match std::fs::read_dir(p) {
                Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
                Err(e) => {
                    errors.push(format!("{}: {e}", p.display()));
                    return;
                }
            };
            entries.sort();
            for e in entries {
                let hidden = e
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'));
                let rules = e
                    .extension()
                    .is_some_and(|x| x == "yaml" || x == "yml" || x == "json");
                if !hidden && (e.is_dir() || rules) {
                    walk(&e, files, errors);
                }
            }
        } else {
            files.push(p.to_path_buf());
        }
    }
    let mut files = Vec::new();
    for p in paths {
        walk(p, &mut files, errors);
    }
    let mut out = Vec::new();
    for f in files {
        let name = f.display().to_string();
        let text = match std::fs::read_to_string(&f) {
            Ok(t) => t,
            Err(e) => {
                errors.push(format!("{name}: {e}"));
                continue;
            }
        };
        let stream = palisade_yaml::parse_stream(&text, &Default::default());
        for e in &stream.errors {
            errors.push(format!("{name}:{}: {}", e.line, e.message));
        }
        for d in &stream.documents {
            let (rules, errs) = palisade_monitor::rules_in(&d.root, &name);
            out.extend(rules);
            errors.extend(errs);
        }
    }
    out
}

fn coverage(a: MonitorCoverageArgs) -> u8 {
    let critical = match critical_options(&a.critical) {
        Ok(c) => c,
        Err(e) => return usage_error(e),
    };
    let (model, skipped, mut had_errors) = match model(&a.input) {
        Ok(m) => m,
        Err(e) => return usage_error(e),
    };
    let mut errors = Vec::new();
    let mut rules = read_rules(&model, &skipped, &mut errors);
    rules.extend(read_rule_paths(&a.rules, &mut errors));
    for e in &errors {
        eprintln!("palisade: {e}");
    }
    had_errors |= !errors.is_empty();
    let survey = palisade_monitor::survey(&model, &critical);
    let report = palisade_monitor::coverage(&survey.targets, &rules);
    let text = if a.format == "json" {
        let mut s = serde_json::to_string_pretty(&serde_json::json!({
            "alerts": report.alerts,
            "recordings": report.recordings,
            "criticalWorkloads": report.workloads.len(),
            "gaps": report.gaps().count(),
            "workloads": report.workloads.iter().map(|w| {
                let mut v = serde_json::to_value(w).unwrap_or_default();
                v["reach"] = serde_json::to_value(w.reach()).unwrap_or_default();
                v["gap"] = serde_json::Value::Bool(w.is_gap());
                v
            }).collect::<Vec<_>>(),
        }))
        .unwrap_or_default();
        s.push('\n');
        s
    } else {
        table(&report)
    };
    if let Err(e) = emit(&text, a.output.as_deref()) {
        return usage_error(e);
    }
    if had_errors {
        exit::INPUT_ERROR
    } else if report.gaps().next().is_some() {
        exit::FINDINGS
    } else {
        exit::OK
    }
}

fn table(c: &Coverage) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} alerting rules ({} recording rules followed); {} business-critical workloads, {} without an alert",
        c.alerts,
        c.recordings,
        c.workloads.len(),
        c.gaps().count()
    );
    for w in &c.workloads {
        let status = match w.reach() {
            Some(Reach::Workload) => "covered",
            Some(Reach::Namespace) => "covered by namespace",
            Some(Reach::ClusterWide) => "GAP (cluster-wide rules only)",
            None => "GAP (no alert)",
        };
        let _ = writeln!(out, "\n{}  {status}", w.workload);
        let _ = writeln!(out, "  critical: {}", w.critical.join("; "));
        let _ = writeln!(out, "  at: {}", w.location);
        for al in &w.alerts {
            let reach = match al.reach {
                Reach::Workload => "names it",
                Reach::Namespace => "its namespace",
                Reach::ClusterWide => "cluster-wide",
            };
            let _ = writeln!(out, "  - {} ({reach}: {}) {}", al.alert, al.via, al.source);
        }
        if w.is_gap() {
            let _ = writeln!(
                out,
                "  fix: add an alert that selects it, e.g. `palisade monitor rules` for its namespace"
            );
        }
    }
    out
}

fn metrics(a: MonitorMetricsArgs) -> u8 {
    let config_path = a
        .config
        .clone()
        .or_else(|| palisade_checks::Config::discover(&a.input.paths));
    let config = match &config_path {
        Some(p) => match palisade_checks::Config::load(p) {
            Ok(c) => c,
            Err(e) => return usage_error(e),
        },
        None => palisade_checks::Config::default(),
    };
    let settings = match palisade_checks::Settings::from_config(&config) {
        Ok(s) => s,
        Err(e) => return usage_error(e),
    };
    let (model, _, had_errors) = match model(&a.input) {
        Ok(m) => m,
        Err(e) => return usage_error(e),
    };
    let outcome = palisade_checks::run(&model, &settings);
    let findings = palisade_findings::Severity::ALL
        .iter()
        .map(|s| {
            (
                s.as_str().to_string(),
                outcome.findings.iter().filter(|f| f.severity == *s).count(),
            )
        })
        .collect();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    let posture = palisade_monitor::metrics::Posture {
        score: outcome.score(),
        findings,
        objects: model.len(),
        workloads: model.workload_count(),
        timestamp: now.floor(),
    };
    let db_path = a.db.clone().unwrap_or_else(palisade_vulndb::default_path);
    let vulns = if db_path.is_file() {
        let status = palisade_vulndb::Db::open(&db_path).and_then(|d| d.status());
        match status {
            Ok(s) => s.age_days.map(|age| palisade_monitor::metrics::VulnData {
                records: s.records,
                last_update: (now - age * 86400.0).floor(),
            }),
            Err(e) => return usage_error(e),
        }
    } else if a.db.is_some() {
        return usage_error(format!(
            "no vulnerability database at {}",
            db_path.display()
        ));
    } else {
        None
    };
    let text = palisade_monitor::metrics::encode(&posture, vulns.as_ref());
    // the textfile collector may read the file at any moment: write it
    // beside and rename it into place
    let written = match &a.output {
        Some(path) => {
            let tmp = path.with_extension("prom.tmp");
            std::fs::write(&tmp, &text)
                .and_then(|()| std::fs::rename(&tmp, path))
                .map_err(|e| format!("{}: {e}", path.display()))
        }
        None => emit(&text, None),
    };
    if let Err(e) = written {
        return usage_error(e);
    }
    if had_errors {
        exit::INPUT_ERROR
    } else {
        exit::OK
    }
}

/// The options `--critical-label` and `--label-only` give.
fn critical_options(c: &CriticalArgs) -> Result<CriticalOptions, String> {
    let mut o = CriticalOptions::default();
    if !c.critical_labels.is_empty() {
        o.labels = c
            .critical_labels
            .iter()
            .map(|s| CriticalOptions::parse_label(s))
            .collect::<Result<_, _>>()?;
    }
    if c.label_only {
        o.exposed = false;
        o.data_stores = false;
    }
    Ok(o)
}
