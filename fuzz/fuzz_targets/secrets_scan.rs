#![no_main]
//! Any bytes as a file of each kind the scanner treats differently (program
//! code, configuration, a Kubernetes manifest): no panic, every finding
//! inside the input, and no finding that shows more than the rule's prefix.
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static SCANNER: LazyLock<palisade_secrets::Scanner> = LazyLock::new(palisade_secrets::Scanner::new);

fuzz_target!(|data: &[u8]| {
    let lines = data.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
    for path in ["app.py", ".env", "deploy.yaml", "dump.json"] {
        for f in SCANNER.scan(path, data) {
            let rule = palisade_secrets::rule(&f.rule).expect("known rule");
            assert!(f.line >= 1 && f.line <= lines, "{} outside the input", f.line);
            assert!(f.redacted.chars().skip(rule.shown_prefix).all(|c| c == '*'));
        }
    }
});
