#![no_main]
//! Two versions of one ecosystem (the first byte picks it): ordering never
//! panics, a version equals itself, and swapping the operands reverses the
//! result.
use libfuzzer_sys::fuzz_target;
use palisade_version::{Ecosystem, compare};

const ECOSYSTEMS: [&str; 15] = ["npm", "crates.io", "Go", "Hex", "Pub", "PyPI", "Maven", "NuGet", "Packagist", "RubyGems", "CRAN", "Hackage", "Debian", "Alpine", "Red Hat"];

fuzz_target!(|data: &[u8]| {
    let Some((&k, rest)) = data.split_first() else { return };
    let eco = Ecosystem::parse(ECOSYSTEMS[usize::from(k) % ECOSYSTEMS.len()]).unwrap();
    let text = String::from_utf8_lossy(rest);
    let (a, b) = text.split_once(' ').unwrap_or((&text, ""));
    assert_eq!(compare(eco, a, a), std::cmp::Ordering::Equal, "{a:?}");
    assert_eq!(compare(eco, a, b), compare(eco, b, a).reverse(), "{a:?} {b:?}");
});
