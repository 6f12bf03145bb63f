#![no_main]
//! One image layer (tar, gzip or zstd) applied to a tree, then every
//! cataloger and the assessment over the result.
use libfuzzer_sys::fuzz_target;
use palisade_imagefs::{Interest, Want};

struct All;

impl Interest for All {
    fn want(&self, _path: &str, _size: u64, mode: u32) -> Want {
        if mode & 0o111 != 0 { Want::Probe } else { Want::Content }
    }
    fn probe(&self, path: &str, content: &[u8]) -> Option<Vec<u8>> {
        palisade_sbom::catalog::binary::probe(path, content)
    }
    fn max_content(&self) -> u64 {
        1 << 20
    }
}

fuzz_target!(|data: &[u8]| {
    let (tree, _) = palisade_imagefs::tree_from_layer(data, &All);
    for (p, _) in tree.iter() {
        let _ = tree.resolve(p);
    }
    let _ = palisade_sbom::catalog::run(&tree);
    let _ = palisade_sbom::assess::assess(&tree, None);
});
