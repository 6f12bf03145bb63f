//! `palisade drift`: IaC versus the cluster.

use crate::cli::DriftArgs;
use crate::exit;
use crate::output::{emit, usage_error};
use palisade_drift::{DriftKind, drift_of_read};
use palisade_model::Model;
use palisade_source::{LoadOptions, load};
use std::fmt::Write;

pub fn run(args: DriftArgs) -> u8 {
    let opts = LoadOptions {
        default_namespace: args.namespace.clone(),
        var_files: args.var_files.clone(),
        ..LoadOptions::default()
    };
    let iac = load(&args.iac, &opts);
    let mut live = load(&args.live, &LoadOptions::default());
    // what the cluster read covered (no Secrets; no kinds it may not list)
    let mut read_kinds: Option<Vec<&'static str>> = None;
    if args.cluster {
        let lopts = palisade_live::LiveOptions {
            kubeconfig: args.kubeconfig.clone(),
            context: args.context.clone(),
            ..Default::default()
        };
        match palisade_live::fetch(&lopts) {
            Ok(f) => {
                for w in &f.warnings {
                    eprintln!("palisade: warning: {w}");
                }
                live.objects.extend(f.objects);
                live.errors.extend(f.errors);
                if args.live.is_empty() {
                    read_kinds = Some(f.read_kinds);
                }
            }
            Err(e) => return usage_error(format!("cluster: {e}")),
        }
    }
    for e in iac.errors.iter().chain(&live.errors) {
        eprintln!("palisade: {e}");
    }
    let drifts = drift_of_read(
        &Model::new(iac.objects),
        &Model::new(live.objects),
        read_kinds.as_deref(),
    );
    let text = match args.format.as_str() {
        "json" => {
            let mut s = serde_json::to_string_pretty(&drifts).expect("serializes");
            s.push('\n');
            s
        }
        "markdown" => {
            let mut s = String::from(
                "# palisade drift\n\n| Drift | Object | IaC | Fields |\n|---|---|---|---|\n",
            );
            for d in &drifts {
                let fields: Vec<String> =
                    d.changes.iter().map(|c| format!("`{}`", c.path)).collect();
                let _ = writeln!(
                    s,
                    "| {:?} | {} | {} | {} |",
                    d.kind,
                    d.object,
                    d.iac.as_ref().map(|l| format!("`{l}`")).unwrap_or_default(),
                    fields.join(", ")
                );
            }
            s
        }
        _ => {
            let mut s = String::new();
            for d in &drifts {
                let what = match d.kind {
                    DriftKind::Unmanaged => "UNMANAGED  in the cluster, declared nowhere",
                    DriftKind::Missing => "MISSING    declared, not in the cluster",
                    DriftKind::Changed => "CHANGED    security-relevant fields differ",
                };
                let at = d
                    .iac
                    .as_ref()
                    .map(|l| format!("  ({l})"))
                    .unwrap_or_default();
                let _ = writeln!(s, "{what}: {}{at}", d.object);
                for c in &d.changes {
                    let _ = writeln!(
                        s,
                        "    {}\n      iac:  {}\n      live: {}",
                        c.path, c.iac, c.live
                    );
                }
            }
            let count = |k| drifts.iter().filter(|d| d.kind == k).count();
            let _ = writeln!(
                s,
                "{} unmanaged, {} missing, {} changed",
                count(DriftKind::Unmanaged),
                count(DriftKind::Missing),
                count(DriftKind::Changed)
            );
            s
        }
    };
    let written = match &args.output {
        Some(p) => std::fs::write(p, &text).map_err(|e| format!("{}: {e}", p.display())),
        None => emit(&text, None),
    };
    if let Err(e) = written {
        return usage_error(e);
    }
    if !iac.errors.is_empty() || !live.errors.is_empty() {
        exit::INPUT_ERROR
    } else if drifts.is_empty() {
        exit::OK
    } else {
        exit::FINDINGS
    }
}
