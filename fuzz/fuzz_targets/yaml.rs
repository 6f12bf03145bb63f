//! The YAML/JSON reader on arbitrary bytes: never panics, never exceeds
//! its budgets (the trees of a stream together stay within its bytes).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let limits = palisade_yaml::Limits {
            max_depth: 64,
            max_bytes: 8 << 20,
            ..Default::default()
        };
        let stream = palisade_yaml::parse_stream(text, &limits);
        let bytes: usize = stream.documents.iter().map(|d| d.root.bytes()).sum();
        assert!(bytes <= limits.max_bytes, "{bytes} bytes of trees");
    }
});
