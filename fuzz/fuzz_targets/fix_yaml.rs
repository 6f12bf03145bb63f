//! The YAML editor of `palisade fix`: any text, edits on paths derived from
//! it. Must not panic; the result is either the text unchanged or text
//! that parses with the same number of documents.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_findings::Edit;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let s = palisade_yaml::parse_stream(text, &palisade_yaml::Limits::default());
    let Some(doc) = s.documents.first() else { return };
    let paths = [
        "spec.containers[0].securityContext.allowPrivilegeEscalation",
        "spec.containers[0].securityContext.capabilities.drop",
        "spec.template.spec.containers[0].env[0].value",
        "metadata.labels.a",
        "spec",
        "a.b.c",
    ];
    for p in paths {
        let path: palisade_value::Path = p.parse().unwrap();
        for e in [
            Edit::set(path.clone(), false),
            Edit::set(path.clone(), serde_json::json!({"k": "v", "name": "x"})),
            Edit::AddToList { path: path.clone(), value: serde_json::json!("ALL") },
            Edit::AddToList { path: path.clone(), value: serde_json::json!({"name": "tmp", "emptyDir": {}}) },
            Edit::Remove { path: path.clone() },
        ] {
            let (out, outcomes) = palisade_fix::apply(text, doc.root.line, doc.root.column, std::slice::from_ref(&e));
            if outcomes.iter().any(|o| *o == palisade_fix::Outcome::Applied) {
                let again = palisade_yaml::parse_stream(&out, &palisade_yaml::Limits::default());
                assert_eq!(again.documents.len(), s.documents.len());
            } else {
                assert_eq!(out, text);
            }
        }
    }
});
