//! `palisade db` and `palisade vuln`: the local OSV index, and matching an
//! SBOM against it.

use crate::cli::{DbArgs, DbCommand, VulnArgs};
use crate::exit;
use crate::output::{emit, usage_error};
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

#[derive(serde::Serialize)]
struct Row<'a> {
    package: &'a str,
    version: &'a str,
    ecosystem: String,
    purl: &'a str,
    location: &'a str,
    vulnerability: palisade_osv::Match,
}

fn rank(s: &str) -> u8 {
    match s {
        "critical" => 5,
        "high" => 4,
        "medium" => 3,
        "low" => 2,
        "none" => 1,
        _ => 0,
    }
}

pub fn vuln(a: VulnArgs) -> u8 {
    let d = match open(a.db.as_deref(), true) {
        Ok(d) => d,
        Err(e) => return usage_error(e),
    };
    let (path, selector) = palisade_imagefs::split_selector(&a.target);
    let sbom = match palisade_sbom::scan(&path, selector.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("palisade: {e}");
            return exit::INPUT_ERROR;
        }
    };
    for w in &sbom.warnings {
        eprintln!("palisade: warning: {w}");
    }
    let mut rows = Vec::new();
    for p in &sbom.packages {
        let Some(q) = query(p, &sbom) else { continue };
        let candidates = match d.lookup(&q.ecosystem, &q.name) {
            Ok(c) => c,
            Err(e) => return usage_error(e),
        };
        for m in palisade_osv::matches(&q, &candidates) {
            if a.ignore_unfixed && m.fixed.is_empty() {
                continue;
            }
            rows.push(Row {
                package: &p.name,
                version: &p.version,
                ecosystem: q.ecosystem.clone(),
                purl: &p.purl,
                location: p.locations.first().map_or("", String::as_str),
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
            sbom.packages.len()
        ));
        t
    };
    if let Err(e) = emit(&text, a.output.as_deref()) {
        return usage_error(e);
    }
    if !sbom.warnings.is_empty() {
        return exit::INPUT_ERROR;
    }
    let threshold = a
        .fail_on
        .as_deref()
        .map(|s| if s == "any" { 0 } else { rank(s) });
    match threshold {
        Some(t) if rows.iter().any(|r| rank(r.vulnerability.severity) >= t) => exit::FINDINGS,
        _ => exit::OK,
    }
}
