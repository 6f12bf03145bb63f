//! The pod a check looks at, and the message helpers the upstream checks use.

use k8s_openapi::api::core::v1::{PodSecurityContext, PodSpec, Volume};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use palisade_model::{ContainerRef, containers};
use palisade_value::Path;
use std::collections::BTreeMap;

/// A pod under evaluation.
pub struct Pod<'a> {
    pub meta: Option<&'a ObjectMeta>,
    pub spec: &'a PodSpec,
    /// Init, regular and ephemeral containers (upstream `visitContainers` order).
    pub containers: Vec<ContainerRef<'a>>,
}

impl<'a> Pod<'a> {
    pub fn new(meta: Option<&'a ObjectMeta>, spec: &'a PodSpec) -> Self {
        Self {
            meta,
            spec,
            containers: containers(spec),
        }
    }

    pub fn security_context(&self) -> Option<&'a PodSecurityContext> {
        self.spec.security_context.as_ref()
    }

    pub fn annotations(&self) -> Option<&'a BTreeMap<String, String>> {
        self.meta.and_then(|m| m.annotations.as_ref())
    }

    pub fn volumes(&self) -> &'a [Volume] {
        self.spec.volumes.as_deref().unwrap_or(&[])
    }

    /// `spec.os.name == "windows"`.
    pub fn is_windows(&self) -> bool {
        self.spec.os.as_ref().is_some_and(|os| os.name == "windows")
    }

    /// `spec.hostUsers == false`: the pod runs in a user namespace.
    pub fn in_user_namespace(&self) -> bool {
        self.spec.host_users == Some(false)
    }

    /// `spec.<field…>`
    pub fn spec_path(fields: &[&str]) -> Path {
        let mut p = Path::root().key("spec");
        for f in fields {
            p = p.key(*f);
        }
        p
    }

    /// `spec.securityContext.<field…>`
    pub fn pod_sc_path(fields: &[&str]) -> Path {
        let mut p = Path::root().key("spec").key("securityContext");
        for f in fields {
            p = p.key(*f);
        }
        p
    }

    /// `spec.<containers>[i].securityContext.<field…>`
    pub fn container_sc_path(c: &ContainerRef<'_>, fields: &[&str]) -> Path {
        let mut p = Path::root()
            .key("spec")
            .join(&c.path())
            .key("securityContext");
        for f in fields {
            p = p.key(*f);
        }
        p
    }

    /// `spec.<containers>[i].<field…>`
    pub fn container_path(c: &ContainerRef<'_>, fields: &[&str]) -> Path {
        let mut p = Path::root().key("spec").join(&c.path());
        for f in fields {
            p = p.key(*f);
        }
        p
    }

    /// `metadata.annotations["key"]`
    pub fn annotation_path(key: &str) -> Path {
        Path::root().key("metadata").key("annotations").key(key)
    }
}

/// `"a", "b"` (upstream `joinQuote`).
pub fn join_quote<S: AsRef<str>>(items: &[S]) -> String {
    items
        .iter()
        .map(|s| format!("\"{}\"", s.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Upstream `pluralize`.
pub fn pluralize(singular: &'static str, plural: &'static str, n: usize) -> &'static str {
    if n == 1 { singular } else { plural }
}

/// `container "a"` / `containers "a", "b"`.
pub fn containers_phrase<S: AsRef<str>>(names: &[S]) -> String {
    format!(
        "{} {}",
        pluralize("container", "containers", names.len()),
        join_quote(names)
    )
}

/// Sorted, deduplicated strings (upstream `sets.NewString(...).List()`).
pub fn sorted_set<I: IntoIterator<Item = String>>(items: I) -> Vec<String> {
    let mut v: Vec<String> = items.into_iter().collect();
    v.sort();
    v.dedup();
    v
}
