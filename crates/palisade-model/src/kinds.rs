//! What palisade knows about Kubernetes kinds: scope, pod templates, removed API versions.

/// Whether objects of a kind live in a namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Namespaced,
    Cluster,
}

/// The API group of an `apiVersion` (`""` for the core group).
pub fn group_of(api_version: &str) -> &str {
    match api_version.split_once('/') {
        Some((g, _)) => g,
        None => "",
    }
}

/// Cluster-scoped kinds of the built-in API groups and of common add-ons.
const CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "Node",
    "PersistentVolume",
    "ClusterRole",
    "ClusterRoleBinding",
    "StorageClass",
    "CSIDriver",
    "CSINode",
    "VolumeAttachment",
    "CustomResourceDefinition",
    "APIService",
    "PriorityClass",
    "RuntimeClass",
    "IngressClass",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding",
    "CertificateSigningRequest",
    "PodSecurityPolicy",
    "FlowSchema",
    "PriorityLevelConfiguration",
    "ComponentStatus",
    "TokenReview",
    "SelfSubjectReview",
    "SelfSubjectAccessReview",
    "SelfSubjectRulesReview",
    "SubjectAccessReview",
    "VolumeSnapshotClass",
    "VolumeSnapshotContent",
    "DeviceClass",
    "ResourceSlice",
    "IPAddress",
    "ServiceCIDR",
    "ConstraintTemplate",
    "ClusterIssuer",
    "ClusterPolicy",
    "ClusterPolicyReport",
    "GatewayClass",
];

/// The scope of `kind`, when palisade knows it. Unknown kinds (custom
/// resources) are namespaced when they carry a namespace.
pub fn scope_of(api_version: &str, kind: &str) -> Option<Scope> {
    let group = group_of(api_version);
    if CLUSTER_SCOPED.contains(&kind) {
        return Some(Scope::Cluster);
    }
    // Gatekeeper constraints are cluster-scoped custom resources
    if group == "constraints.gatekeeper.sh" {
        return Some(Scope::Cluster);
    }
    if is_builtin_group(group) {
        return Some(Scope::Namespaced);
    }
    None
}

/// The groups served by kube-apiserver itself.
pub fn is_builtin_group(group: &str) -> bool {
    matches!(
        group,
        "" | "apps"
            | "batch"
            | "extensions"
            | "policy"
            | "autoscaling"
            | "networking.k8s.io"
            | "rbac.authorization.k8s.io"
            | "storage.k8s.io"
            | "scheduling.k8s.io"
            | "node.k8s.io"
            | "coordination.k8s.io"
            | "discovery.k8s.io"
            | "events.k8s.io"
            | "certificates.k8s.io"
            | "admissionregistration.k8s.io"
            | "apiextensions.k8s.io"
            | "apiregistration.k8s.io"
            | "authentication.k8s.io"
            | "authorization.k8s.io"
            | "flowcontrol.apiserver.k8s.io"
            | "resource.k8s.io"
    )
}

/// The kinds each built-in API group serves (current and removed versions).
const BUILTIN_KINDS: &[(&str, &[&str])] = &[
    (
        "",
        &[
            "Pod",
            "Service",
            "ConfigMap",
            "Secret",
            "Namespace",
            "ServiceAccount",
            "PersistentVolume",
            "PersistentVolumeClaim",
            "ReplicationController",
            "ResourceQuota",
            "LimitRange",
            "Endpoints",
            "Event",
            "Node",
            "PodTemplate",
            "Binding",
            "ComponentStatus",
        ],
    ),
    (
        "apps",
        &[
            "Deployment",
            "StatefulSet",
            "DaemonSet",
            "ReplicaSet",
            "ControllerRevision",
        ],
    ),
    ("batch", &["Job", "CronJob"]),
    (
        "extensions",
        &[
            "Deployment",
            "DaemonSet",
            "ReplicaSet",
            "Ingress",
            "NetworkPolicy",
            "PodSecurityPolicy",
        ],
    ),
    (
        "policy",
        &["PodDisruptionBudget", "PodSecurityPolicy", "Eviction"],
    ),
    ("autoscaling", &["HorizontalPodAutoscaler", "Scale"]),
    (
        "networking.k8s.io",
        &[
            "Ingress",
            "IngressClass",
            "NetworkPolicy",
            "IPAddress",
            "ServiceCIDR",
        ],
    ),
    (
        "rbac.authorization.k8s.io",
        &["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"],
    ),
    (
        "storage.k8s.io",
        &[
            "StorageClass",
            "CSIDriver",
            "CSINode",
            "VolumeAttachment",
            "CSIStorageCapacity",
            "VolumeAttributesClass",
        ],
    ),
    ("scheduling.k8s.io", &["PriorityClass"]),
    ("node.k8s.io", &["RuntimeClass"]),
    ("coordination.k8s.io", &["Lease", "LeaseCandidate"]),
    ("discovery.k8s.io", &["EndpointSlice"]),
    ("events.k8s.io", &["Event"]),
    (
        "certificates.k8s.io",
        &["CertificateSigningRequest", "ClusterTrustBundle"],
    ),
    (
        "admissionregistration.k8s.io",
        &[
            "ValidatingWebhookConfiguration",
            "MutatingWebhookConfiguration",
            "ValidatingAdmissionPolicy",
            "ValidatingAdmissionPolicyBinding",
            "MutatingAdmissionPolicy",
            "MutatingAdmissionPolicyBinding",
        ],
    ),
    ("apiextensions.k8s.io", &["CustomResourceDefinition"]),
    ("apiregistration.k8s.io", &["APIService"]),
    (
        "authentication.k8s.io",
        &["TokenReview", "TokenRequest", "SelfSubjectReview"],
    ),
    (
        "authorization.k8s.io",
        &[
            "SubjectAccessReview",
            "SelfSubjectAccessReview",
            "LocalSubjectAccessReview",
            "SelfSubjectRulesReview",
        ],
    ),
    (
        "flowcontrol.apiserver.k8s.io",
        &["FlowSchema", "PriorityLevelConfiguration"],
    ),
    (
        "resource.k8s.io",
        &[
            "DeviceClass",
            "ResourceClaim",
            "ResourceClaimTemplate",
            "ResourceSlice",
            "DeviceTaintRule",
        ],
    ),
];

/// For a built-in API group, checks that it serves `kind`; the error names
/// the closest kind it does serve. Custom resource groups are not checked.
pub fn check_builtin_kind(api_version: &str, kind: &str) -> Result<(), String> {
    let group = group_of(api_version);
    let Some((_, kinds)) = BUILTIN_KINDS.iter().find(|(g, _)| *g == group) else {
        return Ok(());
    };
    if kinds.contains(&kind) {
        return Ok(());
    }
    let closest = kinds
        .iter()
        .map(|k| {
            (
                strsim::levenshtein(&k.to_ascii_lowercase(), &kind.to_ascii_lowercase()),
                *k,
            )
        })
        .min()
        .filter(|(d, _)| *d <= 3);
    Err(match closest {
        Some((_, k)) => {
            format!("unknown kind {kind:?} for apiVersion {api_version} (did you mean {k:?}?)")
        }
        None => format!("unknown kind {kind:?} for apiVersion {api_version}"),
    })
}

/// Kinds that carry a pod template (or are a pod).
pub const WORKLOAD_KINDS: &[&str] = &[
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
];

pub fn is_workload_kind(kind: &str) -> bool {
    WORKLOAD_KINDS.contains(&kind)
}

/// A removed API version: the release that removed it and what replaces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Removed {
    /// The first release that no longer serves it (`1.25`).
    pub removed_in: &'static str,
    pub replacement: &'static str,
    /// The first release that serves the replacement (`1.21`).
    pub replacement_since: &'static str,
}

impl Removed {
    /// `removed_in`'s minor version.
    pub fn removed_minor(&self) -> u32 {
        minor_of(self.removed_in)
    }

    /// `replacement_since`'s minor version.
    pub fn replacement_minor(&self) -> u32 {
        minor_of(self.replacement_since)
    }
}

fn minor_of(v: &str) -> u32 {
    kubernetes_minor(v).unwrap_or(0)
}

/// A Kubernetes 1.x release as `1.28`, `v1.28`, `1.28.3` or `1.37+` (as
/// some servers' `/version` says) → its minor version, 28.
pub fn kubernetes_minor(s: &str) -> Option<u32> {
    let t = s.trim().trim_start_matches('v');
    let mut parts = t.split('.');
    match (parts.next(), parts.next().map(|m| m.trim_end_matches('+'))) {
        (Some("1"), Some(m)) if !m.is_empty() && m.chars().all(|c| c.is_ascii_digit()) => {
            m.parse().ok()
        }
        _ => None,
    }
}

/// API versions that current clusters no longer serve (`apiVersion`, `kind`).
pub fn removed_api(api_version: &str, kind: &str) -> Option<Removed> {
    let r = |removed_in, replacement, replacement_since| {
        Some(Removed {
            removed_in,
            replacement,
            replacement_since,
        })
    };
    match (api_version, kind) {
        ("extensions/v1beta1" | "apps/v1beta1" | "apps/v1beta2", "Deployment") => {
            r("1.16", "apps/v1", "1.9")
        }
        ("extensions/v1beta1" | "apps/v1beta2", "DaemonSet" | "ReplicaSet") => {
            r("1.16", "apps/v1", "1.9")
        }
        ("apps/v1beta1" | "apps/v1beta2", "StatefulSet") => r("1.16", "apps/v1", "1.9"),
        ("extensions/v1beta1", "NetworkPolicy") => r("1.16", "networking.k8s.io/v1", "1.8"),
        ("extensions/v1beta1", "PodSecurityPolicy") => r(
            "1.16",
            "nothing: PodSecurityPolicy was removed in 1.25; use Pod Security Admission",
            "1.10",
        ),
        ("extensions/v1beta1" | "networking.k8s.io/v1beta1", "Ingress") => {
            r("1.22", "networking.k8s.io/v1", "1.19")
        }
        ("networking.k8s.io/v1beta1", "IngressClass") => r("1.22", "networking.k8s.io/v1", "1.19"),
        ("rbac.authorization.k8s.io/v1beta1" | "rbac.authorization.k8s.io/v1alpha1", _) => {
            r("1.22", "rbac.authorization.k8s.io/v1", "1.8")
        }
        ("admissionregistration.k8s.io/v1beta1", _) => {
            r("1.22", "admissionregistration.k8s.io/v1", "1.16")
        }
        ("apiextensions.k8s.io/v1beta1", _) => r("1.22", "apiextensions.k8s.io/v1", "1.16"),
        ("apiregistration.k8s.io/v1beta1", _) => r("1.22", "apiregistration.k8s.io/v1", "1.10"),
        ("certificates.k8s.io/v1beta1", _) => r("1.22", "certificates.k8s.io/v1", "1.19"),
        ("coordination.k8s.io/v1beta1", _) => r("1.22", "coordination.k8s.io/v1", "1.14"),
        ("scheduling.k8s.io/v1beta1" | "scheduling.k8s.io/v1alpha1", _) => {
            r("1.22", "scheduling.k8s.io/v1", "1.14")
        }
        (
            "storage.k8s.io/v1beta1",
            "CSIDriver" | "CSINode" | "StorageClass" | "VolumeAttachment",
        ) => r("1.22", "storage.k8s.io/v1", "1.18"),
        ("batch/v1beta1" | "batch/v2alpha1", "CronJob") => r("1.25", "batch/v1", "1.21"),
        ("discovery.k8s.io/v1beta1", "EndpointSlice") => r("1.25", "discovery.k8s.io/v1", "1.21"),
        ("events.k8s.io/v1beta1", "Event") => r("1.25", "events.k8s.io/v1", "1.19"),
        ("policy/v1beta1", "PodDisruptionBudget") => r("1.25", "policy/v1", "1.21"),
        ("policy/v1beta1", "PodSecurityPolicy") => r(
            "1.25",
            "nothing: use Pod Security Admission namespace labels",
            "1.25",
        ),
        ("node.k8s.io/v1beta1", "RuntimeClass") => r("1.25", "node.k8s.io/v1", "1.20"),
        ("autoscaling/v2beta1", "HorizontalPodAutoscaler") => r("1.25", "autoscaling/v2", "1.23"),
        ("autoscaling/v2beta2", "HorizontalPodAutoscaler") => r("1.26", "autoscaling/v2", "1.23"),
        ("flowcontrol.apiserver.k8s.io/v1beta1", _) => {
            r("1.26", "flowcontrol.apiserver.k8s.io/v1", "1.29")
        }
        ("flowcontrol.apiserver.k8s.io/v1beta2", _) => {
            r("1.29", "flowcontrol.apiserver.k8s.io/v1", "1.29")
        }
        ("storage.k8s.io/v1beta1", "CSIStorageCapacity") => r("1.27", "storage.k8s.io/v1", "1.24"),
        ("flowcontrol.apiserver.k8s.io/v1beta3", _) => {
            r("1.32", "flowcontrol.apiserver.k8s.io/v1", "1.29")
        }
        _ => None,
    }
}

/// Custom resources palisade knows: what their operators turn into pods
/// (`operators`), what it reads as policy, and the configuration of the
/// operators small clusters run most (kube-prometheus, cert-manager,
/// Argo CD, KubeVirt, Gatekeeper, the Gateway API). `(group, kinds)`;
/// no kinds: the whole group.
const KNOWN_CUSTOM: &[(&str, &[&str])] = &[
    ("monitoring.coreos.com", &[]),
    ("cert-manager.io", &[]),
    ("acme.cert-manager.io", &[]),
    (
        "argoproj.io",
        &["Application", "ApplicationSet", "AppProject"],
    ),
    (
        "kubevirt.io",
        &[
            "VirtualMachine",
            "VirtualMachineInstance",
            "VirtualMachineInstanceReplicaSet",
        ],
    ),
    ("templates.gatekeeper.sh", &[]),
    ("constraints.gatekeeper.sh", &[]),
    ("config.gatekeeper.sh", &[]),
    ("mutations.gatekeeper.sh", &[]),
    ("gateway.networking.k8s.io", &[]),
    ("snapshot.storage.k8s.io", &[]),
];

/// Whether palisade knows what objects of this kind are (built-in, or a
/// custom resource of [`KNOWN_CUSTOM`]).
pub fn is_known_kind(api_version: &str, kind: &str) -> bool {
    let group = group_of(api_version);
    is_builtin_group(group)
        || KNOWN_CUSTOM
            .iter()
            .any(|(g, kinds)| *g == group && (kinds.is_empty() || kinds.contains(&kind)))
}

/// One sentence about the objects of kinds palisade does not know (custom
/// resources of other operators), said once: how many, of which kinds,
/// and what that means. `None` when every kind is known.
pub fn unknown_kinds_note(objects: &[crate::Object]) -> Option<String> {
    let mut counts: std::collections::BTreeMap<(&str, &str), usize> = Default::default();
    for o in objects
        .iter()
        .filter(|o| !is_known_kind(&o.api_version, &o.kind))
    {
        *counts
            .entry((group_of(&o.api_version), o.kind.as_str()))
            .or_default() += 1;
    }
    if counts.is_empty() {
        return None;
    }
    let total: usize = counts.values().sum();
    let mut by_count: Vec<_> = counts.into_iter().collect();
    by_count.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let kinds = by_count.len();
    let named: Vec<String> = by_count
        .iter()
        .take(5)
        .map(|((g, k), n)| format!("{k}.{g} ({n})"))
        .collect();
    let more = if kinds > 5 {
        format!(" and {} more kind(s)", kinds - 5)
    } else {
        String::new()
    };
    Some(format!(
        "{total} object(s) of {kinds} kind(s) palisade does not know were read but not analyzed: \
         {}{more}; if an operator turns them into pods, those pods are not in the input \
         (`--cluster` sees them)",
        named.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes() {
        assert_eq!(scope_of("v1", "Namespace"), Some(Scope::Cluster));
        assert_eq!(scope_of("v1", "Pod"), Some(Scope::Namespaced));
        assert_eq!(
            scope_of("rbac.authorization.k8s.io/v1", "ClusterRole"),
            Some(Scope::Cluster)
        );
        assert_eq!(
            scope_of("constraints.gatekeeper.sh/v1beta1", "K8sRequiredLabels"),
            Some(Scope::Cluster)
        );
        assert_eq!(scope_of("example.com/v1", "Widget"), None);
        assert_eq!(group_of("apps/v1"), "apps");
        assert_eq!(group_of("v1"), "");
    }

    #[test]
    fn builtin_kinds() {
        assert!(check_builtin_kind("apps/v1", "Deployment").is_ok());
        assert!(check_builtin_kind("example.com/v1", "Anything").is_ok());
        let e = check_builtin_kind("apps/v1", "Deploymnet").unwrap_err();
        assert!(e.contains("did you mean \"Deployment\""), "{e}");
        assert!(
            check_builtin_kind("v1", "Frobnicator")
                .unwrap_err()
                .ends_with("apiVersion v1")
        );
    }

    #[test]
    fn removed_versions() {
        assert_eq!(
            removed_api("batch/v1beta1", "CronJob").unwrap().removed_in,
            "1.25"
        );
        assert!(removed_api("batch/v1", "CronJob").is_none());
        assert!(removed_api("policy/v1beta1", "PodSecurityPolicy").is_some());
        assert!(removed_api("apps/v1", "Deployment").is_none());
    }
}
