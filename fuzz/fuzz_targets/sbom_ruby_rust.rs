#![no_main]
//! Gemfile.lock, gemspecs and Cargo.lock: the first byte picks one.
use libfuzzer_sys::fuzz_target;
use palisade_sbom::catalog::{self, Cataloger};

fn run(c: &Cataloger, path: &str, data: &[u8]) {
    let _ = (c.catalog)(&Default::default(), path, data);
}

fuzz_target!(|data: &[u8]| {
    let Some((&k, rest)) = data.split_first() else { return };
    match k % 3 {
        0 => run(&catalog::gem::GEMFILE_LOCK, "Gemfile.lock", rest),
        1 => run(&catalog::gem::GEMSPEC, "specifications/x.gemspec", rest),
        _ => run(&catalog::cargo::LOCK, "Cargo.lock", rest),
    }
});
