//! Version ordering for every OSV ecosystem.
//!
//! OSV ranges are events on an ecosystem's own version order: `introduced`,
//! `fixed`, `last_affected` compare with the ecosystem's rules, never with
//! SemVer guessed onto everything (a main source of other scanners' false
//! positives). [`compare`] orders two versions of one [`Ecosystem`]; each
//! ecosystem's rules live in their own module. Versions that do not follow
//! an ecosystem's grammar are still ordered (as OSV's reference
//! implementation does), never rejected.

use std::cmp::Ordering;

mod alpine;
mod cran;
mod dart_pub;
mod debian;
mod hackage;
mod maven;
mod nuget;
mod packagist;
mod pypi;
mod redhat;
mod rubygems;
mod semver;

/// Compares two runs of ASCII digits by value, whatever their length.
pub(crate) fn cmp_digits(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.trim_start_matches('0'), b.trim_start_matches('0'));
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// The ecosystems whose version order palisade knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ecosystem {
    Npm,
    CratesIo,
    Go,
    Hex,
    Pub,
    PyPI,
    Maven,
    NuGet,
    Packagist,
    RubyGems,
    Cran,
    Hackage,
    Debian,
    Ubuntu,
    Alpine,
    RedHat,
}

impl Ecosystem {
    /// Parses an OSV ecosystem name; a release suffix (`Debian:12`,
    /// `Alpine:v3.19`, `Ubuntu:22.04:LTS`) is ignored. Distributions that
    /// use RPM (Red Hat, Rocky Linux, AlmaLinux, openSUSE, SUSE) order as RPM.
    pub fn parse(name: &str) -> Option<Self> {
        let base = name.split(':').next().unwrap_or(name);
        Some(match base {
            "npm" => Ecosystem::Npm,
            "crates.io" => Ecosystem::CratesIo,
            "Go" => Ecosystem::Go,
            "Hex" => Ecosystem::Hex,
            "Pub" => Ecosystem::Pub,
            "PyPI" => Ecosystem::PyPI,
            "Maven" => Ecosystem::Maven,
            "NuGet" => Ecosystem::NuGet,
            "Packagist" => Ecosystem::Packagist,
            "RubyGems" => Ecosystem::RubyGems,
            "CRAN" => Ecosystem::Cran,
            "Hackage" => Ecosystem::Hackage,
            "Debian" => Ecosystem::Debian,
            "Ubuntu" => Ecosystem::Ubuntu,
            "Alpine" => Ecosystem::Alpine,
            "Red Hat" | "Rocky Linux" | "AlmaLinux" | "openSUSE" | "SUSE" | "Mageia"
            | "openEuler" => Ecosystem::RedHat,
            _ => return None,
        })
    }
}

/// Orders `a` and `b` by `eco`'s rules.
pub fn compare(eco: Ecosystem, a: &str, b: &str) -> Ordering {
    match eco {
        Ecosystem::Npm | Ecosystem::CratesIo | Ecosystem::Go | Ecosystem::Hex => {
            semver::compare(a, b)
        }
        Ecosystem::Pub => dart_pub::compare(a, b),
        Ecosystem::PyPI => pypi::compare(a, b),
        Ecosystem::Maven => maven::compare(a, b),
        Ecosystem::NuGet => nuget::compare(a, b),
        Ecosystem::Packagist => packagist::compare(a, b),
        Ecosystem::RubyGems => rubygems::compare(a, b),
        Ecosystem::Cran => cran::compare(a, b),
        Ecosystem::Hackage => hackage::compare(a, b),
        Ecosystem::Debian | Ecosystem::Ubuntu => debian::compare(a, b),
        Ecosystem::Alpine => alpine::compare(a, b),
        Ecosystem::RedHat => redhat::compare(a, b),
    }
}
