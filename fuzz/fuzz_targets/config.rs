//! `.palisade.yaml` parsing on arbitrary input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(c) = palisade_checks::Config::parse(text, "fuzz.yaml")
    {
        let _ = palisade_checks::Settings::from_config(&c);
    }
});
