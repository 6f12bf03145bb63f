//! The live cluster as a source, read-only.
//!
//! Lists every kind the analyzers need, once, through kube-rs (kubeconfig
//! with its contexts and exec plugins, or the in-cluster service account):
//! * API discovery first, so kinds the server does not serve are skipped;
//! * pages of `limit` objects followed with `continue` tokens;
//! * a timeout per request; 429 and 5xx answers retried with back-off;
//! * a kind the credentials may not list is skipped with a warning naming
//!   the missing permission, and the rest is read;
//! * a kind whose list fails otherwise (the server stopped answering, a
//!   garbled answer) is an input error naming it, and the rest is read;
//! * Secrets are never listed: palisade does not need their values.
//!
//! What was read can be written as a YAML `List` ([`to_yaml_list`]) that
//! `palisade scan` reads back, so a live scan can be reproduced offline.

#[cfg(any(test, feature = "testserver"))]
pub mod testserver;
mod yaml;

pub use yaml::to_yaml_list;

use palisade_findings::InputError;
use palisade_model::{Object, ObjectOptions, object_from_node};
use palisade_value::Node;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// How to reach the cluster.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    /// A kubeconfig file (default: `$KUBECONFIG`, `~/.kube/config`, or the
    /// in-cluster service account).
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    /// Only this namespace (cluster-scoped kinds are still read).
    pub namespace: Option<String>,
    pub timeout: Duration,
    /// Attempts for 429/5xx and transport errors.
    pub attempts: u32,
    pub page_size: u32,
    /// Show a progress bar on stderr.
    pub progress: bool,
}

impl Default for LiveOptions {
    fn default() -> Self {
        Self {
            kubeconfig: None,
            context: None,
            namespace: None,
            timeout: Duration::from_secs(30),
            attempts: 4,
            page_size: 500,
            progress: false,
        }
    }
}

/// A kind palisade reads: `(group, version, plural, kind, namespaced)`.
pub const KINDS: &[(&str, &str, &str, &str, bool)] = &[
    ("", "v1", "namespaces", "Namespace", false),
    ("", "v1", "pods", "Pod", true),
    ("", "v1", "services", "Service", true),
    ("", "v1", "serviceaccounts", "ServiceAccount", true),
    ("", "v1", "configmaps", "ConfigMap", true),
    ("", "v1", "resourcequotas", "ResourceQuota", true),
    ("", "v1", "limitranges", "LimitRange", true),
    (
        "",
        "v1",
        "persistentvolumeclaims",
        "PersistentVolumeClaim",
        true,
    ),
    (
        "",
        "v1",
        "replicationcontrollers",
        "ReplicationController",
        true,
    ),
    ("apps", "v1", "deployments", "Deployment", true),
    ("apps", "v1", "statefulsets", "StatefulSet", true),
    ("apps", "v1", "daemonsets", "DaemonSet", true),
    ("apps", "v1", "replicasets", "ReplicaSet", true),
    ("batch", "v1", "jobs", "Job", true),
    ("batch", "v1", "cronjobs", "CronJob", true),
    ("networking.k8s.io", "v1", "ingresses", "Ingress", true),
    (
        "networking.k8s.io",
        "v1",
        "networkpolicies",
        "NetworkPolicy",
        true,
    ),
    ("rbac.authorization.k8s.io", "v1", "roles", "Role", true),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "rolebindings",
        "RoleBinding",
        true,
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "clusterroles",
        "ClusterRole",
        false,
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "clusterrolebindings",
        "ClusterRoleBinding",
        false,
    ),
    (
        "policy",
        "v1",
        "poddisruptionbudgets",
        "PodDisruptionBudget",
        true,
    ),
    (
        "admissionregistration.k8s.io",
        "v1",
        "validatingwebhookconfigurations",
        "ValidatingWebhookConfiguration",
        false,
    ),
    (
        "admissionregistration.k8s.io",
        "v1",
        "mutatingwebhookconfigurations",
        "MutatingWebhookConfiguration",
        false,
    ),
];

/// What was read.
#[derive(Debug, Default)]
pub struct Fetched {
    pub objects: Vec<Object>,
    /// The objects as the server returned them (for `--dump`).
    pub raw: Vec<serde_json::Value>,
    /// Kinds skipped (not served, or not permitted), and why.
    pub warnings: Vec<String>,
    /// The kinds listed completely (Secrets never are).
    pub read_kinds: Vec<&'static str>,
    /// Objects that could not be read.
    pub errors: Vec<InputError>,
    /// The context read from.
    pub context: String,
    /// The server's Kubernetes version (`/version`: `1.37`), when it says.
    pub server_version: Option<String>,
}

/// Why the cluster could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveError(pub String);

impl std::fmt::Display for LiveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LiveError {}

/// Reads the cluster (blocking; runs its own runtime).
pub fn fetch(opts: &LiveOptions) -> Result<Fetched, LiveError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| LiveError(format!("cannot start the I/O runtime: {e}")))?;
    rt.block_on(fetch_async(opts))
}

async fn client(opts: &LiveOptions) -> Result<(kube::Client, String), LiveError> {
    use kube::config::{Config, KubeConfigOptions, Kubeconfig};
    let kopts = KubeConfigOptions {
        context: opts.context.clone(),
        ..Default::default()
    };
    let mut config = match &opts.kubeconfig {
        Some(path) => {
            let kc = Kubeconfig::read_from(path)
                .map_err(|e| LiveError(format!("{}: {e}", path.display())))?;
            Config::from_custom_kubeconfig(kc, &kopts)
                .await
                .map_err(|e| LiveError(format!("{}: {e}", path.display())))?
        }
        None if opts.context.is_some() => Config::from_kubeconfig(&kopts)
            .await
            .map_err(|e| LiveError(format!("kubeconfig: {e}")))?,
        None => Config::infer()
            .await
            .map_err(|e| LiveError(format!("no cluster configuration: {e}")))?,
    };
    config.connect_timeout = Some(opts.timeout);
    config.read_timeout = Some(opts.timeout);
    config.write_timeout = Some(opts.timeout);
    let name = opts
        .context
        .clone()
        .unwrap_or_else(|| config.cluster_url.to_string());
    let client = kube::Client::try_from(config)
        .map_err(|e| LiveError(format!("cannot create a client: {e}")))?;
    Ok((client, name))
}

/// An error with its causes, and a plain sentence for timeouts.
fn describe(e: &kube::Error, opts: &LiveOptions) -> String {
    let mut chain = vec![e.to_string()];
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        let text = c.to_string();
        if !chain.iter().any(|m| m.contains(&text)) {
            chain.push(text);
        }
        cause = c.source();
    }
    let timed_out = chain
        .iter()
        .any(|m| m.to_ascii_lowercase().contains("timed out") || m.contains("elapsed"));
    if timed_out {
        return format!(
            "no answer within {} s (raise --request-timeout)",
            opts.timeout.as_secs_f64()
        );
    }
    chain.join(": ")
}

fn retryable(e: &kube::Error) -> bool {
    match e {
        kube::Error::Api(s) => s.code == 429 || s.code >= 500,
        kube::Error::HyperError(_) | kube::Error::Service(_) => true,
        _ => false,
    }
}

async fn get_json(
    client: &kube::Client,
    url: &str,
    opts: &LiveOptions,
) -> Result<serde_json::Value, kube::Error> {
    let mut delay = Duration::from_millis(200);
    let mut attempt = 1;
    loop {
        let req = http::Request::get(url)
            .body(Vec::new())
            .expect("valid request");
        match client.request::<serde_json::Value>(req).await {
            Ok(v) => return Ok(v),
            Err(e) if attempt < opts.attempts && retryable(&e) => {
                tokio::time::sleep(delay).await;
                delay *= 2;
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

/// The group/versions the server serves.
async fn served(client: &kube::Client, opts: &LiveOptions) -> Result<Vec<String>, LiveError> {
    let mut out = Vec::new();
    let core = get_json(client, "/api", opts).await.map_err(|e| {
        LiveError(format!(
            "API discovery (/api) failed: {}",
            describe(&e, opts)
        ))
    })?;
    for v in core["versions"].as_array().into_iter().flatten() {
        if let Some(v) = v.as_str() {
            out.push(v.to_string());
        }
    }
    let groups = get_json(client, "/apis", opts).await.map_err(|e| {
        LiveError(format!(
            "API discovery (/apis) failed: {}",
            describe(&e, opts)
        ))
    })?;
    for g in groups["groups"].as_array().into_iter().flatten() {
        for v in g["versions"].as_array().into_iter().flatten() {
            if let Some(gv) = v["groupVersion"].as_str() {
                out.push(gv.to_string());
            }
        }
    }
    Ok(out)
}

fn permission_hint(group: &str, plural: &str, namespace: Option<&str>) -> String {
    let g = if group.is_empty() { "core" } else { group };
    match namespace {
        Some(ns) => format!("grant `list` on {plural} ({g}) in namespace {ns}"),
        None => format!("grant `list` on {plural} ({g}) cluster-wide"),
    }
}

async fn fetch_async(opts: &LiveOptions) -> Result<Fetched, LiveError> {
    let (client, context) = client(opts).await?;
    let served = served(&client, opts).await?;
    let mut out = Fetched {
        context: context.clone(),
        ..Default::default()
    };
    // `major.minor` as the server reports it (`1`, `37+` on some vendors;
    // `palisade_model::kinds::kubernetes_minor` reads both)
    if let Ok(v) = get_json(&client, "/version", opts).await
        && let (Some(major), Some(minor)) = (v["major"].as_str(), v["minor"].as_str())
    {
        out.server_version = Some(format!("{major}.{minor}"));
    }
    let bar = if opts.progress {
        let b = indicatif::ProgressBar::new(KINDS.len() as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Some(b)
    } else {
        None
    };
    let object_opts = ObjectOptions::default();
    for (group, version, plural, kind, namespaced) in KINDS {
        if let Some(b) = &bar {
            b.set_message(format!("listing {plural}"));
            b.inc(1);
        }
        let gv = if group.is_empty() {
            version.to_string()
        } else {
            format!("{group}/{version}")
        };
        if !served.contains(&gv) {
            out.warnings.push(format!(
                "{plural}: {gv} is not served by this cluster; skipped"
            ));
            continue;
        }
        let prefix = if group.is_empty() {
            format!("/api/{version}")
        } else {
            format!("/apis/{group}/{version}")
        };
        let ns = if *namespaced {
            opts.namespace.as_deref()
        } else {
            None
        };
        let base = match ns {
            Some(n) => format!("{prefix}/namespaces/{n}/{plural}"),
            None => format!("{prefix}/{plural}"),
        };
        let mut token: Option<String> = None;
        loop {
            let mut url = format!("{base}?limit={}", opts.page_size);
            if let Some(t) = &token {
                url.push_str("&continue=");
                url.push_str(&percent_encode(t));
            }
            let page = match get_json(&client, &url, opts).await {
                Ok(p) => p,
                Err(kube::Error::Api(s)) if s.code == 403 => {
                    out.warnings.push(format!(
                        "{plural}: forbidden ({}); skipped — {}",
                        s.message,
                        permission_hint(group, plural, ns)
                    ));
                    break;
                }
                Err(kube::Error::Api(s)) if s.code == 404 => {
                    out.warnings
                        .push(format!("{plural}: not found on this server; skipped"));
                    break;
                }
                // Anything else, after the retries, is a cluster that stopped
                // answering or answered garbage: an input error (exit 2),
                // so a partial read never passes for a clean one; the
                // kinds read still go to the analyzers.
                Err(e) => {
                    out.errors.push(InputError {
                        file: format!("cluster:{plural}"),
                        line: 0,
                        column: 0,
                        message: format!(
                            "listing {plural} failed after {} attempt{}: {}; {plural} not scanned",
                            opts.attempts,
                            if opts.attempts == 1 { "" } else { "s" },
                            describe(&e, opts)
                        ),
                    });
                    break;
                }
            };
            for item in page["items"].as_array().into_iter().flatten() {
                let mut item = item.clone();
                // list items carry no apiVersion/kind
                if let Some(m) = item.as_object_mut() {
                    m.insert("apiVersion".into(), gv.clone().into());
                    m.insert("kind".into(), (*kind).into());
                    if let Some(meta) = m.get_mut("metadata").and_then(|x| x.as_object_mut()) {
                        meta.remove("managedFields");
                    }
                }
                let name = item["metadata"]["name"].as_str().unwrap_or("?").to_string();
                let namespace = item["metadata"]["namespace"].as_str().map(str::to_string);
                let file: Arc<str> = Arc::from(match &namespace {
                    Some(n) => format!("cluster:{kind}/{n}/{name}"),
                    None => format!("cluster:{kind}/{name}"),
                });
                match object_from_node(Node::from_json(&item), &file, &object_opts) {
                    Ok(o) => {
                        out.errors.extend(o.problems.iter().map(|e| InputError {
                            file: file.to_string(),
                            line: 0,
                            column: 0,
                            message: e.message.clone(),
                        }));
                        out.objects.push(o)
                    }
                    Err(e) => out.errors.push(InputError {
                        file: file.to_string(),
                        line: 0,
                        column: 0,
                        message: e.message,
                    }),
                }
                out.raw.push(item);
            }
            token = page["metadata"]["continue"]
                .as_str()
                .filter(|t| !t.is_empty())
                .map(str::to_string);
            if token.is_none() {
                out.read_kinds.push(kind);
                break;
            }
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    Ok(out)
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests;
