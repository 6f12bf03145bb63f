//! `palisade sbom`: open the target, catalog it, write the chosen format.

use crate::cli::SbomArgs;
use crate::exit;
use crate::output::{emit, usage_error};
use palisade_findings::Severity;

pub fn run(a: SbomArgs) -> u8 {
    if a.list_catalogers {
        let mut text = String::new();
        for c in palisade_sbom::catalog::CATALOGERS {
            text.push_str(&format!("{:36} {}\n", c.name, c.reads));
        }
        text.push_str(&format!(
            "{:36} {}\n",
            palisade_sbom::catalog::binary::GO_NAME,
            "executables with Go build info (Go 1.18+)"
        ));
        text.push_str(&format!(
            "{:36} {}\n",
            palisade_sbom::catalog::binary::RUST_NAME,
            "executables with a cargo-auditable .dep-v0 section"
        ));
        return match emit(&text, a.output.as_deref()) {
            Ok(()) => exit::OK,
            Err(e) => usage_error(e),
        };
    }
    let Some(target) = &a.target else {
        return usage_error("a TARGET is required");
    };
    // A pulled image lives in a temporary layout for the length of the scan.
    let mut _pulled = None;
    let (path, selector) = if a.registry {
        let opts = palisade_registry::Options {
            credentials: std::env::var("PALISADE_REGISTRY_USERNAME").ok().map(|u| {
                (
                    u,
                    std::env::var("PALISADE_REGISTRY_PASSWORD").unwrap_or_default(),
                )
            }),
            insecure_http: a.insecure_registry,
        };
        match palisade_registry::pull_to_temp(target, &opts) {
            Ok((dir, _)) => {
                let p = dir.path().to_path_buf();
                _pulled = Some(dir);
                (p, None)
            }
            Err(e) => {
                eprintln!("palisade: {e}");
                return exit::INPUT_ERROR;
            }
        }
    } else {
        palisade_imagefs::split_selector(target)
    };
    let mut sbom = match palisade_sbom::scan(&path, selector.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("palisade: {e}");
            return exit::INPUT_ERROR;
        }
    };
    if a.registry {
        // Name the image, not the temporary directory it was staged in.
        sbom.source.target = target.clone();
    }
    for w in &sbom.warnings {
        eprintln!("palisade: warning: {w}");
    }
    let text = match a.format.as_str() {
        "cyclonedx-json" => palisade_sbom::format::cyclonedx::write(&sbom),
        "spdx-json" => palisade_sbom::format::spdx::write(&sbom),
        "json" => palisade_sbom::format::json(&sbom),
        _ => palisade_sbom::format::table::write(&sbom),
    };
    if let Err(e) = emit(&text, a.output.as_deref()) {
        return usage_error(e);
    }
    if !sbom.warnings.is_empty() {
        return exit::INPUT_ERROR;
    }
    let fails = a.fail_on_assessment.is_some_and(|t| {
        sbom.findings
            .iter()
            .any(|f| f.severity.parse::<Severity>().is_ok_and(|s| t.trips(s)))
    });
    if fails { exit::FINDINGS } else { exit::OK }
}
