//! Untrusted manifests through the whole pipeline: reader, objects, typed
//! kinds, model, every check. Never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let loaded = palisade_source::load_text("fuzz.yaml", text, &Default::default());
        let model = palisade_model::Model::new(loaded.objects);
        let _ = palisade_checks::run(&model, &Default::default());
    }
});
