//! Vulnerability matching: a catalogued target's packages (or the purls of
//! an SBOM document another tool wrote) looked up in the local OSV index,
//! sorted into findings, accepted (the configuration's ignore rules),
//! negligible and unfixed ones, each with the shortest upgrade that fixes
//! everything reported for its package. `report` renders the result;
//! `images` reads images for `scan --images`.

pub mod images;
pub mod report;

use palisade_checks::config::{Date, Justification, VulnIgnore};
use palisade_findings::Severity;
use palisade_sbom::{Kind, Package, Sbom};
use std::path::Path;

/// Days before the database is reported as stale, unless configured.
pub const DEFAULT_MAX_AGE_DAYS: u32 = 7;

/// The stale-database warning, when the data is older than `max_days`.
pub fn staleness(
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
pub struct Subject {
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
pub fn subjects_of(sbom: &Sbom) -> Vec<Subject> {
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
pub enum Target {
    /// Catalogued by `palisade sbom`.
    Catalogued(Box<Sbom>),
    /// A CycloneDX or SPDX document another tool (or palisade) wrote.
    Document,
}

/// The packages of TARGET: an existing CycloneDX or SPDX JSON document (by
/// the purls it lists, whichever tool wrote it), or whatever `palisade
/// sbom` finds in it.
pub fn subjects(target: &str) -> Result<(Target, Vec<Subject>, Vec<String>), String> {
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
pub struct Suppression {
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
pub struct Row {
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
pub struct MatchOptions {
    pub ignore_unfixed: bool,
    pub include_negligible: bool,
    pub ignores: Vec<VulnIgnore>,
    pub today: Option<Date>,
}

/// The vulnerabilities found, sorted worst first.
#[derive(Default)]
pub struct Matched {
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
pub fn rank(s: &str) -> Option<Severity> {
    if s == "none" {
        Some(Severity::Info)
    } else {
        s.parse().ok()
    }
}

/// Looks every subject up and sorts what matches into findings, suppressed
/// (by the configuration's ignore rules) and negligible ones.
pub fn match_subjects(
    db: &palisade_vulndb::Db,
    subjects: &[Subject],
    opts: &MatchOptions,
) -> Result<Matched, String> {
    let today = opts.today.unwrap_or_else(palisade_checks::config::today);
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
