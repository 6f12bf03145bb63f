//! What analyzers produce and reporters print.
//!
//! A check is described once by a static [`CheckMeta`]: id, title,
//! severity, the hardening area (1–11) it serves, framework mappings, why it
//! matters and how to fix it. Every analyzer emits [`Finding`]s that point
//! at a check, an object and the line to change, with an optional
//! machine-applicable [`Autofix`] (edits as data, applied by `palisade fix`).

pub mod action;
mod cause;
mod fix;
mod input_error;
mod severity;
pub mod suggest;

pub use action::{ACTIONS, action_name};
pub use cause::{Cause, Related, merge as merge_causes};
pub use fix::{Applicability, Autofix, Edit};
pub use input_error::InputError;
pub use severity::{Severity, SeverityParseError, Threshold, ThresholdParseError};

use palisade_model::{Location, ObjectRef};
use palisade_value::Path;
use serde::Serialize;
use serde::ser::SerializeStruct;
use std::borrow::Cow;
use std::sync::Arc;

/// A framework a check maps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Framework {
    /// Pod Security Standards control (`baseline`/`restricted` and the upstream check id).
    Pss(&'static str),
    /// CIS Kubernetes Benchmark 5.x recommendation (e.g. `5.2.2`).
    Cis(&'static str),
    /// NSA/CISA Kubernetes Hardening Guidance (v1.2) section.
    Nsa(&'static str),
    /// MITRE ATT&CK for Containers technique (e.g. `T1611`).
    Mitre(&'static str),
}

impl Framework {
    pub fn name(&self) -> &'static str {
        match self {
            Framework::Pss(_) => "PSS",
            Framework::Cis(_) => "CIS",
            Framework::Nsa(_) => "NSA-CISA",
            Framework::Mitre(_) => "MITRE-ATT&CK",
        }
    }

    pub fn id(&self) -> &'static str {
        match self {
            Framework::Pss(s) | Framework::Cis(s) | Framework::Nsa(s) | Framework::Mitre(s) => s,
        }
    }
}

impl std::fmt::Display for Framework {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.name(), self.id())
    }
}

impl Serialize for Framework {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Framework", 2)?;
        st.serialize_field("framework", self.name())?;
        st.serialize_field("id", self.id())?;
        st.end()
    }
}

/// The static description of a check: what `palisade checks list` prints
/// and what the docs are generated from.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct CheckMeta {
    pub id: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    /// The hardening area (1–11) this check serves.
    pub action: u8,
    /// A short grouping for tables and docs (`pod-security`, `hardening`, `namespaces`, …).
    pub category: &'static str,
    pub frameworks: &'static [Framework],
    /// Why it matters (Markdown).
    pub risk: &'static str,
    /// What to change (Markdown).
    pub fix: &'static str,
}

/// The metadata of a rule made at run time (a policy's rule, named after
/// the policy), kept for the life of the process: one per `key`, `make`
/// called the first time only, `leak` turning its texts into `'static`.
pub fn runtime_meta(
    key: String,
    make: impl FnOnce(&dyn Fn(String) -> &'static str) -> CheckMeta,
) -> &'static CheckMeta {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static METAS: OnceLock<Mutex<HashMap<String, &'static CheckMeta>>> = OnceLock::new();
    let mut m = METAS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    m.entry(key).or_insert_with(|| {
        let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
        Box::leak(Box::new(make(&leak)))
    })
}

/// A problem found on an object.
#[derive(Debug, Clone)]
pub struct Finding {
    pub check: &'static CheckMeta,
    /// The check's severity unless the configuration overrides it.
    pub severity: Severity,
    /// Shared with the object (and every other finding on it).
    pub object: Arc<ObjectRef>,
    /// The line to change.
    pub location: Location,
    /// The field the finding is about, when there is one.
    pub path: Option<Path>,
    pub message: String,
    /// The concrete fix for this finding (defaults to the check's).
    pub fix: Cow<'static, str>,
    pub autofix: Option<Autofix>,
    /// What this finding shares with others of the same cause on the
    /// object (one RBAC rule, one workload's resources); see [`merge_causes`].
    pub cause: Option<Box<Cause>>,
    /// The findings of the same cause folded into this one.
    pub related: Vec<Related>,
}

impl Finding {
    pub fn id(&self) -> &'static str {
        self.check.id
    }

    /// Ordering for stable output: file, line, column, check, message.
    pub fn sort_key(&self) -> (&str, u32, u32, &str, &str) {
        (
            &self.location.file,
            self.location.line,
            self.location.column,
            self.check.id,
            &self.message,
        )
    }
}

/// The checks (rules) of `findings`, each once, in the order they first
/// appear: for reports that list the rules of findings made at run time
/// (policies' constraints and validations).
pub fn rules_of(findings: &[Finding]) -> Vec<&'static CheckMeta> {
    let mut v: Vec<&'static CheckMeta> = Vec::new();
    for f in findings {
        if !v.iter().any(|m| std::ptr::eq(*m, f.check)) {
            v.push(f.check);
        }
    }
    v
}

impl Serialize for Finding {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Finding", 12)?;
        st.serialize_field("id", self.check.id)?;
        st.serialize_field("title", self.check.title)?;
        st.serialize_field("severity", &self.severity)?;
        st.serialize_field("action", &self.check.action)?;
        st.serialize_field("object", &*self.object)?;
        st.serialize_field("location", &self.location)?;
        st.serialize_field("path", &self.path.as_ref().map(|p| p.to_string()))?;
        st.serialize_field("message", &self.message)?;
        st.serialize_field("fix", &*self.fix)?;
        st.serialize_field("frameworks", self.check.frameworks)?;
        st.serialize_field("autofix", &self.autofix)?;
        if self.related.is_empty() {
            st.skip_field("related")?;
        } else {
            st.serialize_field("related", &self.related)?;
        }
        st.end()
    }
}
