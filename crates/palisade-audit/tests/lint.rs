//! Lint and explain on the example policies.

use palisade_audit::{Level, Policy, Request, ResourceRequest, lint};
use std::path::PathBuf;

fn example(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/audit")
        .join(name);
    std::fs::read_to_string(p).unwrap()
}

fn ids(p: &Policy) -> Vec<(&'static str, u32)> {
    lint(p).iter().map(|l| (l.id, l.line)).collect()
}

#[test]
fn the_seed_policy_is_sound_but_logs_kube_system_configmap_bodies() {
    let p = Policy::parse(&example("sysdig-policy.yaml")).unwrap();
    let found = lint(&p);
    let got: Vec<&str> = found.iter().map(|l| l.id).collect();
    // configmaps at Request in kube-system; exec/attach are logged (catch-all)
    assert_eq!(got, ["audit-sensitive-body-logged"], "{found:#?}");
    assert_eq!(found[0].line, 15);
    assert!(
        found[0].message.contains("configmaps at Request"),
        "{}",
        found[0].message
    );
}

#[test]
fn every_mistake_of_the_bad_policy_is_found_on_its_line() {
    let p = Policy::parse(&example("bad-policy.yaml")).unwrap();
    let got = ids(&p);
    for want in [
        ("audit-critical-not-logged", 9),    // exec/attach at None
        ("audit-sensitive-body-logged", 13), // secrets at RequestResponse
        ("audit-unknown-group", 17),         // "app"
        ("audit-unknown-resource", 17),      // "pod"
        ("audit-resource-names-create", 24), // creates carry no name
        ("audit-rule-shadowed", 30),         // secrets in kube-system after all secrets
        ("audit-no-catch-all", 35),
        ("audit-request-received-logged", 13),
    ] {
        assert!(got.contains(&want), "{want:?} missing from {got:?}");
    }
    let text = format!("{:#?}", lint(&p));
    assert!(
        text.contains("did you mean \\\"apps\\\"") && text.contains("did you mean \\\"pods\\\""),
        "{text}"
    );
}

#[test]
fn explain_names_the_deciding_rule() {
    let p = Policy::parse(&example("bad-policy.yaml")).unwrap();
    let exec = Request {
        user: "alice".into(),
        groups: vec![],
        verb: "create".into(),
        resource: Some(ResourceRequest {
            group: "".into(),
            resource: "pods".into(),
            subresource: "exec".into(),
            namespace: "shop".into(),
            name: "web-1".into(),
        }),
        path: String::new(),
    };
    let d = p.evaluate(&exec);
    assert_eq!((d.level, d.rule), (Level::None, Some(1)));
    let mut ds = exec.clone();
    ds.resource.as_mut().unwrap().subresource = String::new();
    ds.resource.as_mut().unwrap().group = "apps".into();
    ds.resource.as_mut().unwrap().resource = "daemonsets".into();
    assert_eq!(p.evaluate(&ds).rule, Some(6));
}

#[test]
fn apiserver_flags() {
    let text = example("kube-apiserver.yaml");
    let s = palisade_yaml::parse_stream(&text, &palisade_yaml::Limits::default());
    let found = palisade_audit::apiserver::check(&s.documents[0].root).unwrap();
    let got: Vec<(&str, u32)> = found.iter().map(|l| (l.id, l.line)).collect();
    assert!(
        got.contains(&("apiserver-audit-retention-short", 18)),
        "{got:?}"
    );
    assert!(got.contains(&("apiserver-audit-rotation", 17)), "{got:?}");
    assert!(
        got.contains(&("apiserver-audit-webhook-blocking", 21)),
        "{got:?}"
    );
    assert!(!got.iter().any(|(id, _)| *id == "apiserver-no-audit-policy"));
}
