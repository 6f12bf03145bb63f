//! `palisade db` and `palisade vuln`: the local OSV index (import, update,
//! status), and matching an SBOM against it.

mod report;

use crate::cli::{DbArgs, DbCommand, VulnArgs};
use crate::exit;
use crate::output::{emit, usage_error};
use palisade_checks::config::{Date, Justification, VulnIgnore};
use palisade_findings::Severity;
use palisade_sbom::{Kind, Package, Sbom};
use std::path::{Path, PathBuf};

/// Days before the database is reported as stale, unless configured.
pub const DEFAULT_MAX_AGE_DAYS: u32 = 7;

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

/// The stale-database warning, when the data is older than `max_days`.
pub(crate) fn staleness(
    status: &palisade_vulndb::Freshness,
    path: &Path,
    max_days: u32,
) -> Option<String> {
    if !status.stale(f64::from(max_days)) {
        return None;
    }
    Some(match status.age_days {
        Some(age) => format!(
            "the vulnerability database {} was last imported {age:.1} days ago, more than {max_days}: run `palisade db update`",
            path.display()
        ),
        None => format!(
            "the vulnerability database {} has never been imported into: run `palisade db update`",
            path.display()
        ),
    })
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
    let tls = match palisade_vulndb::fetch::tls_config(ca_cert.as_deref()) {
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
        match palisade_vulndb::fetch::fetch(&url, &file, etag.as_deref(), tls.clone()) {
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

/// What OSV calls a package: Debian advisories name the source package and
/// its version; Maven names are `group:artifact`.
fn query(p: &Package, sbom: &Sbom) -> Option<palisade_osv::Query> {
    let ecosystem = p.ecosystem(sbom.distro.as_ref())?;
    let (name, version) = match (p.kind, &p.source) {
        (Kind::Deb, Some(s)) => (
            s.name.clone(),
            s.version.clone().unwrap_or_else(|| p.version.clone()),
        ),
        (Kind::Java, _) => (
            p.group
                .as_ref()
                .map_or_else(|| p.name.clone(), |g| format!("{g}:{}", p.name)),
            p.version.clone(),
        ),
        _ => (p.name.clone(), p.version.clone()),
    };
    Some(palisade_osv::Query {
        ecosystem,
        name,
        version,
    })
}

/// One package to look up.
pub(crate) struct Subject {
    pub name: String,
    pub version: String,
    pub purl: String,
    /// Where it was found: the package database or lock file (in the image
    /// or directory), or the SBOM document.
    pub paths: Vec<String>,
    /// The CycloneDX `bom-ref` it has (or will have) in a document.
    pub bom_ref: String,
    pub query: palisade_osv::Query,
}

/// The packages of a catalogued target.
pub(crate) fn subjects_of(sbom: &Sbom) -> Vec<Subject> {
    sbom.packages
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let query = query(p, sbom)?;
            Some(Subject {
                name: p.name.clone(),
                version: p.version.clone(),
                purl: p.purl.clone(),
                paths: p.locations.clone(),
                bom_ref: palisade_sbom::format::cyclonedx::bom_ref(i, p),
                query,
            })
        })
        .collect()
}

/// What TARGET is.
pub(crate) enum Target {
    /// Catalogued by `palisade sbom`.
    Catalogued(Box<Sbom>),
    /// A CycloneDX or SPDX document another tool (or palisade) wrote.
    Document,
}

/// The packages of TARGET: an existing CycloneDX or SPDX JSON document (by
/// the purls it lists, whichever tool wrote it), or whatever `palisade
/// sbom` finds in it.
fn subjects(target: &str) -> Result<(Target, Vec<Subject>, Vec<String>), String> {
    let as_bom = Path::new(target).is_file() && target.ends_with(".json");
    if as_bom {
        let text = std::fs::read_to_string(target).map_err(|e| format!("{target}: {e}"))?;
        let doc: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("{target}:{}: {e}", e.line()))?;
        if doc.get("bomFormat").is_some() || doc.get("spdxVersion").is_some() {
            // (purl, bom-ref)
            let mut purls: Vec<(String, Option<String>)> = Vec::new();
            let mut stack: Vec<&serde_json::Value> = doc["components"]
                .as_array()
                .map(|a| a.iter().collect())
                .unwrap_or_default();
            while let Some(c) = stack.pop() {
                if let Some(p) = c["purl"].as_str() {
                    purls.push((p.to_string(), c["bom-ref"].as_str().map(str::to_string)));
                }
                stack.extend(c["components"].as_array().into_iter().flatten());
            }
            for p in doc["packages"].as_array().into_iter().flatten() {
                for r in p["externalRefs"].as_array().into_iter().flatten() {
                    if r["referenceType"] == "purl"
                        && let Some(l) = r["referenceLocator"].as_str()
                    {
                        purls.push((l.to_string(), None));
                    }
                }
            }
            purls.sort();
            purls.dedup_by(|a, b| a.0 == b.0);
            let subjects = purls
                .into_iter()
                .filter_map(|(purl, bom_ref)| {
                    let query = palisade_osv::query_from_purl(&purl)?;
                    let name = purl
                        .split('/')
                        .next_back()
                        .and_then(|n| n.split('@').next())
                        .map(|n| n.replace("%40", "@"))
                        .unwrap_or_default();
                    Some(Subject {
                        name,
                        version: query.version.clone(),
                        paths: vec![target.to_string()],
                        bom_ref: bom_ref.unwrap_or_else(|| purl.clone()),
                        purl,
                        query,
                    })
                })
                .collect();
            return Ok((Target::Document, subjects, Vec::new()));
        }
    }
    let (path, selector) = palisade_imagefs::split_selector(target);
    let sbom = palisade_sbom::scan(&path, selector.as_deref()).map_err(|e| e.to_string())?;
    let subjects = subjects_of(&sbom);
    let warnings = sbom.warnings.iter().map(ToString::to_string).collect();
    Ok((Target::Catalogued(Box::new(sbom)), subjects, warnings))
}

/// An accepted vulnerability, as the configuration file says.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct Suppression {
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub justification: Option<Justification>,
}

impl Suppression {
    fn of(rule: &VulnIgnore) -> Self {
        Suppression {
            reason: rule.reason.clone(),
            expires: rule.expires.map(|d| d.to_string()),
            justification: rule.justification,
        }
    }
}

/// One vulnerability of one package.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct Row {
    pub package: String,
    pub version: String,
    pub ecosystem: String,
    /// The package OSV's records name, when it is not the installed one
    /// (Debian's source package).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_package: Option<String>,
    pub purl: String,
    /// The first of `paths`.
    pub location: String,
    /// Every place the package was found (package database, lock file, or
    /// the SBOM document).
    pub paths: Vec<String>,
    #[serde(skip)]
    pub bom_ref: String,
    pub vulnerability: palisade_osv::Match,
    /// The smallest version of the package that fixes every vulnerability
    /// reported for it; absent when none does.
    pub upgrade: Option<String>,
    /// Why the configuration accepts it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<Suppression>,
    /// An ignore rule that matched but has expired.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expired_ignore: Option<Suppression>,
}

/// How matching treats what it finds.
#[derive(Default)]
pub(crate) struct MatchOptions {
    pub ignore_unfixed: bool,
    pub include_negligible: bool,
    pub ignores: Vec<VulnIgnore>,
    pub today: Option<Date>,
}

/// The vulnerabilities found, sorted worst first.
#[derive(Default)]
pub(crate) struct Matched {
    pub findings: Vec<Row>,
    pub suppressed: Vec<Row>,
    /// Left out as negligible (Debian `unimportant`, Ubuntu `negligible`).
    pub negligible: Vec<Row>,
    /// Left out because nothing fixes them (`--ignore-unfixed`).
    pub unfixed: usize,
    /// Ignore rules that matched after their expiry.
    pub expired: Vec<String>,
}

/// A rating as the findings' severity: "none" (a 0.0 score) as info,
/// "unknown" (no rating at all) as nothing.
pub(crate) fn rank(s: &str) -> Option<Severity> {
    if s == "none" {
        Some(Severity::Info)
    } else {
        s.parse().ok()
    }
}

/// Looks every subject up and sorts what matches into findings, suppressed
/// (by the configuration's ignore rules) and negligible ones.
pub(crate) fn match_subjects(
    db: &palisade_vulndb::Db,
    subjects: &[Subject],
    opts: &MatchOptions,
) -> Result<Matched, String> {
    let today = opts.today.unwrap_or_else(Date::today);
    let mut out = Matched::default();
    for s in subjects {
        let candidates = db.lookup(&s.query.ecosystem, &s.query.name)?;
        let mut rows = Vec::new();
        for m in palisade_osv::matches(&s.query, &candidates) {
            let ids: Vec<&str> = std::iter::once(m.id.as_str())
                .chain(m.aliases.iter().map(String::as_str))
                .collect();
            let names = [s.name.as_str(), s.query.name.as_str()];
            let rule = opts.ignores.iter().find(|r| r.matches(&ids, &names));
            let row = Row {
                package: s.name.clone(),
                version: s.version.clone(),
                ecosystem: s.query.ecosystem.clone(),
                source_package: (s.query.name != s.name).then(|| s.query.name.clone()),
                purl: s.purl.clone(),
                location: s.paths.first().cloned().unwrap_or_default(),
                paths: s.paths.clone(),
                bom_ref: s.bom_ref.clone(),
                vulnerability: m,
                upgrade: None,
                suppressed: None,
                expired_ignore: None,
            };
            match rule {
                Some(r) if !r.expired(today) => {
                    out.suppressed.push(Row {
                        suppressed: Some(Suppression::of(r)),
                        ..row
                    });
                }
                Some(r) => {
                    out.expired.push(format!(
                        "the ignore rule for {} ({}) expired on {}: it counts again",
                        r.id,
                        row.package,
                        r.expires.map(|d| d.to_string()).unwrap_or_default()
                    ));
                    rows.push(Row {
                        expired_ignore: Some(Suppression::of(r)),
                        ..row
                    });
                }
                None if row.vulnerability.negligible.is_some() && !opts.include_negligible => {
                    out.negligible.push(row);
                }
                None if opts.ignore_unfixed && row.vulnerability.fixed.is_empty() => {
                    out.unfixed += 1;
                }
                None => rows.push(row),
            }
        }
        // The shortest upgrade that fixes everything reported for it.
        let reported: Vec<&palisade_osv::Record> = candidates
            .iter()
            .filter(|r| {
                rows.iter()
                    .any(|row| row.vulnerability.records.contains(&r.id))
            })
            .collect();
        let upgrade = palisade_osv::upgrade(&s.query, &reported);
        for r in &mut rows {
            r.upgrade = upgrade.clone();
        }
        out.findings.extend(rows);
    }
    let order = |x: &Row, y: &Row| {
        rank(y.vulnerability.severity)
            .cmp(&rank(x.vulnerability.severity))
            .then_with(|| {
                (&x.package, &x.version, &x.vulnerability.id).cmp(&(
                    &y.package,
                    &y.version,
                    &y.vulnerability.id,
                ))
            })
    };
    out.findings.sort_by(order);
    out.suppressed.sort_by(order);
    out.negligible.sort_by(order);
    Ok(out)
}

/// `.palisade.yaml`: `--config`, else the current directory's, else the
/// target directory's.
fn config_for(explicit: Option<&Path>, target: &str) -> Result<palisade_checks::Config, String> {
    let found = explicit
        .map(Path::to_path_buf)
        .or_else(|| crate::scan::discover_config(&[PathBuf::from(target)]));
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
    let threshold = a
        .fail_on
        .as_deref()
        .map(|s| if s == "any" { None } else { rank(s) });
    match threshold {
        Some(t)
            if matched
                .findings
                .iter()
                .any(|r| rank(r.vulnerability.severity) >= t) =>
        {
            exit::FINDINGS
        }
        _ => exit::OK,
    }
}
