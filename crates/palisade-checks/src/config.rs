//! `.palisade.yaml`: what a team tunes once for its repository.
//!
//! ```yaml
//! disable: [default-service-account]        # checks never to run
//! severity: {image-no-digest: info}          # severity overrides
//! exemptNamespaces: [kube-system]            # namespaces not reported
//! ignore:                                    # accepted risks, with a reason
//!   - check: pss-host-namespaces             # a check id or "*"
//!     namespace: monitoring                  # optional; `*` globs
//!     kind: DaemonSet                        # optional
//!     name: node-exporter                    # optional; `*` globs
//!     reason: node-exporter reads host metrics
//! minSeverity: low                           # hide findings below
//! failOn: high                               # exit 1 at or above (or "none")
//! pss: {level: restricted, version: latest}  # for namespaces without labels
//! vulnerabilities:                           # `palisade vuln`, `scan --images`
//!   maxAge: 7                                # days before the OSV database is stale
//!   ignore:                                  # accepted vulnerabilities (VEX-style)
//!     - id: CVE-2023-45853                   # the id or any alias
//!       package: zlib                        # optional; `*` globs
//!       reason: minizip is not built         # required
//!       expires: 2027-01-31                  # optional; counts again after this day
//!       justification: code_not_present      # optional, CycloneDX's words
//! ```

use palisade_findings::{Severity, Threshold};
use palisade_value::from_node;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub disable: Vec<String>,
    /// When set, only these checks run.
    #[serde(default)]
    pub enable: Option<Vec<String>>,
    #[serde(default)]
    pub severity: BTreeMap<String, Severity>,
    #[serde(default)]
    pub exempt_namespaces: Vec<String>,
    #[serde(default)]
    pub ignore: Vec<IgnoreRule>,
    #[serde(default)]
    pub min_severity: Option<Severity>,
    /// A severity, or `none` to never fail on findings.
    #[serde(default)]
    pub fail_on: Option<Threshold>,
    #[serde(default)]
    pub pss: Option<PssDefault>,
    #[serde(default)]
    pub vulnerabilities: VulnConfig,
}

/// What `palisade vuln` and `scan --images` take from the file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VulnConfig {
    /// Days after which the vulnerability database is reported as stale.
    #[serde(default)]
    pub max_age: Option<u32>,
    #[serde(default)]
    pub ignore: Vec<VulnIgnore>,
}

/// An accepted vulnerability.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VulnIgnore {
    /// The vulnerability id or one of its aliases (`CVE-…`, `GHSA-…`).
    pub id: String,
    /// The package (name or source package; `*` globs); every package when
    /// absent.
    #[serde(default)]
    pub package: Option<String>,
    pub reason: String,
    /// The last day the rule holds; afterwards the vulnerability counts again.
    #[serde(default, deserialize_with = "day")]
    pub expires: Option<Date>,
    /// Why it does not affect us, in CycloneDX's words.
    #[serde(default)]
    pub justification: Option<Justification>,
}

impl VulnIgnore {
    /// Whether the rule names this vulnerability (by any of `ids`) in this
    /// package (by any of `names`).
    pub fn matches(&self, ids: &[&str], names: &[&str]) -> bool {
        ids.iter().any(|i| i.eq_ignore_ascii_case(&self.id))
            && self
                .package
                .as_deref()
                .is_none_or(|p| names.iter().any(|n| glob(p, n)))
    }

    /// Whether the rule has expired by `today`.
    pub fn expired(&self, today: Date) -> bool {
        self.expires.is_some_and(|e| today > e)
    }
}

/// CycloneDX's `impactAnalysisJustification`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Justification {
    CodeNotPresent,
    CodeNotReachable,
    RequiresConfiguration,
    RequiresDependency,
    RequiresEnvironment,
    ProtectedByCompiler,
    ProtectedAtRuntime,
    ProtectedAtPerimeter,
    ProtectedByMitigatingControl,
}

/// A calendar day (`2027-01-31`).
pub type Date = jiff::civil::Date;

/// Today in UTC.
pub fn today() -> Date {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
}

/// `expires: 2027-01-31`: a calendar day, exactly `YYYY-MM-DD`.
fn day<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
    let s = String::deserialize(d)?;
    let t = s.trim();
    let shaped = t.len() == 10
        && t.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    shaped
        .then(|| t.parse::<Date>().ok())
        .flatten()
        .map(Some)
        .ok_or_else(|| serde::de::Error::custom(format!("{s:?} is not a date (YYYY-MM-DD)")))
}

/// The Pod Security level for namespaces without an `enforce` label.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PssDefault {
    pub level: Option<String>,
    pub version: Option<String>,
}

/// An accepted risk.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IgnoreRule {
    pub check: String,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    pub reason: String,
}

impl IgnoreRule {
    pub fn matches(&self, check: &str, obj: &palisade_model::ObjectRef) -> bool {
        (self.check == "*" || self.check == check)
            && self
                .namespace
                .as_deref()
                .is_none_or(|ns| obj.namespace.as_deref().is_some_and(|o| glob(ns, o)))
            && self.kind.as_deref().is_none_or(|k| k == obj.kind)
            && self.name.as_deref().is_none_or(|n| glob(n, &obj.name))
    }
}

/// `*` matches any run of characters; everything else literally.
pub fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || !text[first.len()..].ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

/// A configuration file that could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: String,
    pub line: u32,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        } else {
            write!(f, "{}: {}", self.file, self.message)
        }
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Finds `.palisade.yaml`: the current directory first, then the first
    /// scanned directory.
    pub fn discover(paths: &[std::path::PathBuf]) -> Option<std::path::PathBuf> {
        let here = Path::new(".palisade.yaml");
        if here.is_file() {
            return Some(here.to_path_buf());
        }
        paths
            .iter()
            .find(|p| p.is_dir())
            .map(|d| d.join(".palisade.yaml"))
            .filter(|p| p.is_file())
    }

    /// Reads a configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: file.clone(),
            line: 0,
            message: e.to_string(),
        })?;
        Self::parse(&text, &file)
    }

    /// Parses configuration text (`file` names it in errors).
    pub fn parse(text: &str, file: &str) -> Result<Config, ConfigError> {
        let stream = palisade_yaml::parse_stream(text, &palisade_yaml::Limits::default());
        if let Some(e) = stream.errors.first() {
            return Err(ConfigError {
                file: file.to_string(),
                line: e.line,
                message: e.message.clone(),
            });
        }
        let Some(doc) = stream.documents.into_iter().next() else {
            return Ok(Config::default());
        };
        from_node(&doc.root).map_err(|e| ConfigError {
            file: file.to_string(),
            line: e.line,
            message: e.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_full_config() {
        let c = Config::parse(
            "disable: [a]\nseverity: {b: info}\nexemptNamespaces: [kube-system]\nignore:\n  - check: '*'\n    namespace: mon*\n    reason: ok\nminSeverity: low\nfailOn: none\npss: {level: baseline}\n",
            "x",
        )
        .unwrap();
        assert_eq!(c.disable, ["a"]);
        assert_eq!(c.severity["b"], Severity::Info);
        assert_eq!(c.ignore[0].namespace.as_deref(), Some("mon*"));
        assert_eq!(c.fail_on, Some(Threshold::None));
    }

    #[test]
    fn errors_name_the_line() {
        let e = Config::parse("disable: [a]\nsevertiy: {}\n", ".palisade.yaml").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("unknown field"), "{e}");
        let e = Config::parse("ignore:\n  - check: a\n", "f").unwrap_err();
        assert!(e.message.contains("reason"), "{e}");
    }

    #[test]
    fn vulnerability_ignores() {
        let c = Config::parse(
            "failOn: high\nvulnerabilities:\n  maxAge: 3\n  ignore:\n    - id: CVE-2023-45853\n      package: zlib*\n      reason: minizip is not built\n      expires: 2027-01-31\n      justification: code_not_present\n    - id: GHSA-aaaa-bbbb-cccc\n      reason: r\n",
            "f",
        )
        .unwrap();
        let v = &c.vulnerabilities;
        assert_eq!(v.max_age, Some(3));
        let rule = &v.ignore[0];
        assert_eq!(rule.expires.unwrap().to_string(), "2027-01-31");
        assert_eq!(rule.justification, Some(Justification::CodeNotPresent));
        assert!(rule.matches(&["DEBIAN-CVE-1", "cve-2023-45853"], &["zlib1g", "zlib"]));
        assert!(!rule.matches(&["CVE-2023-45853"], &["libz"]));
        assert!(!rule.matches(&["CVE-2023-4585"], &["zlib"]));
        assert!(v.ignore[1].matches(&["GHSA-aaaa-bbbb-cccc"], &["anything"]));
        let day = |s: &str| s.parse::<Date>().unwrap();
        assert!(!rule.expired(day("2027-01-31")));
        assert!(rule.expired(day("2027-02-01")));
        assert!(!v.ignore[1].expired(day("2999-01-01")));
        // Bad dates, reasons left out and unknown justifications name the line.
        let e = Config::parse(
            "vulnerabilities:\n  ignore:\n    - id: X\n      reason: r\n      expires: 2027-02-30\n",
            "f",
        )
        .unwrap_err();
        assert!(e.message.contains("not a date") && e.line == 5, "{e}");
        let e = Config::parse("vulnerabilities:\n  ignore:\n    - id: X\n", "f").unwrap_err();
        assert!(e.message.contains("reason"), "{e}");
        let e = Config::parse(
            "vulnerabilities:\n  ignore:\n    - {id: X, reason: r, justification: because}\n",
            "f",
        )
        .unwrap_err();
        assert!(e.message.contains("code_not_present"), "{e}");
    }

    #[test]
    fn calendar_days() {
        let expires = |d: &str| {
            Config::parse(
                &format!(
                    "vulnerabilities:\n  ignore:\n    - {{id: X, reason: r, expires: \"{d}\"}}\n"
                ),
                "f",
            )
            .map(|c| c.vulnerabilities.ignore[0].expires.map(|e| e.to_string()))
        };
        assert_eq!(
            expires("2024-02-29").unwrap().as_deref(),
            Some("2024-02-29")
        );
        assert!(expires("2023-02-29").is_err());
        assert!(expires("2023-1-05").is_err());
        assert!(expires("2023-01-05T00:00").is_err());
        assert!(today().year() >= 2025);
    }

    #[test]
    fn globs() {
        assert!(glob("kube-*", "kube-system"));
        assert!(glob("*", ""));
        assert!(glob("a*c*e", "abcde"));
        assert!(!glob("a*c*e", "abde"));
        assert!(glob("exact", "exact"));
        assert!(!glob("kube-*", "default"));
    }
}
