//! The one cluster model every analyzer reads.
//!
//! Sources (YAML/JSON files, Terraform, a live cluster) turn documents into
//! [`Object`]s: the located [`palisade_value::Node`] tree as written, plus the
//! typed k8s-openapi form of the built-in kinds palisade analyzes
//! ([`Typed`]). A [`Model`] indexes them by kind, namespace and name, and
//! normalises every workload kind to its [`PodTemplate`] once.

pub mod defaults;
pub mod image;
pub mod kinds;
mod model;
pub mod namespaces;
mod object;
pub mod operators;
pub mod selector;
mod typed;
mod workload;

pub use image::ImageRef;
pub use k8s_openapi;
pub use model::Model;
pub use object::{
    Location, Object, ObjectError, ObjectOptions, ObjectRef, OwnerRef, UnknownField,
    object_from_node, objects_from_document,
};
pub use typed::Typed;
pub use workload::{ContainerKind, ContainerRef, PodTemplate, containers};

#[cfg(test)]
mod tests;

/// Namespaces every cluster has without a manifest declaring them.
pub const BUILTIN_NAMESPACES: [&str; 4] =
    ["default", "kube-system", "kube-public", "kube-node-lease"];

/// Namespaces the control plane manages.
pub fn is_system_namespace(ns: &str) -> bool {
    ns != "default" && BUILTIN_NAMESPACES.contains(&ns)
}

/// Namespaces every cluster has without a manifest declaring them.
pub fn is_builtin_namespace(ns: &str) -> bool {
    BUILTIN_NAMESPACES.contains(&ns)
}
