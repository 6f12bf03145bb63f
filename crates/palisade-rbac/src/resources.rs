//! Built-in resources: which API group serves them and whether they live
//! in a namespace, so `who-can get deployments` needs no API discovery.

/// `(resource, group, namespaced)`.
pub const BUILTIN: &[(&str, &str, bool)] = &[
    ("pods", "", true),
    ("services", "", true),
    ("configmaps", "", true),
    ("secrets", "", true),
    ("serviceaccounts", "", true),
    ("persistentvolumeclaims", "", true),
    ("replicationcontrollers", "", true),
    ("resourcequotas", "", true),
    ("limitranges", "", true),
    ("endpoints", "", true),
    ("events", "", true),
    ("podtemplates", "", true),
    ("bindings", "", true),
    ("namespaces", "", false),
    ("nodes", "", false),
    ("persistentvolumes", "", false),
    ("componentstatuses", "", false),
    ("deployments", "apps", true),
    ("statefulsets", "apps", true),
    ("daemonsets", "apps", true),
    ("replicasets", "apps", true),
    ("controllerrevisions", "apps", true),
    ("jobs", "batch", true),
    ("cronjobs", "batch", true),
    ("horizontalpodautoscalers", "autoscaling", true),
    ("poddisruptionbudgets", "policy", true),
    ("podsecuritypolicies", "policy", false),
    ("ingresses", "networking.k8s.io", true),
    ("networkpolicies", "networking.k8s.io", true),
    ("ingressclasses", "networking.k8s.io", false),
    ("roles", "rbac.authorization.k8s.io", true),
    ("rolebindings", "rbac.authorization.k8s.io", true),
    ("clusterroles", "rbac.authorization.k8s.io", false),
    ("clusterrolebindings", "rbac.authorization.k8s.io", false),
    ("storageclasses", "storage.k8s.io", false),
    ("csidrivers", "storage.k8s.io", false),
    ("csinodes", "storage.k8s.io", false),
    ("volumeattachments", "storage.k8s.io", false),
    ("priorityclasses", "scheduling.k8s.io", false),
    ("runtimeclasses", "node.k8s.io", false),
    ("leases", "coordination.k8s.io", true),
    ("endpointslices", "discovery.k8s.io", true),
    ("certificatesigningrequests", "certificates.k8s.io", false),
    (
        "validatingwebhookconfigurations",
        "admissionregistration.k8s.io",
        false,
    ),
    (
        "mutatingwebhookconfigurations",
        "admissionregistration.k8s.io",
        false,
    ),
    (
        "validatingadmissionpolicies",
        "admissionregistration.k8s.io",
        false,
    ),
    (
        "validatingadmissionpolicybindings",
        "admissionregistration.k8s.io",
        false,
    ),
    ("customresourcedefinitions", "apiextensions.k8s.io", false),
    ("apiservices", "apiregistration.k8s.io", false),
    ("tokenreviews", "authentication.k8s.io", false),
    ("subjectaccessreviews", "authorization.k8s.io", false),
    ("localsubjectaccessreviews", "authorization.k8s.io", true),
    ("selfsubjectaccessreviews", "authorization.k8s.io", false),
    ("flowschemas", "flowcontrol.apiserver.k8s.io", false),
    (
        "prioritylevelconfigurations",
        "flowcontrol.apiserver.k8s.io",
        false,
    ),
    ("users", "", false),
    ("groups", "", false),
    ("uids", "authentication.k8s.io", false),
    ("userextras", "authentication.k8s.io", false),
];

/// Verbs the who-can table covers for every resource.
pub const COMMON_VERBS: &[&str] = &[
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
];

/// `(group, namespaced)` of a built-in resource.
pub fn lookup(resource: &str) -> Option<(&'static str, bool)> {
    BUILTIN
        .iter()
        .find(|(r, _, _)| *r == resource)
        .map(|(_, g, n)| (*g, *n))
}

/// Parses `pods`, `pods/exec`, `deployments.apps`, `deployments.apps/scale`,
/// `widgets.example.com` into `(group, resource, subresource)`.
pub fn parse(spec: &str) -> Result<(String, String, String), String> {
    let (res_group, sub) = match spec.split_once('/') {
        Some((a, b)) => (a, b),
        None => (spec, ""),
    };
    if res_group.is_empty() || sub.contains('/') {
        return Err(format!(
            "invalid resource {spec:?} (expected RESOURCE[.GROUP][/SUBRESOURCE])"
        ));
    }
    let (resource, group) = match res_group.split_once('.') {
        Some((r, g)) => (r.to_string(), g.to_string()),
        None => match lookup(res_group) {
            Some((g, _)) => (res_group.to_string(), g.to_string()),
            None => {
                return Err(format!(
                    "unknown resource {res_group:?}: name its group, e.g. {res_group}.example.com"
                ));
            }
        },
    };
    let resource = resource.to_ascii_lowercase();
    Ok((group, resource, sub.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsing() {
        assert_eq!(
            parse("pods").unwrap(),
            ("".into(), "pods".into(), "".into())
        );
        assert_eq!(
            parse("pods/exec").unwrap(),
            ("".into(), "pods".into(), "exec".into())
        );
        assert_eq!(parse("deployments").unwrap().0, "apps");
        assert_eq!(
            parse("deployments.apps/scale").unwrap(),
            ("apps".into(), "deployments".into(), "scale".into())
        );
        assert_eq!(parse("widgets.example.com").unwrap().0, "example.com");
        assert!(parse("widgets").is_err());
        assert!(parse("pods/a/b").is_err());
        assert_eq!(lookup("nodes"), Some(("", false)));
    }
}
