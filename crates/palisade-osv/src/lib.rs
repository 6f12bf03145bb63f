//! OSV records and whether one affects a package version.
//!
//! [`Record`] is the OSV schema's data (the fields matching needs);
//! [`parse`] reads one from JSON or YAML with located errors.
//! [`Record::affects`] applies OSV's rules exactly: an `affected` entry
//! applies to a package when ecosystem and name match (PyPI names after PEP
//! 503 normalisation); the version is affected when the entry lists it in
//! `versions`, or when a range of type ECOSYSTEM or SEMVER puts it between
//! an `introduced` (inclusive) and the next `fixed` (exclusive) or
//! `last_affected` (inclusive), events taken in version order whatever
//! their order in the file. GIT ranges name commits, not versions, and
//! never match a package version. Versions are ordered by the ecosystem's
//! own rules (`palisade-version`).
//!
//! Beyond whether a version is affected, a [`Match`] carries what changes
//! how much it matters: the CVSS score (the highest CVSS version the record
//! has, v4 before v3 before v2, as osv-scanner picks it; the database's own
//! rating when there is no vector), Debian's `urgency: unimportant` and
//! Ubuntu's `negligible` priority ([`Match::negligible`]), the Go vulndb's
//! affected import paths and symbols ([`Match::imports`]), and the first
//! version that fixes it ([`Match::fix`], [`upgrade`]).

pub mod cvss;

use std::cmp::Ordering;

use palisade_version::{Ecosystem, compare};
use serde::Deserialize;

/// One OSV record.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Record {
    pub id: String,
    #[serde(default)]
    pub modified: String,
    #[serde(default)]
    pub withdrawn: Option<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub severity: Vec<Severity>,
    #[serde(default)]
    pub affected: Vec<Affected>,
    /// Database-specific data (GitHub's `severity`, …).
    #[serde(default)]
    pub database_specific: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Severity {
    #[serde(rename = "type")]
    pub kind: String,
    pub score: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Package {
    pub ecosystem: String,
    pub name: String,
    #[serde(default)]
    pub purl: Option<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Affected {
    #[serde(default)]
    pub package: Option<Package>,
    #[serde(default)]
    pub ranges: Vec<Range>,
    #[serde(default)]
    pub versions: Vec<String>,
    /// Per-package severities (the schema allows them here instead of at
    /// the top level).
    #[serde(default)]
    pub severity: Vec<Severity>,
    /// Debian's `urgency`, the Go vulndb's `imports`, …
    #[serde(default)]
    pub ecosystem_specific: Option<serde_json::Value>,
    #[serde(default)]
    pub database_specific: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Range {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub events: Vec<Event>,
}

/// One range event; exactly one field is set in a valid record.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct Event {
    #[serde(default)]
    pub introduced: Option<String>,
    #[serde(default)]
    pub fixed: Option<String>,
    #[serde(default)]
    pub last_affected: Option<String>,
    #[serde(default)]
    pub limit: Option<String>,
}

/// Reads a record from JSON, or from YAML when it is not JSON. The error
/// names the line.
pub fn parse(text: &str) -> Result<Record, String> {
    let value = to_json(text)?;
    serde_json::from_value(value).map_err(|e| format!("not an OSV record: {e}"))
}

/// The JSON value of a record written in JSON or YAML.
pub fn to_json(text: &str) -> Result<serde_json::Value, String> {
    if text.trim_start().starts_with('{') {
        return serde_json::from_str(text).map_err(|e| format!("line {}: {e}", e.line()));
    }
    let stream = palisade_yaml::parse_stream(text, &palisade_yaml::Limits::default());
    if let Some(e) = stream.errors.first() {
        return Err(format!("line {}: {}", e.line, e.message));
    }
    let doc = stream
        .documents
        .into_iter()
        .next()
        .ok_or("empty document")?;
    Ok(doc.root.to_json())
}

/// PEP 503 name normalisation (PyPI names are case- and separator-insensitive).
pub fn pep503(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        let c = if matches!(c, '-' | '_' | '.') {
            '-'
        } else {
            c.to_ascii_lowercase()
        };
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
    }
    out
}

/// Whether a record's ecosystem (`Debian:12`) covers the one asked about:
/// equal, or equal up to a release that one side leaves out.
fn ecosystem_matches(record: &str, asked: &str) -> bool {
    if record == asked {
        return true;
    }
    let base = |s: &str| s.split(':').next().unwrap_or(s).to_string();
    base(record) == base(asked) && (!record.contains(':') || !asked.contains(':'))
}

impl Range {
    /// Whether `version` falls in this range (ECOSYSTEM or SEMVER).
    pub fn contains(&self, eco: Ecosystem, version: &str) -> bool {
        let cmp = |a: &str, b: &str| -> Ordering {
            if self.kind == "SEMVER" {
                compare(Ecosystem::Npm, a, b)
            } else {
                compare(eco, a, b)
            }
        };
        if self.kind != "ECOSYSTEM" && self.kind != "SEMVER" {
            return false;
        }
        // Events in version order; "0" is below every version.
        let key = |e: &Event| {
            e.introduced
                .as_deref()
                .or(e.fixed.as_deref())
                .or(e.last_affected.as_deref())
                .or(e.limit.as_deref())
                .unwrap_or("0")
                .to_string()
        };
        let mut events: Vec<&Event> = self.events.iter().collect();
        events.sort_by(|a, b| {
            let (x, y) = (key(a), key(b));
            match (x == "0", y == "0") {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Less,
                (false, true) => Ordering::Greater,
                (false, false) => cmp(&x, &y),
            }
        });
        let mut affected = false;
        for e in events {
            if let Some(i) = &e.introduced {
                if i == "0" || cmp(version, i) != Ordering::Less {
                    affected = true;
                }
            } else if let Some(f) = &e.fixed {
                if cmp(version, f) != Ordering::Less {
                    affected = false;
                }
            } else if let Some(l) = &e.last_affected
                && cmp(version, l) == Ordering::Greater
            {
                affected = false;
            }
        }
        affected
    }
}

impl Affected {
    /// Whether this entry names the package.
    pub fn names(&self, ecosystem: &str, name: &str) -> bool {
        let Some(p) = &self.package else { return false };
        if !ecosystem_matches(&p.ecosystem, ecosystem) {
            return false;
        }
        if ecosystem.starts_with("PyPI") {
            pep503(&p.name) == pep503(name)
        } else {
            p.name == name
        }
    }

    /// Whether `version` of the package is affected by this entry.
    pub fn affects_version(&self, eco: Ecosystem, version: &str) -> bool {
        self.versions
            .iter()
            .any(|v| v == version || compare(eco, v, version) == Ordering::Equal)
            || self.ranges.iter().any(|r| r.contains(eco, version))
    }
}

/// A string field of an optional JSON object.
fn field<'a>(v: &'a Option<serde_json::Value>, key: &str) -> Option<&'a str> {
    v.as_ref()?.get(key)?.as_str()
}

/// A vendor's word for a severity, as a rating (GitHub's MODERATE is
/// medium; Ubuntu's negligible is low, and negligible).
fn vendor_rating(word: &str) -> Option<&'static str> {
    Some(match word.to_ascii_lowercase().as_str() {
        "critical" => "critical",
        "high" | "important" => "high",
        "moderate" | "medium" => "medium",
        "low" | "negligible" => "low",
        _ => return None,
    })
}

impl Record {
    /// The entries that name the package and whose ranges or versions
    /// include `version`. Empty for withdrawn records.
    pub fn applicable(&self, ecosystem: &str, name: &str, version: &str) -> Vec<&Affected> {
        if self.withdrawn.is_some() {
            return Vec::new();
        }
        let Some(eco) = Ecosystem::parse(ecosystem) else {
            return Vec::new();
        };
        self.affected
            .iter()
            .filter(|a| a.names(ecosystem, name) && a.affects_version(eco, version))
            .collect()
    }

    /// The highest CVSS base score among the record's severities (any
    /// version).
    pub fn score(&self) -> Option<f64> {
        self.severity
            .iter()
            .filter_map(|s| cvss::score(&s.score))
            .reduce(f64::max)
    }

    /// The severity that applies to these entries: the top-level and the
    /// entries' own CVSS vectors of the highest CVSS version present (v4,
    /// else v3, else v2; the highest score among them), else the
    /// database's rating (GitHub's `database_specific.severity`, OSS-Fuzz's
    /// `ecosystem_specific.severity`, Ubuntu's priority). Returns the
    /// score, the rating and where it came from.
    pub fn severity_of(
        &self,
        entries: &[&Affected],
    ) -> (Option<f64>, &'static str, Option<String>) {
        let all: Vec<&Severity> = self
            .severity
            .iter()
            .chain(entries.iter().flat_map(|a| &a.severity))
            .collect();
        let best = all
            .iter()
            .filter_map(|s| Some((cvss::version(&s.score)?, cvss::score(&s.score)?, *s)))
            .max_by(|a, b| {
                (a.0, a.1)
                    .partial_cmp(&(b.0, b.1))
                    .unwrap_or(Ordering::Equal)
            });
        if let Some((_, score, s)) = best {
            return (Some(score), cvss::rating(score), Some(s.score.clone()));
        }
        let vendor = all
            .iter()
            .filter(|s| s.kind == "Ubuntu")
            .map(|s| (s.score.as_str(), "Ubuntu priority"))
            .chain(
                field(&self.database_specific, "severity")
                    .map(|w| (w, "database_specific.severity")),
            )
            .chain(entries.iter().filter_map(|a| {
                field(&a.ecosystem_specific, "severity").map(|w| (w, "ecosystem_specific.severity"))
            }))
            .find_map(|(w, from)| Some((vendor_rating(w)?, format!("{from}: {w}"))));
        match vendor {
            Some((r, from)) => (None, r, Some(from)),
            None => (None, "unknown", None),
        }
    }

    /// Why these entries matter little, when their database says so:
    /// Debian's `urgency: unimportant` (in `ecosystem_specific`, or
    /// `database_specific`), Ubuntu's `negligible` priority.
    pub fn negligible(&self, entries: &[&Affected]) -> Option<String> {
        if entries.is_empty() {
            return None;
        }
        let ubuntu = self
            .severity
            .iter()
            .chain(entries.iter().flat_map(|a| &a.severity))
            .find(|s| s.kind == "Ubuntu" && s.score.eq_ignore_ascii_case("negligible"));
        if ubuntu.is_some() {
            return Some("Ubuntu priority negligible".into());
        }
        let unimportant = |a: &&Affected| {
            [&a.ecosystem_specific, &a.database_specific]
                .into_iter()
                .any(|v| field(v, "urgency") == Some("unimportant"))
        };
        entries
            .iter()
            .all(unimportant)
            .then(|| "Debian urgency unimportant".into())
    }

    /// The Go vulndb's affected packages and symbols of these entries
    /// (`ecosystem_specific.imports`).
    pub fn imports(entries: &[&Affected]) -> Vec<Import> {
        let mut out: Vec<Import> = Vec::new();
        for a in entries {
            let Some(list) = a
                .ecosystem_specific
                .as_ref()
                .and_then(|v| v.get("imports"))
                .and_then(|v| v.as_array())
            else {
                continue;
            };
            for i in list {
                let Some(path) = i.get("path").and_then(|p| p.as_str()) else {
                    continue;
                };
                let symbols = i
                    .get("symbols")
                    .and_then(|s| s.as_array())
                    .map(|s| {
                        s.iter()
                            .filter_map(|x| x.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
                let import = Import {
                    path: path.to_string(),
                    symbols,
                };
                if !out.contains(&import) {
                    out.push(import);
                }
            }
        }
        out
    }

    /// The fixed versions of the entries that name this package, in the
    /// ecosystem's order.
    pub fn fixed_versions(&self, ecosystem: &str, name: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .affected
            .iter()
            .filter(|a| a.names(ecosystem, name))
            .flat_map(|a| &a.ranges)
            // GIT ranges fix at commits, not versions.
            .filter(|r| r.kind == "ECOSYSTEM" || r.kind == "SEMVER")
            .flat_map(|r| &r.events)
            .filter_map(|e| e.fixed.clone())
            .collect();
        sort_versions(ecosystem, &mut out);
        out
    }

    /// Whether this record affects `name` at `version` in `ecosystem` (an
    /// OSV ecosystem name, with or without a release). Withdrawn records
    /// affect nothing.
    pub fn affects(&self, ecosystem: &str, name: &str, version: &str) -> bool {
        !self.applicable(ecosystem, name, version).is_empty()
    }
}

/// The ecosystems of the OSV schema (`ecosystems.json` of
/// ossf/osv-schema), without their releases.
pub const ECOSYSTEMS: &[&str] = &[
    "AlmaLinux",
    "Alpaquita",
    "Alpine",
    "Android",
    "Azure Linux",
    "BellSoft Hardened Containers",
    "Bioconductor",
    "Bitnami",
    "Chainguard",
    "CleanStart",
    "ConanCenter",
    "CRAN",
    "crates.io",
    "Debian",
    "Docker Hardened Images",
    "Echo",
    "FreeBSD",
    "GHC",
    "GitHub Actions",
    "Go",
    "Hackage",
    "Hex",
    "Julia",
    "Kubernetes",
    "Linux",
    "Mageia",
    "Maven",
    "MinimOS",
    "npm",
    "NuGet",
    "opam",
    "openEuler",
    "openSUSE",
    "OSS-Fuzz",
    "Packagist",
    "Photon OS",
    "Pub",
    "PyPI",
    "Red Hat",
    "Rocky Linux",
    "Root",
    "RubyGems",
    "SUSE",
    "SwiftURL",
    "TuxCare",
    "Ubuntu",
    "VSCode",
    "Wolfi",
];

impl Record {
    /// What makes the record unusable, located in it: an empty id, a
    /// package without a name or in an ecosystem the schema does not know,
    /// a range of an unknown type, without events or without an
    /// `introduced`, an event that is not exactly one of `introduced`,
    /// `fixed`, `last_affected`, `limit`.
    pub fn validate(&self) -> Result<(), String> {
        if self.id.trim().is_empty() {
            return Err("empty id".into());
        }
        for (i, a) in self.affected.iter().enumerate() {
            if let Some(p) = &a.package {
                let base = p.ecosystem.split(':').next().unwrap_or_default();
                if !ECOSYSTEMS.contains(&base) {
                    return Err(format!(
                        "affected[{i}]: unknown ecosystem {:?}",
                        p.ecosystem
                    ));
                }
                if p.name.trim().is_empty() {
                    return Err(format!("affected[{i}]: package without a name"));
                }
            }
            for (j, r) in a.ranges.iter().enumerate() {
                let at = format!("affected[{i}].ranges[{j}]");
                if !matches!(r.kind.as_str(), "ECOSYSTEM" | "SEMVER" | "GIT") {
                    return Err(format!("{at}: unknown range type {:?}", r.kind));
                }
                if r.events.is_empty() {
                    return Err(format!("{at}: no events"));
                }
                for (k, e) in r.events.iter().enumerate() {
                    let n = [&e.introduced, &e.fixed, &e.last_affected, &e.limit]
                        .iter()
                        .filter(|f| f.is_some())
                        .count();
                    if n != 1 {
                        return Err(format!(
                            "{at}.events[{k}]: {n} of introduced/fixed/last_affected/limit, exactly one expected"
                        ));
                    }
                }
                if !r.events.iter().any(|e| e.introduced.is_some()) {
                    return Err(format!("{at}: no introduced event"));
                }
            }
        }
        Ok(())
    }
}

/// Sorts and dedups versions by the ecosystem's order (as text when
/// palisade does not know the ecosystem).
fn sort_versions(ecosystem: &str, versions: &mut Vec<String>) {
    match Ecosystem::parse(ecosystem) {
        Some(eco) => versions.sort_by(|a, b| compare(eco, a, b).then_with(|| a.cmp(b))),
        None => versions.sort(),
    }
    versions.dedup();
}

/// The smallest version above `q.version` that none of `records` affects,
/// among the versions their ranges name as fixed: the shortest upgrade that
/// fixes them all. `None` when no fixed version does (something is not
/// fixed yet, or every fix is still affected by another record).
pub fn upgrade(q: &Query, records: &[&Record]) -> Option<String> {
    let eco = Ecosystem::parse(&q.ecosystem)?;
    let mut candidates: Vec<String> = records
        .iter()
        .flat_map(|r| r.fixed_versions(&q.ecosystem, &q.name))
        .collect();
    sort_versions(&q.ecosystem, &mut candidates);
    candidates.into_iter().find(|v| {
        compare(eco, v, &q.version) == Ordering::Greater
            && !records.iter().any(|r| r.affects(&q.ecosystem, &q.name, v))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(events: &str) -> Record {
        parse(&format!(r#"{{"id":"X-1","affected":[{{"package":{{"ecosystem":"PyPI","name":"Django"}},"ranges":[{{"type":"ECOSYSTEM","events":{events}}}]}}]}}"#)).unwrap()
    }

    #[test]
    fn ranges_in_version_order() {
        let r = record(
            r#"[{"fixed":"4.2.3"},{"introduced":"4.2"},{"introduced":"0"},{"fixed":"3.2.20"}]"#,
        );
        assert!(r.affects("PyPI", "django", "3.2.19"));
        assert!(!r.affects("PyPI", "django", "3.2.20"));
        assert!(r.affects("PyPI", "Django", "4.2"));
        assert!(!r.affects("PyPI", "django", "4.2.3"));
        assert!(!r.affects("npm", "django", "4.2"));
        let l = record(r#"[{"introduced":"1.0"},{"last_affected":"1.4"}]"#);
        assert!(
            l.affects("PyPI", "django", "1.4")
                && !l.affects("PyPI", "django", "1.4.1")
                && !l.affects("PyPI", "django", "0.9")
        );
    }

    #[test]
    fn withdrawn_and_bad_input() {
        let mut r = record(r#"[{"introduced":"0"}]"#);
        assert!(r.affects("PyPI", "django", "1.0"));
        r.withdrawn = Some("2024-01-01T00:00:00Z".into());
        assert!(!r.affects("PyPI", "django", "1.0"));
        assert!(
            parse("{\n\"id\": 1\n}")
                .unwrap_err()
                .starts_with("not an OSV record")
        );
        assert!(parse("{\n\"id\": \n").unwrap_err().starts_with("line 3"));
        assert!(parse("id: [\n").is_err());
    }

    #[test]
    fn invalid_records_are_located() {
        let v = |t: &str| parse(t).unwrap().validate();
        assert!(
            record(r#"[{"introduced":"0"},{"fixed":"1"}]"#)
                .validate()
                .is_ok()
        );
        assert_eq!(
            record(r#"[{"fixed":"1"}]"#).validate().unwrap_err(),
            "affected[0].ranges[0]: no introduced event"
        );
        assert!(
            record(r#"[{"introduced":"0","fixed":"1"}]"#)
                .validate()
                .unwrap_err()
                .starts_with("affected[0].ranges[0].events[0]: 2 of")
        );
        assert_eq!(
            record("[]").validate().unwrap_err(),
            "affected[0].ranges[0]: no events"
        );
        assert_eq!(
            v(r#"{"id":"X","affected":[{"package":{"ecosystem":"Debian:12","name":"a"}},{"package":{"ecosystem":"Plan9","name":"a"}}]}"#).unwrap_err(),
            r#"affected[1]: unknown ecosystem "Plan9""#
        );
        assert!(
            v(r#"{"id":"X","affected":[{"package":{"ecosystem":"npm","name":"a"},"ranges":[{"type":"RANGE","events":[{"introduced":"0"}]}]}]}"#)
                .unwrap_err()
                .contains("unknown range type")
        );
        assert_eq!(v(r#"{"id":" "}"#).unwrap_err(), "empty id");
    }
}

/// A package to check: its OSV ecosystem (with release), name and version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub ecosystem: String,
    pub name: String,
    pub version: String,
}

/// An affected Go package (import path) and, where the vulndb knows them,
/// the affected functions.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Import {
    pub path: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub symbols: Vec<String>,
}

/// One vulnerability of one package.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Match {
    pub id: String,
    pub aliases: Vec<String>,
    pub summary: Option<String>,
    /// The CVSS score of the highest CVSS version the record has (v4, v3,
    /// v2); `None` without a vector.
    pub score: Option<f64>,
    /// The rating: from the score, else the database's own rating, else
    /// "unknown".
    pub severity: &'static str,
    /// The CVSS vector the score comes from, or the database field the
    /// rating comes from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity_source: Option<String>,
    /// Versions that fix it, from the record's ranges.
    pub fixed: Vec<String>,
    /// The first version above the installed one that it does not affect.
    pub fix: Option<String>,
    /// Go: the affected packages (import paths) and symbols. palisade does
    /// no reachability analysis: the finding stands whether or not the
    /// program calls them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub imports: Vec<Import>,
    /// Why the distribution considers it negligible (Debian `unimportant`,
    /// Ubuntu `negligible`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub negligible: Option<String>,
    /// The ids of the records merged into this match (the id and the
    /// aliases that are records of their own).
    #[serde(skip)]
    pub records: Vec<String>,
}

/// The records among `candidates` that affect `q`, one per vulnerability:
/// records that are aliases of one another (a CVE, its GHSA, its PYSEC)
/// collapse into the first by id, which keeps the union of their fixed
/// versions and imports, and the higher score.
pub fn matches(q: &Query, candidates: &[Record]) -> Vec<Match> {
    let mut out: Vec<Match> = Vec::new();
    let mut sorted: Vec<&Record> = candidates.iter().collect();
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    for r in sorted {
        let entries = r.applicable(&q.ecosystem, &q.name, &q.version);
        if entries.is_empty() {
            continue;
        }
        let (score, severity, severity_source) = r.severity_of(&entries);
        let fixed = r.fixed_versions(&q.ecosystem, &q.name);
        let imports = Record::imports(&entries);
        let negligible = r.negligible(&entries);
        if let Some(m) = out.iter_mut().find(|m| {
            m.aliases.contains(&r.id)
                || r.aliases.contains(&m.id)
                || r.aliases.iter().any(|a| m.aliases.contains(a))
        }) {
            for a in r.aliases.iter().chain([&r.id]) {
                if *a != m.id && !m.aliases.contains(a) {
                    m.aliases.push(a.clone());
                }
            }
            m.records.push(r.id.clone());
            m.fixed.extend(fixed);
            sort_versions(&q.ecosystem, &mut m.fixed);
            for i in imports {
                if !m.imports.contains(&i) {
                    m.imports.push(i);
                }
            }
            if score.is_some() && score > m.score || (m.score.is_none() && m.severity == "unknown")
            {
                m.score = score;
                m.severity = severity;
                m.severity_source = severity_source;
            }
            // Negligible only when every merged record says so.
            if negligible.is_none() {
                m.negligible = None;
            }
            continue;
        }
        out.push(Match {
            id: r.id.clone(),
            aliases: r.aliases.clone(),
            summary: r.summary.clone(),
            score,
            severity,
            severity_source,
            fixed,
            fix: None,
            imports,
            negligible,
            records: vec![r.id.clone()],
        });
    }
    for m in &mut out {
        let records: Vec<&Record> = candidates
            .iter()
            .filter(|r| m.records.contains(&r.id))
            .collect();
        m.fix = upgrade(q, &records);
    }
    out
}

/// The OSV query a package URL stands for (as other tools' SBOMs write
/// them): the purl type gives the ecosystem, the `distro` qualifier the
/// release of OS packages (`debian-12` → `Debian:12`, `alpine-3.19.1` →
/// `Alpine:v3.19`), and Debian's `upstream` qualifier the source package
/// that Debian's advisories name. `None` for types OSV has no ecosystem for.
pub fn query_from_purl(purl: &str) -> Option<Query> {
    use std::str::FromStr;
    let u = packageurl::PackageUrl::from_str(purl).ok()?;
    let version = u.version()?.to_string();
    let q = |k: &str| {
        u.qualifiers()
            .iter()
            .find(|(key, _)| key.as_ref() == k)
            .map(|(_, v)| v.to_string())
    };
    let ns = u.namespace().map(str::to_string);
    let name = u.name().to_string();
    let release =
        |prefix: &str| q("distro").and_then(|d| d.strip_prefix(prefix).map(str::to_string));
    let (ecosystem, name) = match u.ty() {
        "pypi" => ("PyPI".to_string(), name),
        "npm" => (
            "npm".to_string(),
            ns.map_or(name.clone(), |s| format!("{s}/{name}")),
        ),
        "cargo" => ("crates.io".to_string(), name),
        "golang" => (
            "Go".to_string(),
            ns.map_or(name.clone(), |s| format!("{s}/{name}")),
        ),
        "maven" => (
            "Maven".to_string(),
            ns.map_or(name.clone(), |s| format!("{s}:{name}")),
        ),
        "gem" => ("RubyGems".to_string(), name),
        "nuget" => ("NuGet".to_string(), name),
        "composer" => (
            "Packagist".to_string(),
            ns.map_or(name.clone(), |s| format!("{s}/{name}")),
        ),
        "hex" => ("Hex".to_string(), name),
        "pub" => ("Pub".to_string(), name),
        "cran" => ("CRAN".to_string(), name),
        "hackage" => ("Hackage".to_string(), name),
        "deb" => {
            let eco = match ns.as_deref() {
                Some("ubuntu") => format!("Ubuntu:{}", release("ubuntu-")?),
                _ => format!("Debian:{}", release("debian-")?.split('.').next()?),
            };
            // `upstream=glibc` or `upstream=gcc-12@12.2.0-14`.
            let source = q("upstream").map(|s| s.split('@').next().unwrap_or(&s).to_string());
            (eco, source.unwrap_or(name))
        }
        "apk" => {
            let r = release("alpine-")?;
            (
                format!(
                    "Alpine:v{}",
                    r.split('.').take(2).collect::<Vec<_>>().join(".")
                ),
                name,
            )
        }
        _ => return None,
    };
    let version = match (u.ty(), q("upstream")) {
        ("deb", Some(up)) => up
            .split_once('@')
            .map_or(version.clone(), |(_, v)| v.to_string()),
        _ => version,
    };
    Some(Query {
        ecosystem,
        name,
        version,
    })
}

#[cfg(test)]
mod purl_tests {
    use super::*;

    #[test]
    fn purls_to_queries() {
        let q = query_from_purl(
            "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12&upstream=glibc",
        )
        .unwrap();
        assert_eq!(
            (q.ecosystem.as_str(), q.name.as_str(), q.version.as_str()),
            ("Debian:12", "glibc", "2.36-9+deb12u4")
        );
        let q = query_from_purl(
            "pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=alpine-3.19.1",
        )
        .unwrap();
        assert_eq!(
            (q.ecosystem.as_str(), q.name.as_str()),
            ("Alpine:v3.19", "musl")
        );
        let q = query_from_purl("pkg:maven/org.slf4j/slf4j-api@1.7.32").unwrap();
        assert_eq!(q.name, "org.slf4j:slf4j-api");
        assert_eq!(
            query_from_purl("pkg:npm/%40types/ms@0.7.34").unwrap().name,
            "@types/ms"
        );
        assert!(query_from_purl("pkg:generic/x@1").is_none());
        assert!(query_from_purl("not a purl").is_none());
    }
}

#[cfg(test)]
mod applicability_tests {
    use super::*;

    fn q(ecosystem: &str, name: &str, version: &str) -> Query {
        Query {
            ecosystem: ecosystem.into(),
            name: name.into(),
            version: version.into(),
        }
    }

    #[test]
    fn highest_cvss_version_wins_then_vendor_rating() {
        // v3 says 9.8, v4 says 6.9: v4 is the newer version, so 6.9.
        let r = parse(r#"{"id":"GHSA-x","severity":[
            {"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
            {"type":"CVSS_V4","score":"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N"}],
            "affected":[{"package":{"ecosystem":"npm","name":"a"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.2.0"}]}]}]}"#).unwrap();
        let m = matches(&q("npm", "a", "1.0.0"), &[r]);
        assert_eq!(m[0].score, Some(6.9));
        assert_eq!(m[0].severity, "medium");
        assert!(
            m[0].severity_source
                .as_deref()
                .unwrap()
                .starts_with("CVSS:4.0/")
        );
        // No vector: GitHub's own rating, and where it came from.
        let r = parse(
            r#"{"id":"GHSA-y","database_specific":{"severity":"MODERATE"},
            "affected":[{"package":{"ecosystem":"npm","name":"a"},"versions":["1.0.0"]}]}"#,
        )
        .unwrap();
        let m = matches(&q("npm", "a", "1.0.0"), &[r]);
        assert_eq!((m[0].score, m[0].severity), (None, "medium"));
        assert_eq!(
            m[0].severity_source.as_deref(),
            Some("database_specific.severity: MODERATE")
        );
        // Per-package severity counts too; nothing at all is unknown.
        let r = parse(r#"{"id":"X","affected":[{"package":{"ecosystem":"npm","name":"a"},"versions":["1.0.0"],
            "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:H/I:H/A:H"}]}]}"#).unwrap();
        assert_eq!(matches(&q("npm", "a", "1.0.0"), &[r])[0].severity, "high");
        let r = parse(r#"{"id":"X","affected":[{"package":{"ecosystem":"npm","name":"a"},"versions":["1.0.0"]}]}"#).unwrap();
        assert_eq!(
            matches(&q("npm", "a", "1.0.0"), &[r])[0].severity,
            "unknown"
        );
    }

    #[test]
    fn debian_unimportant_and_ubuntu_negligible() {
        let rec = |urgency: &str| {
            parse(&format!(r#"{{"id":"DEBIAN-CVE-2019-1010022","affected":[{{"package":{{"ecosystem":"Debian:12","name":"glibc"}},
                "ranges":[{{"type":"ECOSYSTEM","events":[{{"introduced":"0"}}]}}],
                "ecosystem_specific":{{"urgency":"{urgency}"}}}}]}}"#)).unwrap()
        };
        let m = matches(
            &q("Debian:12", "glibc", "2.36-9+deb12u4"),
            &[rec("unimportant")],
        );
        assert_eq!(
            m[0].negligible.as_deref(),
            Some("Debian urgency unimportant")
        );
        assert_eq!(m[0].fix, None);
        let m = matches(&q("Debian:12", "glibc", "2.36-9+deb12u4"), &[rec("low")]);
        assert_eq!(m[0].negligible, None);
        let u = parse(r#"{"id":"UBUNTU-CVE-1","severity":[{"type":"Ubuntu","score":"negligible"}],
            "affected":[{"package":{"ecosystem":"Ubuntu:22.04:LTS","name":"tar"},"versions":["1.34+dfsg-1ubuntu0.1.22.04.1"]}]}"#).unwrap();
        let m = matches(
            &q("Ubuntu:22.04:LTS", "tar", "1.34+dfsg-1ubuntu0.1.22.04.1"),
            &[u],
        );
        assert_eq!(
            m[0].negligible.as_deref(),
            Some("Ubuntu priority negligible")
        );
        assert_eq!(m[0].severity, "low");
    }

    #[test]
    fn go_imports_of_the_matching_entry() {
        palisade_corpus::require!("osv/osv-scanner-offline-dbs/Go/GO-2022-0274.json");
        let text = std::fs::read_to_string(palisade_corpus::corpus_path(
            "osv/osv-scanner-offline-dbs/Go/GO-2022-0274.json",
        ))
        .unwrap();
        let r = parse(&text).unwrap();
        let m = matches(&q("Go", "github.com/opencontainers/runc", "v1.0.2"), &[r]);
        assert_eq!(m.len(), 1);
        assert_eq!(
            m[0].imports[0].path,
            "github.com/opencontainers/runc/libcontainer"
        );
        assert!(
            m[0].imports[0]
                .symbols
                .contains(&"linuxContainer.Run".to_string())
        );
        assert_eq!(m[0].fix.as_deref(), Some("1.1.0"));
    }

    #[test]
    fn the_shortest_upgrade_fixes_everything() {
        // Two branches fixed separately; a second advisory fixed later on
        // the 4.2 branch only.
        let a = parse(r#"{"id":"A","affected":[{"package":{"ecosystem":"PyPI","name":"django"},"ranges":[{"type":"ECOSYSTEM","events":[
            {"introduced":"0"},{"fixed":"3.2.20"},{"introduced":"4.2"},{"fixed":"4.2.3"}]}]}]}"#).unwrap();
        let b = parse(r#"{"id":"B","affected":[{"package":{"ecosystem":"PyPI","name":"django"},"ranges":[{"type":"ECOSYSTEM","events":[
            {"introduced":"3.0"},{"fixed":"4.2.10"}]}]}]}"#).unwrap();
        let query = q("PyPI", "django", "3.2.19");
        let m = matches(&query, &[a.clone(), b.clone()]);
        assert_eq!(
            m.iter().map(|m| m.fix.as_deref()).collect::<Vec<_>>(),
            [Some("3.2.20"), Some("4.2.10")]
        );
        // 3.2.20 still has B, 4.2.3 still has B: 4.2.10 fixes both.
        assert_eq!(upgrade(&query, &[&a, &b]).as_deref(), Some("4.2.10"));
        assert_eq!(upgrade(&query, &[&a]).as_deref(), Some("3.2.20"));
        // Nothing fixes an open-ended range.
        let c = parse(r#"{"id":"C","affected":[{"package":{"ecosystem":"PyPI","name":"django"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]}]}"#).unwrap();
        assert_eq!(upgrade(&query, &[&a, &c]), None);
        // Fixed versions in version order, not text order.
        let d = parse(r#"{"id":"D","affected":[{"package":{"ecosystem":"PyPI","name":"django"},"ranges":[{"type":"ECOSYSTEM","events":[
            {"introduced":"0"},{"fixed":"10.0"},{"introduced":"9.0"},{"fixed":"9.1"}]}]}]}"#).unwrap();
        assert_eq!(d.fixed_versions("PyPI", "django"), ["9.1", "10.0"]);
    }
}
