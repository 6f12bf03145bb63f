//! `palisade threat-model`: the threat model (area 2) of manifests
//! or the live cluster.

use crate::cli::ThreatModelArgs;
use crate::exit;
use crate::output::{emit, emit_with, load_input, usage_error};

pub fn run(a: ThreatModelArgs) -> u8 {
    let mut phases = crate::output::Phases::new();
    let loaded = match load_input(&a.input) {
        Ok(l) => l,
        Err(e) => return usage_error(e),
    };
    phases.mark("read and parse");
    for e in &loaded.errors {
        eprintln!("palisade: {e}");
    }
    let bad = !loaded.errors.is_empty();
    let model = palisade_model::Model::new(loaded.objects);
    phases.mark("model");
    // the whole catalogue with its default settings: a check turned off
    // would read as a mitigated threat; `palisade.dev/ignore` annotations
    // still count, as accepted risks
    let outcome = palisade_checks::run(&model, &palisade_checks::Settings::default());
    phases.mark("checks");
    let network = palisade_netpol::Network::build(&model);
    let rbac = palisade_rbac::Rbac::build(&model);
    let inventory = palisade_inventory::inventory(&model);
    phases.mark("netpol, rbac, inventory");
    let mut sources: Vec<String> = a
        .input
        .paths
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    if a.input.cluster {
        sources.push(match &a.input.context {
            Some(c) => format!("cluster {c}"),
            None => "cluster".to_string(),
        });
    }
    let options = palisade_threat::Options {
        source: sources.join(", "),
        ingress_controller_namespace: a.ingress_namespace.clone(),
    };
    let tm = palisade_threat::analyze(
        &palisade_threat::Input {
            model: &model,
            findings: &outcome.findings,
            suppressed: &outcome.suppressed,
            network: &network,
            rbac: &rbac,
            inventory: &inventory,
        },
        &options,
    );
    phases.mark("threat model");
    let written = match a.format.as_str() {
        "json" => emit_with(a.output.as_deref(), |w| palisade_threat::write_json(&tm, w)),
        "html" => emit(&palisade_threat::html(&tm), a.output.as_deref()),
        _ => emit(&palisade_threat::markdown(&tm), a.output.as_deref()),
    };
    phases.mark("report");
    match written {
        Ok(()) if bad => exit::INPUT_ERROR,
        Ok(()) => exit::OK,
        Err(e) => usage_error(e),
    }
}
