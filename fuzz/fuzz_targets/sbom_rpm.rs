#![no_main]
//! rpm header blobs, Berkeley DB hash files, and whole rpmdb files (SQLite or not).
use libfuzzer_sys::fuzz_target;
use palisade_sbom::catalog::{self, Cataloger};

fn run(c: &Cataloger, path: &str, data: &[u8]) {
    let _ = (c.catalog)(&Default::default(), path, data);
}

fuzz_target!(|data: &[u8]| {
    let _ = catalog::rpm::header(data);
    let _ = catalog::rpm::read_bdb(data);
    run(&catalog::rpm::CATALOGER, "var/lib/rpm/rpmdb.sqlite", data);
});
