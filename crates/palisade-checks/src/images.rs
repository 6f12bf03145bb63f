//! Facts about container images that the manifests cannot tell: what an
//! image ships, which user it runs as and, with a vulnerability database,
//! which known vulnerabilities its packages have — read from the images
//! themselves (`palisade scan --images`, through `palisade-sbom`; the
//! matching happens in the binary, the checks only read the result). Keyed by the
//! normalised reference (`registry/repository:tag`, and `@digest`), so a
//! workload's `image: nginx:1.27` finds `docker.io/library/nginx:1.27`.

use std::collections::HashMap;

use palisade_model::ImageRef;

/// One image.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageFacts {
    /// Where it was read from (the archive or layout).
    pub source: String,
    /// The config's `User` ("" when unset).
    pub user: String,
    /// Attack-surface findings: a title ("ships a shell") and its evidence.
    pub surface: Vec<(String, Vec<String>)>,
    /// Known vulnerabilities of its packages; `None` when no database was
    /// available.
    pub vulnerabilities: Option<VulnSummary>,
}

/// The known vulnerabilities of an image's packages, counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VulnSummary {
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    /// Without a rating (or rated 0.0).
    pub other: usize,
    /// How many a newer version of the package fixes.
    pub fixable: usize,
    /// Accepted by the configuration's ignore rules (not counted above).
    pub suppressed: usize,
    /// Packages with at least one.
    pub packages: usize,
    /// The worst fixable ones, worst first: (id, "package version", the
    /// version to upgrade to).
    pub top: Vec<(String, String, String)>,
}

impl VulnSummary {
    /// Every counted vulnerability.
    pub fn total(&self) -> usize {
        self.critical + self.high + self.medium + self.low + self.other
    }
}

impl ImageFacts {
    /// Whether the image, left to itself, runs as root.
    pub fn runs_as_root(&self) -> bool {
        let who = self.user.split(':').next().unwrap_or_default().trim();
        who.is_empty() || who == "0" || who == "root"
    }
}

/// Images by reference.
#[derive(Debug, Default)]
pub struct Images {
    by_ref: HashMap<String, usize>,
    facts: Vec<ImageFacts>,
}

/// `registry/repository:tag` and `registry/repository@digest` of a reference.
fn keys(reference: &str) -> Vec<String> {
    let Some(r) = ImageRef::parse(reference) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(t) = &r.tag {
        out.push(format!("{}/{}:{t}", r.registry, r.repository));
    }
    if let Some(d) = &r.digest {
        out.push(format!("{}/{}@{d}", r.registry, r.repository));
    }
    out
}

impl Images {
    /// Adds an image known by these references (tags or digests).
    pub fn insert(&mut self, references: &[String], facts: ImageFacts) {
        let i = self.facts.len();
        self.facts.push(facts);
        for r in references {
            for k in keys(r) {
                self.by_ref.entry(k).or_insert(i);
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.facts.is_empty()
    }

    /// The facts of the image a workload names, by digest first, then tag.
    pub fn get(&self, reference: &str) -> Option<&ImageFacts> {
        let mut ks = keys(reference);
        ks.reverse();
        ks.iter()
            .find_map(|k| self.by_ref.get(k))
            .map(|&i| &self.facts[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_normalised() {
        let mut im = Images::default();
        im.insert(
            &["docker.io/library/nginx:1.27".into()],
            ImageFacts {
                user: "101".into(),
                ..Default::default()
            },
        );
        assert_eq!(im.get("nginx:1.27").unwrap().user, "101");
        assert!(im.get("nginx:1.26").is_none());
    }
}
