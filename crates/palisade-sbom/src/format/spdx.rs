//! SPDX 2.3 JSON. The target is the described package; every package is
//! CONTAINED by it and carries its purl as a PACKAGE-MANAGER external
//! reference. Declared licenses become an SPDX expression: SPDX ids as they
//! are, other names as `LicenseRef-…` with their text in
//! `hasExtractedLicensingInfos`.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::{Package, Sbom};

fn spdx_id_part(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            c if c.is_ascii_alphanumeric() || c == '.' || c == '-' => c.to_string(),
            '+' => "-plus".to_string(),
            _ => "-".to_string(),
        })
        .collect()
}

/// The declared-license expression of a package, registering LicenseRefs.
fn declared(p: &Package, refs: &mut BTreeMap<String, String>) -> String {
    if p.licenses.is_empty() {
        return "NOASSERTION".into();
    }
    let parts: Vec<String> = p
        .licenses
        .iter()
        .map(|l| {
            if spdx::Expression::parse(l).is_ok() {
                if l.contains(' ') {
                    format!("({l})")
                } else {
                    l.clone()
                }
            } else {
                let id = format!("LicenseRef-{}", spdx_id_part(l));
                refs.insert(id.clone(), l.clone());
                id
            }
        })
        .collect();
    parts.join(" AND ")
}

/// The document, stamped now (or at `SOURCE_DATE_EPOCH`).
pub fn write(sbom: &Sbom) -> String {
    write_at(sbom, &super::timestamp())
}

/// The document, stamped `timestamp` (RFC 3339).
pub fn write_at(sbom: &Sbom, timestamp: &str) -> String {
    let uuid = super::document_uuid(sbom);
    let name = sbom
        .source
        .image
        .as_ref()
        .and_then(|i| i.tags.first().cloned())
        .unwrap_or_else(|| sbom.source.target.clone());
    let mut refs = BTreeMap::new();
    let mut packages = vec![json!({
        "SPDXID": "SPDXRef-Target",
        "name": name,
        "versionInfo": sbom.source.image.as_ref().map(|i| i.id.clone()).unwrap_or_default(),
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": false,
        "licenseConcluded": "NOASSERTION",
        "licenseDeclared": "NOASSERTION",
        "copyrightText": "NOASSERTION",
        "primaryPackagePurpose": if sbom.source.image.is_some() { "CONTAINER" } else { "FILE" },
    })];
    if sbom.source.image.is_none() {
        packages[0].as_object_mut().map(|o| o.remove("versionInfo"));
    }
    let mut relationships = vec![
        json!({ "spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES", "relatedSpdxElement": "SPDXRef-Target" }),
    ];
    if let Some(d) = &sbom.distro {
        packages.push(json!({
            "SPDXID": "SPDXRef-OperatingSystem",
            "name": d.id,
            "versionInfo": d.version_id,
            "downloadLocation": "NOASSERTION",
            "filesAnalyzed": false,
            "licenseConcluded": "NOASSERTION",
            "licenseDeclared": "NOASSERTION",
            "copyrightText": "NOASSERTION",
            "primaryPackagePurpose": "OPERATING_SYSTEM",
            "description": d.pretty_name,
        }));
        relationships.push(json!({ "spdxElementId": "SPDXRef-Target", "relationshipType": "CONTAINS", "relatedSpdxElement": "SPDXRef-OperatingSystem" }));
    }
    for (i, p) in sbom.packages.iter().enumerate() {
        let id = format!(
            "SPDXRef-Package-{}-{}-{i}",
            p.kind.as_str(),
            spdx_id_part(&p.name)
        );
        let mut pkg = json!({
            "SPDXID": id,
            "name": p.name,
            "versionInfo": p.version,
            "downloadLocation": "NOASSERTION",
            "filesAnalyzed": false,
            "licenseConcluded": "NOASSERTION",
            "licenseDeclared": declared(p, &mut refs),
            "copyrightText": "NOASSERTION",
            "primaryPackagePurpose": "LIBRARY",
            "sourceInfo": format!("found by {} in {}", p.found_by, p.locations.join(", ")),
            "externalRefs": [{ "referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": p.purl }],
        });
        if let Some(s) = &p.source {
            pkg["packageFileName"] = json!(s.name);
        }
        packages.push(pkg);
        relationships.push(json!({ "spdxElementId": "SPDXRef-Target", "relationshipType": "CONTAINS", "relatedSpdxElement": id }));
    }
    let mut doc = json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": name,
        "documentNamespace": format!("https://palisade.invalid/spdx/{}", uuid),
        "creationInfo": { "created": timestamp, "creators": [format!("Tool: palisade-{}", env!("CARGO_PKG_VERSION"))] },
        "packages": packages,
        "relationships": relationships,
    });
    if !refs.is_empty() {
        doc["hasExtractedLicensingInfos"] = Value::Array(
            refs.into_iter()
                .map(|(id, text)| json!({ "licenseId": id, "extractedText": text, "name": text }))
                .collect(),
        );
    }
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}
