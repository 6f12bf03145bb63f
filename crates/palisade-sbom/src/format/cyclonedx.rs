//! CycloneDX 1.6 JSON. The target is `metadata.component` (a container for
//! an image, a file for a directory), the distribution an
//! `operating-system` component, each package a `library` with its purl,
//! licenses (SPDX ids where they are ids, an expression where one parses,
//! names otherwise) and `palisade:*` properties (type, locations, source
//! package, architecture, cataloger).

use serde_json::{Value, json};

use crate::{Package, Sbom};

/// The CycloneDX licenses array of a package.
pub fn licenses(p: &Package) -> Option<Value> {
    if p.licenses.is_empty() {
        return None;
    }
    if let [one] = p.licenses.as_slice()
        && spdx::license_id(one).is_none()
        && (one.contains(" AND ") || one.contains(" OR ") || one.contains(" WITH "))
        && spdx::Expression::parse(one).is_ok()
    {
        return Some(json!([{ "expression": one }]));
    }
    Some(Value::Array(
        p.licenses
            .iter()
            .map(|l| match spdx::license_id(l) {
                Some(id) if !id.is_deprecated() => json!({ "license": { "id": id.name } }),
                _ => json!({ "license": { "name": l } }),
            })
            .collect(),
    ))
}

fn property(name: &str, value: impl Into<String>) -> Value {
    json!({ "name": name, "value": value.into() })
}

/// The `bom-ref` of the `i`th package (what VEX documents point at).
pub fn bom_ref(i: usize, p: &Package) -> String {
    format!("{}#{i}", p.purl)
}

/// The document, stamped now (or at `SOURCE_DATE_EPOCH`).
pub fn write(sbom: &Sbom) -> String {
    write_at(sbom, &super::timestamp())
}

/// The document, stamped `timestamp` (RFC 3339).
pub fn write_at(sbom: &Sbom, timestamp: &str) -> String {
    let target_ref = "palisade:target";
    let mut components = Vec::new();
    let mut refs = Vec::new();
    if let Some(d) = &sbom.distro {
        let mut c = json!({
            "bom-ref": "palisade:distro",
            "type": "operating-system",
            "name": d.id,
            "version": d.version_id,
            "description": d.pretty_name,
        });
        if d.version_id.is_empty() {
            c.as_object_mut().map(|o| o.remove("version"));
        }
        components.push(c);
        refs.push("palisade:distro".to_string());
    }
    for (i, p) in sbom.packages.iter().enumerate() {
        let r = bom_ref(i, p);
        let mut props = vec![
            property("palisade:package:type", p.kind.as_str()),
            property("palisade:package:foundBy", p.found_by),
        ];
        for (k, l) in p.locations.iter().enumerate() {
            props.push(property(&format!("palisade:location:{k}:path"), l.clone()));
        }
        if let Some(a) = &p.arch {
            props.push(property("palisade:package:architecture", a.clone()));
        }
        if let Some(s) = &p.source {
            props.push(property("palisade:package:sourceName", s.name.clone()));
            if let Some(v) = &s.version {
                props.push(property("palisade:package:sourceVersion", v.clone()));
            }
        }
        if let Some(e) = p.ecosystem(sbom.distro.as_ref()) {
            props.push(property("palisade:package:ecosystem", e));
        }
        let mut c = json!({
            "bom-ref": r,
            "type": "library",
            "name": p.name,
            "version": p.version,
            "purl": p.purl,
            "properties": props,
        });
        let o = c.as_object_mut().expect("object");
        if let Some(g) = &p.group {
            o.insert("group".into(), json!(g));
        }
        if let Some(l) = licenses(p) {
            o.insert("licenses".into(), l);
        }
        components.push(c);
        refs.push(r);
    }
    let mut target = json!({
        "bom-ref": target_ref,
        "type": if sbom.source.image.is_some() { "container" } else { "file" },
        "name": sbom.source.image.as_ref().and_then(|i| i.tags.first().cloned()).unwrap_or_else(|| sbom.source.target.clone()),
    });
    if let Some(img) = &sbom.source.image {
        let o = target.as_object_mut().expect("object");
        o.insert("version".into(), json!(img.id));
        o.insert(
            "properties".into(),
            json!([
                property("palisade:image:user", img.config.user.clone()),
                property("palisade:image:os", img.os.clone()),
                property("palisade:image:architecture", img.architecture.clone()),
                property("palisade:image:layers", img.layers.to_string()),
            ]),
        );
    }
    let mut doc = json!({
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": format!("urn:uuid:{}", super::document_uuid(sbom)),
        "version": 1,
        "metadata": {
            "timestamp": timestamp,
            "tools": { "components": [{ "type": "application", "author": "palisade", "name": "palisade", "version": env!("CARGO_PKG_VERSION") }] },
            "component": target,
        },
        "components": components,
        "dependencies": [{ "ref": target_ref, "dependsOn": refs }],
    });
    if !sbom.findings.is_empty() {
        let props: Vec<Value> = sbom
            .findings
            .iter()
            .map(|f| {
                property(
                    &format!("palisade:assessment:{}", f.id),
                    f.evidence.join(", "),
                )
            })
            .collect();
        doc["metadata"]["properties"] = Value::Array(props);
    }
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}
