//! Fixes as data: edits on an object's fields, with an applicability level.
//!
//! Edits name fields by path in the object as written (`spec.template.spec.
//! containers[0].securityContext.allowPrivilegeEscalation`), so one fix
//! applies to YAML text, JSON and Terraform blocks alike.

use palisade_value::Path;
use serde::Serialize;
use serde::ser::SerializeMap;

/// Whether an edit can change what a workload does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    /// Never changes behaviour of a correctly working workload.
    Safe,
    /// May break a workload (e.g. a read-only root filesystem for an image
    /// that writes to `/var`); applied only on request.
    Unsafe,
}

/// One change to an object.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    /// Set a field (creating missing parents).
    Set {
        path: Path,
        value: serde_json::Value,
    },
    /// Remove a field or list item.
    Remove { path: Path },
    /// Add a value to a list unless it is already there (creating the list).
    AddToList {
        path: Path,
        value: serde_json::Value,
    },
}

impl Edit {
    pub fn set(path: Path, value: impl Into<serde_json::Value>) -> Self {
        Edit::Set {
            path,
            value: value.into(),
        }
    }

    pub fn path(&self) -> &Path {
        match self {
            Edit::Set { path, .. } | Edit::Remove { path } | Edit::AddToList { path, .. } => path,
        }
    }
}

impl Serialize for Edit {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        match self {
            Edit::Set { path, value } => {
                m.serialize_entry("op", "set")?;
                m.serialize_entry("path", &path.to_string())?;
                m.serialize_entry("value", value)?;
            }
            Edit::Remove { path } => {
                m.serialize_entry("op", "remove")?;
                m.serialize_entry("path", &path.to_string())?;
            }
            Edit::AddToList { path, value } => {
                m.serialize_entry("op", "add-to-list")?;
                m.serialize_entry("path", &path.to_string())?;
                m.serialize_entry("value", value)?;
            }
        }
        m.end()
    }
}

/// A machine-applicable fix for one finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Autofix {
    pub applicability: Applicability,
    /// For unsafe fixes: what could break.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caution: Option<String>,
    pub edits: Vec<Edit>,
}

impl Autofix {
    pub fn safe(edits: Vec<Edit>) -> Self {
        Self {
            applicability: Applicability::Safe,
            caution: None,
            edits,
        }
    }

    pub fn unsafe_(edits: Vec<Edit>, caution: impl Into<String>) -> Self {
        Self {
            applicability: Applicability::Unsafe,
            caution: Some(caution.into()),
            edits,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_serialize_with_paths() {
        let fix = Autofix::safe(vec![
            Edit::set(
                "spec.containers[0].securityContext.allowPrivilegeEscalation"
                    .parse()
                    .unwrap(),
                false,
            ),
            Edit::AddToList {
                path: "spec.containers[0].securityContext.capabilities.drop"
                    .parse()
                    .unwrap(),
                value: "ALL".into(),
            },
        ]);
        let j = serde_json::to_value(&fix).unwrap();
        assert_eq!(j["applicability"], "safe");
        assert_eq!(j["edits"][0]["op"], "set");
        assert_eq!(
            j["edits"][1]["path"],
            "spec.containers[0].securityContext.capabilities.drop"
        );
        assert!(j.get("caution").is_none());
    }
}
