//! `palisade admission install`: the manifests that run the webhook.
//!
//! A CA and a serving certificate (rcgen) in a TLS Secret, the
//! configuration in a ConfigMap, a Deployment of at least two hardened
//! replicas spread across nodes with a PodDisruptionBudget, a Service, a
//! NetworkPolicy that admits only the webhook port, and the
//! ValidatingWebhookConfiguration (and, with mutation, the Mutating one)
//! with the CA bundle. The same as Terraform (kubernetes provider, with the
//! certificates from the `tls` provider so no key is written in the code).

use base64::Engine as _;
use serde_json::{Value as Json, json};

/// What to install.
#[derive(Debug, Clone)]
pub struct InstallOptions {
    pub namespace: String,
    pub replicas: u32,
    pub image: String,
    /// Also install the mutating webhook.
    pub mutate: bool,
    /// Let the webhook read its inventory (namespaces, Ingresses, …) from
    /// the cluster: a read-only ClusterRole, the service account token, and
    /// egress to the API server.
    pub cluster_inventory: bool,
    /// `Fail` or `Ignore`.
    pub failure_policy: String,
    pub timeout_seconds: u32,
    /// The webhook runs outside the cluster at this `https://` URL (a host
    /// the API server reaches): only the webhook configurations are
    /// installed, calling `URL/validate` and `URL/mutate`.
    pub url: Option<String>,
}

impl Default for InstallOptions {
    fn default() -> Self {
        Self {
            namespace: "palisade".into(),
            replicas: 2,
            image: format!(
                "ghcr.io/palisade-dev/palisade:{}",
                env!("CARGO_PKG_VERSION")
            ),
            mutate: false,
            cluster_inventory: false,
            failure_policy: "Ignore".into(),
            timeout_seconds: 5,
            url: None,
        }
    }
}

/// The PEM certificates and key.
#[derive(Debug, Clone)]
pub struct Certificates {
    pub ca_pem: String,
    pub cert_pem: String,
    pub key_pem: String,
}

const NAME: &str = "palisade-webhook";
const CONFIG: &str = "# palisade admission configuration (see the README)\nchecks:\n  severityModes: {critical: deny, high: deny, medium: warn, low: audit, info: \"off\"}\npss: {enforce: baseline, warn: restricted, audit: restricted}\nexemptions:\n  namespaces: [kube-system]\n";

/// What `cluster:` inventory reads (palisade-live's kinds; never Secrets).
const INVENTORY_RULES: &[(&str, &[&str])] = &[
    (
        "",
        &[
            "namespaces",
            "pods",
            "services",
            "serviceaccounts",
            "configmaps",
            "resourcequotas",
            "limitranges",
            "persistentvolumeclaims",
            "replicationcontrollers",
        ],
    ),
    (
        "apps",
        &["deployments", "statefulsets", "daemonsets", "replicasets"],
    ),
    ("batch", &["jobs", "cronjobs"]),
    ("networking.k8s.io", &["ingresses", "networkpolicies"]),
    (
        "rbac.authorization.k8s.io",
        &[
            "roles",
            "rolebindings",
            "clusterroles",
            "clusterrolebindings",
        ],
    ),
    ("policy", &["poddisruptionbudgets"]),
];

/// A CA and a serving certificate for the webhook Service's DNS names.
pub fn certificates(namespace: &str) -> Result<Certificates, String> {
    let names = vec![
        format!("{NAME}.{namespace}.svc"),
        format!("{NAME}.{namespace}.svc.cluster.local"),
    ];
    issue(
        "palisade webhook CA",
        &format!("{NAME}.{namespace}.svc"),
        names,
    )
}

/// The host of an `https://` webhook URL (a DNS name or an IP address,
/// without brackets): what its serving certificate must name.
pub fn url_host(url: &str) -> Result<String, String> {
    let uri: http::Uri = url.parse().map_err(|e| format!("{url}: {e}"))?;
    if uri.scheme_str() != Some("https") {
        return Err(format!("{url}: the webhook URL must be https://"));
    }
    uri.host()
        .map(|h| h.trim_start_matches('[').trim_end_matches(']').to_string())
        .filter(|h| !h.is_empty())
        .ok_or_else(|| format!("{url}: no host"))
}

/// A CA and a serving certificate for the host of a webhook URL (the
/// webhook outside the cluster, `--url`).
pub fn certificates_for_url(url: &str) -> Result<Certificates, String> {
    let host = url_host(url)?;
    issue("palisade webhook CA", &host, vec![host.clone()])
}

/// A fresh CA (`ca_cn`) and a certificate it signs for `cn` with the
/// subject alternative names `sans` (DNS names or IP addresses; none for a
/// client certificate).
pub fn issue(ca_cn: &str, cn: &str, sans: Vec<String>) -> Result<Certificates, String> {
    let e = |e: rcgen::Error| e.to_string();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(e)?;
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, ca_cn);
    ca_params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
    ];
    let ca_key = rcgen::KeyPair::generate().map_err(e)?;
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).map_err(e)?;
    let mut params = rcgen::CertificateParams::new(sans).map_err(e)?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, cn);
    let key = rcgen::KeyPair::generate().map_err(e)?;
    let cert = params.signed_by(&key, &ca).map_err(e)?;
    Ok(Certificates {
        ca_pem: ca.pem(),
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    })
}

fn labels() -> Json {
    json!({"app.kubernetes.io/name": NAME, "app.kubernetes.io/part-of": "palisade"})
}

/// The objects other than the TLS Secret and webhook configurations; their
/// CA bundle is a parameter (`caBundle` base64) so Terraform can fill it.
fn workload_objects(o: &InstallOptions) -> Vec<Json> {
    let ns = &o.namespace;
    let meta = |name: &str| json!({"name": name, "namespace": ns, "labels": labels()});
    let token = o.cluster_inventory;
    let config = if token {
        format!("{CONFIG}cluster: {{refreshSeconds: 60}}\n")
    } else {
        CONFIG.to_string()
    };
    let mut egress = vec![
        json!({"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
        "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]}),
    ];
    if token {
        // the API server's address is not known here: its usual ports
        egress.push(
            json!({"ports": [{"port": 443, "protocol": "TCP"}, {"port": 6443, "protocol": "TCP"}]}),
        );
    }
    let mut objects = vec![
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": {
            "pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/warn": "restricted",
            "pod-security.kubernetes.io/audit": "restricted"}}}),
        json!({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": meta(NAME),
            "spec": {"hard": {"pods": "10", "requests.cpu": "2", "requests.memory": "1Gi", "limits.cpu": "4", "limits.memory": "2Gi"}}}),
        json!({"apiVersion": "v1", "kind": "LimitRange", "metadata": meta(NAME),
            "spec": {"limits": [{"type": "Container", "default": {"cpu": "500m", "memory": "256Mi"}, "defaultRequest": {"cpu": "50m", "memory": "64Mi"}}]}}),
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta(NAME), "automountServiceAccountToken": token}),
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta("palisade-config"), "data": {"config.yaml": config}}),
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta(NAME), "spec": {
            "replicas": o.replicas.max(2),
            "selector": {"matchLabels": labels()},
            "template": {"metadata": {"labels": labels()}, "spec": {
                "serviceAccountName": NAME,
                "automountServiceAccountToken": token,
                "securityContext": {"runAsNonRoot": true, "runAsUser": 65532, "runAsGroup": 65532,
                    "seccompProfile": {"type": "RuntimeDefault"}},
                "affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
                    {"weight": 100, "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname",
                        "labelSelector": {"matchLabels": labels()}}}]}},
                "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
                    "whenUnsatisfiable": "ScheduleAnyway", "labelSelector": {"matchLabels": labels()}}],
                "containers": [{
                    "name": "webhook",
                    "image": o.image,
                    "imagePullPolicy": "IfNotPresent",
                    "args": ["admission", "serve", "--config", "/etc/palisade/config.yaml",
                        "--tls-cert", "/etc/palisade/tls/tls.crt", "--tls-key", "/etc/palisade/tls/tls.key",
                        "--addr", "0.0.0.0:8443"],
                    "ports": [{"name": "https", "containerPort": 8443}],
                    "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true,
                        "runAsNonRoot": true, "capabilities": {"drop": ["ALL"]}},
                    // 256Mi holds the worst case the default limits allow
                    // (config::Limits; docs/admission.md, "Limits"): ~37 MB
                    // idle + the reviews in flight, bodies of at most 3 MiB
                    // together at up to ~43x (~175 MB) + 512 connections
                    // at ~45 KB (23 MB) ≈ 235 MB. One CPU: one decision
                    // thread, whose freed memory the next decision reuses.
                    "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": "1", "memory": "256Mi"}},
                    "readinessProbe": {"httpGet": {"path": "/readyz", "port": 8443, "scheme": "HTTPS"}, "periodSeconds": 5},
                    "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8443, "scheme": "HTTPS"}, "periodSeconds": 10},
                    "volumeMounts": [
                        {"name": "tls", "mountPath": "/etc/palisade/tls", "readOnly": true},
                        {"name": "config", "mountPath": "/etc/palisade/config.yaml", "subPath": "config.yaml", "readOnly": true}]
                }],
                "volumes": [
                    {"name": "tls", "secret": {"secretName": "palisade-webhook-tls"}},
                    {"name": "config", "configMap": {"name": "palisade-config"}}]
            }}
        }}),
        json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": meta(NAME),
            "spec": {"minAvailable": 1, "selector": {"matchLabels": labels()}}}),
        json!({"apiVersion": "v1", "kind": "Service", "metadata": meta(NAME), "spec": {
            "selector": labels(), "ports": [{"name": "https", "port": 443, "targetPort": 8443}]}}),
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": meta(NAME), "spec": {
            "podSelector": {"matchLabels": labels()},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [{"ports": [{"port": 8443, "protocol": "TCP"}]}],
            "egress": egress}}),
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": meta("default-deny"), "spec": {
            "podSelector": {}, "policyTypes": ["Ingress", "Egress"]}}),
    ];
    if token {
        let rules: Vec<Json> = INVENTORY_RULES
            .iter()
            .map(|(g, r)| json!({"apiGroups": [g], "resources": r, "verbs": ["get", "list"]}))
            .collect();
        objects.push(json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": "palisade-webhook-inventory", "labels": labels()}, "rules": rules}));
        objects.push(json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": {"name": "palisade-webhook-inventory", "labels": labels()},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "palisade-webhook-inventory"},
            "subjects": [{"kind": "ServiceAccount", "name": NAME, "namespace": ns}]}));
    }
    objects
}

fn webhook(o: &InstallOptions, name: &str, path: &str, ca_bundle: &str) -> Json {
    json!({
        "name": name,
        "admissionReviewVersions": ["v1", "v1beta1"],
        "clientConfig": client_config(o, path, ca_bundle),
        "rules": [{"operations": ["CREATE", "UPDATE"], "apiGroups": ["*"], "apiVersions": ["*"],
            "resources": ["*"], "scope": "*"}],
        // Ignore keeps the cluster writable if every replica is down (the
        // Deployment runs several with a PodDisruptionBudget); Fail closes
        // that gap and blocks all writes outside the excluded namespaces
        // while the webhook is unreachable.
        "failurePolicy": o.failure_policy,
        "matchPolicy": "Equivalent",
        "sideEffects": "None",
        "timeoutSeconds": o.timeout_seconds,
        "namespaceSelector": {"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "NotIn",
            "values": ["kube-system", o.namespace]}]}
    })
}

fn client_config(o: &InstallOptions, path: &str, ca_bundle: &str) -> Json {
    match &o.url {
        Some(url) => {
            json!({"url": format!("{}{path}", url.trim_end_matches('/')), "caBundle": ca_bundle})
        }
        None => {
            json!({"service": {"name": NAME, "namespace": o.namespace, "path": path, "port": 443},
            "caBundle": ca_bundle})
        }
    }
}

fn webhook_configs(o: &InstallOptions, ca_bundle: &str) -> Vec<Json> {
    let mut v = vec![
        json!({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
        "metadata": {"name": "palisade", "labels": labels()},
        "webhooks": [webhook(o, "validate.palisade.dev", "/validate", ca_bundle)]}),
    ];
    if o.mutate {
        let mut w = webhook(o, "mutate.palisade.dev", "/mutate", ca_bundle);
        w["reinvocationPolicy"] = json!("IfNeeded");
        v.push(json!({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "MutatingWebhookConfiguration",
            "metadata": {"name": "palisade", "labels": labels()},
            "webhooks": [w]}));
    }
    v
}

/// Every manifest, as a multi-document YAML stream. With `url` set (the
/// webhook outside the cluster) only the webhook configurations.
pub fn manifests(o: &InstallOptions, certs: &Certificates) -> String {
    if let Some(url) = &o.url {
        let b64 = base64::engine::general_purpose::STANDARD.encode(&certs.ca_pem);
        let mut out = format!(
            "# palisade admission webhook outside the cluster, at {url}\n\
             # generated by `palisade admission install --url`; run the webhook where the API server reaches it:\n\
             #   palisade admission serve --tls-cert tls.crt --tls-key tls.key --addr HOST:PORT\n"
        );
        for obj in webhook_configs(o, &b64) {
            out.push_str("---\n");
            out.push_str(&palisade_emit::yaml::to_string(&obj));
        }
        return out;
    }
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let mut objects = workload_objects(o);
    objects.insert(
        5,
        // the key is a credential in the file, and palisade says so: it is
        // accepted here, with the reason, so a scan of this file lists it
        // as suppressed rather than failing on it
        json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
            "metadata": {"name": "palisade-webhook-tls", "namespace": o.namespace, "labels": labels(),
                "annotations": {
                    palisade_checks::engine::IGNORE_ANNOTATION: "kubernetes-secret-data",
                    palisade_checks::engine::IGNORE_REASON_ANNOTATION: "the webhook's serving key, generated by palisade admission install: apply this file, do not commit it (or let cert-manager issue the certificate)",
                }},
            "data": {"tls.crt": b64(&certs.cert_pem), "tls.key": b64(&certs.key_pem), "ca.crt": b64(&certs.ca_pem)}}),
    );
    objects.extend(webhook_configs(o, &b64(&certs.ca_pem)));
    let mut out =
        String::from("# palisade admission webhook — generated by `palisade admission install`\n");
    for obj in objects {
        out.push_str("---\n");
        out.push_str(&palisade_emit::yaml::to_string(&obj));
    }
    out
}

/// The same as Terraform: `kubernetes_manifest` resources, and the
/// certificates from the `tls` provider (the private key stays in state,
/// never in the code).
pub fn terraform(o: &InstallOptions) -> String {
    use palisade_emit::terraform::{Block, expression, resource};
    let ns = &o.namespace;
    let key = |name: &str| {
        resource("tls_private_key", name)
            .add_attribute(("algorithm", "ECDSA"))
            .add_attribute(("ecdsa_curve", "P256"))
            .build()
    };
    let strings = |v: &[&str]| {
        palisade_emit::terraform::Expression::Array(v.iter().map(|s| (*s).into()).collect())
    };
    let service = format!("{NAME}.{ns}.svc");
    let mut blocks: Vec<(String, Block)> = vec![
        (
            "palisade admission webhook — generated by `palisade admission install --format terraform`"
                .into(),
            Block::builder("terraform")
                .add_block(
                    Block::builder("required_providers")
                        .add_attribute((
                            "kubernetes",
                            palisade_emit::terraform::string_map([("source", "hashicorp/kubernetes")]),
                        ))
                        .add_attribute((
                            "tls",
                            palisade_emit::terraform::string_map([("source", "hashicorp/tls")]),
                        ))
                        .build(),
                )
                .build(),
        ),
        (String::new(), key("ca")),
        (
            String::new(),
            resource("tls_self_signed_cert", "ca")
                .add_attribute(("private_key_pem", expression("tls_private_key.ca.private_key_pem")))
                .add_attribute(("is_ca_certificate", true))
                .add_attribute(("validity_period_hours", 87600))
                .add_attribute(("allowed_uses", strings(&["cert_signing", "crl_signing"])))
                .add_block(
                    Block::builder("subject")
                        .add_attribute(("common_name", "palisade webhook CA"))
                        .build(),
                )
                .build(),
        ),
        (String::new(), key("webhook")),
        (
            String::new(),
            resource("tls_cert_request", "webhook")
                .add_attribute((
                    "private_key_pem",
                    expression("tls_private_key.webhook.private_key_pem"),
                ))
                .add_attribute((
                    "dns_names",
                    strings(&[&service, &format!("{service}.cluster.local")]),
                ))
                .add_block(
                    Block::builder("subject")
                        .add_attribute(("common_name", service.as_str()))
                        .build(),
                )
                .build(),
        ),
        (
            String::new(),
            resource("tls_locally_signed_cert", "webhook")
                .add_attribute((
                    "cert_request_pem",
                    expression("tls_cert_request.webhook.cert_request_pem"),
                ))
                .add_attribute((
                    "ca_private_key_pem",
                    expression("tls_private_key.ca.private_key_pem"),
                ))
                .add_attribute(("ca_cert_pem", expression("tls_self_signed_cert.ca.cert_pem")))
                .add_attribute(("validity_period_hours", 8760))
                .add_attribute((
                    "allowed_uses",
                    strings(&["digital_signature", "key_encipherment", "server_auth"]),
                ))
                .build(),
        ),
    ];
    // the certificates' PEM, base64-encoded by Terraform
    const CERT: &str = "${base64encode(tls_locally_signed_cert.webhook.cert_pem)}";
    const KEY: &str = "${base64encode(tls_private_key.webhook.private_key_pem)}";
    const CA: &str = "${base64encode(tls_self_signed_cert.ca.cert_pem)}";
    let mut objects = workload_objects(o);
    objects.insert(
        5,
        json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
            "metadata": {"name": "palisade-webhook-tls", "namespace": ns, "labels": labels()},
            "data": {"tls.crt": CERT, "tls.key": KEY, "ca.crt": CA}}),
    );
    objects.extend(webhook_configs(o, CA));
    let ours = |s: &str| s == CERT || s == KEY || s == CA;
    for obj in objects {
        let kind = obj["kind"].as_str().unwrap_or("object").to_lowercase();
        let name = obj
            .pointer("/metadata/name")
            .and_then(Json::as_str)
            .unwrap_or("x")
            .replace(['-', '.'], "_");
        blocks.push((
            String::new(),
            resource("kubernetes_manifest", &format!("{kind}_{name}"))
                .add_attribute(("manifest", palisade_emit::terraform::value(&obj, &ours)))
                .build(),
        ));
    }
    palisade_emit::terraform::blocks(blocks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_installed_configuration_loads() {
        for cluster_inventory in [false, true] {
            let o = InstallOptions {
                cluster_inventory,
                ..Default::default()
            };
            let objects = workload_objects(&o);
            let cm = objects.iter().find(|x| x["kind"] == "ConfigMap").unwrap();
            let c =
                crate::Config::parse(cm["data"]["config.yaml"].as_str().unwrap(), "config.yaml")
                    .unwrap();
            assert_eq!(c.cluster.is_some(), cluster_inventory);
            assert_eq!(
                objects.iter().any(|x| x["kind"] == "ClusterRole"),
                cluster_inventory
            );
        }
    }

    #[test]
    fn certificates_chain_to_the_ca() {
        let c = certificates("palisade").unwrap();
        assert!(c.ca_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(c.cert_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(c.key_pem.contains("PRIVATE KEY"));
        assert_ne!(c.ca_pem, c.cert_pem);
    }
}
