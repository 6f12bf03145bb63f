//! palisade's CycloneDX 1.6 and SPDX 2.3 documents validate against the
//! official JSON schemas (shipped in tests/schemas; see SOURCES.md there),
//! for every kind of target, and the CycloneDX document of the Debian
//! fixture is pinned as a snapshot.

use std::path::{Path, PathBuf};

use serde_json::Value;

fn here(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join(p)
}

fn schema(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(here("schemas").join(name)).unwrap()).unwrap()
}

fn targets() -> Vec<palisade_sbom::Sbom> {
    let mut out = Vec::new();
    for t in [
        "fixtures/debian",
        "fixtures/rpm",
        "fixtures/lockfiles",
        "fixtures/java",
    ] {
        out.push(palisade_sbom::scan(&here(t), None).unwrap());
    }
    out
}

fn errors(validator: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .take(10)
        .collect()
}

#[test]
fn cyclonedx_1_6_validates() {
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
    let validator = jsonschema::options()
        .with_registry(&registry)
        .should_validate_formats(true)
        .build(&schema("bom-1.6.schema.json"))
        .unwrap();
    for s in targets() {
        let doc: Value =
            serde_json::from_str(&palisade_sbom::format::cyclonedx::write(&s)).unwrap();
        assert!(
            doc["components"].as_array().unwrap().len() > 1,
            "{}",
            s.source.target
        );
        let e = errors(&validator, &doc);
        assert!(e.is_empty(), "{}: {e:#?}", s.source.target);
    }
}

#[test]
fn spdx_2_3_validates() {
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema("spdx-schema.json"))
        .unwrap();
    for s in targets() {
        let doc: Value = serde_json::from_str(&palisade_sbom::format::spdx::write(&s)).unwrap();
        let e = errors(&validator, &doc);
        assert!(e.is_empty(), "{}: {e:#?}", s.source.target);
        // Every package is contained by the target and carries its purl.
        let pkgs = doc["packages"].as_array().unwrap();
        let rels = doc["relationships"].as_array().unwrap();
        assert_eq!(rels.len(), pkgs.len());
        for p in pkgs
            .iter()
            .filter(|p| p["primaryPackagePurpose"] == "LIBRARY")
        {
            assert!(
                p["externalRefs"][0]["referenceLocator"]
                    .as_str()
                    .unwrap()
                    .starts_with("pkg:")
            );
        }
    }
}

#[test]
fn cyclonedx_snapshot_of_the_debian_fixture() {
    let mut s = palisade_sbom::scan(&here("fixtures/debian"), None).unwrap();
    s.source.target = "fixtures/debian".into();
    insta::assert_snapshot!(palisade_sbom::format::cyclonedx::write_at(
        &s,
        "2026-01-01T00:00:00Z"
    ));
}
