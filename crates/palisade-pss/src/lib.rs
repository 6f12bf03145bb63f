//! Pod Security Standards, evaluated as the upstream `PodSecurity` admission
//! plugin (`k8s.io/pod-security-admission/policy`) does.
//!
//! * one file per upstream check in [`controls`], each with its versioned
//!   implementations (`MinimumVersion`s) and the baseline checks it overrides;
//! * a policy version `v1.N` runs, for every check, the newest implementation
//!   whose minimum version is at or below `N`; versions newer than the newest
//!   registered implementation, and `latest`, clamp to it (the upstream
//!   registry's `maxVersion`);
//! * `restricted` runs every baseline check except those an active
//!   restricted check overrides, plus the restricted checks;
//! * the evaluated pod is the defaulted pod (a volume without a source is an
//!   `emptyDir`, as API defaulting makes it).
//!
//! When a restricted check fails and it overrides a baseline check that
//! fails too, the baseline violation is reported next to it (marked
//! `overridden_by`): upstream would have named only the restricted check,
//! and the decision is the same either way.

pub mod cel;
pub mod controls;
mod ctx;

pub use ctx::Pod;

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use palisade_value::Path;
use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// A Pod Security Standards level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Privileged,
    Baseline,
    Restricted,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Privileged => "privileged",
            Level::Baseline => "baseline",
            Level::Restricted => "restricted",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Level {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "privileged" => Ok(Level::Privileged),
            "baseline" => Ok(Level::Baseline),
            "restricted" => Ok(Level::Restricted),
            _ => Err(format!(
                "unknown Pod Security level {s:?} (expected privileged, baseline or restricted)"
            )),
        }
    }
}

/// A policy version: `v1.N` or `latest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    Minor(u32),
    Latest,
}

impl Version {
    /// The newest policy version any check registers (`latest` resolves to it).
    pub const MAX_MINOR: u32 = 37;

    /// The minor version the registry evaluates (clamped to [`Self::MAX_MINOR`]).
    pub fn effective_minor(self) -> u32 {
        match self {
            Version::Minor(m) => m.min(Self::MAX_MINOR),
            Version::Latest => Self::MAX_MINOR,
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Version::Minor(m) => write!(f, "v1.{m}"),
            Version::Latest => f.write_str("latest"),
        }
    }
}

impl FromStr for Version {
    type Err = String;

    /// Accepts `latest`, `v1.N` and `1.N` (what the namespace labels accept).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "latest" {
            return Ok(Version::Latest);
        }
        let rest = s.strip_prefix('v').unwrap_or(s);
        let minor = rest
            .strip_prefix("1.")
            .and_then(|m| m.parse::<u32>().ok())
            .filter(|_| !rest.ends_with('.'));
        match minor {
            Some(m) => Ok(Version::Minor(m)),
            None => Err(format!(
                "invalid Pod Security version {s:?} (expected v1.N or latest)"
            )),
        }
    }
}

/// A level at a version, e.g. `restricted:v1.30`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LevelVersion {
    pub level: Level,
    pub version: Version,
}

impl fmt::Display for LevelVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.level, self.version)
    }
}

/// One failed check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Upstream check id (`runAsNonRoot`, `hostPathVolumes`, …).
    pub check: &'static str,
    /// Upstream's short reason (`runAsNonRoot != true`).
    pub reason: String,
    /// Upstream's detail (`pod or container "app" must set …`).
    pub detail: String,
    /// The fields at fault, in pod coordinates (`spec.…`, `metadata.…`).
    pub fields: Vec<Path>,
    /// Set on a baseline violation that the named restricted check overrides.
    pub overridden_by: Option<&'static str>,
}

impl Violation {
    /// `reason (detail)`, the form the admission plugin prints.
    pub fn message(&self) -> String {
        if self.detail.is_empty() {
            self.reason.clone()
        } else {
            format!("{} ({})", self.reason, self.detail)
        }
    }
}

/// What a failing check returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub reason: String,
    pub detail: String,
    pub fields: Vec<Path>,
}

/// One implementation of a check, active from a minimum policy version.
pub type CheckFn = fn(&Pod<'_>) -> Option<Failure>;

/// An upstream check with its versions.
pub struct Control {
    /// Upstream check id.
    pub id: &'static str,
    pub level: Level,
    /// `(minimum minor version, implementation)`, oldest first.
    pub versions: &'static [(u32, CheckFn)],
    /// Baseline check ids this restricted check replaces.
    pub overrides: &'static [&'static str],
    /// The catalogue entry `palisade scan` reports violations under.
    pub meta: &'static palisade_findings::CheckMeta,
    /// What `palisade fix` changes for a violation, if anything.
    pub remedy: Remedy,
    /// The control as CEL at a policy version ([`cel`]); `None` where it
    /// does not exist.
    pub cel: fn(minor: u32) -> Option<String>,
}

/// A control's machine-applicable fix, as data: `palisade scan` turns it
/// into edits of the fields the violation names.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Remedy {
    /// No edit can fix it without knowing the workload (volumes, ports,
    /// profiles): the finding explains what to change.
    None,
    /// Set every field the violation names to `to`. `caution`: why the
    /// edit may break the workload (an unsafe fix), or `None` (safe).
    SetFields {
        to: Scalar,
        caution: Option<&'static str>,
    },
    /// Set the seccomp profile type the violation names to
    /// `RuntimeDefault` (a pod-level profile covers its containers).
    SeccompRuntimeDefault,
    /// Add `ALL` to the `capabilities.drop` lists the violation names.
    DropAllCapabilities,
    /// Set `field` in the pod's securityContext to `to`.
    PodSecurityContext {
        field: &'static str,
        to: Scalar,
        caution: Option<&'static str>,
    },
}

/// A value a remedy writes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scalar {
    Bool(bool),
    Str(&'static str),
}

impl Control {
    /// The implementation active at `minor`, if the check exists then.
    pub fn at(&self, minor: u32) -> Option<CheckFn> {
        self.versions
            .iter()
            .rev()
            .find(|(min, _)| *min <= minor)
            .map(|(_, f)| *f)
    }
}

/// The controls that decide at `lv`, baseline first: every baseline
/// control that exists at the version, except those an active restricted
/// control overrides (at the restricted level), then the active restricted
/// controls. The admission plugin, [`evaluate`] and the CEL policies of
/// [`cel`] all hold a pod to these.
pub fn deciding(lv: LevelVersion) -> Vec<&'static Control> {
    if lv.level == Level::Privileged {
        return Vec::new();
    }
    let minor = lv.version.effective_minor();
    let active = |c: &&'static Control| c.at(minor).is_some();
    let restricted: Vec<&'static Control> = if lv.level == Level::Restricted {
        controls::ALL
            .iter()
            .copied()
            .filter(|c| c.level == Level::Restricted)
            .filter(active)
            .collect()
    } else {
        Vec::new()
    };
    let overridden = |id: &str| restricted.iter().any(|c| c.overrides.contains(&id));
    let mut out: Vec<&'static Control> = controls::ALL
        .iter()
        .copied()
        .filter(|c| c.level == Level::Baseline && !overridden(c.id))
        .filter(active)
        .collect();
    out.extend(restricted);
    out
}

/// Evaluates a pod (or pod template) against a level and version. An empty
/// result means the pod is allowed.
pub fn evaluate(lv: LevelVersion, meta: Option<&ObjectMeta>, spec: &PodSpec) -> Vec<Violation> {
    let minor = lv.version.effective_minor();
    let pod = Pod::new(meta, spec);
    let mut out = Vec::new();
    for c in deciding(lv) {
        let Some(f) = c.at(minor).and_then(|check| check(&pod)) else {
            continue;
        };
        out.push(violation(c, f, None));
        // a restricted failure names the baseline failures it overrides
        for id in c.overrides {
            if let Some(base) = controls::by_id(id)
                && let Some(bf) = base.at(minor).and_then(|check| check(&pod))
            {
                out.push(violation(base, bf, Some(c.id)));
            }
        }
    }
    out
}

fn violation(c: &Control, f: Failure, overridden_by: Option<&'static str>) -> Violation {
    Violation {
        check: c.id,
        reason: f.reason,
        detail: f.detail,
        fields: f.fields,
        overridden_by,
    }
}

/// Whether the pod is allowed (no violation that decides).
pub fn allowed(violations: &[Violation]) -> bool {
    violations.iter().all(|v| v.overridden_by.is_some())
}

/// `violates PodSecurity "restricted:latest": a (…), b (…)` as the plugin words it.
pub fn forbidden_message(lv: LevelVersion, violations: &[Violation]) -> String {
    let parts: Vec<String> = violations
        .iter()
        .filter(|v| v.overridden_by.is_none())
        .map(Violation::message)
        .collect();
    format!("violates PodSecurity \"{lv}\": {}", parts.join(", "))
}

/// The level and version a namespace's labels set for `mode`
/// (`enforce`, `audit` or `warn`), as the admission plugin reads them.
/// A missing level label means `privileged`; a missing or invalid version
/// means `latest`.
pub fn namespace_policy(
    labels: &std::collections::BTreeMap<String, String>,
    mode: &str,
) -> Result<Option<LevelVersion>, String> {
    let level_key = format!("pod-security.kubernetes.io/{mode}");
    let version_key = format!("pod-security.kubernetes.io/{mode}-version");
    let Some(level) = labels.get(&level_key) else {
        return Ok(None);
    };
    let level: Level = level.parse()?;
    let version = match labels.get(&version_key) {
        Some(v) => v.parse()?,
        None => Version::Latest,
    };
    Ok(Some(LevelVersion { level, version }))
}

#[cfg(test)]
mod tests;
