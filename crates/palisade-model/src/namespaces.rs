//! Manifests meant for `kubectl apply -n NS`: objects that set no namespace
//! are read into the default one (`-n`, else `default`), which mixes them
//! with the objects that do name one, or puts a whole install file in the
//! wrong place. This notices it, so the user can be told once.

use crate::Object;
use std::collections::BTreeMap;

/// Why the input looks like it wants `-n NS`, and the namespace to give.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamespaceAdvice {
    pub namespace: String,
    pub message: String,
}

/// `None` when every namespaced object names its namespace, when none
/// does and nothing points elsewhere, or when the user gave `-n`.
pub fn namespace_advice(objects: &[Object], given: Option<&str>) -> Option<NamespaceAdvice> {
    if given.is_some() {
        return None;
    }
    let defaulted: Vec<&Object> = objects
        .iter()
        .filter(|o| o.namespace.is_some() && !o.namespace_explicit)
        .collect();
    let read_as = defaulted.first()?.namespace.clone()?;
    let mut explicit: BTreeMap<String, usize> = BTreeMap::new();
    for o in objects.iter().filter(|o| o.namespace_explicit) {
        if let Some(ns) = &o.namespace {
            *explicit.entry(ns.clone()).or_default() += 1;
        }
    }
    // service accounts the bindings name: where an install file's
    // controllers are meant to run
    let mut bound: BTreeMap<String, usize> = BTreeMap::new();
    for o in objects
        .iter()
        .filter(|o| matches!(o.kind.as_str(), "RoleBinding" | "ClusterRoleBinding"))
    {
        let Some(subjects) = o.raw.get("subjects").and_then(|s| s.as_seq()) else {
            continue;
        };
        for s in subjects {
            if s.get_str("kind") == Some("ServiceAccount")
                && let Some(ns) = s.get_str("namespace")
            {
                *bound.entry(ns.to_string()).or_default() += 1;
            }
        }
    }
    let n = defaulted.len();
    let objs = if n == 1 { "object sets" } else { "objects set" };
    let top = |m: &BTreeMap<String, usize>| {
        m.iter()
            .filter(|(ns, _)| **ns != read_as)
            .max_by_key(|(_, c)| **c)
            .map(|(ns, _)| ns.clone())
    };
    // the namespace the files beside them name, else the input's most
    // common one
    let dir = |o: &Object| {
        std::path::Path::new(&*o.location.file)
            .parent()
            .map(|p| p.to_path_buf())
    };
    let mut beside: BTreeMap<String, usize> = BTreeMap::new();
    for d in defaulted.iter().filter_map(|o| dir(o)) {
        for o in objects
            .iter()
            .filter(|o| o.namespace_explicit && dir(o).as_ref() == Some(&d))
        {
            if let Some(ns) = &o.namespace {
                *beside.entry(ns.clone()).or_default() += 1;
            }
        }
    }
    if let Some(ns) = top(&beside).or_else(|| top(&explicit)) {
        let others: usize = explicit.values().sum();
        return Some(NamespaceAdvice {
            message: format!(
                "{n} {objs} no namespace and {} read into `{read_as}` ({}), while {others} other(s) name one; if {} in `{ns}`, as `kubectl apply -n {ns}` would put {}, scan with `-n {ns}` or set metadata.namespace",
                if n == 1 { "was" } else { "were" },
                defaulted
                    .iter()
                    .take(3)
                    .map(|o| format!(
                        "{} {} at {}:{}",
                        o.kind, o.name, o.location.file, o.location.line
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
                    + if n > 3 { ", …" } else { "" },
                if n == 1 { "it belongs" } else { "they belong" },
                if n == 1 { "it" } else { "them" }
            ),
            namespace: ns,
        });
    }
    if let Some(ns) = top(&bound) {
        return Some(NamespaceAdvice {
            message: format!(
                "this looks like an install file for `kubectl apply -n {ns}`: {n} {objs} no namespace (read into `{read_as}`) and its bindings name service accounts in `{ns}`; scan with `-n {ns}` so that RBAC, network policies and findings see them where they will run"
            ),
            namespace: ns,
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ObjectOptions, objects_from_document};
    use std::sync::Arc;

    fn objects(yaml: &str) -> Vec<Object> {
        let file: Arc<str> = Arc::from("in.yaml");
        let stream = palisade_yaml::parse_stream(yaml, &palisade_yaml::Limits::default());
        stream
            .documents
            .into_iter()
            .flat_map(|d| objects_from_document(d.root, &file, &ObjectOptions::default()))
            .map(|r| r.unwrap())
            .collect()
    }

    #[test]
    fn install_files_are_told_their_namespace() {
        let o = objects(
            "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: argocd-server}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: argocd-server}\nspec: {template: {spec: {containers: [{name: a, image: x}]}}}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: argocd-server}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: argocd-server}\nsubjects: [{kind: ServiceAccount, name: argocd-server, namespace: argocd}]\n",
        );
        let a = namespace_advice(&o, None).unwrap();
        assert_eq!(a.namespace, "argocd");
        assert!(
            a.message.contains("`kubectl apply -n argocd`"),
            "{}",
            a.message
        );
        assert!(
            a.message.contains("2 objects set no namespace"),
            "{}",
            a.message
        );
        // -n given: nothing to say
        assert_eq!(namespace_advice(&o, Some("argocd")), None);
    }

    #[test]
    fn mixed_namespaces_are_pointed_out() {
        let o = objects(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: shop}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: shop}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: c}\n",
        );
        let a = namespace_advice(&o, None).unwrap();
        assert_eq!(a.namespace, "shop");
        assert!(
            a.message.starts_with(
                "1 object sets no namespace and was read into `default` (Service c at in.yaml:"
            ),
            "{}",
            a.message
        );
        assert!(
            a.message
                .contains("while 2 other(s) name one; if it belongs in `shop`"),
            "{}",
            a.message
        );
        // every object names its namespace, or none does and nothing points elsewhere
        let all =
            objects("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: shop}\n");
        assert_eq!(namespace_advice(&all, None), None);
        let plain = objects(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n",
        );
        assert_eq!(namespace_advice(&plain, None), None);
    }
}
