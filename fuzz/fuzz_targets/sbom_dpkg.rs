#![no_main]
//! The dpkg status database (status and distroless status.d) and copyright license extraction.
use libfuzzer_sys::fuzz_target;
use palisade_sbom::catalog::{self, Cataloger};

fn run(c: &Cataloger, path: &str, data: &[u8]) {
    let _ = (c.catalog)(&Default::default(), path, data);
}

fuzz_target!(|data: &[u8]| {
    run(&catalog::dpkg::CATALOGER, "var/lib/dpkg/status", data);
    run(&catalog::dpkg::DISTROLESS, "var/lib/dpkg/status.d/pkg", data);
    let _ = catalog::dpkg::licenses(&String::from_utf8_lossy(data));
});
