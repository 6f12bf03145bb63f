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

/// The verbs beyond [`COMMON_VERBS`] the API server authorizes on
/// resources: RBAC's, impersonation's, certificates', PodSecurityPolicy's
/// `use`, `proxy`, and `*`.
pub const SPECIAL_VERBS: &[&str] = &[
    "escalate",
    "bind",
    "impersonate",
    "approve",
    "sign",
    "attest",
    "use",
    "proxy",
    "*",
];

/// kubectl's short names of built-in resources.
const SHORT_NAMES: &[(&str, &str)] = &[
    ("po", "pods"),
    ("svc", "services"),
    ("cm", "configmaps"),
    ("sa", "serviceaccounts"),
    ("pvc", "persistentvolumeclaims"),
    ("rc", "replicationcontrollers"),
    ("quota", "resourcequotas"),
    ("limits", "limitranges"),
    ("ep", "endpoints"),
    ("ev", "events"),
    ("ns", "namespaces"),
    ("no", "nodes"),
    ("pv", "persistentvolumes"),
    ("cs", "componentstatuses"),
    ("deploy", "deployments"),
    ("sts", "statefulsets"),
    ("ds", "daemonsets"),
    ("rs", "replicasets"),
    ("cj", "cronjobs"),
    ("hpa", "horizontalpodautoscalers"),
    ("pdb", "poddisruptionbudgets"),
    ("psp", "podsecuritypolicies"),
    ("ing", "ingresses"),
    ("netpol", "networkpolicies"),
    ("sc", "storageclasses"),
    ("pc", "priorityclasses"),
    ("crd", "customresourcedefinitions"),
    ("crds", "customresourcedefinitions"),
    ("csr", "certificatesigningrequests"),
];

/// The verbs of requests for non-resource URLs (`/healthz`, `/metrics`).
pub const NON_RESOURCE_VERBS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "head", "options", "*",
];

/// A verb the API server knows (for a resource, or for a non-resource
/// URL), or an error naming the closest one and the list.
pub fn check_verb(verb: &str, non_resource: bool) -> Result<(), String> {
    let known: Vec<&str> = if non_resource {
        NON_RESOURCE_VERBS.to_vec()
    } else {
        COMMON_VERBS.iter().chain(SPECIAL_VERBS).copied().collect()
    };
    if known.contains(&verb) {
        return Ok(());
    }
    let lower = verb.to_ascii_lowercase();
    let closest = palisade_findings::suggest::closest(&lower, known.iter().copied(), |d, _| d <= 2);
    let hint = closest.map_or(String::new(), |v| format!(" (did you mean {v:?}?)"));
    Err(format!(
        "unknown verb {verb:?}{hint}; verbs: {}",
        known.join(", ")
    ))
}

/// The built-in resource `name` means as kubectl reads it: the plural
/// (`pods`), the singular or kind in any case (`pod`, `Pod`), or a short
/// name (`po`).
pub fn resolve(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    if let Some((r, _, _)) = BUILTIN.iter().find(|(r, _, _)| *r == lower) {
        return Some(r);
    }
    if let Some((_, r)) = SHORT_NAMES.iter().find(|(s, _)| *s == lower) {
        return Some(r);
    }
    BUILTIN.iter().map(|(r, _, _)| *r).find(|r| {
        // singular: pod → pods, ingress → ingresses, networkpolicy → networkpolicies
        *r == format!("{lower}s")
            || *r == format!("{lower}es")
            || lower
                .strip_suffix('y')
                .is_some_and(|stem| *r == format!("{stem}ies"))
    })
}

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
        None => match resolve(res_group) {
            Some(r) => (r.to_string(), lookup(r).map_or("", |(g, _)| g).to_string()),
            None => {
                let lower = res_group.to_ascii_lowercase();
                let names = BUILTIN.iter().map(|(r, _, _)| *r);
                let closest = palisade_findings::suggest::closest(&lower, names, |d, _| d <= 2);
                return Err(match closest {
                    Some(r) => format!("unknown resource {res_group:?} (did you mean {r:?}?)"),
                    None => format!(
                        "unknown resource {res_group:?}: name its group, e.g. {res_group}.example.com"
                    ),
                });
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
        // as kubectl reads them: singular, kind, short name
        assert_eq!(parse("secret").unwrap().1, "secrets");
        assert_eq!(
            parse("Deployment").unwrap(),
            ("apps".into(), "deployments".into(), "".into())
        );
        assert_eq!(parse("deploy/scale").unwrap().2, "scale");
        assert_eq!(parse("netpol").unwrap().0, "networking.k8s.io");
        assert_eq!(parse("NetworkPolicy").unwrap().1, "networkpolicies");
        assert_eq!(parse("ingress").unwrap().1, "ingresses");
        assert!(
            parse("secretz")
                .unwrap_err()
                .contains("did you mean \"secrets\"")
        );
        assert!(check_verb("get", false).is_ok() && check_verb("*", false).is_ok());
        assert!(check_verb("post", true).is_ok() && check_verb("post", false).is_err());
        let e = check_verb("gett", false).unwrap_err();
        assert!(
            e.contains("did you mean \"get\"") && e.contains("deletecollection"),
            "{e}"
        );
        assert!(parse("pods/a/b").is_err());
        assert_eq!(lookup("nodes"), Some(("", false)));
    }
}
