//! `palisade report`: the posture report — the scan, the threat model,
//! the NetworkPolicy matrix, RBAC risks and the audit policy's lint, one
//! status per hardening area, as one self-contained HTML page or Markdown.

use crate::cli::{ColorChoice, ReportArgs, ScanArgs};
use crate::exit;
use crate::output::{emit, usage_error};
use std::path::PathBuf;

pub fn run(a: ReportArgs) -> u8 {
    let now = match palisade_history::now(a.now.as_deref()) {
        Ok(t) => t,
        Err(e) => return usage_error(e),
    };
    let audit = match &a.audit_policy {
        None => None,
        Some(p) => {
            let text = match std::fs::read_to_string(p) {
                Ok(t) => t,
                Err(e) => return usage_error(format!("{}: {e}", p.display())),
            };
            match palisade_audit::Policy::parse(&text) {
                Ok(policy) => Some(palisade_posture::AuditEvidence {
                    file: p.display().to_string(),
                    lints: palisade_audit::lint(&policy),
                }),
                Err(e) => return usage_error(format!("{}:{e}", p.display())),
            }
        }
    };
    let policies: Vec<String> = a.policies.iter().map(|p| p.display().to_string()).collect();
    let scan_args = ScanArgs {
        input: a.input,
        format: "table".into(),
        output: None,
        min_severity: None,
        fail_on: Some(palisade_findings::Threshold::None),
        config: a.config,
        checks: Vec::new(),
        skip: Vec::new(),
        pss_level: a.pss_level,
        pss_version: a.pss_version,
        kubernetes_version: None,
        show_suppressed: false,
        group: "check".into(),
        compact: false,
        strict_unknown: false,
        color: ColorChoice::Never,
        policies: a.policies,
        images: a.images,
        db: a.db,
        history: None,
        now: None,
    };
    let scanned = match crate::scan::analyze(&scan_args) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let mut phases = crate::output::Phases::new();
    let model = &scanned.model;
    let network = palisade_netpol::Network::build(model);
    let rbac = palisade_rbac::Rbac::build(model);
    let inventory = palisade_inventory::inventory(model);
    // the threat model weighs the whole catalogue with its default
    // settings, as `palisade threat-model` does: a check turned off would
    // read as a mitigated threat
    let outcome = palisade_checks::run(model, &palisade_checks::Settings::default());
    let source = scan_args.input.source_name();
    let threat = palisade_threat::analyze(
        &palisade_threat::Input {
            model,
            findings: &outcome.findings,
            suppressed: &outcome.suppressed,
            network: &network,
            rbac: &rbac,
            inventory: &inventory,
        },
        &palisade_threat::Options {
            source: source.clone(),
            ingress_controller_namespace: a.ingress_namespace.clone(),
        },
    );
    phases.mark("netpol, rbac, inventory, threat model");
    let mut history = Vec::new();
    if let Some(db) = &a.history {
        let recorded = palisade_history::record_report(
            db,
            "report",
            &source,
            now,
            &scanned.report,
            &scanned.all_findings,
        )
        .and_then(|_| palisade_history::History::open(db))
        .and_then(|h| h.scans(Some(&source)));
        match recorded {
            Ok(scans) => {
                history = scans
                    .iter()
                    .map(|s| palisade_posture::HistoryPoint {
                        id: s.id,
                        time: s.time,
                        score: s.score,
                        total: s.total,
                        critical: s.counts.critical,
                        high: s.counts.high,
                    })
                    .collect()
            }
            Err(e) => return usage_error(e),
        }
    }
    let posture = palisade_posture::assess(&palisade_posture::Input {
        report: &scanned.report,
        stats: &scanned.stats,
        model,
        network: &network,
        rbac: &rbac,
        inventory: &inventory,
        threat: Some(&threat),
        context: palisade_posture::Context {
            source,
            generated: now,
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            files_given: !scan_args.input.paths.is_empty(),
            live_cluster: scan_args.input.cluster,
            images: scanned.images,
            vuln_db: scanned.vuln_db,
            policies,
            audit,
            history_db: a.history.as_ref().map(|p| p.display().to_string()),
            secrets: secrets_evidence(&a.secrets),
        },
        history,
    });
    let text = match a.format.as_str() {
        "markdown" => palisade_posture::markdown(&posture),
        _ => palisade_posture::html(&posture),
    };
    // a page of HTML is no use on a terminal: to a file there, unless `-o -`
    let default_file = (a.output.is_none() && a.format == "html" && {
        use std::io::IsTerminal;
        std::io::stdout().is_terminal()
    })
    .then(|| std::path::PathBuf::from("palisade-report.html"));
    let output = a.output.clone().or(default_file.clone());
    if let Err(e) = emit(&text, output.as_deref()) {
        return usage_error(e);
    }
    if let Some(f) = default_file {
        eprintln!(
            "palisade: wrote the report to {} (open it in a browser; -o - prints it)",
            f.display()
        );
    }
    phases.mark("report");
    if scanned.report.errors.is_empty() {
        exit::OK
    } else {
        for e in &scanned.report.errors {
            eprintln!("palisade: {e}");
        }
        exit::INPUT_ERROR
    }
}

/// `palisade secrets` over the `--secrets` paths, summarised for action 8.
fn secrets_evidence(paths: &[PathBuf]) -> Option<palisade_posture::SecretsEvidence> {
    if paths.is_empty() {
        return None;
    }
    let (r, notes) = palisade_secrets::collect::collect(
        paths,
        false,
        10,
        &palisade_secrets::Baseline::default(),
    );
    for n in &notes {
        eprintln!("palisade: {n}");
    }
    for e in &r.errors {
        eprintln!("palisade: {}: {}", e.location, e.message);
    }
    let mut rules = std::collections::BTreeMap::new();
    for f in &r.findings {
        *rules.entry(f.rule.clone()).or_insert(0) += 1;
    }
    Some(palisade_posture::SecretsEvidence {
        paths: paths.iter().map(|p| p.display().to_string()).collect(),
        files: r.summary.files,
        by_severity: r.summary.by_severity.clone(),
        rules,
    })
}
