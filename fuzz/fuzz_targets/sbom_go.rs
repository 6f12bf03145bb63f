#![no_main]
//! go.mod, Go build info blobs, and the executable probe (Go and cargo-auditable).
use libfuzzer_sys::fuzz_target;
use palisade_sbom::catalog::{self, Cataloger};

fn run(c: &Cataloger, path: &str, data: &[u8]) {
    let _ = (c.catalog)(&Default::default(), path, data);
}

fuzz_target!(|data: &[u8]| {
    run(&catalog::golang::MOD, "go.mod", data);
    let _ = catalog::binary::go_buildinfo(data);
    let _ = catalog::binary::probe("bin/x", data);
});
