//! Which business-critical workloads the user's alerting rules watch.
//!
//! Each rule's `expr` is parsed; every selector in it is compared with
//! every workload: the labels that identify a workload's series in
//! kube-state-metrics, the kubelet and cAdvisor (`namespace`,
//! `deployment`, `statefulset`, `daemonset`, `replicaset`, `job_name`,
//! `cronjob`, `pod`, `container`, `persistentvolumeclaim`, `owner_name`,
//! `created_by_name`) must accept the workload's values (pods by the names
//! their controller generates), and the labels applications are usually
//! scraped under (`job`, `service`, `app`, `app_kubernetes_io_name`,
//! `k8s_app`) identify it when they name it. A rule reaches a workload
//! when one of its selectors names it (a workload rule), selects its whole
//! namespace (a namespace rule) or selects every workload of its kind with
//! no restriction (a cluster-wide rule). Recording rules are followed: an
//! alert on a recorded series reaches what the recording's expression
//! selects. A critical workload that no workload or namespace rule reaches
//! is a gap — a dashboard without an alert.

use crate::promql::{Matcher, Selector, selectors};
use crate::targets::Target;
use palisade_value::Node;
use serde::Serialize;
use std::collections::BTreeMap;

/// One rule read from a PrometheusRule or a rule file.
#[derive(Debug, Clone)]
pub struct SourceRule {
    /// The alert name (`None` for a recording rule).
    pub alert: Option<String>,
    /// The recorded series (`None` for an alerting rule).
    pub record: Option<String>,
    pub expr: String,
    pub group: String,
    /// `file:line`.
    pub source: String,
    pub selectors: Vec<Selector>,
}

/// The rules in one document: a PrometheusRule (`spec.groups`) or a
/// Prometheus rule file (`groups`). Expressions that do not parse are
/// errors (with their place); the rest are returned.
pub fn rules_in(doc: &Node, file: &str) -> (Vec<SourceRule>, Vec<String>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let groups = match doc.get_str("kind") {
        Some("PrometheusRule") => doc.get("spec").and_then(|s| s.get("groups")),
        Some(_) => None,
        None => doc.get("groups"),
    };
    let Some(groups) = groups.and_then(Node::as_seq) else {
        return (out, errors);
    };
    for g in groups {
        let name = g.get_str("name").unwrap_or("").to_string();
        for r in g.get("rules").and_then(Node::as_seq).unwrap_or(&[]) {
            let Some(e) = r.get("expr") else { continue };
            let expr = match e.as_str() {
                Some(s) => s.to_string(),
                None => e.to_json().to_string(),
            };
            let place = format!("{file}:{}", e.line.max(r.line));
            match selectors(&expr) {
                Ok(sels) => out.push(SourceRule {
                    alert: r.get_str("alert").map(String::from),
                    record: r.get_str("record").map(String::from),
                    expr,
                    group: name.clone(),
                    source: place,
                    selectors: sels,
                }),
                Err(msg) => errors.push(format!(
                    "{place}: rule {}: invalid PromQL: {}",
                    r.get_str("alert")
                        .or_else(|| r.get_str("record"))
                        .unwrap_or("?"),
                    msg.lines().next().unwrap_or("")
                )),
            }
        }
    }
    (out, errors)
}

/// How far a rule reaches a workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reach {
    /// Selects every workload of its kind, unrestricted.
    ClusterWide,
    /// Selects the workload's namespace.
    Namespace,
    /// Names the workload.
    Workload,
}

/// A rule that reaches a workload.
#[derive(Debug, Clone, Serialize)]
pub struct Covering {
    pub alert: String,
    pub source: String,
    pub reach: Reach,
    /// The matcher that selects it (`deployment="api"`), or the metric for
    /// a cluster-wide rule.
    pub via: String,
}

/// One critical workload and the alerts that reach it.
#[derive(Debug, Clone, Serialize)]
pub struct WorkloadCoverage {
    pub workload: String,
    pub namespace: String,
    pub kind: String,
    pub name: String,
    pub location: String,
    /// Why it is critical.
    pub critical: Vec<String>,
    pub alerts: Vec<Covering>,
}

impl WorkloadCoverage {
    /// The best reach of its alerts.
    pub fn reach(&self) -> Option<Reach> {
        self.alerts.iter().map(|a| a.reach).max()
    }

    /// No alert names it or its namespace.
    pub fn is_gap(&self) -> bool {
        self.reach().is_none_or(|r| r == Reach::ClusterWide)
    }
}

/// The coverage of the critical workloads.
#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    /// Alerting rules read.
    pub alerts: usize,
    /// Recording rules read.
    pub recordings: usize,
    pub workloads: Vec<WorkloadCoverage>,
}

impl Coverage {
    pub fn gaps(&self) -> impl Iterator<Item = &WorkloadCoverage> {
        self.workloads.iter().filter(|w| w.is_gap())
    }
}

/// The values a label of a workload's series takes.
enum Values {
    /// The workload's series do not carry the label (the empty string).
    Absent,
    /// One of these.
    Exact(Vec<String>),
    /// Generated names: the anchored pattern and a name it matches.
    Generated(String, String),
    /// Any of these.
    Any(Vec<Values>),
}

impl Values {
    fn accepted_by(&self, m: &Matcher) -> bool {
        match self {
            Values::Absent => m.accepts(""),
            Values::Exact(vs) => vs.iter().any(|v| m.accepts(v)),
            Values::Generated(pattern, sample) => match m.op {
                // `pod="web-5d8f7c9b6b-x7k2p"`: one of its pods
                crate::promql::Op::Equal => {
                    regex_full(pattern).is_some_and(|r| r.is_match(&m.value))
                }
                _ => m.accepts(sample),
            },
            Values::Any(vs) => vs.iter().any(|v| v.accepted_by(m)),
        }
    }
}

fn regex_full(pattern: &str) -> Option<regex::Regex> {
    regex::Regex::new(&format!("^(?:{pattern})$")).ok()
}

/// Labels whose value a workload's series have; a matcher that rejects
/// them excludes the workload.
fn strict(t: &Target, label: &str) -> Option<Values> {
    let kind = t.kind.as_str();
    let name = || Values::Exact(vec![t.name.clone()]);
    let v = match label {
        "namespace" | "exported_namespace" => Values::Exact(vec![t.namespace.clone()]),
        "deployment" if kind == "Deployment" => name(),
        "statefulset" if kind == "StatefulSet" => name(),
        "daemonset" if kind == "DaemonSet" => name(),
        "cronjob" if kind == "CronJob" => name(),
        "replicaset" if kind == "ReplicaSet" => name(),
        "replicaset" if kind == "Deployment" => Values::Generated(
            format!("{}-[a-z0-9]{{1,10}}", crate::promql::regex_escape(&t.name)),
            format!("{}-5d8f7c9b6b", t.name),
        ),
        "job_name" => match t.job_pattern() {
            Some(_) if kind == "Job" => name(),
            Some(p) => Values::Generated(p, format!("{}-28912345", t.name)),
            None => Values::Absent,
        },
        "pod" | "exported_pod" => Values::Generated(t.pod_pattern(), t.sample_pod()),
        // cAdvisor's pod-level series have `container=""`
        "container" | "exported_container" if !t.containers.is_empty() => {
            let mut v = t.containers.clone();
            v.push(String::new());
            Values::Exact(v)
        }
        // kube_pod_owner / kube_pod_info: the pod's controller
        "owner_name" | "created_by_name" => match kind {
            "Deployment" => Values::Generated(
                format!("{}-[a-z0-9]{{1,10}}", crate::promql::regex_escape(&t.name)),
                format!("{}-5d8f7c9b6b", t.name),
            ),
            "CronJob" => Values::Generated(
                t.job_pattern().unwrap_or_default(),
                format!("{}-28912345", t.name),
            ),
            _ => name(),
        },
        "persistentvolumeclaim" if !t.claims.is_empty() => Values::Any(
            t.claims
                .iter()
                .map(|c| {
                    if c.pattern == crate::promql::regex_escape(&c.name) {
                        Values::Exact(vec![c.name.clone()])
                    } else {
                        Values::Generated(c.pattern.clone(), c.sample.clone())
                    }
                })
                .collect(),
        ),
        "deployment"
        | "statefulset"
        | "daemonset"
        | "cronjob"
        | "replicaset"
        | "persistentvolumeclaim" => Values::Absent,
        _ => return None,
    };
    Some(v)
}

/// Labels applications are scraped under; they identify a workload when
/// they name it and exclude nothing (kube-state-metrics' own `job` is not
/// the workload's).
fn loose(t: &Target, label: &str) -> Option<Vec<String>> {
    match label {
        "job" | "service" | "app" | "app_kubernetes_io_name" | "k8s_app" | "workload" => {
            let mut v = vec![t.name.clone()];
            v.extend(t.app.clone());
            v.extend(t.services.iter().cloned());
            Some(v)
        }
        _ => None,
    }
}

/// Metric families that describe a workload of this kind (a selector on
/// them without restricting matchers selects every such workload).
fn relevant(t: &Target, s: &Selector) -> bool {
    let name = s.metric.as_deref().unwrap_or("");
    let kind_prefix = match t.kind.as_str() {
        "Deployment" => "kube_deployment_",
        "StatefulSet" => "kube_statefulset_",
        "DaemonSet" => "kube_daemonset_",
        "ReplicaSet" => "kube_replicaset_",
        "Job" => "kube_job_",
        "CronJob" => "kube_cronjob_",
        "ReplicationController" => "kube_replicationcontroller_",
        _ => "kube_pod_",
    };
    if name.is_empty() {
        // {__name__=~"kube_.*", …}
        let probe = [kind_prefix, "kube_pod_", "container_"];
        return s.on("__name__").next().is_some()
            && probe.iter().any(|p| s.could_be(&format!("{p}x")));
    }
    name.starts_with(kind_prefix)
        || name.starts_with("kube_pod_")
        || name.starts_with("container_")
        || (t.kind == "CronJob" && name.starts_with("kube_job_"))
        || (!t.claims.is_empty()
            && (name.starts_with("kubelet_volume_stats_")
                || name.starts_with("kube_persistentvolumeclaim_")))
}

/// A value no workload has: a matcher that accepts both the workload's
/// value and this one does not single the workload out.
const DECOY: &str = "zz-palisade-decoy-0";

/// How `s` reaches `t`, with the matcher that does it.
fn reach(t: &Target, s: &Selector) -> Option<(Reach, String)> {
    let mut best: Option<(Reach, String)> = None;
    let mut better = |r: Reach, via: String| {
        if best.as_ref().is_none_or(|(b, _)| r > *b) {
            best = Some((r, via));
        }
    };
    for m in &s.matchers {
        if let Some(v) = strict(t, &m.name) {
            if !v.accepted_by(m) {
                return None;
            }
            if !m.op.is_positive() || m.accepts(DECOY) || m.accepts("") {
                continue;
            }
            let r = if m.name.ends_with("namespace") {
                Reach::Namespace
            } else if m.name.starts_with("container") || m.name.starts_with("exported_container") {
                // container names (app, server) do not single a workload out
                continue;
            } else {
                Reach::Workload
            };
            better(r, m.to_string());
        } else if let Some(vs) = loose(t, &m.name)
            && m.op.is_positive()
            && !m.accepts(DECOY)
            && vs.iter().any(|v| m.accepts(v))
        {
            better(Reach::Workload, m.to_string());
        }
    }
    if !relevant(t, s) {
        // a namespace alone, on an unrelated metric (quotas, …), does not
        // watch the workload
        return best.filter(|(r, _)| *r == Reach::Workload);
    }
    best.or_else(|| Some((Reach::ClusterWide, s.describe())))
}

/// Selectors of `s` with recorded series replaced by what their
/// recording rule selects (the outer matchers kept), up to 8 levels.
fn expand(s: &Selector, recorded: &BTreeMap<String, Vec<Selector>>, depth: usize) -> Vec<Selector> {
    let Some(inner) = s.metric.as_ref().and_then(|m| recorded.get(m)) else {
        return vec![s.clone()];
    };
    if depth >= 8 {
        return vec![s.clone()];
    }
    let outer: Vec<Matcher> = s
        .matchers
        .iter()
        .filter(|m| m.name != "__name__")
        .cloned()
        .collect();
    inner
        .iter()
        .flat_map(|i| {
            let mut c = i.clone();
            c.matchers.extend(outer.iter().cloned());
            expand(&c, recorded, depth + 1)
        })
        .collect()
}

/// The coverage of the critical workloads of `targets` by `rules`.
pub fn coverage(targets: &[Target], rules: &[SourceRule]) -> Coverage {
    let mut recorded: BTreeMap<String, Vec<Selector>> = BTreeMap::new();
    for r in rules {
        if let Some(name) = &r.record {
            recorded
                .entry(name.clone())
                .or_default()
                .extend(r.selectors.iter().cloned());
        }
    }
    let alerts: Vec<(&SourceRule, Vec<Selector>)> = rules
        .iter()
        .filter(|r| r.alert.is_some())
        .map(|r| {
            let sels = r
                .selectors
                .iter()
                .flat_map(|s| expand(s, &recorded, 0))
                .collect();
            (r, sels)
        })
        .collect();
    let workloads = targets
        .iter()
        .filter(|t| t.is_critical())
        .map(|t| {
            let mut covering = Vec::new();
            for (r, sels) in &alerts {
                let best = sels
                    .iter()
                    .filter_map(|s| reach(t, s))
                    .max_by(|a, b| a.0.cmp(&b.0));
                if let Some((reach, via)) = best {
                    covering.push(Covering {
                        alert: r.alert.clone().unwrap_or_default(),
                        source: r.source.clone(),
                        reach,
                        via,
                    });
                }
            }
            covering.sort_by(|a, b| b.reach.cmp(&a.reach).then(a.source.cmp(&b.source)));
            WorkloadCoverage {
                workload: t.id(),
                namespace: t.namespace.clone(),
                kind: t.kind.clone(),
                name: t.name.clone(),
                location: t.location.clone(),
                critical: t.critical.clone(),
                alerts: covering,
            }
        })
        .collect();
    Coverage {
        alerts: alerts.len(),
        recordings: rules.iter().filter(|r| r.record.is_some()).count(),
        workloads,
    }
}
