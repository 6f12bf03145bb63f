//! Audit policies (parse, explain, lint) and kube-apiserver manifests.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(p) = palisade_audit::Policy::parse(text) {
        let _ = palisade_audit::lint(&p);
    }
    let _ = palisade_audit::apiserver::check_text(text);
});
