//! The inventory as a CycloneDX 1.6 KBOM (a bill of materials of the
//! cluster, as `trivy k8s --format cyclonedx` makes): the cluster is the
//! `platform` described, every distinct image a `container` component with
//! an OCI purl, every workload a service (namespace as group, kind,
//! service account, replicas and exposure as properties), and the
//! dependency graph says which workload runs which images and which
//! workloads each one talks to.

use std::collections::BTreeMap;

use packageurl::PackageUrl;
use serde_json::{Value, json};

use crate::{Image, Inventory, Workload};

fn property(name: &str, value: impl Into<String>) -> Value {
    json!({ "name": name, "value": value.into() })
}

/// `pkg:oci/name@digest?repository_url=registry/repo&tag=tag`.
fn oci_purl(i: &Image) -> Option<String> {
    let name = i.repository.rsplit('/').next()?;
    let mut u = PackageUrl::new("oci", name.to_string()).ok()?;
    if let Some(d) = &i.digest {
        u.with_version(d.clone()).ok()?;
    }
    u.add_qualifier("repository_url", format!("{}/{}", i.registry, i.repository))
        .ok()?;
    if let Some(t) = &i.tag {
        u.add_qualifier("tag", t.clone()).ok()?;
    }
    Some(u.to_string())
}

fn workload_ref(w: &Workload) -> String {
    format!("workload:{}/{}/{}", w.namespace, w.kind, w.name)
}

/// The KBOM document; `timestamp` is RFC 3339, `cluster` names the cluster.
pub fn cyclonedx(inv: &Inventory, cluster: &str, timestamp: &str) -> String {
    let mut images: BTreeMap<String, &Image> = BTreeMap::new();
    for w in &inv.workloads {
        for c in &w.containers {
            if let Some(i) = &c.image {
                images.entry(i.image.clone()).or_insert(i);
            }
        }
    }
    let image_ref = |image: &str| format!("image:{image}");
    let components: Vec<Value> = images
        .values()
        .map(|i| {
            let mut c = json!({
                "bom-ref": image_ref(&i.image),
                "type": "container",
                "name": format!("{}/{}", i.registry, i.repository),
                "properties": [
                    property("palisade:image:reference", i.image.clone()),
                    property("palisade:image:pinned", i.pinned.to_string()),
                ],
            });
            let o = c.as_object_mut().expect("object");
            if let Some(v) = i.tag.clone().or_else(|| i.digest.clone()) {
                o.insert("version".into(), json!(v));
            }
            if let Some(p) = oci_purl(i) {
                o.insert("purl".into(), json!(p));
            }
            if let Some(d) = &i.digest
                && let Some((alg, hex)) = d.split_once(':')
            {
                let alg = match alg {
                    "sha256" => "SHA-256",
                    "sha512" => "SHA-512",
                    _ => "",
                };
                if !alg.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit()) {
                    o.insert("hashes".into(), json!([{ "alg": alg, "content": hex }]));
                }
            }
            c
        })
        .collect();
    let by_name: BTreeMap<String, String> = inv
        .workloads
        .iter()
        .map(|w| (format!("{}/{}", w.namespace, w.name), workload_ref(w)))
        .collect();
    let mut services = Vec::new();
    let mut dependencies = Vec::new();
    for w in &inv.workloads {
        let mut props = vec![
            property("palisade:workload:kind", w.kind.clone()),
            property(
                "palisade:workload:serviceAccount",
                w.service_account.clone(),
            ),
            property("palisade:workload:location", w.location.clone()),
        ];
        if let Some(r) = w.replicas {
            props.push(property("palisade:workload:replicas", r.to_string()));
        }
        if let Some(a) = &w.app {
            props.push(property("palisade:workload:app", a.clone()));
        }
        if let Some(o) = &w.owner {
            props.push(property("palisade:workload:owner", o.clone()));
        }
        for e in &w.exposure {
            props.push(property("palisade:workload:exposure", e.clone()));
        }
        for c in &w.containers {
            props.push(property(
                &format!("palisade:container:{}", c.kind),
                format!(
                    "{}={}",
                    c.name,
                    c.image.as_ref().map_or("-", |i| i.image.as_str())
                ),
            ));
        }
        for (what, names) in [
            ("configMap", &w.mounts.config_maps),
            ("secret", &w.mounts.secrets),
            ("persistentVolumeClaim", &w.mounts.pvcs),
            ("hostPath", &w.mounts.host_paths),
        ] {
            for n in names {
                props.push(property(&format!("palisade:mount:{what}"), n.clone()));
            }
        }
        services.push(json!({
            "bom-ref": workload_ref(w),
            "group": w.namespace,
            "name": w.name,
            "description": format!("{} {}/{}", w.kind, w.namespace, w.name),
            "properties": props,
        }));
        let mut on: Vec<String> = w
            .containers
            .iter()
            .filter_map(|c| c.image.as_ref())
            .map(|i| image_ref(&i.image))
            .collect();
        let me = format!("{}/{}", w.namespace, w.name);
        on.extend(
            inv.edges
                .iter()
                .filter(|e| e.from == me)
                .filter_map(|e| by_name.get(&e.to).cloned()),
        );
        on.sort();
        on.dedup();
        dependencies.push(json!({ "ref": workload_ref(w), "dependsOn": on }));
    }
    let mut all: Vec<String> = inv.workloads.iter().map(workload_ref).collect();
    all.sort();
    all.dedup();
    dependencies.push(json!({ "ref": "cluster", "dependsOn": all }));
    let doc = json!({
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": {
            "timestamp": timestamp,
            "tools": { "components": [{ "type": "application", "name": "palisade", "version": env!("CARGO_PKG_VERSION") }] },
            "component": { "bom-ref": "cluster", "type": "platform", "name": cluster },
        },
        "components": components,
        "services": services,
        "dependencies": dependencies,
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}
