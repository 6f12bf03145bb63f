//! Falco rules files and conditions: load, compile, evaluate the result on
//! a fixed event, render outputs. Must not panic or hang; errors are fine.
#![no_main]

use libfuzzer_sys::fuzz_target;

const BASE: &str = "- list: l\n  items: [a, b]\n- macro: m\n  condition: ka.verb in (l)\n- rule: R\n  desc: d\n  condition: m and not ka.user.name startswith system:\n  output: \"%ka.user.name %ka.req.pod.containers.image\"\n  priority: WARNING\n  source: k8s_audit\n";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The text as a bare condition…
    let _ = palisade_falco::condition::parse(text);
    // …and as a rules file loaded after a small base it can append to and override.
    let files = vec![
        ("base.yaml".to_string(), BASE.to_string()),
        ("fuzz.yaml".to_string(), text.to_string()),
    ];
    let rs = palisade_falco::compile(&files);
    let ev = palisade_falco::AuditEvent::from_json(serde_json::json!({
        "kind": "Event", "auditID": "f", "stage": "ResponseComplete", "verb": "create",
        "user": {"username": "alice", "groups": ["g"]}, "requestURI": "/api/v1/namespaces/d/pods?x=1",
        "objectRef": {"resource": "pods", "namespace": "d", "name": "p"},
        "responseStatus": {"code": 201},
        "requestObject": {"spec": {"containers": [{"image": "a:1", "securityContext": {"privileged": true}}]}}
    }));
    let mut s = palisade_falco::Scratch::new();
    let _ = rs.evaluate(&ev, palisade_falco::Matching::All, &mut s, &mut palisade_falco::Windows::new());
});
