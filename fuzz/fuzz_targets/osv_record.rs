#![no_main]
//! An OSV record (JSON or YAML), then every package it names checked
//! against the versions its events and lists mention.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(record) = palisade_osv::parse(&String::from_utf8_lossy(data)) else { return };
    for a in &record.affected {
        let Some(p) = &a.package else { continue };
        let events = a.ranges.iter().flat_map(|r| &r.events).flat_map(|e| [&e.introduced, &e.fixed, &e.last_affected].into_iter().flatten());
        for v in events.chain(&a.versions).take(64) {
            let _ = record.affects(&p.ecosystem, &p.name, v);
        }
    }
});
