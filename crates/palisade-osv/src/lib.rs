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

impl Record {
    /// The highest CVSS v3 base score among the record's severities.
    pub fn score(&self) -> Option<f64> {
        self.severity
            .iter()
            .filter_map(|s| cvss::base_score(&s.score))
            .reduce(f64::max)
    }

    /// The fixed versions of the entries that name this package.
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
        out.sort();
        out.dedup();
        out
    }

    /// Whether this record affects `name` at `version` in `ecosystem` (an
    /// OSV ecosystem name, with or without a release). Withdrawn records
    /// affect nothing.
    pub fn affects(&self, ecosystem: &str, name: &str, version: &str) -> bool {
        if self.withdrawn.is_some() {
            return false;
        }
        let Some(eco) = Ecosystem::parse(ecosystem) else {
            return false;
        };
        self.affected
            .iter()
            .any(|a| a.names(ecosystem, name) && a.affects_version(eco, version))
    }
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
}

/// A package to check: its OSV ecosystem (with release), name and version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub ecosystem: String,
    pub name: String,
    pub version: String,
}

/// One vulnerability of one package.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Match {
    pub id: String,
    pub aliases: Vec<String>,
    pub summary: Option<String>,
    /// The highest CVSS v3 base score, and its rating ("unknown" without one).
    pub score: Option<f64>,
    pub severity: &'static str,
    /// Versions that fix it, from the record's ranges.
    pub fixed: Vec<String>,
}

/// The records among `candidates` that affect `q`, one per vulnerability:
/// records that are aliases of one another (a CVE, its GHSA, its PYSEC)
/// collapse into the first by id.
pub fn matches(q: &Query, candidates: &[Record]) -> Vec<Match> {
    let mut out: Vec<Match> = Vec::new();
    let mut sorted: Vec<&Record> = candidates.iter().collect();
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    for r in sorted {
        if !r.affects(&q.ecosystem, &q.name, &q.version) {
            continue;
        }
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
            continue;
        }
        let score = r.score();
        out.push(Match {
            id: r.id.clone(),
            aliases: r.aliases.clone(),
            summary: r.summary.clone(),
            score,
            severity: score.map_or("unknown", cvss::rating),
            fixed: r.fixed_versions(&q.ecosystem, &q.name),
        });
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
