//! `palisade db` and `palisade vuln`: the local OSV index, and matching an
//! SBOM against it.

use crate::cli::{DbArgs, DbCommand, VulnArgs};
use crate::exit;
use crate::output::{emit, usage_error};
use palisade_findings::Severity;
use palisade_sbom::{Kind, Package, Sbom};

fn open(db: Option<&std::path::Path>, must_exist: bool) -> Result<palisade_vulndb::Db, String> {
    let path = db
        .map(std::path::Path::to_path_buf)
        .unwrap_or_else(palisade_vulndb::default_path);
    if must_exist && !path.is_file() {
        return Err(format!(
            "no vulnerability database at {}: run `palisade db import PATH…` first",
            path.display()
        ));
    }
    palisade_vulndb::Db::open(&path)
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
                    for e in &r.errors {
                        eprintln!("palisade: {e}");
                    }
                    println!(
                        "{} added, {} updated, {} unchanged, {} unreadable",
                        r.added,
                        r.updated,
                        r.unchanged,
                        r.errors.len()
                    );
                    if r.errors.is_empty() {
                        exit::OK
                    } else {
                        exit::INPUT_ERROR
                    }
                }
                Err(e) => usage_error(e),
            }
        }
        DbCommand::Status { db } => {
            let d = match open(db.as_deref(), true) {
                Ok(d) => d,
                Err(e) => return usage_error(e),
            };
            match d.status() {
                Ok(s) => {
                    println!(
                        "{} records; newest modified {}; imported {}",
                        s.records,
                        s.newest_modified.as_deref().unwrap_or("-"),
                        s.imported_at.as_deref().unwrap_or("-")
                    );
                    for (e, n) in &s.by_ecosystem {
                        println!("  {e:20} {n}");
                    }
                    exit::OK
                }
                Err(e) => usage_error(e),
            }
        }
    }
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
struct Subject {
    name: String,
    version: String,
    purl: String,
    location: String,
    query: palisade_osv::Query,
}

/// The packages of TARGET: an existing CycloneDX or SPDX JSON document (by
/// the purls it lists, whichever tool wrote it), or whatever `palisade
/// sbom` finds in it.
fn subjects(target: &str) -> Result<(Vec<Subject>, Vec<String>), String> {
    let as_bom = std::path::Path::new(target).is_file() && target.ends_with(".json");
    if as_bom {
        let text = std::fs::read_to_string(target).map_err(|e| format!("{target}: {e}"))?;
        let doc: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("{target}:{}: {e}", e.line()))?;
        if doc.get("bomFormat").is_some() || doc.get("spdxVersion").is_some() {
            let mut purls = Vec::new();
            let mut stack: Vec<&serde_json::Value> = doc["components"]
                .as_array()
                .map(|a| a.iter().collect())
                .unwrap_or_default();
            while let Some(c) = stack.pop() {
                if let Some(p) = c["purl"].as_str() {
                    purls.push(p.to_string());
                }
                stack.extend(c["components"].as_array().into_iter().flatten());
            }
            for p in doc["packages"].as_array().into_iter().flatten() {
                for r in p["externalRefs"].as_array().into_iter().flatten() {
                    if r["referenceType"] == "purl"
                        && let Some(l) = r["referenceLocator"].as_str()
                    {
                        purls.push(l.to_string());
                    }
                }
            }
            purls.sort();
            purls.dedup();
            let subjects = purls
                .into_iter()
                .filter_map(|purl| {
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
                        location: target.to_string(),
                        purl,
                        query,
                    })
                })
                .collect();
            return Ok((subjects, Vec::new()));
        }
    }
    let (path, selector) = palisade_imagefs::split_selector(target);
    let sbom = palisade_sbom::scan(&path, selector.as_deref()).map_err(|e| e.to_string())?;
    let subjects = sbom
        .packages
        .iter()
        .filter_map(|p| {
            let query = query(p, &sbom)?;
            Some(Subject {
                name: p.name.clone(),
                version: p.version.clone(),
                purl: p.purl.clone(),
                location: p.locations.first().cloned().unwrap_or_default(),
                query,
            })
        })
        .collect();
    Ok((
        subjects,
        sbom.warnings.iter().map(ToString::to_string).collect(),
    ))
}

#[derive(serde::Serialize)]
struct Row<'a> {
    package: &'a str,
    version: &'a str,
    ecosystem: String,
    purl: &'a str,
    location: &'a str,
    vulnerability: palisade_osv::Match,
}

/// A rating as the findings' severity: "none" (a 0.0 score) as info,
/// "unknown" (no CVSS v3 vector) as nothing.
fn rank(s: &str) -> Option<Severity> {
    if s == "none" {
        Some(Severity::Info)
    } else {
        s.parse().ok()
    }
}

pub fn vuln(a: VulnArgs) -> u8 {
    let d = match open(a.db.as_deref(), true) {
        Ok(d) => d,
        Err(e) => return usage_error(e),
    };
    let (subjects, warnings) = match subjects(&a.target) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("palisade: {e}");
            return exit::INPUT_ERROR;
        }
    };
    for w in &warnings {
        eprintln!("palisade: warning: {w}");
    }
    let mut rows = Vec::new();
    for s in &subjects {
        let candidates = match d.lookup(&s.query.ecosystem, &s.query.name) {
            Ok(c) => c,
            Err(e) => return usage_error(e),
        };
        for m in palisade_osv::matches(&s.query, &candidates) {
            if a.ignore_unfixed && m.fixed.is_empty() {
                continue;
            }
            rows.push(Row {
                package: &s.name,
                version: &s.version,
                ecosystem: s.query.ecosystem.clone(),
                purl: &s.purl,
                location: &s.location,
                vulnerability: m,
            });
        }
    }
    rows.sort_by(|x, y| {
        rank(y.vulnerability.severity)
            .cmp(&rank(x.vulnerability.severity))
            .then_with(|| (x.package, &x.vulnerability.id).cmp(&(y.package, &y.vulnerability.id)))
    });
    let text = if a.format == "json" {
        serde_json::to_string_pretty(&rows).unwrap_or_default() + "\n"
    } else {
        let mut t = String::new();
        for r in &rows {
            let v = &r.vulnerability;
            let score = v.score.map_or(String::new(), |s| format!(" {s:.1}"));
            let fixed = if v.fixed.is_empty() {
                "no fix".to_string()
            } else {
                format!("fixed in {}", v.fixed.join(", "))
            };
            let aliases = if v.aliases.is_empty() {
                String::new()
            } else {
                format!(" ({})", v.aliases.join(", "))
            };
            t.push_str(&format!(
                "{:9}{score}  {} {}  {}{aliases}  {fixed}  [{}]\n",
                v.severity.to_uppercase(),
                r.package,
                r.version,
                v.id,
                r.location
            ));
        }
        t.push_str(&format!(
            "{} vulnerabilities in {} packages ({} checked)\n",
            rows.len(),
            rows.iter()
                .map(|r| r.purl)
                .collect::<std::collections::BTreeSet<_>>()
                .len(),
            subjects.len()
        ));
        t
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
        Some(t) if rows.iter().any(|r| rank(r.vulnerability.severity) >= t) => exit::FINDINGS,
        _ => exit::OK,
    }
}
