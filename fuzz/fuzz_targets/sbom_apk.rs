#![no_main]
//! The Alpine installed database.
use libfuzzer_sys::fuzz_target;
use palisade_sbom::catalog::{self, Cataloger};

fn run(c: &Cataloger, path: &str, data: &[u8]) {
    let _ = (c.catalog)(&Default::default(), path, data);
}

fuzz_target!(|data: &[u8]| {
    run(&catalog::apk::CATALOGER, "lib/apk/db/installed", data);
});
