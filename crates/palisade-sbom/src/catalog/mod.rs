//! The catalogers: one file each, listed in [`CATALOGERS`].
//!
//! A cataloger names the files it reads by path ([`Cataloger::matches`]) and
//! turns one such file (with read access to the rest of the tree) into
//! packages. Catalogers are pure functions of the tree, run in parallel.

pub mod apk;
pub mod binary;
pub mod cargo;
pub mod dpkg;
pub mod gem;
pub mod golang;
pub mod java;
pub mod npm;
pub mod os_release;
pub mod python;
pub mod rpm;

use palisade_imagefs::{Tree, Warning};
use rayon::prelude::*;

use crate::Package;

/// What one cataloger found in one file.
#[derive(Debug, Default)]
pub struct Found {
    pub packages: Vec<Package>,
    pub warnings: Vec<Warning>,
}

impl Found {
    pub(crate) fn warn(&mut self, location: impl Into<String>, message: impl Into<String>) {
        self.warnings.push(Warning {
            location: location.into(),
            message: message.into(),
        });
    }
}

/// One cataloger.
pub struct Cataloger {
    pub name: &'static str,
    /// What it reads, for `palisade sbom --list-catalogers` and the README.
    pub reads: &'static str,
    pub matches: fn(&str) -> bool,
    pub catalog: fn(&Tree, &str, &[u8]) -> Found,
}

/// Every cataloger.
pub static CATALOGERS: &[Cataloger] = &[
    dpkg::CATALOGER,
    dpkg::DISTROLESS,
    apk::CATALOGER,
    rpm::CATALOGER,
    python::INSTALLED,
    python::REQUIREMENTS,
    python::POETRY,
    python::PIPFILE,
    python::UV,
    npm::INSTALLED,
    npm::PACKAGE_LOCK,
    npm::YARN,
    npm::PNPM,
    cargo::LOCK,
    golang::MOD,
    java::ARCHIVE,
    gem::GEMFILE_LOCK,
    gem::GEMSPEC,
];

/// Whether the content of `path` is needed: a cataloger reads it, or one
/// consults it (dpkg's file lists and copyright files, the OS release).
pub fn wants(path: &str) -> bool {
    CATALOGERS.iter().any(|c| (c.matches)(path)) || dpkg::aux(path) || os_release::matches(path)
}

/// Runs every cataloger over the tree, and the binary cataloger over the
/// probed executables.
pub fn run(tree: &Tree) -> (Vec<Package>, Vec<Warning>) {
    let jobs: Vec<(&Cataloger, &str)> = tree
        .iter()
        .filter(|(_, n)| n.is_file())
        .flat_map(|(p, _)| {
            CATALOGERS
                .iter()
                .filter(move |c| (c.matches)(p))
                .map(move |c| (c, p))
        })
        .collect();
    let mut found: Vec<Found> = jobs
        .par_iter()
        .map(|(c, path)| match tree.read(path) {
            Some(content) => (c.catalog)(tree, path, &content),
            None => {
                let mut f = Found::default();
                f.warn(
                    *path,
                    "cannot read the file (too large or unreadable); not catalogued",
                );
                f
            }
        })
        .collect();
    found.push(binary::collect(tree));
    let mut packages = Vec::new();
    let mut warnings = Vec::new();
    for f in found {
        packages.extend(f.packages);
        warnings.extend(f.warnings);
    }
    (packages, warnings)
}

/// Text of a file, or a warning that it is not UTF-8.
pub(crate) fn utf8<'a>(path: &str, content: &'a [u8], found: &mut Found) -> Option<&'a str> {
    match std::str::from_utf8(content) {
        Ok(t) => Some(t),
        Err(e) => {
            found.warn(path, format!("not UTF-8 text ({e}); not catalogued"));
            None
        }
    }
}

#[derive(serde::Deserialize)]
struct TomlLock {
    #[serde(default)]
    package: Vec<TomlPackage>,
}

/// One `[[package]]` table of a TOML lock file (Cargo, Poetry, uv).
#[derive(serde::Deserialize)]
pub(crate) struct TomlPackage {
    pub name: String,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub source: Option<toml::Value>,
    /// Poetry 2: the dependency groups that need it.
    #[serde(default)]
    pub groups: Option<Vec<String>>,
    /// Poetry 1: `main` or `dev`.
    #[serde(default)]
    pub category: Option<String>,
}

/// A TOML lock file's `[[package]]` tables, or a warning naming the line.
pub(crate) fn toml_packages(path: &str, content: &[u8], found: &mut Found) -> Vec<TomlPackage> {
    let Some(text) = utf8(path, content, found) else {
        return Vec::new();
    };
    match toml::from_str::<TomlLock>(text) {
        Ok(l) => l.package,
        Err(e) => {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].lines().count().max(1));
            let at = line.map_or(path.to_string(), |l| format!("{path}:{l}"));
            found.warn(at, format!("invalid TOML: {}", e.message()));
            Vec::new()
        }
    }
}
