//! The YAML/JSON reader on arbitrary bytes: never panics, never exceeds
//! its budgets.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let limits = palisade_yaml::Limits {
            max_depth: 64,
            max_nodes: 100_000,
        };
        let stream = palisade_yaml::parse_stream(text, &limits);
        for d in &stream.documents {
            assert!(d.root.size() <= limits.max_nodes + 1);
        }
    }
});
