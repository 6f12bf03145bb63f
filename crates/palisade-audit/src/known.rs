//! Built-in API groups and their resources (Kubernetes 1.33–1.37), to
//! catch misspelled groups and resources in audit rules.

/// `(group, resources)`; `""` is the core group.
pub const BUILTIN: &[(&str, &[&str])] = &[
    (
        "",
        &[
            "bindings",
            "componentstatuses",
            "configmaps",
            "endpoints",
            "events",
            "limitranges",
            "namespaces",
            "nodes",
            "persistentvolumeclaims",
            "persistentvolumes",
            "pods",
            "podtemplates",
            "replicationcontrollers",
            "resourcequotas",
            "secrets",
            "serviceaccounts",
            "services",
        ],
    ),
    (
        "apps",
        &[
            "controllerrevisions",
            "daemonsets",
            "deployments",
            "replicasets",
            "statefulsets",
        ],
    ),
    ("batch", &["cronjobs", "jobs"]),
    ("autoscaling", &["horizontalpodautoscalers"]),
    ("policy", &["poddisruptionbudgets"]),
    (
        "networking.k8s.io",
        &[
            "ingressclasses",
            "ingresses",
            "networkpolicies",
            "ipaddresses",
            "servicecidrs",
        ],
    ),
    (
        "rbac.authorization.k8s.io",
        &[
            "clusterrolebindings",
            "clusterroles",
            "rolebindings",
            "roles",
        ],
    ),
    (
        "authentication.k8s.io",
        &["tokenreviews", "selfsubjectreviews"],
    ),
    (
        "authorization.k8s.io",
        &[
            "localsubjectaccessreviews",
            "selfsubjectaccessreviews",
            "selfsubjectrulesreviews",
            "subjectaccessreviews",
        ],
    ),
    (
        "certificates.k8s.io",
        &["certificatesigningrequests", "clustertrustbundles"],
    ),
    ("coordination.k8s.io", &["leases", "leasecandidates"]),
    ("discovery.k8s.io", &["endpointslices"]),
    ("events.k8s.io", &["events"]),
    (
        "storage.k8s.io",
        &[
            "csidrivers",
            "csinodes",
            "csistoragecapacities",
            "storageclasses",
            "volumeattachments",
            "volumeattributesclasses",
        ],
    ),
    ("scheduling.k8s.io", &["priorityclasses"]),
    ("node.k8s.io", &["runtimeclasses"]),
    (
        "admissionregistration.k8s.io",
        &[
            "mutatingwebhookconfigurations",
            "validatingwebhookconfigurations",
            "validatingadmissionpolicies",
            "validatingadmissionpolicybindings",
            "mutatingadmissionpolicies",
            "mutatingadmissionpolicybindings",
        ],
    ),
    ("apiextensions.k8s.io", &["customresourcedefinitions"]),
    ("apiregistration.k8s.io", &["apiservices"]),
    (
        "flowcontrol.apiserver.k8s.io",
        &["flowschemas", "prioritylevelconfigurations"],
    ),
    (
        "resource.k8s.io",
        &[
            "deviceclasses",
            "resourceclaims",
            "resourceclaimtemplates",
            "resourceslices",
        ],
    ),
    ("storagemigration.k8s.io", &["storageversionmigrations"]),
    ("internal.apiserver.k8s.io", &["storageversions"]),
];

/// Subresources of the built-in resources.
pub const SUBRESOURCES: &[&str] = &[
    "status",
    "scale",
    "exec",
    "attach",
    "portforward",
    "proxy",
    "log",
    "binding",
    "eviction",
    "ephemeralcontainers",
    "resize",
    "token",
    "finalize",
    "approval",
];

/// Groups without a dot that are built in (the others all contain one).
pub fn is_builtin_group(g: &str) -> bool {
    matches!(g, "apps" | "batch" | "autoscaling" | "policy")
}

pub fn resources_of(group: &str) -> Option<&'static [&'static str]> {
    BUILTIN.iter().find(|(g, _)| *g == group).map(|(_, r)| *r)
}

/// The closest of `candidates` within two edits (or a missing plural `s`).
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    palisade_findings::suggest::closest(word, candidates, |d, c| {
        d <= 2 || c.starts_with(word) || word.starts_with(c)
    })
}
