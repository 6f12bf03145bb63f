//! `palisade audit analyze`: Falco k8s_audit rules over audit logs — the
//! API server's own, or a managed cluster's (EKS CloudWatch Logs, GKE Cloud
//! Logging, AKS Azure Monitor records, recognised record by record) — (the
//! pipeline is `palisade_falco::analyze`). Exit 2 when some input could
//! not be read (a bad line, records of an unknown format), 1 on an alert at
//! or above `--fail-on`.

use crate::cli::KnowledgeArgs;
use crate::exit;
use crate::output::usage_error;
use palisade_falco::RuleSet;
use palisade_falco::analyze::{Analyzer, Options, Stop};
use palisade_falco::knowledge::{Knowledge, Known};
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};

/// Loads and compiles rules, printing every diagnostic to stderr; `Err` when
/// a file cannot be read. The bool says whether any diagnostic was an error.
pub fn load_rules(names: &[String]) -> Result<(RuleSet, bool), String> {
    load_rules_with(names, &Knowledge::default())
}

/// [`load_rules`] with local knowledge added (and the rules it serves on).
pub fn load_rules_with(names: &[String], k: &Knowledge) -> Result<(RuleSet, bool), String> {
    let rs =
        palisade_falco::knowledge::compile_with(&palisade_falco::analyze::rule_files(names)?, k);
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

/// The knowledge the flags give: networks parsed, and the identities that
/// the bindings of `--known-from` (or the live cluster's) name. `Err` for
/// a bad CIDR, unreadable input, or input without a single binding (every
/// identity would be unknown).
pub fn knowledge(args: &KnowledgeArgs) -> Result<Knowledge, String> {
    let mut k = Knowledge::default();
    for c in &args.internal_cidrs {
        k.internal_networks.push(
            palisade_falco::knowledge::parse_cidr(c)
                .map_err(|e| format!("--internal-cidr: {e}"))?,
        );
    }
    if args.known_from.is_empty() && !args.known_from_cluster {
        return Ok(k);
    }
    let mut objects = Vec::new();
    let mut sources = Vec::new();
    if !args.known_from.is_empty() {
        let loaded =
            palisade_source::load(&args.known_from, &palisade_source::LoadOptions::default());
        for e in &loaded.errors {
            eprintln!("palisade: {e}");
        }
        objects.extend(loaded.objects);
        sources.extend(args.known_from.iter().map(|p| p.display().to_string()));
    }
    if args.known_from_cluster {
        let opts = palisade_live::LiveOptions {
            kubeconfig: args.kubeconfig.clone(),
            context: args.context.clone(),
            ..Default::default()
        };
        let fetched =
            palisade_live::fetch(&opts).map_err(|e| format!("--known-from-cluster: {e}"))?;
        for w in &fetched.warnings {
            eprintln!("palisade: warning: {w}");
        }
        objects.extend(fetched.objects);
        sources.push("the cluster".into());
    }
    let source = sources.join(", ");
    let model = palisade_model::Model::new(objects);
    let rbac = palisade_rbac::Rbac::build(&model);
    if rbac.bindings.is_empty() {
        return Err(format!(
            "--known-from: no RoleBinding or ClusterRoleBinding in {source}; every identity would be unknown"
        ));
    }
    let (users, groups) = rbac.named_identities();
    let known = Known {
        users,
        groups,
        source: format!("--known-from {source}"),
    };
    eprintln!(
        "palisade: {} user(s) and service account(s) and {} group(s) named by {} binding(s) in {source} are known",
        known.users.len(),
        known.groups.len(),
        rbac.bindings.len()
    );
    k.known = Some(known);
    Ok(k)
}

pub fn analyze(logs: &[PathBuf], rules: &[String], k: &KnowledgeArgs, opts: Options) -> u8 {
    let k = match knowledge(k) {
        Ok(k) => k,
        Err(e) => return usage_error(e),
    };
    let (rs, rules_bad) = match load_rules_with(rules, &k) {
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
