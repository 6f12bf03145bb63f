//! `palisade db` and `palisade vuln`: the local OSV index (import, update,
//! status), and matching an SBOM against it.

use crate::cli::{DbArgs, DbCommand, VulnArgs};
use crate::exit;
use crate::output::{emit, usage_error};
use palisade_vuln::{
    DEFAULT_MAX_AGE_DAYS, MatchOptions, match_subjects, rank, report, staleness, subjects,
};
use std::path::{Path, PathBuf};

fn db_path(db: Option<&Path>) -> PathBuf {
    db.map(Path::to_path_buf)
        .unwrap_or_else(palisade_vulndb::default_path)
}

fn open(db: Option<&Path>, must_exist: bool) -> Result<palisade_vulndb::Db, String> {
    let path = db_path(db);
    if must_exist && !path.is_file() {
        return Err(format!(
            "no vulnerability database at {}: run `palisade db update` or `palisade db import PATH…` first",
            path.display()
        ));
    }
    palisade_vulndb::Db::open(&path)
}

fn print_imported(what: &str, r: &palisade_vulndb::Imported) {
    for e in &r.errors {
        eprintln!("palisade: {e}");
    }
    println!(
        "{what}{} added, {} updated, {} unchanged, {} unreadable",
        r.added,
        r.updated,
        r.unchanged,
        r.errors.len()
    );
}

/// `maxAge` from `.palisade.yaml` in the current directory, if it says.
fn configured_max_age() -> Result<Option<u32>, String> {
    let here = Path::new(".palisade.yaml");
    if !here.is_file() {
        return Ok(None);
    }
    palisade_checks::Config::load(here)
        .map(|c| c.vulnerabilities.max_age)
        .map_err(|e| e.to_string())
}

pub fn db(a: DbArgs) -> u8 {
    match a.command {
        DbCommand::Import { paths, db } => {
            let mut d = match open(db.as_deref(), false) {
                Ok(d) => d,
                Err(e) => return usage_error(e),
            };
            match d.import(&paths) {
                Ok(r) => {
                    print_imported("", &r);
                    if r.errors.is_empty() {
                        exit::OK
                    } else {
                        exit::INPUT_ERROR
                    }
                }
                Err(e) => usage_error(e),
            }
        }
        DbCommand::Update {
            ecosystems,
            db,
            mirror,
            ca_cert,
        } => update(ecosystems, db, mirror, ca_cert),
        DbCommand::Status {
            db,
            max_age,
            fail_stale,
        } => {
            let max_age = match max_age.map_or_else(configured_max_age, |m| Ok(Some(m))) {
                Ok(m) => m.unwrap_or(DEFAULT_MAX_AGE_DAYS),
                Err(e) => return usage_error(e),
            };
            let d = match open(db.as_deref(), true) {
                Ok(d) => d,
                Err(e) => return usage_error(e),
            };
            let s = match d.status() {
                Ok(s) => s,
                Err(e) => return usage_error(e),
            };
            println!(
                "{} records; newest modified {}; imported {}{}",
                s.records,
                s.newest_modified.as_deref().unwrap_or("-"),
                s.imported_at.as_deref().unwrap_or("-"),
                s.age_days
                    .map(|a| format!(" ({a:.1} days ago)"))
                    .unwrap_or_default()
            );
            for (e, n) in &s.by_ecosystem {
                let updated = s
                    .updated
                    .iter()
                    .find(|(u, _)| u == e)
                    .map(|(_, at)| format!("  downloaded {at}"))
                    .unwrap_or_default();
                println!("  {e:20} {n}{updated}");
            }
            match staleness(&s.freshness(), &db_path(db.as_deref()), max_age) {
                Some(w) => {
                    eprintln!("palisade: warning: {w}");
                    if fail_stale { exit::FINDINGS } else { exit::OK }
                }
                None => exit::OK,
            }
        }
    }
}

/// `db update`: each ecosystem's export downloaded (unless the server says
/// it has not changed) and imported.
fn update(
    ecosystems: Vec<String>,
    db: Option<PathBuf>,
    mirror: Option<String>,
    ca_cert: Option<PathBuf>,
) -> u8 {
    let path = db_path(db.as_deref());
    let mut d = match open(Some(&path), false) {
        Ok(d) => d,
        Err(e) => return usage_error(e),
    };
    let client = match palisade_vulndb::fetch::client(ca_cert.as_deref()) {
        Ok(t) => t,
        Err(e) => return usage_error(e),
    };
    let base = mirror.unwrap_or_else(|| palisade_vulndb::fetch::OSV_EXPORTS.to_string());
    let ecosystems: Vec<String> = if ecosystems.is_empty() {
        palisade_vulndb::fetch::CATALOGUED_ECOSYSTEMS
            .iter()
            .map(|e| e.to_string())
            .collect()
    } else {
        ecosystems
    };
    // Next to the database: the exports can be large, and /tmp small.
    let dir = match tempfile::Builder::new()
        .prefix(".palisade-download-")
        .tempdir_in(
            path.parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new(".")),
        ) {
        Ok(d) => d,
        Err(e) => return usage_error(format!("{}: {e}", path.display())),
    };
    let mut failed = false;
    for eco in &ecosystems {
        let url = palisade_vulndb::fetch::export_url(&base, eco);
        let etag_key = format!("etag:{eco}");
        let etag = d.meta(&etag_key).ok().flatten();
        let file = dir.path().join("all.zip");
        match palisade_vulndb::fetch::fetch(&url, &file, etag.as_deref(), &client) {
            Ok(palisade_vulndb::fetch::Fetched::NotModified) => {
                println!("{eco}: unchanged since the last update");
                let _ = d.mark_updated(eco);
            }
            Ok(palisade_vulndb::fetch::Fetched::Saved { bytes, etag }) => {
                let r = match d.import_named(&[(file.clone(), url.clone())]) {
                    Ok(r) => r,
                    Err(e) => return usage_error(e),
                };
                print_imported(&format!("{eco}: {bytes} bytes; "), &r);
                failed |= !r.errors.is_empty();
                if let Some(tag) = etag {
                    let _ = d.set_meta(&etag_key, &tag);
                }
                let _ = d.mark_updated(eco);
            }
            Err(e) => {
                eprintln!("palisade: {eco}: {e}");
                failed = true;
            }
        }
        let _ = std::fs::remove_file(&file);
    }
    if failed { exit::INPUT_ERROR } else { exit::OK }
}

/// `.palisade.yaml`: `--config`, else the current directory's, else the
/// target directory's.
fn config_for(explicit: Option<&Path>, target: &str) -> Result<palisade_checks::Config, String> {
    let found = explicit
        .map(Path::to_path_buf)
        .or_else(|| palisade_checks::Config::discover(&[PathBuf::from(target)]));
    match found {
        Some(p) => palisade_checks::Config::load(&p).map_err(|e| e.to_string()),
        None => Ok(palisade_checks::Config::default()),
    }
}

pub fn vuln(a: VulnArgs) -> u8 {
    let config = match config_for(a.config.as_deref(), &a.target) {
        Ok(c) => c,
        Err(e) => return usage_error(e),
    };
    let path = db_path(a.db.as_deref());
    let d = match open(Some(&path), true) {
        Ok(d) => d,
        Err(e) => return usage_error(e),
    };
    let status = match d.freshness() {
        Ok(s) => s,
        Err(e) => return usage_error(e),
    };
    let max_age = a
        .max_age
        .or(config.vulnerabilities.max_age)
        .unwrap_or(DEFAULT_MAX_AGE_DAYS);
    if let Some(w) = staleness(&status, &path, max_age) {
        eprintln!("palisade: warning: {w}");
    }
    let (target, subjects, warnings) = match subjects(&a.target) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("palisade: {e}");
            return exit::INPUT_ERROR;
        }
    };
    for w in &warnings {
        eprintln!("palisade: warning: {w}");
    }
    let opts = MatchOptions {
        ignore_unfixed: a.ignore_unfixed,
        include_negligible: a.include_negligible,
        ignores: config.vulnerabilities.ignore.clone(),
        today: None,
    };
    let matched = match match_subjects(&d, &subjects, &opts) {
        Ok(m) => m,
        Err(e) => return usage_error(e),
    };
    for w in &matched.expired {
        eprintln!("palisade: warning: {w}");
    }
    let ctx = report::Context {
        target: &a.target,
        db: &path,
        status: &status,
        max_age,
        checked: subjects.len(),
    };
    let text = match a.format.as_str() {
        "json" => report::json(&matched, &ctx),
        "markdown" => report::markdown(&matched, &ctx),
        "sarif" => report::sarif(&matched, &ctx),
        "cyclonedx-vex" => report::vex(&matched, &ctx, &target, &subjects),
        _ => report::table(&matched, &ctx),
    };
    if let Err(e) = emit(&text, a.output.as_deref()) {
        return usage_error(e);
    }
    if !warnings.is_empty() {
        return exit::INPUT_ERROR;
    }
    let fails = |r: &palisade_vuln::Row| match rank(r.vulnerability.severity) {
        Some(s) => a.fail_on.is_some_and(|t| t.trips(s)),
        None => a.fail_on.is_some_and(|t| t.trips_unrated()),
    };
    if matched.findings.iter().any(fails) {
        exit::FINDINGS
    } else {
        exit::OK
    }
}
