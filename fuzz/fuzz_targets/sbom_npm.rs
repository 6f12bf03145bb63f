#![no_main]
//! package.json, package-lock.json, yarn.lock (classic and Berry), pnpm-lock.yaml: the first byte picks one.
use libfuzzer_sys::fuzz_target;
use palisade_sbom::catalog::{self, Cataloger};

fn run(c: &Cataloger, path: &str, data: &[u8]) {
    let _ = (c.catalog)(&Default::default(), path, data);
}

fuzz_target!(|data: &[u8]| {
    let Some((&k, rest)) = data.split_first() else { return };
    match k % 4 {
        0 => run(&catalog::npm::INSTALLED, "node_modules/x/package.json", rest),
        1 => run(&catalog::npm::PACKAGE_LOCK, "package-lock.json", rest),
        2 => run(&catalog::npm::YARN, "yarn.lock", rest),
        _ => run(&catalog::npm::PNPM, "pnpm-lock.yaml", rest),
    }
});
