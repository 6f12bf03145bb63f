//! Terraform HCL through the kubernetes-provider mapper and every check:
//! never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let module = palisade_hcl::load_module(
            &[("main.tf".to_string(), text.to_string())],
            &[],
            &Default::default(),
        );
        let model = palisade_model::Model::new(module.objects);
        let _ = palisade_checks::run(&model, &Default::default());
    }
});
