//! The KBOM of the demo cluster validates against the official CycloneDX
//! 1.6 schema and links workloads to their images and to the workloads
//! they talk to.

use std::path::{Path, PathBuf};

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn schema(name: &str) -> Value {
    let p = root().join("crates/palisade-sbom/tests/schemas").join(name);
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

#[test]
fn demo_cluster_kbom() {
    let loaded = palisade_source::load(&[root().join("examples/demo")], &Default::default());
    let model = palisade_model::Model::new(loaded.objects);
    let inv = palisade_inventory::inventory(&model);
    let doc: Value = serde_json::from_str(&palisade_inventory::cyclonedx(
        &inv,
        "demo",
        "2026-01-01T00:00:00Z",
    ))
    .unwrap();
    let registry = jsonschema::Registry::new()
        .add(
            "http://cyclonedx.org/schema/spdx.schema.json",
            schema("spdx.schema.json"),
        )
        .unwrap()
        .add(
            "http://cyclonedx.org/schema/jsf-0.82.schema.json",
            schema("jsf-0.82.schema.json"),
        )
        .unwrap()
        .prepare()
        .unwrap();
    let v = jsonschema::options()
        .with_registry(&registry)
        .should_validate_formats(true)
        .build(&schema("bom-1.6.schema.json"))
        .unwrap();
    let errors: Vec<String> = v
        .iter_errors(&doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .take(5)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");

    let services = doc["services"].as_array().unwrap();
    assert_eq!(services.len(), inv.workloads.len());
    let components = doc["components"].as_array().unwrap();
    let distinct: std::collections::BTreeSet<&str> = inv
        .workloads
        .iter()
        .flat_map(|w| &w.containers)
        .filter_map(|c| c.image.as_ref())
        .map(|i| i.image.as_str())
        .collect();
    assert_eq!(components.len(), distinct.len());
    for c in components {
        assert!(c["purl"].as_str().unwrap().starts_with("pkg:oci/"), "{c}");
    }
    // Every reference in the graph names something in the document.
    let mut refs: std::collections::BTreeSet<String> = components
        .iter()
        .chain(services)
        .map(|x| x["bom-ref"].as_str().unwrap().to_string())
        .collect();
    refs.insert("cluster".into());
    for d in doc["dependencies"].as_array().unwrap() {
        for on in d["dependsOn"].as_array().unwrap() {
            assert!(refs.contains(on.as_str().unwrap()), "{on}");
        }
    }
    // Declared connections become workload-to-workload dependencies.
    if let Some(e) = inv
        .edges
        .iter()
        .find(|e| !e.from.ends_with("/ingress-controller"))
    {
        let from = inv
            .workloads
            .iter()
            .find(|w| format!("{}/{}", w.namespace, w.name) == e.from)
            .unwrap();
        let me = format!("workload:{}/{}/{}", from.namespace, from.kind, from.name);
        let dep = doc["dependencies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["ref"] == me.as_str())
            .unwrap();
        assert!(
            dep["dependsOn"].as_array().unwrap().iter().any(|x| x
                .as_str()
                .unwrap()
                .ends_with(&format!("/{}", e.to.rsplit('/').next().unwrap()))),
            "{dep}"
        );
    } else {
        panic!("the demo declares connections");
    }
}
