//! `palisade secrets`: the trees and images named scanned
//! (`palisade_secrets::collect`), the baseline applied, the report written.

use crate::cli::SecretsArgs;
use crate::exit;
use crate::output::{emit, usage_error};
use palisade_secrets::{Baseline, RULES};

pub fn run(a: SecretsArgs) -> u8 {
    if a.list_rules {
        let mut t = String::new();
        for r in RULES {
            t.push_str(&format!(
                "{:28}{:10}{}\n",
                r.id,
                r.severity.as_str(),
                r.title
            ));
        }
        return match emit(&t, a.output.as_deref()) {
            Ok(()) => exit::OK,
            Err(e) => usage_error(e),
        };
    }
    let baseline = match &a.baseline {
        Some(p) => match std::fs::read_to_string(p)
            .map_err(|e| e.to_string())
            .and_then(|t| Baseline::parse(&t))
        {
            Ok(b) => b,
            Err(e) => return usage_error(format!("{}: {e}", p.display())),
        },
        None => Baseline::default(),
    };
    let (report, notes) =
        palisade_secrets::collect::collect(&a.paths, a.no_ignore, a.max_file_size, &baseline);
    for n in &notes {
        eprintln!("palisade: {n}");
    }
    for e in &report.errors {
        eprintln!("palisade: {}: {}", e.location, e.message);
    }
    let text = match a.format.as_str() {
        "json" => report.json(),
        "sarif" => report.sarif(env!("CARGO_PKG_VERSION")),
        _ => report.table(),
    };
    if let Err(e) = emit(&text, a.output.as_deref()) {
        return usage_error(e);
    }
    if !report.errors.is_empty() {
        exit::INPUT_ERROR
    } else if a
        .fail_on
        .trips_any(report.findings.iter().map(|f| f.severity))
    {
        exit::FINDINGS
    } else {
        exit::OK
    }
}
