//! `palisade audit analyze`: Falco k8s_audit rules over audit logs — the
//! API server's own, or a managed cluster's (EKS CloudWatch Logs, GKE Cloud
//! Logging, AKS Azure Monitor records, recognised record by record) — (the
//! pipeline is `palisade_falco::analyze`). Exit 2 when some input could
//! not be read (a bad line, records of an unknown format), 1 on an alert at
//! or above `--fail-on`.

use crate::exit;
use crate::output::usage_error;
use palisade_falco::RuleSet;
use palisade_falco::analyze::{Analyzer, Options, Stop};
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};

/// Loads and compiles rules, printing every diagnostic to stderr; `Err` when
/// a file cannot be read. The bool says whether any diagnostic was an error.
pub fn load_rules(names: &[String]) -> Result<(RuleSet, bool), String> {
    let rs = palisade_falco::compile(&palisade_falco::analyze::rule_files(names)?);
    for d in &rs.diags {
        eprintln!("{d}");
    }
    if rs.skipped_other_source > 0 {
        eprintln!(
            "note: {} rule(s) of a source other than k8s_audit skipped",
            rs.skipped_other_source
        );
    }
    let bad = rs.has_errors();
    Ok((rs, bad))
}

pub fn analyze(logs: &[PathBuf], rules: &[String], opts: Options) -> u8 {
    let (rs, rules_bad) = match load_rules(rules) {
        Ok(x) => x,
        Err(e) => return usage_error(e),
    };
    let stdout = std::io::stdout();
    let mut run = Analyzer::new(
        &rs,
        &opts,
        std::io::BufWriter::new(stdout.lock()),
        std::io::stderr(),
    );
    let stopped = |s: Stop| match s {
        Stop::Closed => exit::OK,
        Stop::Failed(e) => usage_error(e),
    };
    let mut missing = false;
    for p in logs {
        let res = if p == Path::new("-") {
            run.stream("<stdin>", std::io::stdin().lock(), 0)
        } else {
            match std::fs::File::open(p) {
                Ok(f) => run.stream(
                    &p.display().to_string(),
                    BufReader::with_capacity(1 << 20, f),
                    0,
                ),
                Err(e) => {
                    eprintln!("{}: {e}", p.display());
                    missing = true;
                    continue;
                }
            }
        };
        if let Err(s) = res {
            return stopped(s);
        }
    }
    if opts.follow {
        let files: Vec<PathBuf> = logs
            .iter()
            .filter(|p| *p != Path::new("-"))
            .cloned()
            .collect();
        if let Err(s) = run.follow(&files) {
            return stopped(s);
        }
    }
    if !opts.json {
        let _ = run.summary();
    }
    let _ = run.out.flush();
    if missing || rules_bad || run.read_errors > 0 || run.unknown_records > 0 {
        exit::INPUT_ERROR
    } else if run.failing {
        exit::FINDINGS
    } else {
        exit::OK
    }
}
