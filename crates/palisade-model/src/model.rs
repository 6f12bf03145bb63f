//! The cluster model: all objects from all sources, with indexes.

use crate::kinds::is_workload_kind;
use crate::object::{Object, ObjectRef};
use crate::workload::PodTemplate;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// Every object of the scan, indexed by kind, namespace and name.
#[derive(Debug, Default)]
pub struct Model {
    objects: Vec<Object>,
    by_key: HashMap<(String, Option<String>, String), usize>,
    by_kind: HashMap<String, Vec<usize>>,
    by_namespace: HashMap<String, Vec<usize>>,
    workloads: Vec<usize>,
    /// Per workload that stands for an owner absent from the input (by the
    /// address of its reference): how many of the owner's pods (or
    /// ReplicaSets) the input holds.
    seen: HashMap<usize, usize>,
}

impl Model {
    /// Builds the indexes. Objects keep their order (sources sort them by
    /// file and position, so analyzers see a deterministic order).
    pub fn new(objects: Vec<Object>) -> Self {
        let mut m = Model {
            objects,
            ..Default::default()
        };
        for (i, o) in m.objects.iter().enumerate() {
            m.by_key
                .entry((o.kind.clone(), o.namespace.clone(), o.name.clone()))
                .or_insert(i);
            m.by_kind.entry(o.kind.clone()).or_default().push(i);
            if let Some(ns) = &o.namespace {
                m.by_namespace.entry(ns.clone()).or_default().push(i);
            }
        }
        let candidates: Vec<usize> = (0..m.objects.len())
            .filter(|&i| {
                let o = &m.objects[i];
                o.pod_template().is_some() && !m.owned_by_workload_in_model(o)
            })
            .collect();
        // the pods (or ReplicaSets) of one owner absent from the input are
        // one workload, analyzed once and named after the owner
        let mut groups: HashMap<(Option<String>, String, String), Arc<ObjectRef>> = HashMap::new();
        let mut workloads = Vec::with_capacity(candidates.len());
        for i in candidates {
            let o = &m.objects[i];
            let Some((kind, name)) = m.absent_owner(o) else {
                workloads.push(i);
                continue;
            };
            let key = (o.namespace.clone(), kind, name);
            if let Some(first) = groups.get(&key) {
                *m.seen.entry(Arc::as_ptr(first) as usize).or_insert(1) += 1;
                continue;
            }
            let api_version = match key.1.as_str() {
                "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet" => "apps/v1",
                "Job" | "CronJob" => "batch/v1",
                _ => o.controller().and_then(|r| r.api_version).unwrap_or(""),
            };
            let reference = Arc::new(ObjectRef {
                api_version: api_version.to_string(),
                kind: key.1.clone(),
                namespace: key.0.clone(),
                name: key.2.clone(),
            });
            m.seen.insert(Arc::as_ptr(&reference) as usize, 1);
            m.objects[i].reference = reference.clone();
            groups.insert(key, reference);
            workloads.push(i);
        }
        m.workloads = workloads;
        m
    }

    /// Whether a controller that is itself in the model owns `o` (a Pod of
    /// a ReplicaSet of a Deployment in a `kubectl get -A` dump): such objects
    /// are analyzed through their owner only.
    fn owned_by_workload_in_model(&self, o: &Object) -> bool {
        o.controller()
            .is_some_and(|r| is_workload_kind(r.kind) && self.has(r.kind, o, r.name))
    }

    /// Whether the model holds `kind`/`name` in `o`'s namespace.
    fn has(&self, kind: &str, o: &Object, name: &str) -> bool {
        self.by_key
            .contains_key(&(kind.to_string(), o.namespace.clone(), name.to_string()))
    }

    /// The workload a Pod or ReplicaSet belongs to when its controller is
    /// not in the input (`kubectl get pods -A`): `(kind, name)` from its
    /// controller `ownerReference`, a ReplicaSet named `NAME-HASH` with the
    /// pod's `pod-template-hash` taken as Deployment `NAME`. `None` for
    /// objects without a controller, those whose controller is in the
    /// input, and mirror pods (owned by a Node).
    pub fn absent_owner(&self, o: &Object) -> Option<(String, String)> {
        let r = o.controller()?;
        if !is_workload_kind(r.kind) || self.has(r.kind, o, r.name) {
            return None;
        }
        if r.kind == "ReplicaSet"
            && let Some(hash) = o.labels.get("pod-template-hash")
            && let Some(deployment) = r.name.strip_suffix(&format!("-{hash}"))
            && !deployment.is_empty()
        {
            return Some(("Deployment".into(), deployment.to_string()));
        }
        Some((r.kind.to_string(), r.name.to_string()))
    }

    /// For a workload that stands for an owner absent from the input (its
    /// reference names the owner): how many of the owner's pods or
    /// ReplicaSets the input holds. `None` for every other object.
    pub fn seen_of_absent_owner(&self, o: &Object) -> Option<usize> {
        self.seen
            .get(&(Arc::as_ptr(&o.reference) as usize))
            .copied()
    }

    pub fn objects(&self) -> &[Object] {
        &self.objects
    }

    pub fn len(&self) -> usize {
        self.objects.len()
    }

    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    pub fn get(&self, kind: &str, namespace: Option<&str>, name: &str) -> Option<&Object> {
        self.by_key
            .get(&(
                kind.to_string(),
                namespace.map(str::to_string),
                name.to_string(),
            ))
            .map(|&i| &self.objects[i])
    }

    pub fn of_kind<'a>(&'a self, kind: &str) -> impl Iterator<Item = &'a Object> + 'a {
        self.by_kind
            .get(kind)
            .into_iter()
            .flatten()
            .map(|&i| &self.objects[i])
    }

    pub fn in_namespace<'a>(&'a self, namespace: &str) -> impl Iterator<Item = &'a Object> + 'a {
        self.by_namespace
            .get(namespace)
            .into_iter()
            .flatten()
            .map(|&i| &self.objects[i])
    }

    /// The `Namespace` object of `name`, when the input has it.
    pub fn namespace_object(&self, name: &str) -> Option<&Object> {
        self.get("Namespace", None, name)
    }

    /// Every namespace the input declares or uses, sorted.
    pub fn namespaces(&self) -> Vec<String> {
        let mut set: BTreeSet<String> = self.by_namespace.keys().cloned().collect();
        set.extend(self.of_kind("Namespace").map(|o| o.name.clone()));
        set.into_iter().collect()
    }

    /// Workloads to analyze: objects with a pod template that no workload in
    /// the model controls.
    pub fn workloads(&self) -> impl Iterator<Item = (&Object, PodTemplate<'_>)> + '_ {
        self.workloads.iter().filter_map(|&i| {
            let o = &self.objects[i];
            o.pod_template().map(|t| (o, t))
        })
    }

    pub fn workload_count(&self) -> usize {
        self.workloads.len()
    }
}
