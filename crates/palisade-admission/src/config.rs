//! The admission configuration file (`palisade admission serve --config`).

use palisade_findings::Severity;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What a violated check does to the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Reject the request.
    Deny,
    /// Allow it with a warning `kubectl` prints.
    Warn,
    /// Allow it with an audit annotation in the API server's audit log.
    Audit,
    /// Ignore the check.
    Off,
}

impl<'de> Deserialize<'de> for Mode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // YAML 1.1 (what Kubernetes reads) takes a bare `off` for false
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Bool(bool),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Bool(false) => Ok(Mode::Off),
            Raw::Text(t) => match t.as_str() {
                "deny" => Ok(Mode::Deny),
                "warn" => Ok(Mode::Warn),
                "audit" => Ok(Mode::Audit),
                "off" => Ok(Mode::Off),
                other => Err(serde::de::Error::custom(format!(
                    "unknown mode {other:?}: deny, warn, audit or off"
                ))),
            },
            Raw::Bool(true) => Err(serde::de::Error::custom(
                "a mode is deny, warn, audit or off, not true",
            )),
        }
    }
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Deny => "deny",
            Mode::Warn => "warn",
            Mode::Audit => "audit",
            Mode::Off => "off",
        }
    }

    /// The milder of two modes (a namespace's `mode: warn` caps a deny).
    pub fn cap(self, ceiling: Mode) -> Mode {
        self.max(ceiling)
    }
}

/// What to do when a policy cannot be evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum FailurePolicy {
    /// Deny the request (the safe default).
    #[default]
    FailClosed,
    /// Allow it, with a warning.
    FailOpen,
}

/// Default modes by severity.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeverityModes {
    #[serde(default = "deny")]
    pub critical: Mode,
    #[serde(default = "deny")]
    pub high: Mode,
    #[serde(default = "warn")]
    pub medium: Mode,
    #[serde(default = "audit")]
    pub low: Mode,
    #[serde(default = "off")]
    pub info: Mode,
}

fn deny() -> Mode {
    Mode::Deny
}
fn warn() -> Mode {
    Mode::Warn
}
fn audit() -> Mode {
    Mode::Audit
}
fn off() -> Mode {
    Mode::Off
}

impl Default for SeverityModes {
    fn default() -> Self {
        Self {
            critical: Mode::Deny,
            high: Mode::Deny,
            medium: Mode::Warn,
            low: Mode::Audit,
            info: Mode::Off,
        }
    }
}

impl SeverityModes {
    pub fn of(&self, s: Severity) -> Mode {
        match s {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
            Severity::Info => self.info,
        }
    }
}

/// The built-in checks.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Checks {
    /// Mode per check id.
    #[serde(default)]
    pub modes: BTreeMap<String, Mode>,
    #[serde(default)]
    pub severity_modes: SeverityModes,
}

/// Pod Security Standards for namespaces without `pod-security.kubernetes.io/*` labels.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pss {
    #[serde(default)]
    pub enforce: Option<String>,
    #[serde(default)]
    pub warn: Option<String>,
    #[serde(default)]
    pub audit: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
}

impl Default for Pss {
    fn default() -> Self {
        Self {
            enforce: Some("baseline".into()),
            warn: Some("restricted".into()),
            audit: Some("restricted".into()),
            version: None,
        }
    }
}

/// Settings for namespaces matching `names` (globs with `*`); the first
/// matching entry applies.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamespaceRule {
    pub names: Vec<String>,
    /// The strongest mode any check may have here (`warn` for a rollout).
    #[serde(default)]
    pub mode: Option<Mode>,
    /// Mode per check id, over `checks.modes`.
    #[serde(default)]
    pub checks: BTreeMap<String, Mode>,
    /// Whether `/mutate` adds safe defaults here.
    #[serde(default)]
    pub mutate: Option<bool>,
}

/// Requests palisade does not judge.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exemptions {
    /// Namespace globs.
    #[serde(default)]
    pub namespaces: Vec<String>,
    #[serde(default)]
    pub users: Vec<String>,
    #[serde(default)]
    pub groups: Vec<String>,
    /// Image globs: containers running them are not judged by built-in checks.
    #[serde(default)]
    pub images: Vec<String>,
}

/// Gatekeeper policies.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Policies {
    /// Files and directories of ConstraintTemplates and Constraints.
    #[serde(default)]
    pub paths: Vec<PathBuf>,
    #[serde(default)]
    pub failure_policy: FailurePolicy,
    /// Failure policy per constraint name.
    #[serde(default)]
    pub failure_policies: BTreeMap<String, FailurePolicy>,
}

/// Reading the inventory from the cluster.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ClusterInventory {
    /// Seconds between reads.
    #[serde(default = "refresh")]
    pub refresh_seconds: u64,
    /// A kubeconfig (default: in-cluster service account, `$KUBECONFIG`, `~/.kube/config`).
    #[serde(default)]
    pub kubeconfig: Option<PathBuf>,
    #[serde(default)]
    pub context: Option<String>,
}

fn refresh() -> u64 {
    60
}

/// Server limits: what one request may cost (see `docs/admission.md`,
/// "Limits", for how the defaults fit the installed 256 MiB).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Limits {
    /// Largest AdmissionReview, in bytes; a larger one is refused (an
    /// AdmissionReview with `allowed: false`, code 413). The API server
    /// takes request bodies of at most 3 MiB and stores objects of at most
    /// 1.5 MiB (etcd), so 3 MiB holds every object that can exist.
    #[serde(default = "max_body")]
    pub max_request_bytes: usize,
    /// Per-request time limit, in seconds; match the webhook's `timeoutSeconds`.
    #[serde(default = "timeout")]
    pub timeout_seconds: u64,
    /// Most containers (with init and ephemeral containers) in the pod
    /// spec of a reviewed object; more are refused (code 422) before any
    /// check runs. A review costs ~7 KB of heap (~16 KB of RSS) per container.
    #[serde(default = "max_containers")]
    pub max_containers: usize,
    /// Reviews decided at once; each takes one slot per
    /// `maxRequestBytes / maxConcurrentReviews` of body (at least one), so
    /// the bodies being decided never add up to more than `maxRequestBytes`.
    #[serde(default = "max_concurrent")]
    pub max_concurrent_reviews: usize,
    /// Namespaces with a `namespace` label of their own in the metrics;
    /// later ones count as `other`.
    #[serde(default = "max_namespace_labels")]
    pub max_namespace_labels: usize,
}

/// 3 MiB: the API server's own limit on a request body.
pub const DEFAULT_MAX_REQUEST_BYTES: usize = 3 * 1024 * 1024;
pub const DEFAULT_MAX_CONTAINERS: usize = 256;
pub const DEFAULT_MAX_CONCURRENT_REVIEWS: usize = 8;
pub const DEFAULT_MAX_NAMESPACE_LABELS: usize = 100;

fn max_body() -> usize {
    DEFAULT_MAX_REQUEST_BYTES
}
fn timeout() -> u64 {
    10
}
fn max_containers() -> usize {
    DEFAULT_MAX_CONTAINERS
}
fn max_concurrent() -> usize {
    DEFAULT_MAX_CONCURRENT_REVIEWS
}
fn max_namespace_labels() -> usize {
    DEFAULT_MAX_NAMESPACE_LABELS
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_request_bytes: max_body(),
            timeout_seconds: timeout(),
            max_containers: max_containers(),
            max_concurrent_reviews: max_concurrent(),
            max_namespace_labels: max_namespace_labels(),
        }
    }
}

/// The whole configuration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Config {
    #[serde(default)]
    pub checks: Checks,
    #[serde(default)]
    pub pss: Pss,
    #[serde(default)]
    pub namespaces: Vec<NamespaceRule>,
    #[serde(default)]
    pub exemptions: Exemptions,
    #[serde(default)]
    pub policies: Policies,
    /// Files and directories of objects for `data.inventory` and namespace labels.
    #[serde(default)]
    pub inventory: Vec<PathBuf>,
    /// Also read the inventory from the cluster, again every
    /// `refreshSeconds` (the webhook's service account needs list on the
    /// kinds palisade reads).
    #[serde(default)]
    pub cluster: Option<ClusterInventory>,
    /// Whether `/mutate` adds safe defaults in namespaces no rule names.
    #[serde(default)]
    pub mutate: bool,
    #[serde(default)]
    pub limits: Limits,
}

/// A configuration problem, with file and line (the same type `scan`'s
/// configuration reports).
pub use palisade_checks::ConfigError;
/// `*` globs, as everywhere in palisade's configuration.
pub use palisade_checks::config::glob;

impl Config {
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: file.clone(),
            line: 0,
            message: e.to_string(),
        })?;
        let mut c = Self::parse(&text, &file)?;
        // relative paths are relative to the configuration file
        let dir = path.parent().unwrap_or(Path::new("."));
        for p in c.policies.paths.iter_mut().chain(c.inventory.iter_mut()) {
            if p.is_relative() {
                *p = dir.join(&*p);
            }
        }
        Ok(c)
    }

    pub fn parse(text: &str, file: &str) -> Result<Config, ConfigError> {
        let stream = palisade_yaml::parse_stream(text, &palisade_yaml::Limits::default());
        if let Some(e) = stream.errors.first() {
            return Err(ConfigError {
                file: file.into(),
                line: e.line,
                message: e.message.clone(),
            });
        }
        let Some(doc) = stream.documents.into_iter().next() else {
            return Ok(Config::default());
        };
        let c: Config = palisade_value::from_node(&doc.root).map_err(|e| ConfigError {
            file: file.into(),
            line: e.line,
            message: e.message,
        })?;
        for id in c
            .checks
            .modes
            .keys()
            .chain(c.namespaces.iter().flat_map(|n| n.checks.keys()))
        {
            if id != "*" && palisade_checks::find(id).is_none() {
                return Err(ConfigError {
                    file: file.into(),
                    line: 0,
                    message: format!("unknown check id {id:?} (see `palisade checks list`)"),
                });
            }
        }
        for (what, v) in [
            ("enforce", &c.pss.enforce),
            ("warn", &c.pss.warn),
            ("audit", &c.pss.audit),
        ] {
            if let Some(l) = v {
                l.parse::<palisade_pss::Level>().map_err(|e| ConfigError {
                    file: file.into(),
                    line: 0,
                    message: format!("pss.{what}: {e}"),
                })?;
            }
        }
        if let Some(v) = &c.pss.version {
            v.parse::<palisade_pss::Version>()
                .map_err(|e| ConfigError {
                    file: file.into(),
                    line: 0,
                    message: format!("pss.version: {e}"),
                })?;
        }
        Ok(c)
    }

    /// The first namespace rule naming `ns`.
    pub fn namespace_rule(&self, ns: &str) -> Option<&NamespaceRule> {
        self.namespaces
            .iter()
            .find(|r| r.names.iter().any(|p| glob(p, ns)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("kube-*", "kube-system"));
        assert!(glob("*-system", "kube-system"));
        assert!(glob("registry.k8s.io/*", "registry.k8s.io/pause:3.9"));
        assert!(glob("*", "x"));
        assert!(glob("a*c", "abbc"));
        assert!(!glob("a*c", "abcd"));
        assert!(!glob("kube-*", "default"));
    }

    #[test]
    fn parses_and_points_at_bad_lines() {
        let c = Config::parse(
            "checks:\n  modes: {image-latest-tag: deny}\nnamespaces:\n  - names: [dev-*]\n    mode: warn\n    mutate: true\nexemptions:\n  namespaces: [kube-system]\n",
            "c.yaml",
        )
        .unwrap();
        assert_eq!(c.checks.modes["image-latest-tag"], Mode::Deny);
        assert_eq!(c.namespace_rule("dev-a").unwrap().mode, Some(Mode::Warn));
        let e = Config::parse("checks:\n  modes:\n    x: sometimes\n", "c.yaml").unwrap_err();
        assert_eq!(e.line, 3, "{e}");
        assert!(e.message.contains("deny, warn, audit or off"), "{e}");
        let c = Config::parse(
            "checks:\n  severityModes: {info: off, low: off}\n",
            "c.yaml",
        )
        .unwrap();
        assert_eq!(c.checks.severity_modes.low, Mode::Off);
        let e = Config::parse("checks:\n  modes: {no-such-check: deny}\n", "c.yaml").unwrap_err();
        assert!(e.message.contains("no-such-check"), "{e}");
        let e = Config::parse("colour: red\n", "c.yaml").unwrap_err();
        assert!(e.message.contains("colour"), "{e}");
    }
}
