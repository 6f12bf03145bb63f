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
//! ```

use palisade_findings::Severity;
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
    pub fail_on: Option<String>,
    #[serde(default)]
    pub pss: Option<PssDefault>,
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
        assert_eq!(c.fail_on.as_deref(), Some("none"));
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
    fn globs() {
        assert!(glob("kube-*", "kube-system"));
        assert!(glob("*", ""));
        assert!(glob("a*c*e", "abcde"));
        assert!(!glob("a*c*e", "abde"));
        assert!(glob("exact", "exact"));
        assert!(!glob("kube-*", "default"));
    }
}
