//! How the hashicorp/kubernetes provider's HCL maps onto Kubernetes objects.

/// Resource types of the provider and the object each one declares.
pub const RESOURCE_TYPES: &[(&str, &str, &str)] = &[
    ("kubernetes_namespace", "v1", "Namespace"),
    ("kubernetes_namespace_v1", "v1", "Namespace"),
    ("kubernetes_pod", "v1", "Pod"),
    ("kubernetes_pod_v1", "v1", "Pod"),
    ("kubernetes_deployment", "apps/v1", "Deployment"),
    ("kubernetes_deployment_v1", "apps/v1", "Deployment"),
    ("kubernetes_stateful_set", "apps/v1", "StatefulSet"),
    ("kubernetes_stateful_set_v1", "apps/v1", "StatefulSet"),
    ("kubernetes_daemonset", "apps/v1", "DaemonSet"),
    ("kubernetes_daemon_set_v1", "apps/v1", "DaemonSet"),
    ("kubernetes_job", "batch/v1", "Job"),
    ("kubernetes_job_v1", "batch/v1", "Job"),
    ("kubernetes_cron_job", "batch/v1", "CronJob"),
    ("kubernetes_cron_job_v1", "batch/v1", "CronJob"),
    (
        "kubernetes_replication_controller",
        "v1",
        "ReplicationController",
    ),
    (
        "kubernetes_replication_controller_v1",
        "v1",
        "ReplicationController",
    ),
    ("kubernetes_service", "v1", "Service"),
    ("kubernetes_service_v1", "v1", "Service"),
    ("kubernetes_ingress", "networking.k8s.io/v1beta1", "Ingress"),
    ("kubernetes_ingress_v1", "networking.k8s.io/v1", "Ingress"),
    ("kubernetes_service_account", "v1", "ServiceAccount"),
    ("kubernetes_service_account_v1", "v1", "ServiceAccount"),
    ("kubernetes_role", "rbac.authorization.k8s.io/v1", "Role"),
    ("kubernetes_role_v1", "rbac.authorization.k8s.io/v1", "Role"),
    (
        "kubernetes_cluster_role",
        "rbac.authorization.k8s.io/v1",
        "ClusterRole",
    ),
    (
        "kubernetes_cluster_role_v1",
        "rbac.authorization.k8s.io/v1",
        "ClusterRole",
    ),
    (
        "kubernetes_role_binding",
        "rbac.authorization.k8s.io/v1",
        "RoleBinding",
    ),
    (
        "kubernetes_role_binding_v1",
        "rbac.authorization.k8s.io/v1",
        "RoleBinding",
    ),
    (
        "kubernetes_cluster_role_binding",
        "rbac.authorization.k8s.io/v1",
        "ClusterRoleBinding",
    ),
    (
        "kubernetes_cluster_role_binding_v1",
        "rbac.authorization.k8s.io/v1",
        "ClusterRoleBinding",
    ),
    (
        "kubernetes_network_policy",
        "networking.k8s.io/v1",
        "NetworkPolicy",
    ),
    (
        "kubernetes_network_policy_v1",
        "networking.k8s.io/v1",
        "NetworkPolicy",
    ),
    ("kubernetes_resource_quota", "v1", "ResourceQuota"),
    ("kubernetes_resource_quota_v1", "v1", "ResourceQuota"),
    ("kubernetes_limit_range", "v1", "LimitRange"),
    ("kubernetes_limit_range_v1", "v1", "LimitRange"),
    ("kubernetes_config_map", "v1", "ConfigMap"),
    ("kubernetes_config_map_v1", "v1", "ConfigMap"),
    ("kubernetes_secret", "v1", "Secret"),
    ("kubernetes_secret_v1", "v1", "Secret"),
    (
        "kubernetes_persistent_volume_claim",
        "v1",
        "PersistentVolumeClaim",
    ),
    (
        "kubernetes_persistent_volume_claim_v1",
        "v1",
        "PersistentVolumeClaim",
    ),
    (
        "kubernetes_pod_disruption_budget_v1",
        "policy/v1",
        "PodDisruptionBudget",
    ),
    (
        "kubernetes_pod_security_policy",
        "policy/v1beta1",
        "PodSecurityPolicy",
    ),
    (
        "kubernetes_pod_security_policy_v1beta1",
        "policy/v1beta1",
        "PodSecurityPolicy",
    ),
];

/// `(apiVersion, kind)` of a provider resource type.
pub fn resource_type(t: &str) -> Option<(&'static str, &'static str)> {
    RESOURCE_TYPES
        .iter()
        .find(|(r, _, _)| *r == t)
        .map(|(_, a, k)| (*a, *k))
}

/// Blocks the provider repeats where the object has a list, and the
/// list's name in the object.
const REPEATED: &[(&str, &str)] = &[
    ("container", "containers"),
    ("init_container", "initContainers"),
    ("volume", "volumes"),
    ("port", "ports"),
    ("env", "env"),
    ("env_from", "envFrom"),
    ("volume_mount", "volumeMounts"),
    ("volume_device", "volumeDevices"),
    ("rule", "rules"),
    ("subject", "subjects"),
    ("toleration", "tolerations"),
    ("image_pull_secrets", "imagePullSecrets"),
    ("image_pull_secret", "imagePullSecrets"),
    ("secret", "secrets"),
    ("host_aliases", "hostAliases"),
    ("limit", "limits"),
    ("ingress", "ingress"),
    ("egress", "egress"),
    ("from", "from"),
    ("to", "to"),
    ("ports", "ports"),
    ("match_expressions", "matchExpressions"),
    ("cluster_role_selectors", "clusterRoleSelectors"),
    ("sysctl", "sysctls"),
    ("items", "items"),
    ("http_header", "httpHeaders"),
    ("path", "paths"),
    ("tls", "tls"),
    ("topology_spread_constraint", "topologySpreadConstraints"),
    ("readiness_gate", "readinessGates"),
    ("volume_claim_template", "volumeClaimTemplates"),
    ("sources", "sources"),
    ("option", "options"),
];

/// Blocks that are objects in some places although repeated elsewhere:
/// `(parent object key, block)`.
const SINGLE_IN: &[(&str, &str)] = &[
    // Ingress backend: `service { port { number = 80 } }`
    ("service", "port"),
    // `projected { sources { secret { … } } }`, `volume { secret { … } }`
    ("sources", "secret"),
    ("volumes", "secret"),
    ("envFrom", "secret_ref"),
];

/// Attribute and block names whose camelCase form is not the mechanical one.
const RENAMES: &[(&str, &str)] = &[
    ("host_pid", "hostPID"),
    ("host_ipc", "hostIPC"),
    ("non_resource_urls", "nonResourceURLs"),
    ("cluster_ip", "clusterIP"),
    ("cluster_ips", "clusterIPs"),
    ("external_ips", "externalIPs"),
    ("load_balancer_ip", "loadBalancerIP"),
    ("pod_ip", "podIP"),
    ("host_ip", "hostIP"),
    ("fs_type", "fsType"),
    ("read_only", "readOnly"),
    ("tty", "tty"),
];

/// `run_as_non_root` → `runAsNonRoot` (with the provider's exceptions).
pub fn camel(name: &str) -> String {
    if let Some((_, to)) = RENAMES.iter().find(|(from, _)| *from == name) {
        return (*to).to_string();
    }
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `runAsNonRoot` → `run_as_non_root`: the provider's name of an object key
/// (the inverse of [`camel`]).
pub fn snake(key: &str) -> String {
    if let Some((from, _)) = RENAMES.iter().find(|(_, to)| *to == key) {
        return (*from).to_string();
    }
    let mut out = String::with_capacity(key.len() + 4);
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The repeated block that writes the object list `key` (`containers` →
/// `container`), if the provider writes it with blocks.
pub fn repeated_block(key: &str) -> Option<&'static str> {
    REPEATED.iter().find(|(_, k)| *k == key).map(|(b, _)| *b)
}

/// Object keys the provider takes as map attributes (`labels = { … }`),
/// not blocks.
pub fn is_map_attribute(key: &str) -> bool {
    matches!(
        key,
        "labels"
            | "annotations"
            | "limits"
            | "requests"
            | "hard"
            | "nodeSelector"
            | "data"
            | "binaryData"
            | "stringData"
            | "matchLabels"
    )
}

/// How a block of this name, inside an object at `parent`, appears in the
/// object: its key, and whether it is a list of blocks.
pub fn block(parent: &str, name: &str) -> (String, bool) {
    if SINGLE_IN.contains(&(parent, name)) {
        return (camel(name), false);
    }
    match REPEATED.iter().find(|(b, _)| *b == name) {
        Some((_, key)) => ((*key).to_string(), true),
        None => (camel(name), false),
    }
}

/// The provider types IntOrString fields (`port`, `target_port`) as
/// strings: `port = "8080"` is the number 8080 in the object (a name such
/// as `"http"` stays a string).
pub fn int_or_string(key: &str, n: &mut palisade_value::Node) {
    if !matches!(key, "port" | "targetPort") {
        return;
    }
    if let palisade_value::Value::Str(s) = &n.value
        && !s.is_empty()
        && s.bytes().all(|b| b.is_ascii_digit())
        && let Ok(i) = s.parse::<i64>()
    {
        n.value = palisade_value::Value::Int(i);
    }
}

/// Terraform meta-arguments and provider-only settings that are not part
/// of the Kubernetes object.
pub fn is_meta_argument(name: &str) -> bool {
    matches!(
        name,
        "count"
            | "for_each"
            | "depends_on"
            | "provider"
            | "lifecycle"
            | "timeouts"
            | "wait_for_rollout"
            | "wait_for_load_balancer"
            | "wait_for_default_service_account"
            | "wait_for_completion"
            | "wait_for_service_account_token"
            | "field_manager"
            | "computed_fields"
            | "wait"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(camel("run_as_non_root"), "runAsNonRoot");
        assert_eq!(camel("host_pid"), "hostPID");
        assert_eq!(camel("non_resource_urls"), "nonResourceURLs");
        assert_eq!(camel("metadata"), "metadata");
        assert_eq!(block("spec", "container"), ("containers".into(), true));
        assert_eq!(
            block("spec", "security_context"),
            ("securityContext".into(), false)
        );
        assert_eq!(block("service", "port"), ("port".into(), false));
        assert_eq!(block("spec", "port"), ("ports".into(), true));
        assert_eq!(
            resource_type("kubernetes_daemon_set_v1"),
            Some(("apps/v1", "DaemonSet"))
        );
        assert!(resource_type("aws_instance").is_none());
    }
}
