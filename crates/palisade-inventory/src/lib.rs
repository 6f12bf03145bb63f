//! `palisade inventory`: what runs in the cluster — every
//! workload with its images (registry / repository / tag / digest, pinned
//! or not), service account, exposure (Services, NodePorts, load balancers,
//! Ingress hosts and paths, host network and ports), the ConfigMaps,
//! Secrets and volume claims it uses, and the connections it declares
//! (Services named in env vars and config, Ingress → Service → workload),
//! with summaries: images by registry, unpinned images, images shared
//! across namespaces, namespaces and their owners. Pure: a model in, an
//! inventory out.

mod kbom;
pub use kbom::cyclonedx;

use palisade_model::k8s_openapi::api::core::v1::PodSpec;
use palisade_model::{ContainerKind, ImageRef, Model, Object, Typed, containers};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Image {
    pub image: String,
    pub registry: String,
    pub repository: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    pub pinned: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Container {
    pub name: String,
    /// `container`, `init` or `ephemeral`.
    pub kind: &'static str,
    pub image: Option<Image>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct Mounts {
    #[serde(rename = "configMaps")]
    pub config_maps: Vec<String>,
    pub secrets: Vec<String>,
    #[serde(rename = "persistentVolumeClaims")]
    pub pvcs: Vec<String>,
    #[serde(rename = "hostPaths")]
    pub host_paths: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Workload {
    pub namespace: String,
    pub kind: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i32>,
    #[serde(rename = "serviceAccount")]
    pub service_account: String,
    pub containers: Vec<Container>,
    /// `Service web ClusterIP 80/TCP`, `NodePort 30080`, `Ingress shop.example.com/api (TLS)`, `hostNetwork`, `hostPort 8080`.
    pub exposure: Vec<String>,
    pub mounts: Mounts,
    pub location: String,
}

/// A connection a workload declares.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub port: u16,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct NamespaceSummary {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    pub workloads: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct Summary {
    pub workloads: usize,
    pub containers: usize,
    #[serde(rename = "imagesByRegistry")]
    pub images_by_registry: BTreeMap<String, usize>,
    #[serde(rename = "unpinnedImages")]
    pub unpinned_images: Vec<String>,
    /// Images used in more than one namespace, with the namespaces.
    #[serde(rename = "sharedImages")]
    pub shared_images: BTreeMap<String, Vec<String>>,
    pub namespaces: Vec<NamespaceSummary>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct Inventory {
    pub workloads: Vec<Workload>,
    pub edges: Vec<Edge>,
    pub summary: Summary,
}

const OWNER_KEYS: &[&str] = &[
    "owner",
    "team",
    "app.kubernetes.io/managed-by",
    "app.kubernetes.io/part-of",
];

fn label(o: &Object, keys: &[&str]) -> Option<String> {
    keys.iter()
        .find_map(|k| o.labels.get(*k).or_else(|| o.annotations.get(*k)))
        .cloned()
}

fn mounts(spec: &PodSpec) -> Mounts {
    let mut m = Mounts::default();
    let add = |v: &mut Vec<String>, s: &str| {
        if !v.iter().any(|x| x == s) {
            v.push(s.to_string());
        }
    };
    for v in spec.volumes.iter().flatten() {
        if let Some(c) = &v.config_map {
            add(&mut m.config_maps, &c.name);
        }
        if let Some(s) = v.secret.as_ref().and_then(|s| s.secret_name.as_deref()) {
            add(&mut m.secrets, s);
        }
        if let Some(p) = &v.persistent_volume_claim {
            add(&mut m.pvcs, &p.claim_name);
        }
        if let Some(h) = &v.host_path {
            add(&mut m.host_paths, &h.path);
        }
        for s in v.projected.iter().flat_map(|p| p.sources.iter().flatten()) {
            if let Some(c) = &s.config_map {
                add(&mut m.config_maps, &c.name);
            }
            if let Some(c) = &s.secret {
                add(&mut m.secrets, &c.name);
            }
        }
    }
    for c in containers(spec) {
        for e in c.env_from {
            if let Some(r) = &e.config_map_ref {
                add(&mut m.config_maps, &r.name);
            }
            if let Some(r) = &e.secret_ref {
                add(&mut m.secrets, &r.name);
            }
        }
        for e in c.env {
            if let Some(v) = &e.value_from {
                if let Some(r) = &v.config_map_key_ref {
                    add(&mut m.config_maps, &r.name);
                }
                if let Some(r) = &v.secret_key_ref {
                    add(&mut m.secrets, &r.name);
                }
            }
        }
    }
    for v in [
        &mut m.config_maps,
        &mut m.secrets,
        &mut m.pvcs,
        &mut m.host_paths,
    ] {
        v.sort();
    }
    m
}

fn template_labels(o: &Object) -> BTreeMap<String, String> {
    o.pod_template()
        .and_then(|t| t.labels().cloned())
        .unwrap_or_default()
}

/// A workload's name and its pods' labels.
type Labelled<'a> = (&'a str, BTreeMap<String, String>);

/// Services and Ingresses that reach each workload: (namespace, name) → exposure lines.
fn exposure(model: &Model) -> BTreeMap<(String, String), Vec<String>> {
    let mut out: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    // Service (namespace, name) → workloads it selects
    let mut svc_targets: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    // Workloads per namespace, with their pod labels, computed once.
    let mut by_ns: std::collections::HashMap<&str, Vec<Labelled<'_>>> = Default::default();
    for (o, _) in model.workloads() {
        if let Some(ns) = o.namespace.as_deref() {
            by_ns
                .entry(ns)
                .or_default()
                .push((o.name.as_str(), template_labels(o)));
        }
    }
    // KubeVirt virtual machines run in pods with their template's labels
    for vm in palisade_model::operators::virtual_machines(model) {
        if let Some(ns) = vm.object.namespace.as_deref() {
            by_ns
                .entry(ns)
                .or_default()
                .push((vm.object.name.as_str(), vm.labels.clone()));
        }
    }
    for s in model.of_kind("Service") {
        let Typed::Service(svc) = &s.typed else {
            continue;
        };
        let Some(spec) = &svc.spec else { continue };
        let Some(sel) = spec.selector.as_ref().filter(|x| !x.is_empty()) else {
            continue;
        };
        let ns = s.namespace.clone().unwrap_or_default();
        let ty = spec.type_.clone().unwrap_or_else(|| "ClusterIP".into());
        let ports: Vec<String> = spec
            .ports
            .iter()
            .flatten()
            .map(|p| {
                let mut t = format!("{}/{}", p.port, p.protocol.as_deref().unwrap_or("TCP"));
                if let Some(n) = p
                    .node_port
                    .filter(|_| ty == "NodePort" || ty == "LoadBalancer")
                {
                    t.push_str(&format!(" nodePort {n}"));
                }
                t
            })
            .collect();
        for (name, labels) in by_ns.get(ns.as_str()).into_iter().flatten() {
            if !palisade_model::selector::matches_map(sel, labels) {
                continue;
            }
            out.entry((ns.clone(), name.to_string()))
                .or_default()
                .push(format!("Service {} {ty} {}", s.name, ports.join(", ")));
            svc_targets
                .entry((ns.clone(), s.name.clone()))
                .or_default()
                .push(name.to_string());
        }
    }
    for i in model.of_kind("Ingress") {
        let Typed::Ingress(ing) = &i.typed else {
            continue;
        };
        let Some(spec) = &ing.spec else { continue };
        let ns = i.namespace.clone().unwrap_or_default();
        let tls_hosts: BTreeSet<String> = spec
            .tls
            .iter()
            .flatten()
            .flat_map(|t| t.hosts.iter().flatten().cloned())
            .collect();
        let mut routes: Vec<(String, String, String)> = Vec::new();
        if let Some(b) = spec
            .default_backend
            .as_ref()
            .and_then(|b| b.service.as_ref())
        {
            routes.push(("*".into(), "/".into(), b.name.clone()));
        }
        for r in spec.rules.iter().flatten() {
            let host = r.host.clone().unwrap_or_else(|| "*".into());
            for p in r.http.iter().flat_map(|h| h.paths.iter()) {
                if let Some(s) = &p.backend.service {
                    routes.push((
                        host.clone(),
                        p.path.clone().unwrap_or_else(|| "/".into()),
                        s.name.clone(),
                    ));
                }
            }
        }
        for (host, path, svc) in routes {
            let tls = if tls_hosts.contains(&host) {
                " (TLS)"
            } else {
                ""
            };
            for w in svc_targets
                .get(&(ns.clone(), svc.clone()))
                .into_iter()
                .flatten()
            {
                out.entry((ns.clone(), w.clone()))
                    .or_default()
                    .push(format!(
                        "Ingress {} {host}{path}{tls} → Service {svc}",
                        i.name
                    ));
            }
        }
    }
    out
}

/// The inventory of everything in `model`.
pub fn inventory(model: &Model) -> Inventory {
    // The declared connections are the costly part and independent of the
    // rest: computed alongside.
    let (edges, (workloads, summary)) = rayon::join(
        || edges(model),
        || {
            let workloads = workloads(model);
            let summary = summarize(model, &workloads);
            (workloads, summary)
        },
    );
    Inventory {
        workloads,
        edges,
        summary,
    }
}

fn workloads(model: &Model) -> Vec<Workload> {
    let exposed = exposure(model);
    let mut workloads: Vec<Workload> = Vec::new();
    for (o, t) in model.workloads() {
        let ns = o.namespace.clone().unwrap_or_default();
        let spec = t.spec;
        let mut exposure = exposed
            .get(&(ns.clone(), o.name.clone()))
            .cloned()
            .unwrap_or_default();
        if spec.host_network == Some(true) {
            exposure.push("hostNetwork".into());
        }
        let mut cs = Vec::new();
        for c in t.containers() {
            for p in c.ports.iter().filter_map(|p| p.host_port) {
                exposure.push(format!("hostPort {p} ({})", c.name));
            }
            cs.push(Container {
                name: c.name.to_string(),
                kind: match c.kind {
                    ContainerKind::App => "container",
                    ContainerKind::Init => "init",
                    ContainerKind::Ephemeral => "ephemeral",
                },
                image: c.image.map(image_of),
            });
        }
        // pods (and ReplicaSets) whose controller is not in the input are
        // one workload named after that controller (the model groups them):
        // its replicas are the pods seen
        let replicas = match model.seen_of_absent_owner(o) {
            Some(n) if o.kind == "Pod" => Some(i32::try_from(n).unwrap_or(i32::MAX)),
            _ => o.replicas(),
        };
        let (kind, name) = (o.reference.kind.clone(), o.reference.name.clone());
        workloads.push(Workload {
            namespace: ns,
            kind,
            name,
            app: label(o, &["app.kubernetes.io/name", "app", "k8s-app"]),
            owner: label(o, OWNER_KEYS),
            replicas,
            service_account: spec
                .service_account_name
                .clone()
                .or_else(|| spec.service_account.clone())
                .unwrap_or_else(|| "default".into()),
            containers: cs,
            exposure,
            mounts: mounts(spec),
            location: o.location.to_string(),
        });
    }
    workloads.extend(virtual_machines(model, &exposed));
    workloads
        .sort_by(|a, b| (&a.namespace, &a.kind, &a.name).cmp(&(&b.namespace, &b.kind, &b.name)));
    workloads
}

/// An image reference as the inventory lists it.
fn image_of(i: &str) -> Image {
    match ImageRef::parse(i) {
        Some(r) => Image {
            image: i.to_string(),
            pinned: r.is_pinned(),
            registry: r.registry.clone(),
            repository: r.repository.clone(),
            tag: r.tag.clone(),
            digest: r.digest.clone(),
        },
        None => Image {
            image: i.to_string(),
            registry: String::new(),
            repository: i.to_string(),
            tag: None,
            digest: None,
            pinned: false,
        },
    }
}

/// KubeVirt `VirtualMachine`s (and VMIs no VM owns) as workloads: their
/// container disks are their images, their volumes their mounts.
fn virtual_machines(
    model: &Model,
    exposed: &BTreeMap<(String, String), Vec<String>>,
) -> Vec<Workload> {
    palisade_model::operators::virtual_machines(model)
        .into_iter()
        .map(|vm| {
            let o = vm.object;
            let mut containers = Vec::new();
            let mut mounts = Mounts::default();
            let mut service_account = "default".to_string();
            let volumes = o
                .raw
                .at(&vm.spec.clone().key("volumes"))
                .and_then(|v| v.as_seq())
                .unwrap_or(&[]);
            for v in volumes {
                let name = v.get_str("name").unwrap_or("");
                if let Some(image) = v.get("containerDisk").and_then(|d| d.get_str("image")) {
                    containers.push(Container {
                        name: name.to_string(),
                        kind: "disk",
                        image: Some(image_of(image)),
                    });
                }
                let source = |kind: &str, key: &str| {
                    v.get(kind).and_then(|d| d.get_str(key)).map(str::to_string)
                };
                if let Some(c) = source("persistentVolumeClaim", "claimName")
                    .or_else(|| source("dataVolume", "name"))
                {
                    mounts.pvcs.push(c);
                }
                if let Some(c) = source("secret", "secretName") {
                    mounts.secrets.push(c);
                }
                if let Some(c) = source("configMap", "name") {
                    mounts.config_maps.push(c);
                }
                if let Some(sa) = source("serviceAccount", "serviceAccountName") {
                    service_account = sa;
                }
            }
            Workload {
                namespace: vm.namespace.clone(),
                kind: o.kind.clone(),
                name: o.name.clone(),
                app: ["app.kubernetes.io/name", "app", "k8s-app"]
                    .iter()
                    .find_map(|k| vm.labels.get(*k).or_else(|| o.labels.get(*k)).cloned()),
                owner: label(o, OWNER_KEYS),
                replicas: None,
                service_account,
                containers,
                exposure: exposed
                    .get(&(vm.namespace.clone(), o.name.clone()))
                    .cloned()
                    .unwrap_or_default(),
                mounts,
                location: o.location.to_string(),
            }
        })
        .collect()
}

fn edges(model: &Model) -> Vec<Edge> {
    let net = palisade_netpol::Network::build(model);
    let (flows, _) = palisade_netpol::generate::declared_flows(model, &net, &Default::default());
    let name = |i: usize| {
        let e = &net.endpoints[i];
        format!("{}/{}", e.namespace, e.name)
    };
    let mut out: Vec<Edge> = flows
        .into_iter()
        .map(|f| Edge {
            from: match f.src {
                palisade_netpol::generate::Source::Workload(i) => name(i),
                palisade_netpol::generate::Source::IngressController(ns) => {
                    format!("{ns}/ingress-controller")
                }
            },
            to: name(f.dst),
            port: f.port,
            reason: f.reason,
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

fn summarize(model: &Model, ws: &[Workload]) -> Summary {
    let mut s = Summary {
        workloads: ws.len(),
        ..Default::default()
    };
    let mut image_ns: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut unpinned = BTreeSet::new();
    let mut seen = BTreeSet::new();
    for w in ws {
        for c in &w.containers {
            s.containers += 1;
            let Some(i) = &c.image else { continue };
            image_ns
                .entry(i.image.clone())
                .or_default()
                .insert(w.namespace.clone());
            if seen.insert(i.image.clone()) {
                *s.images_by_registry.entry(i.registry.clone()).or_default() += 1;
            }
            if !i.pinned {
                unpinned.insert(i.image.clone());
            }
        }
    }
    s.unpinned_images = unpinned.into_iter().collect();
    s.shared_images = image_ns
        .into_iter()
        .filter(|(_, ns)| ns.len() > 1)
        .map(|(i, ns)| (i, ns.into_iter().collect()))
        .collect();
    let mut names: BTreeSet<String> = ws.iter().map(|w| w.namespace.clone()).collect();
    names.extend(model.of_kind("Namespace").map(|o| o.name.clone()));
    s.namespaces = names
        .into_iter()
        .map(|n| NamespaceSummary {
            owner: model
                .get("Namespace", None, &n)
                .and_then(|o| label(o, OWNER_KEYS)),
            workloads: ws.iter().filter(|w| w.namespace == n).count(),
            name: n,
        })
        .collect();
    s
}

fn image_text(c: &Container) -> String {
    c.image
        .as_ref()
        .map(|i| i.image.clone())
        .unwrap_or_else(|| "-".into())
}

/// A readable listing: one block per workload, then the summaries.
pub fn table(inv: &Inventory) -> String {
    let mut out = String::new();
    for w in &inv.workloads {
        out.push_str(&format!(
            "{}/{} {}{}  sa={}  ({})\n",
            w.namespace,
            w.name,
            w.kind,
            w.replicas.map(|r| format!(" ×{r}")).unwrap_or_default(),
            w.service_account,
            w.location
        ));
        for c in &w.containers {
            let pin = match &c.image {
                Some(i) if i.pinned => "pinned",
                Some(_) => "NOT pinned",
                None => "",
            };
            let kind = if c.kind == "container" {
                String::new()
            } else {
                format!(" [{}]", c.kind)
            };
            out.push_str(&format!("    {}{kind}: {}  {pin}\n", c.name, image_text(c)));
        }
        for e in &w.exposure {
            out.push_str(&format!("    exposed: {e}\n"));
        }
        let m = &w.mounts;
        for (what, v) in [
            ("configmaps", &m.config_maps),
            ("secrets", &m.secrets),
            ("pvcs", &m.pvcs),
            ("hostPaths", &m.host_paths),
        ] {
            if !v.is_empty() {
                out.push_str(&format!("    {what}: {}\n", v.join(", ")));
            }
        }
    }
    if !inv.edges.is_empty() {
        out.push_str("\nDeclared connections:\n");
        for e in &inv.edges {
            out.push_str(&format!(
                "  {} → {}:{}  ({})\n",
                e.from, e.to, e.port, e.reason
            ));
        }
    }
    let s = &inv.summary;
    out.push_str(&format!(
        "\n{} workloads, {} containers\n",
        s.workloads, s.containers
    ));
    out.push_str("Images by registry:\n");
    for (r, n) in &s.images_by_registry {
        out.push_str(&format!("  {n:>4}  {r}\n"));
    }
    if !s.unpinned_images.is_empty() {
        out.push_str(&format!(
            "Unpinned images ({}): {}\n",
            s.unpinned_images.len(),
            s.unpinned_images.join(", ")
        ));
    }
    for (i, ns) in &s.shared_images {
        out.push_str(&format!(
            "Shared across namespaces: {i} in {}\n",
            ns.join(", ")
        ));
    }
    out.push_str("Namespaces:\n");
    for n in &s.namespaces {
        out.push_str(&format!(
            "  {:<20} {:>3} workload(s)  owner: {}\n",
            n.name,
            n.workloads,
            n.owner.as_deref().unwrap_or("unknown")
        ));
    }
    out
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// One row per container.
pub fn csv(inv: &Inventory) -> String {
    let mut out = String::from(
        "namespace,kind,name,replicas,service_account,container,container_kind,image,registry,repository,tag,digest,pinned,exposure,configmaps,secrets,pvcs,location\n",
    );
    for w in &inv.workloads {
        for c in &w.containers {
            let i = c.image.as_ref();
            let row = [
                w.namespace.clone(),
                w.kind.clone(),
                w.name.clone(),
                w.replicas.map(|r| r.to_string()).unwrap_or_default(),
                w.service_account.clone(),
                c.name.clone(),
                c.kind.to_string(),
                image_text(c),
                i.map(|i| i.registry.clone()).unwrap_or_default(),
                i.map(|i| i.repository.clone()).unwrap_or_default(),
                i.and_then(|i| i.tag.clone()).unwrap_or_default(),
                i.and_then(|i| i.digest.clone()).unwrap_or_default(),
                i.map(|i| i.pinned.to_string()).unwrap_or_default(),
                w.exposure.join("; "),
                w.mounts.config_maps.join(" "),
                w.mounts.secrets.join(" "),
                w.mounts.pvcs.join(" "),
                w.location.clone(),
            ];
            out.push_str(
                &row.iter()
                    .map(|f| csv_field(f))
                    .collect::<Vec<_>>()
                    .join(","),
            );
            out.push('\n');
        }
    }
    out
}

fn md(s: &str) -> String {
    s.replace('|', "\\|")
}

/// Markdown tables: workloads, connections, summaries.
pub fn markdown(inv: &Inventory) -> String {
    let mut out = String::from(
        "# Inventory\n\n| namespace | workload | replicas | service account | images | exposure | mounts |\n|---|---|---:|---|---|---|---|\n",
    );
    for w in &inv.workloads {
        let images: Vec<String> = w
            .containers
            .iter()
            .map(|c| {
                format!(
                    "{}: `{}`{}",
                    c.name,
                    image_text(c),
                    if c.image.as_ref().is_some_and(|i| i.pinned) {
                        ""
                    } else {
                        " (unpinned)"
                    }
                )
            })
            .collect();
        let m = &w.mounts;
        let mounts: Vec<String> = m
            .config_maps
            .iter()
            .map(|x| format!("cm/{x}"))
            .chain(m.secrets.iter().map(|x| format!("secret/{x}")))
            .chain(m.pvcs.iter().map(|x| format!("pvc/{x}")))
            .chain(m.host_paths.iter().map(|x| format!("hostPath {x}")))
            .collect();
        out.push_str(&format!(
            "| {} | {} {} | {} | {} | {} | {} | {} |\n",
            md(&w.namespace),
            w.kind,
            md(&w.name),
            w.replicas.map(|r| r.to_string()).unwrap_or_default(),
            md(&w.service_account),
            md(&images.join("<br>")),
            md(&w.exposure.join("<br>")),
            md(&mounts.join(", "))
        ));
    }
    if !inv.edges.is_empty() {
        out.push_str(
            "\n## Declared connections\n\n| from | to | port | why |\n|---|---|---:|---|\n",
        );
        for e in &inv.edges {
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                md(&e.from),
                md(&e.to),
                e.port,
                md(&e.reason)
            ));
        }
    }
    let s = &inv.summary;
    out.push_str("\n## Images by registry\n\n| registry | images |\n|---|---:|\n");
    for (r, n) in &s.images_by_registry {
        out.push_str(&format!("| {} | {n} |\n", md(r)));
    }
    out.push_str(&format!(
        "\n{} unpinned image(s){}\n",
        s.unpinned_images.len(),
        if s.unpinned_images.is_empty() {
            String::new()
        } else {
            format!(
                ": {}",
                s.unpinned_images
                    .iter()
                    .map(|i| format!("`{i}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    ));
    out.push_str("\n## Namespaces\n\n| namespace | workloads | owner |\n|---|---:|---|\n");
    for n in &s.namespaces {
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            md(&n.name),
            n.workloads,
            md(n.owner.as_deref().unwrap_or("unknown"))
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(y: &str) -> Model {
        let l = palisade_source::load_text("t.yaml", y, &Default::default());
        assert!(l.errors.is_empty(), "{:?}", l.errors);
        Model::new(l.objects)
    }

    const APP: &str = "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {team: payments}}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop, labels: {app.kubernetes.io/name: web}}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      serviceAccountName: web\n      initContainers:\n      - {name: migrate, image: 'ghcr.io/acme/migrate@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'}\n      containers:\n      - name: app\n        image: ghcr.io/acme/web:1.2\n        ports: [{containerPort: 8080, hostPort: 8080}]\n        env:\n        - {name: API_URL, value: 'http://api:9000'}\n        - name: DB\n          valueFrom: {secretKeyRef: {name: db, key: url}}\n        envFrom: [{configMapRef: {name: web-config}}]\n      volumes:\n      - {name: data, persistentVolumeClaim: {claimName: web-data}}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: shop}\nspec:\n  selector: {matchLabels: {app: api}}\n  template:\n    metadata: {labels: {app: api}}\n    spec:\n      containers: [{name: api, image: 'ghcr.io/acme/web:1.2', ports: [{containerPort: 9000}]}]\n---\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  type: NodePort\n  selector: {app: web}\n  ports: [{port: 80, targetPort: 8080, nodePort: 30080}]\n---\napiVersion: v1\nkind: Service\nmetadata: {name: api, namespace: shop}\nspec:\n  selector: {app: api}\n  ports: [{port: 9000}]\n---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web, namespace: shop}\nspec:\n  tls: [{hosts: [shop.example.com]}]\n  rules:\n  - host: shop.example.com\n    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}\n";

    #[test]
    fn workloads_images_exposure_mounts_edges_and_summary() {
        let inv = inventory(&model(APP));
        assert_eq!(inv.workloads.len(), 2);
        let web = inv.workloads.iter().find(|w| w.name == "web").unwrap();
        assert_eq!(web.replicas, Some(2));
        assert_eq!(web.service_account, "web");
        assert_eq!(web.app.as_deref(), Some("web"));
        let app = web
            .containers
            .iter()
            .find(|c| c.name == "app")
            .unwrap()
            .image
            .clone()
            .unwrap();
        assert_eq!(
            (
                app.registry.as_str(),
                app.repository.as_str(),
                app.tag.as_deref(),
                app.pinned
            ),
            ("ghcr.io", "acme/web", Some("1.2"), false)
        );
        let init = web
            .containers
            .iter()
            .find(|c| c.kind == "init")
            .unwrap()
            .image
            .clone()
            .unwrap();
        assert!(init.pinned && init.digest.is_some());
        assert!(
            web.exposure
                .iter()
                .any(|e| e == "Service web NodePort 80/TCP nodePort 30080"),
            "{:?}",
            web.exposure
        );
        assert!(
            web.exposure
                .iter()
                .any(|e| e == "Ingress web shop.example.com/ (TLS) → Service web"),
            "{:?}",
            web.exposure
        );
        assert!(
            web.exposure.iter().any(|e| e.starts_with("hostPort 8080")),
            "{:?}",
            web.exposure
        );
        assert_eq!(web.mounts.config_maps, ["web-config"]);
        assert_eq!(web.mounts.secrets, ["db"]);
        assert_eq!(web.mounts.pvcs, ["web-data"]);
        assert!(
            inv.edges
                .iter()
                .any(|e| e.from == "shop/web" && e.to == "shop/api" && e.port == 9000),
            "{:?}",
            inv.edges
        );
        let s = &inv.summary;
        assert_eq!(s.images_by_registry.get("ghcr.io"), Some(&2));
        assert_eq!(s.unpinned_images, ["ghcr.io/acme/web:1.2"]);
        assert!(s.shared_images.is_empty());
        assert_eq!(s.namespaces[0].owner.as_deref(), Some("payments"));
        let t = table(&inv);
        assert!(t.contains("shop/web Deployment ×2  sa=web"), "{t}");
        let c = csv(&inv);
        assert_eq!(c.lines().count(), 4);
        assert!(markdown(&inv).contains("| shop | Deployment web | 2 | web |"));
    }
}
