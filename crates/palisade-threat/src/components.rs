//! Components: the control plane and the applications of the inventory,
//! grouped by `app` label and namespace, with data stores and exposure.

use crate::facts::{Facts, Wl};
use crate::{Component, ComponentKind, Input, WorkloadInfo};
use std::collections::BTreeMap;

/// The control plane: id, name, what it does.
pub(crate) const CONTROL_PLANE: &[(&str, &str, &str)] = &[
    (
        "api-server",
        "api-server",
        "kube-apiserver: the front door of the cluster; authenticates, authorizes (RBAC) and admits every request",
    ),
    (
        "etcd",
        "etcd",
        "the key-value store of every object, Secrets included",
    ),
    (
        "kubelet",
        "kubelet",
        "the agent on every node: runs its pods and holds their tokens, Secrets and volumes",
    ),
    (
        "kube-proxy",
        "kube-proxy",
        "programs Service addresses on every node",
    ),
    (
        "scheduler",
        "scheduler",
        "kube-scheduler: places pods on nodes",
    ),
    (
        "controller-manager",
        "controller-manager",
        "kube-controller-manager: runs the controllers that create pods, tokens and endpoints",
    ),
    (
        "coredns",
        "CoreDNS",
        "the cluster DNS: Service names to addresses",
    ),
];

/// The control-plane component a kube-system workload is, if any.
pub(crate) fn control_plane_of(w: &Wl<'_>) -> Option<&'static str> {
    if w.namespace != "kube-system" {
        return None;
    }
    let n = w.obj.name.as_str();
    let k8s_app = w
        .obj
        .labels
        .get("k8s-app")
        .or_else(|| w.tpl.labels().and_then(|l| l.get("k8s-app")))
        .map(String::as_str);
    let component = w
        .obj
        .labels
        .get("component")
        .or_else(|| w.tpl.labels().and_then(|l| l.get("component")))
        .map(String::as_str);
    let is = |prefix: &str| {
        n == prefix || n.starts_with(&format!("{prefix}-")) || component == Some(prefix)
    };
    if is("kube-apiserver") {
        Some("api-server")
    } else if is("etcd") {
        Some("etcd")
    } else if is("kube-scheduler") {
        Some("scheduler")
    } else if is("kube-controller-manager") {
        Some("controller-manager")
    } else if is("kube-proxy") || k8s_app == Some("kube-proxy") {
        Some("kube-proxy")
    } else if is("coredns") || k8s_app == Some("kube-dns") {
        Some("coredns")
    } else {
        None
    }
}

pub(crate) fn workload_info(w: &Wl<'_>) -> WorkloadInfo {
    WorkloadInfo {
        object: w.id.clone(),
        file: w.obj.location.file.to_string(),
        line: w.obj.location.line,
        service_account: format!("{}:{}", w.namespace, w.service_account),
        token_mounted: w.token.is_some(),
        images: w.images.clone(),
    }
}

/// The component id of a workload.
pub(crate) fn component_id(w: &Wl<'_>) -> String {
    match control_plane_of(w) {
        Some(cp) => format!("control-plane/{cp}"),
        None => format!("app/{}/{}", w.namespace, w.app),
    }
}

pub(crate) fn components(input: &Input<'_>, facts: &Facts<'_>) -> Vec<Component> {
    let mut out = Vec::new();
    for (id, name, what) in CONTROL_PLANE {
        let ws: Vec<&Wl<'_>> = facts
            .workloads
            .iter()
            .filter(|w| control_plane_of(w) == Some(*id))
            .collect();
        out.push(Component {
            id: format!("control-plane/{id}"),
            name: name.to_string(),
            kind: ComponentKind::ControlPlane,
            namespace: None,
            description: what.to_string(),
            observed: !ws.is_empty(),
            workloads: ws.iter().map(|w| workload_info(w)).collect(),
            exposure: Vec::new(),
            internet_exposed: false,
            data_store: None,
        });
    }
    let exposure: BTreeMap<(String, String, String), Vec<String>> = input
        .inventory
        .workloads
        .iter()
        .map(|w| {
            (
                (w.namespace.clone(), w.kind.clone(), w.name.clone()),
                w.exposure.clone(),
            )
        })
        .collect();
    let mut apps: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for (i, w) in facts.workloads.iter().enumerate() {
        if control_plane_of(w).is_none() {
            apps.entry((w.namespace.clone(), w.app.clone()))
                .or_default()
                .push(i);
        }
    }
    for ((ns, app), members) in apps {
        let ws: Vec<&Wl<'_>> = members.iter().map(|&i| &facts.workloads[i]).collect();
        let data: Vec<String> = ws
            .iter()
            .filter_map(|w| w.data_store.as_ref().map(|d| format!("{}: {d}", w.name)))
            .collect();
        let mut exp: Vec<String> = Vec::new();
        for w in &ws {
            for e in exposure
                .get(&(w.namespace.clone(), w.obj.kind.clone(), w.obj.name.clone()))
                .into_iter()
                .flatten()
            {
                if !exp.contains(e) {
                    exp.push(e.clone());
                }
            }
        }
        let internet_exposed = facts.entries.iter().any(|e| {
            e.routes
                .iter()
                .any(|r| r.allowed && members.contains(&r.workload))
        });
        let kinds: Vec<String> = ws
            .iter()
            .map(|w| format!("{} {}", w.obj.kind, w.obj.name))
            .collect();
        out.push(Component {
            id: format!("app/{ns}/{app}"),
            name: format!("{ns}/{app}"),
            kind: if data.is_empty() {
                ComponentKind::Application
            } else {
                ComponentKind::DataStore
            },
            namespace: Some(ns.clone()),
            description: format!("{} in namespace {ns}", kinds.join(", ")),
            observed: true,
            workloads: ws.iter().map(|w| workload_info(w)).collect(),
            exposure: exp,
            internet_exposed,
            data_store: (!data.is_empty()).then(|| data.join("; ")),
        });
    }
    out
}
