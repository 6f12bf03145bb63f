//! The admission webhook's untrusted inputs: AdmissionReview bodies (to
//! /validate and /mutate, with built-in checks and a Gatekeeper policy
//! loaded), the admission configuration, and Rego through the
//! compatibility rewrites and the template compiler.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn admission() -> &'static palisade_admission::Admission {
    static A: OnceLock<palisade_admission::Admission> = OnceLock::new();
    A.get_or_init(|| {
        let policies = format!(
            "{}\n---\n{}",
            include_str!("../../policies/ingress-host-allowlist/template.yaml"),
            include_str!("../../policies/ingress-host-allowlist/samples/constraint.yaml")
        );
        let loaded = palisade_source::load_text("policies.yaml", &policies, &Default::default());
        let config = palisade_admission::Config::parse("namespaces:\n  - names: ['*']\n    mutate: true\n", "c.yaml").unwrap();
        let (a, errors) = palisade_admission::Admission::new(config, &loaded.objects, Vec::new());
        assert!(errors.is_empty(), "{errors:?}");
        a
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 4 {
        0 => {
            let _ = admission().review(rest, palisade_admission::Endpoint::Validate);
        }
        1 => {
            let _ = admission().review(rest, palisade_admission::Endpoint::Mutate);
        }
        2 => {
            if let Ok(text) = std::str::from_utf8(rest) {
                let _ = palisade_admission::Config::parse(text, "fuzz.yaml");
            }
        }
        _ => {
            if let Ok(text) = std::str::from_utf8(rest) {
                let rego = palisade_gatekeeper::rego_compat::normalise(text).unwrap_or_else(|| text.to_string());
                let template = serde_json::json!({
                    "apiVersion": "templates.gatekeeper.sh/v1", "kind": "ConstraintTemplate",
                    "metadata": {"name": "k8sfuzz"},
                    "spec": {"crd": {"spec": {"names": {"kind": "K8sFuzz"}}},
                        "targets": [{"target": "admission.k8s.gatekeeper.sh", "rego": rego}]}
                });
                let _ = palisade_gatekeeper::Template::from_json(&template);
            }
        }
    }
});
