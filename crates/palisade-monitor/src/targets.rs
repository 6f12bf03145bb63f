//! What must be watched, from the model: every workload of the inventory
//! with the names its series carry in kube-state-metrics and the kubelet
//! (pods, containers, volume claims, Services), which of them are business
//! critical and why, and the certificates cert-manager renews.

use crate::promql::regex_escape;
use palisade_model::{Model, Object, Typed};
use std::collections::{BTreeMap, BTreeSet};

/// What makes a workload business critical.
#[derive(Debug, Clone)]
pub struct CriticalOptions {
    /// `KEY=VALUE` labels (or annotations) on the workload, its pods or its
    /// namespace that mark it critical.
    pub labels: Vec<(String, String)>,
    /// Workloads reachable from outside the cluster (an Ingress route, a
    /// NodePort or LoadBalancer Service) are critical.
    pub exposed: bool,
    /// Data stores (StatefulSets and workloads that mount a volume claim)
    /// are critical.
    pub data_stores: bool,
}

/// The default marker: `palisade.dev/critical: "true"`.
pub const DEFAULT_CRITICAL_LABEL: (&str, &str) = ("palisade.dev/critical", "true");

impl Default for CriticalOptions {
    fn default() -> Self {
        CriticalOptions {
            labels: vec![(
                DEFAULT_CRITICAL_LABEL.0.to_string(),
                DEFAULT_CRITICAL_LABEL.1.to_string(),
            )],
            exposed: true,
            data_stores: true,
        }
    }
}

impl CriticalOptions {
    /// Parses `KEY=VALUE`.
    pub fn parse_label(s: &str) -> Result<(String, String), String> {
        match s.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => {
                Ok((k.trim().to_string(), v.trim().to_string()))
            }
            _ => Err(format!("{s:?}: expected KEY=VALUE")),
        }
    }
}

/// A persistent volume claim a workload uses: one claim, or the claims a
/// StatefulSet's `volumeClaimTemplates` entry makes (`TEMPLATE-SET-0`, …).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Claim {
    /// The claim name, or the template name.
    pub name: String,
    /// Fully anchored regular expression of the claim names.
    pub pattern: String,
    /// A claim name the pattern matches.
    pub sample: String,
}

/// A workload to watch.
#[derive(Debug, Clone)]
pub struct Target {
    pub namespace: String,
    pub kind: String,
    pub name: String,
    /// `app.kubernetes.io/name`, `app` or `k8s-app`.
    pub app: Option<String>,
    pub containers: Vec<String>,
    pub images: Vec<String>,
    /// Services that select its pods.
    pub services: Vec<String>,
    /// From the inventory: Services, Ingress routes, host network and ports.
    pub exposure: Vec<String>,
    pub claims: Vec<Claim>,
    /// Why it is business critical; empty when it is not.
    pub critical: Vec<String>,
    pub long_running: bool,
    pub replicas: Option<i32>,
    /// `file:line`.
    pub location: String,
}

impl Target {
    /// `namespace/Kind/name`.
    pub fn id(&self) -> String {
        format!("{}/{}/{}", self.namespace, self.kind, self.name)
    }

    pub fn is_critical(&self) -> bool {
        !self.critical.is_empty()
    }

    /// Fully anchored regular expression of its pods' names, as the
    /// controllers generate them.
    pub fn pod_pattern(&self) -> String {
        let n = regex_escape(&self.name);
        match self.kind.as_str() {
            // NAME-<pod-template-hash>-<5 random>
            "Deployment" => format!("{n}-[a-z0-9]{{1,10}}-[a-z0-9]{{5}}"),
            "StatefulSet" => format!("{n}-[0-9]+"),
            // NAME-<scheduled minute>-<5 random>
            "CronJob" => format!("{n}-[0-9]+-[a-z0-9]{{5}}"),
            // indexed Jobs put the index before the random part
            "Job" => format!("{n}-([0-9]+-)?[a-z0-9]{{5}}"),
            "DaemonSet" | "ReplicaSet" | "ReplicationController" => {
                format!("{n}-[a-z0-9]{{5}}")
            }
            _ => n,
        }
    }

    /// A pod name the controller could give one of its pods.
    pub fn sample_pod(&self) -> String {
        let n = &self.name;
        match self.kind.as_str() {
            "Deployment" => format!("{n}-5d8f7c9b6b-x7k2p"),
            "StatefulSet" => format!("{n}-0"),
            "CronJob" => format!("{n}-28912345-x7k2p"),
            "Job" | "DaemonSet" | "ReplicaSet" | "ReplicationController" => {
                format!("{n}-x7k2p")
            }
            _ => n.clone(),
        }
    }

    /// The `job_name` of its Jobs (the Job, or a CronJob's runs).
    pub fn job_pattern(&self) -> Option<String> {
        let n = regex_escape(&self.name);
        match self.kind.as_str() {
            "Job" => Some(n),
            "CronJob" => Some(format!("{n}-[0-9]+")),
            _ => None,
        }
    }
}

/// A certificate cert-manager issues and exports metrics for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Certificate {
    pub namespace: String,
    /// The Certificate's name (for ingress-shim, the TLS secret's name).
    pub name: String,
    /// What asks for it: `Certificate shop/x`, `Ingress shop/shop`.
    pub source: String,
}

/// Everything to watch.
#[derive(Debug, Clone, Default)]
pub struct Survey {
    pub targets: Vec<Target>,
    pub certificates: Vec<Certificate>,
    /// Claims no workload of the input mounts (namespace, claim).
    pub unmounted_claims: Vec<(String, String)>,
    /// Things that cannot be watched with standard metrics, said once each.
    pub notes: Vec<String>,
    /// Namespaces of the input.
    pub namespaces: Vec<String>,
}

fn marked(
    labels: &BTreeMap<String, String>,
    annotations: &BTreeMap<String, String>,
    key: &str,
    value: &str,
) -> bool {
    labels
        .get(key)
        .or_else(|| annotations.get(key))
        .map(String::as_str)
        == Some(value)
}

/// Exposure lines that mean traffic from outside the cluster.
fn external(exposure: &str) -> bool {
    exposure.starts_with("Ingress ")
        || (exposure.starts_with("Service ")
            && exposure
                .split_whitespace()
                .nth(2)
                .is_some_and(|t| t == "NodePort" || t == "LoadBalancer"))
}

fn claim_templates(o: &Object) -> Vec<Claim> {
    let Typed::StatefulSet(s) = &o.typed else {
        return Vec::new();
    };
    s.spec
        .volume_claim_templates
        .iter()
        .flatten()
        .filter_map(|t| t.metadata.name.clone())
        .map(|t| Claim {
            pattern: format!("{}-{}-[0-9]+", regex_escape(&t), regex_escape(&o.name)),
            sample: format!("{t}-{}-0", o.name),
            name: t,
        })
        .collect()
}

/// Surveys `model`: its workloads (as the inventory lists them), which are
/// critical, and cert-manager's certificates.
pub fn survey(model: &Model, critical: &CriticalOptions) -> Survey {
    let inv = palisade_inventory::inventory(model);
    let mut objects: BTreeMap<(String, String, String), &Object> = BTreeMap::new();
    for (o, _) in model.workloads() {
        objects.insert(
            (
                o.namespace.clone().unwrap_or_default(),
                o.reference.kind.clone(),
                o.reference.name.clone(),
            ),
            o,
        );
    }
    let mut mounted: BTreeSet<(String, String)> = BTreeSet::new();
    let mut targets = Vec::new();
    for w in &inv.workloads {
        let Some(o) = objects
            .get(&(w.namespace.clone(), w.kind.clone(), w.name.clone()))
            .copied()
        else {
            continue;
        };
        let mut claims: Vec<Claim> = w
            .mounts
            .pvcs
            .iter()
            .map(|c| Claim {
                name: c.clone(),
                pattern: regex_escape(c),
                sample: c.clone(),
            })
            .collect();
        for c in &w.mounts.pvcs {
            mounted.insert((w.namespace.clone(), c.clone()));
        }
        claims.extend(claim_templates(o));
        claims.sort();
        claims.dedup();
        let mut why = Vec::new();
        let template = o.pod_template();
        let pod_labels = template
            .and_then(|t| t.labels())
            .cloned()
            .unwrap_or_default();
        let pod_annotations = template
            .and_then(|t| t.annotations())
            .cloned()
            .unwrap_or_default();
        let ns_object = model.namespace_object(&w.namespace);
        for (k, v) in &critical.labels {
            if marked(&o.labels, &o.annotations, k, v)
                || marked(&pod_labels, &pod_annotations, k, v)
            {
                why.push(format!("{k}={v}"));
            } else if let Some(n) = ns_object
                && marked(&n.labels, &n.annotations, k, v)
            {
                why.push(format!("namespace {k}={v}"));
            }
        }
        if critical.exposed
            && let Some(e) = w.exposure.iter().find(|e| external(e))
        {
            why.push(format!("exposed: {e}"));
        }
        if critical.data_stores {
            if o.kind == "StatefulSet" {
                why.push("data store: StatefulSet".to_string());
            } else if let Some(c) = w.mounts.pvcs.first() {
                why.push(format!("data store: mounts claim {c}"));
            }
        }
        let services: BTreeSet<String> = w
            .exposure
            .iter()
            .filter_map(|e| e.strip_prefix("Service "))
            .filter_map(|e| e.split_whitespace().next())
            .map(String::from)
            .collect();
        targets.push(Target {
            namespace: w.namespace.clone(),
            kind: w.kind.clone(),
            name: w.name.clone(),
            app: w.app.clone(),
            containers: w
                .containers
                .iter()
                .filter(|c| c.kind != "ephemeral")
                .map(|c| c.name.clone())
                .collect(),
            images: w
                .containers
                .iter()
                .filter_map(|c| c.image.as_ref().map(|i| i.repository.clone()))
                .collect(),
            services: services.into_iter().collect(),
            exposure: w.exposure.clone(),
            claims,
            critical: why,
            long_running: o.is_long_running(),
            replicas: w.replicas,
            location: w.location.clone(),
        });
    }
    for t in &targets {
        for c in &t.claims {
            // claims of a StatefulSet's templates are the set's
            if c.pattern != regex_escape(&c.name) {
                continue;
            }
            mounted.insert((t.namespace.clone(), c.name.clone()));
        }
    }
    let unmounted_claims = model
        .of_kind("PersistentVolumeClaim")
        .filter_map(|o| Some((o.namespace.clone()?, o.name.clone())))
        .filter(|k| !mounted.contains(k))
        .collect();

    let (certificates, notes) = certificates(model);
    let mut namespaces: BTreeSet<String> = targets.iter().map(|t| t.namespace.clone()).collect();
    namespaces.extend(model.of_kind("Namespace").map(|o| o.name.clone()));
    Survey {
        targets,
        certificates,
        unmounted_claims,
        notes,
        namespaces: namespaces.into_iter().collect(),
    }
}

const CERT_MANAGER_ANNOTATIONS: &[&str] = &[
    "cert-manager.io/cluster-issuer",
    "cert-manager.io/issuer",
    "kubernetes.io/tls-acme",
];

fn certificates(model: &Model) -> (Vec<Certificate>, Vec<String>) {
    let mut certs = BTreeSet::new();
    let mut notes = Vec::new();
    for o in model.objects() {
        if o.kind == "Certificate"
            && o.group() == "cert-manager.io"
            && let Some(ns) = &o.namespace
        {
            certs.insert(Certificate {
                namespace: ns.clone(),
                name: o.name.clone(),
                source: format!("Certificate {ns}/{}", o.name),
            });
        }
    }
    for o in model.of_kind("Ingress") {
        let Typed::Ingress(ing) = &o.typed else {
            continue;
        };
        let ns = o.namespace.clone().unwrap_or_default();
        let shim = CERT_MANAGER_ANNOTATIONS
            .iter()
            .any(|a| o.annotations.contains_key(*a));
        for tls in ing.spec.iter().flat_map(|s| s.tls.iter().flatten()) {
            let Some(secret) = &tls.secret_name else {
                continue;
            };
            if shim {
                certs.insert(Certificate {
                    namespace: ns.clone(),
                    name: secret.clone(),
                    source: format!("Ingress {ns}/{}", o.name),
                });
            } else if !certs.iter().any(|c| c.namespace == ns && &c.name == secret) {
                notes.push(format!(
                    "Ingress {ns}/{}: the TLS secret {secret} is not issued by cert-manager; \
no kube-state-metrics series carries its expiry (an x509 exporter would)",
                    o.name
                ));
            }
        }
    }
    (certs.into_iter().collect(), notes)
}
