//! `palisade generate netpol|quotas|audit-policy|rbac`: one entry point for
//! everything palisade writes; each delegates to the same code as its
//! home command. Also `palisade inventory`, the other report built from the
//! model alone.

use crate::cli::{
    AuditArgs, AuditCommand, AuditPolicyCommand, GenerateArgs, GenerateCommand, NetpolArgs,
    NetpolCommand, QuotasArgs, RbacArgs, RbacCommand,
};
use crate::exit;
use crate::output::{emit, load_input, usage_error};

pub fn run(args: GenerateArgs) -> u8 {
    match args.command {
        GenerateCommand::Netpol(a) => crate::netpol_cmd::run(NetpolArgs {
            command: NetpolCommand::Generate(a),
        }),
        GenerateCommand::Rbac(a) => crate::rbac_cmd::run(RbacArgs {
            command: RbacCommand::Generate(a),
        }),
        GenerateCommand::AuditPolicy(a) => crate::audit_cmd::run(AuditArgs {
            command: AuditCommand::Policy {
                command: AuditPolicyCommand::Generate(a),
            },
        }),
        GenerateCommand::Quotas(a) => quotas(a),
        GenerateCommand::AdmissionPolicy(a) => crate::vap_cmd::generate(a),
    }
}

fn quotas(a: QuotasArgs) -> u8 {
    if !(a.headroom.is_finite() && a.headroom >= 1.0) {
        return usage_error("--headroom must be a number of at least 1");
    }
    let loaded = match load_input(&a.input) {
        Ok(l) => l,
        Err(e) => return usage_error(e),
    };
    for e in &loaded.errors {
        eprintln!("palisade: {e}");
    }
    let bad = !loaded.errors.is_empty();
    let model = palisade_model::Model::new(loaded.objects);
    let d = palisade_quotas::Defaults::default();
    let qs = palisade_quotas::quotas(&model, a.headroom, &d);
    if qs.is_empty() {
        eprintln!("palisade: no namespaced workloads in the input: nothing to size");
    }
    let text = if a.format == "terraform" {
        palisade_quotas::terraform(&qs, a.headroom, &d)
    } else {
        palisade_quotas::yaml(&qs, a.headroom, &d)
    };
    match emit(&text, a.output.as_deref()) {
        Ok(()) if bad => exit::INPUT_ERROR,
        Ok(()) => exit::OK,
        Err(e) => usage_error(e),
    }
}

/// `palisade inventory`.
pub fn inventory(a: crate::cli::InventoryArgs) -> u8 {
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
    let inv = palisade_inventory::inventory(&model);
    phases.mark("inventory");
    let written = match a.format.as_str() {
        // Streamed: the document of a large cluster is never held whole.
        "json" => crate::output::emit_with(a.output.as_deref(), |w| {
            serde_json::to_writer_pretty(&mut *w, &inv)?;
            w.write_all(b"\n")
        }),
        format => {
            let text = match format {
                "csv" => palisade_inventory::csv(&inv),
                "markdown" => palisade_inventory::markdown(&inv),
                "cyclonedx" => {
                    let cluster = if a.input.cluster {
                        a.input.context.clone().unwrap_or_else(|| "cluster".into())
                    } else {
                        a.input
                            .paths
                            .first()
                            .map_or("cluster".into(), |p| p.display().to_string())
                    };
                    palisade_inventory::cyclonedx(
                        &inv,
                        &cluster,
                        &palisade_sbom::format::timestamp(),
                    )
                }
                _ => palisade_inventory::table(&inv),
            };
            emit(&text, a.output.as_deref())
        }
    };
    phases.mark("report");
    // The process ends here: freeing the model's nodes one by one would
    // only delay the exit.
    std::mem::forget(inv);
    std::mem::forget(model);
    match written {
        Ok(()) if bad => exit::INPUT_ERROR,
        Ok(()) => exit::OK,
        Err(e) => usage_error(e),
    }
}
