//! `palisade secrets`: the fingerprint key found (or created), the trees and
//! images named scanned (`palisade_secrets::collect`), the baseline
//! applied, the report written.

use crate::cli::SecretsArgs;
use crate::exit;
use crate::output::{emit, usage_error};
use palisade_secrets::fingerprint::{self, KEY_ENV, KEY_FILE, KeySource};
use palisade_secrets::{Baseline, BaselineError, RULES};
use std::path::Path;

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
        Some(p) => match std::fs::read_to_string(p) {
            Err(e) => return usage_error(format!("{}: {e}", p.display())),
            Ok(t) => match Baseline::parse(&t) {
                Ok(b) => b,
                Err(e @ BaselineError::Unkeyed { .. }) => {
                    return usage_error(format!(
                        "{}: {e}, reviewing what it accepts: {}",
                        p.display(),
                        regenerate(&a, p)
                    ));
                }
                Err(e) => return usage_error(format!("{}: {e}", p.display())),
            },
        },
        None => Baseline::default(),
    };
    // JSON and SARIF print fingerprints: they need the repository's key,
    // created when there is none yet — but not when a baseline is given, whose
    // fingerprints were made with a key that must be found, not replaced.
    crate::output::note_inputs(&a.paths);
    let prints = a.format != "table";
    let (key, source) = match fingerprint::resolve(&a.paths, prints && baseline.is_empty()) {
        Ok(k) => k,
        Err(e) => return usage_error(e),
    };
    match &source {
        KeySource::Created(p) => eprintln!(
            "palisade: created {}, the key of this repository's secret fingerprints: commit it \
             beside the baseline, or keep it out of the repository and give it to CI as {KEY_ENV}",
            p.display()
        ),
        KeySource::Ephemeral(Some(why)) => eprintln!(
            "palisade: {why}; the fingerprints of this report use a one-off key and will match no \
             later run's (set {KEY_ENV})"
        ),
        _ => {}
    }
    if let Some(p) = &a.baseline
        && let Err(problem) =
            baseline.check_source(&key, &source, &fingerprint::key_file_for(&a.paths))
    {
        return usage_error(format!(
            "{}: {problem}: nothing in it could match. Use the key it was written with \
             ({KEY_FILE} of the repository, or {KEY_ENV}), or regenerate it, reviewing what it \
             accepts: {}",
            p.display(),
            regenerate(&a, p)
        ));
    }
    let (report, notes) = palisade_secrets::collect::collect_keyed(
        &a.paths,
        a.no_ignore,
        a.max_file_size,
        &baseline,
        &key,
    );
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

/// The command that writes a new baseline over the same paths.
fn regenerate(a: &SecretsArgs, baseline: &Path) -> String {
    let quote = |s: &str| {
        if !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_./:@%+=,-".contains(&b))
        {
            s.to_string()
        } else {
            format!("'{}'", s.replace('\'', "'\\''"))
        }
    };
    let mut cmd = String::from("palisade secrets");
    for p in &a.paths {
        cmd.push(' ');
        cmd.push_str(&quote(&p.to_string_lossy()));
    }
    if a.no_ignore {
        cmd.push_str(" --no-ignore");
    }
    cmd.push_str(" --format json -o ");
    cmd.push_str(&quote(&baseline.to_string_lossy()));
    cmd
}
