//! Rust: `Cargo.lock` (`[[package]]` tables, every lock format version).
//! Binaries built with cargo-auditable are read by [`super::binary`].

use palisade_imagefs::Tree;

use super::{Cataloger, Found};
use crate::{Kind, Package};

pub const LOCK: Cataloger = Cataloger {
    name: "rust-cargo-lock-cataloger",
    reads: "Cargo.lock",
    matches: |p| crate::text::base(p) == "Cargo.lock",
    catalog,
};

fn catalog(_tree: &Tree, path: &str, content: &[u8]) -> Found {
    let mut found = Found::default();
    for p in super::toml_packages(path, content, &mut found) {
        if let (name, Some(v)) = (p.name, p.version) {
            found
                .packages
                .push(Package::new(Kind::Cargo, name, v, path, LOCK.name));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    #[test]
    fn lock_v3() {
        let t = b"version = 3\n\n[[package]]\nname = \"anyhow\"\nversion = \"1.0.75\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"x\"\n";
        let f = super::catalog(&Default::default(), "Cargo.lock", t);
        assert_eq!(
            (f.packages[0].name.as_str(), f.packages[0].version.as_str()),
            ("anyhow", "1.0.75")
        );
    }
}
