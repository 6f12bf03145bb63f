//! Software bills of materials.
//!
//! [`scan`] opens a target with `palisade-imagefs`, runs every cataloger of
//! [`catalog::CATALOGERS`] over its files (in parallel, each pure over the
//! tree), merges what they found and assesses the image's attack surface
//! ([`assess`]). [`format`] writes CycloneDX 1.6 JSON, SPDX 2.3 JSON, a
//! table or palisade's own JSON.
//!
//! Every package carries a purl built from what the package database says
//! (never a guessed CPE), the files that are evidence for it, and the
//! licenses it declares.

pub mod assess;
pub mod catalog;
pub mod format;
mod purl;
mod text;

use std::path::Path;

use palisade_imagefs::{ImageInfo, Opened, TargetKind, Want};
use serde::Serialize;

pub use assess::Finding;
pub use palisade_imagefs::Warning;

/// Which package world a package comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Deb,
    Apk,
    Rpm,
    Python,
    Npm,
    Cargo,
    Go,
    Java,
    Gem,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Deb => "deb",
            Kind::Apk => "apk",
            Kind::Rpm => "rpm",
            Kind::Python => "python",
            Kind::Npm => "npm",
            Kind::Cargo => "cargo",
            Kind::Go => "go",
            Kind::Java => "java",
            Kind::Gem => "gem",
        }
    }
}

/// The distribution, from `etc/os-release`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Distro {
    /// `ID`: debian, ubuntu, alpine, rhel, …
    pub id: String,
    /// `VERSION_ID`: 12, 22.04, 3.19.1, …
    pub version_id: String,
    pub pretty_name: String,
    pub id_like: Vec<String>,
}

impl Distro {
    /// The OSV ecosystem of this distribution's packages (`Debian:12`,
    /// `Alpine:v3.19`, `Ubuntu:22.04`), where OSV has one.
    pub fn osv_ecosystem(&self) -> Option<String> {
        let major_minor = |v: &str| v.split('.').take(2).collect::<Vec<_>>().join(".");
        match self.id.as_str() {
            "debian" => Some(format!(
                "Debian:{}",
                self.version_id.split('.').next().unwrap_or_default()
            )),
            "ubuntu" => Some(format!("Ubuntu:{}", self.version_id)),
            "alpine" => Some(format!("Alpine:v{}", major_minor(&self.version_id))),
            "rocky" => Some(format!(
                "Rocky Linux:{}",
                self.version_id.split('.').next().unwrap_or_default()
            )),
            "almalinux" => Some(format!(
                "AlmaLinux:{}",
                self.version_id.split('.').next().unwrap_or_default()
            )),
            _ => None,
        }
    }
}

/// A source package (Debian `Source:`, RPM `SOURCERPM`, apk origin).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourcePackage {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// One package found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Package {
    pub name: String,
    pub version: String,
    pub kind: Kind,
    /// Maven group, Go module namespace is part of the name instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    pub purl: String,
    /// The files this package was found in (database, manifest, binary).
    pub locations: Vec<String>,
    pub licenses: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<SourcePackage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    /// The files the package database says the package installed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
    /// The cataloger that found it.
    pub found_by: &'static str,
}

impl Package {
    /// A package with the fields every cataloger fills; the purl is set by
    /// [`scan`] once the distribution is known.
    pub fn new(
        kind: Kind,
        name: impl Into<String>,
        version: impl Into<String>,
        location: &str,
        found_by: &'static str,
    ) -> Self {
        Package {
            name: name.into(),
            version: version.into(),
            kind,
            group: None,
            purl: String::new(),
            locations: vec![location.to_string()],
            licenses: Vec::new(),
            source: None,
            arch: None,
            files: Vec::new(),
            found_by,
        }
    }

    /// The OSV ecosystem name for matching.
    pub fn ecosystem(&self, distro: Option<&Distro>) -> Option<String> {
        Some(match self.kind {
            Kind::Deb | Kind::Apk | Kind::Rpm => return distro.and_then(Distro::osv_ecosystem),
            Kind::Python => "PyPI".into(),
            Kind::Npm => "npm".into(),
            Kind::Cargo => "crates.io".into(),
            Kind::Go => "Go".into(),
            Kind::Java => "Maven".into(),
            Kind::Gem => "RubyGems".into(),
        })
    }
}

/// What was scanned.
#[derive(Debug, Clone, Serialize)]
pub struct Source {
    /// The target as given.
    pub target: String,
    pub kind: TargetKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageInfo>,
    /// How many paths the tree held after the layers were applied.
    pub files: usize,
}

/// The bill of materials of one target.
#[derive(Debug, Clone, Serialize)]
pub struct Sbom {
    pub source: Source,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distro: Option<Distro>,
    pub packages: Vec<Package>,
    /// The minimal-image assessment.
    pub findings: Vec<Finding>,
    pub warnings: Vec<Warning>,
}

/// Decides which files the catalogers read while layers stream past.
struct CatalogInterest;

impl palisade_imagefs::Interest for CatalogInterest {
    fn want(&self, path: &str, size: u64, mode: u32) -> Want {
        if catalog::wants(path) {
            Want::Content
        } else if mode & 0o111 != 0 && size >= 1024 {
            Want::Probe
        } else {
            Want::Nothing
        }
    }

    fn probe(&self, path: &str, content: &[u8]) -> Option<Vec<u8>> {
        catalog::binary::probe(path, content)
    }
}

/// Opens and catalogs `target` (`selector` picks an image among several).
pub fn scan(target: &Path, selector: Option<&str>) -> Result<Sbom, palisade_imagefs::Error> {
    let opened = palisade_imagefs::open(target, selector, &CatalogInterest)?;
    Ok(catalog_opened(target.display().to_string(), opened))
}

/// Catalogs an already opened target.
pub fn catalog_opened(target: String, opened: Opened) -> Sbom {
    let Opened {
        tree,
        kind,
        image,
        mut warnings,
    } = opened;
    let distro = catalog::os_release::distro(&tree);
    let (mut packages, more) = catalog::run(&tree);
    warnings.extend(more);
    for p in &mut packages {
        p.purl = purl::purl(p, distro.as_ref());
    }
    let packages = merge(packages);
    let findings = assess::assess(&tree, image.as_ref());
    Sbom {
        source: Source {
            target,
            kind,
            image,
            files: tree.len(),
        },
        distro,
        packages,
        findings,
        warnings,
    }
}

/// One package per purl: the same package seen through several pieces of
/// evidence (a lock file and the installed copy) keeps every location.
fn merge(mut packages: Vec<Package>) -> Vec<Package> {
    packages.sort_by(|a, b| a.purl.cmp(&b.purl));
    let mut out: Vec<Package> = Vec::with_capacity(packages.len());
    for p in packages {
        match out.last_mut() {
            Some(last) if last.purl == p.purl => {
                for l in p.locations {
                    if !last.locations.contains(&l) {
                        last.locations.push(l);
                    }
                }
                for l in p.licenses {
                    if !last.licenses.contains(&l) {
                        last.licenses.push(l);
                    }
                }
                if last.files.is_empty() {
                    last.files = p.files;
                }
            }
            _ => out.push(p),
        }
    }
    out.sort_by(|a, b| {
        (a.kind, &a.name, &a.version, &a.purl).cmp(&(b.kind, &b.name, &b.version, &b.purl))
    });
    out
}
