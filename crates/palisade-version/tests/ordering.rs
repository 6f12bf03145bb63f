//! Every comparison of osv-scalibr's version-ordering fixtures (71,818
//! lines in ../shared/corpus/osv/version-ordering, mapped to ecosystems by
//! ECOSYSTEMS.tsv), checked both ways: compare(a, b) and, mirrored,
//! compare(b, a).

use std::cmp::Ordering;

use palisade_version::{Ecosystem, compare};

/// Runs every fixture file of `eco`; returns (checked, failures).
fn run(eco_name: &str) -> (usize, Vec<String>) {
    let dir = palisade_corpus::corpus_path("osv/version-ordering");
    let map = std::fs::read_to_string(dir.join("ECOSYSTEMS.tsv")).unwrap();
    let eco = Ecosystem::parse(eco_name).unwrap();
    let mut checked = 0;
    let mut failures = Vec::new();
    let files: Vec<&str> = map
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('\t'))
        .filter(|(e, _)| *e == eco_name)
        .map(|(_, f)| f)
        .collect();
    assert!(!files.is_empty(), "no fixture for {eco_name}");
    for f in files {
        let text = std::fs::read_to_string(dir.join(f)).unwrap();
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with("# ") || line.starts_with("// ") {
                continue;
            }
            let parts: Vec<&str> = line.split(' ').collect();
            let [a, op, b] = parts.as_slice() else {
                panic!("{f}:{}: {line:?}", n + 1)
            };
            let want = match *op {
                "<" => Ordering::Less,
                "=" => Ordering::Equal,
                ">" => Ordering::Greater,
                _ => panic!("{f}:{}: {line:?}", n + 1),
            };
            checked += 1;
            let (got, mirrored) = (compare(eco, a, b), compare(eco, b, a));
            if got != want || mirrored != want.reverse() {
                failures.push(format!(
                    "{f}:{}: {line} (got {got:?}, mirrored {mirrored:?})",
                    n + 1
                ));
            }
        }
    }
    (checked, failures)
}

fn check(eco: &str) {
    palisade_corpus::require!(
        "osv/version-ordering",
        "osv/version-ordering/ECOSYSTEMS.tsv"
    );
    let (checked, failures) = run(eco);
    assert!(
        failures.is_empty(),
        "{eco}: {} of {checked} comparisons wrong:\n{}",
        failures.len(),
        failures
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    eprintln!("{eco}: {checked} of {checked}");
}

macro_rules! ecosystems {
    ($($test:ident => $eco:expr),* $(,)?) => {
        $(#[test] fn $test() { check($eco); })*
    };
}

ecosystems! {
    npm => "npm",
    crates_io => "crates.io",
    go => "Go",
    hex => "Hex",
    dart_pub => "Pub",
    pypi => "PyPI",
    maven => "Maven",
    nuget => "NuGet",
    packagist => "Packagist",
    rubygems => "RubyGems",
    cran => "CRAN",
    hackage => "Hackage",
    debian => "Debian",
    alpine => "Alpine",
    red_hat => "Red Hat",
}
