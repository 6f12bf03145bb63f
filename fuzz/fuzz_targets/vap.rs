//! Untrusted ValidatingAdmissionPolicies (CEL included) read and evaluated
//! offline on the objects of the same input, as `scan` does. Never panics;
//! a CEL expression cannot run away (no loops, bounded input).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let loaded = palisade_source::load_text("fuzz.yaml", text, &Default::default());
        let model = palisade_model::Model::new(loaded.objects);
        let (set, _) = palisade_vap::policy::PolicySet::from_objects(model.objects());
        let _ = palisade_vap::eval::findings(&set, &model);
        // a bare expression too: the text as CEL over a fixed object
        if text.len() < 4096
            && let Ok(e) = palisade_vap::expr::Expr::compile(text)
        {
            let mut scope = palisade_vap::expr::Scope::default();
            scope.set("object", &serde_json::json!({"spec": {"containers": [{"name": "a"}]}}));
            let _ = e.eval(&scope);
        }
    }
});
