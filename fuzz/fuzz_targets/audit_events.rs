//! Audit log input (JSON lines, EventList documents, garbage) through the
//! reader and the shipped rules. Must not panic; bad input is an error item.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static RULES: LazyLock<palisade_falco::RuleSet> =
    LazyLock::new(|| palisade_falco::compile(&palisade_falco::default_rule_files()));

fuzz_target!(|data: &[u8]| {
    let mut events = Vec::new();
    let _ = palisade_falco::event::read(data, 4096, |r| {
        if let Ok((_, e)) = r {
            events.push(e);
        }
        true
    });
    let mut s = palisade_falco::Scratch::new();
    for e in &events {
        for a in RULES.evaluate(e, palisade_falco::Matching::All, &mut s, &mut palisade_falco::Windows::new()) {
            let _ = palisade_falco::alert_record(&a, e);
        }
    }
});
