//! The generated hardening policy, evaluated offline, fails a workload on
//! exactly the checks palisade reports on it, over the demo and the
//! workloads of the upstream policy libraries in `shared/corpus`.
//! (Requests and limits are compared only in namespaces without a
//! LimitRange: in a cluster the LimitRange's defaults reach the pod before
//! the policy, as the checks count them; offline there is no defaulting.)

use palisade_checks::{Settings, catalogue};
use palisade_model::Model;
use palisade_vap::generate::{Options, generate};
use palisade_vap::policy::PolicySet;
use std::collections::BTreeSet;
use std::path::PathBuf;

#[test]
fn hardening_policy_agrees_with_the_checks() {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut paths = vec![repo.join("examples/demo")];
    for c in [
        "gatekeeper-library/library",
        "kubescape-regolibrary",
        "microservices-demo",
    ] {
        if palisade_corpus::missing(&[c]).is_none() {
            paths.push(palisade_corpus::corpus_path(c));
        }
    }
    let loaded = palisade_source::load(&paths, &Default::default());
    let generated = generate(&Options {
        exempt_namespaces: Vec::new(),
        policies: vec!["hardening".into()],
        ..Options::default()
    })
    .unwrap();
    let text = generated.to_yaml();
    let stream = palisade_yaml::parse_stream(&text, &palisade_yaml::Limits::default());
    let file: std::sync::Arc<str> = std::sync::Arc::from("generated.yaml");
    let mut objects = loaded.objects;
    for d in stream.documents {
        for o in palisade_model::objects_from_document(d.root, &file, &Default::default()) {
            objects.push(o.unwrap());
        }
    }
    let model = Model::new(objects);
    let with_cel: BTreeSet<&str> = catalogue()
        .into_iter()
        .filter(|c| c.admission_cel().is_some())
        .map(|c| c.meta().id)
        .collect();
    assert!(with_cel.len() >= 9, "{with_cel:?}");
    let settings = Settings {
        only: Some(with_cel.iter().map(|s| s.to_string()).collect()),
        ..Settings::default()
    };
    let limit_ranged: BTreeSet<String> = model
        .of_kind("LimitRange")
        .filter_map(|o| o.namespace.clone())
        .collect();
    let resources = [
        "memory-limit-missing",
        "cpu-limit-missing",
        "resource-requests-missing",
    ];
    let comparable = |object: &str, id: &str| {
        !(resources.contains(&id)
            && limit_ranged
                .iter()
                .any(|ns| object.starts_with(&format!("{ns}/"))))
    };
    let outcome = palisade_checks::run(&model, &settings);
    let palisade: BTreeSet<(String, String)> = outcome
        .findings
        .iter()
        .chain(outcome.suppressed.iter().map(|s| &s.finding))
        .map(|f| (f.object.to_string(), f.check.id.to_string()))
        .filter(|(o, id)| comparable(o, id))
        .collect();
    let (set, errors) = PolicySet::from_objects(model.objects());
    assert!(errors.is_empty(), "{errors:?}");
    let policy: BTreeSet<(String, String)> = palisade_vap::eval::findings(&set, &model)
        .iter()
        .filter(|f| f.check.id == "vap/palisade-hardening")
        .map(|f| {
            let id = f.message.split(':').next().unwrap_or("").to_string();
            (f.object.to_string(), id)
        })
        .filter(|(o, id)| comparable(o, id))
        .collect();
    let workloads = model.workload_count();
    let only_palisade: Vec<_> = palisade.difference(&policy).collect();
    let only_policy: Vec<_> = policy.difference(&palisade).collect();
    eprintln!(
        "{workloads} workloads, {} (workload, check) failures by palisade, {} by the policy",
        palisade.len(),
        policy.len()
    );
    assert!(
        only_palisade.is_empty() && only_policy.is_empty(),
        "only palisade: {only_palisade:#?}\nonly the policy: {only_policy:#?}"
    );
    assert!(workloads > 100, "{workloads}");
}
