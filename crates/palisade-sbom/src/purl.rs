//! Package URLs, from the package's own identity and the distribution.

use packageurl::PackageUrl;

use crate::{Distro, Kind, Package};

/// The purl of `p`. OS packages are namespaced by the distribution ID and
/// carry `arch`, `distro` and (for RPM) `epoch` qualifiers, as Syft and Trivy
/// write them.
pub(crate) fn purl(p: &Package, distro: Option<&Distro>) -> String {
    build(p, distro).unwrap_or_else(|| format!("pkg:generic/{}@{}", p.name, p.version))
}

fn build(p: &Package, distro: Option<&Distro>) -> Option<String> {
    let distro_q = distro
        .filter(|d| !d.id.is_empty())
        .map(|d| format!("{}-{}", d.id, d.version_id));
    let ns_default = |fallback: &'static str| {
        distro
            .map(|d| d.id.clone())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| fallback.to_string())
    };
    let mut version = p.version.clone();
    let (ty, namespace, name): (&str, Option<String>, String) = match p.kind {
        Kind::Deb => ("deb", Some(ns_default("debian")), p.name.clone()),
        Kind::Apk => ("apk", Some(ns_default("alpine")), p.name.clone()),
        Kind::Rpm => {
            // The purl version has no epoch; it goes in a qualifier.
            if let Some((_, v)) = version.split_once(':') {
                version = v.to_string();
            }
            ("rpm", Some(ns_default("redhat")), p.name.clone())
        }
        Kind::Python => ("pypi", None, pep503(&p.name)),
        Kind::Npm => match p.name.strip_prefix('@').and_then(|n| n.split_once('/')) {
            Some((scope, name)) => ("npm", Some(format!("@{scope}")), name.to_string()),
            None => ("npm", None, p.name.clone()),
        },
        Kind::Cargo => ("cargo", None, p.name.clone()),
        Kind::Go => match p.name.rsplit_once('/') {
            Some((ns, name)) => ("golang", Some(ns.to_string()), name.to_string()),
            None => ("golang", None, p.name.clone()),
        },
        Kind::Java => ("maven", p.group.clone(), p.name.clone()),
        Kind::Gem => ("gem", None, p.name.clone()),
    };
    let mut u = PackageUrl::new(ty, name).ok()?;
    if let Some(ns) = namespace {
        u.with_namespace(ns).ok()?;
    }
    if !version.is_empty() {
        u.with_version(version).ok()?;
    }
    if matches!(p.kind, Kind::Deb | Kind::Apk | Kind::Rpm) {
        if let Some(a) = &p.arch {
            u.add_qualifier("arch", a.clone()).ok()?;
        }
        if p.kind == Kind::Rpm
            && let Some((e, _)) = p.version.split_once(':')
        {
            u.add_qualifier("epoch", e.to_string()).ok()?;
        }
        if let Some(d) = &distro_q {
            u.add_qualifier("distro", d.clone()).ok()?;
        }
        if p.kind == Kind::Deb
            && let Some(src) = &p.source
            && src.name != p.name
        {
            u.add_qualifier("upstream", src.name.clone()).ok()?;
        }
    }
    Some(u.to_string())
}

/// PEP 503 normalisation: lower case, runs of `-`, `_`, `.` become `-`.
pub(crate) fn pep503(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
            continue;
        }
        if sep && !out.is_empty() {
            out.push('-');
        }
        sep = false;
        out.push(c.to_ascii_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pkg(kind: Kind, name: &str, version: &str) -> Package {
        Package::new(kind, name, version, "x", "test")
    }

    #[test]
    fn purls_follow_the_spec() {
        let d = Distro {
            id: "debian".into(),
            version_id: "12".into(),
            ..Default::default()
        };
        let mut p = pkg(Kind::Deb, "libc6", "2.36-9+deb12u4");
        p.arch = Some("amd64".into());
        p.source = Some(crate::SourcePackage {
            name: "glibc".into(),
            version: None,
        });
        assert_eq!(
            purl(&p, Some(&d)),
            "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12&upstream=glibc"
        );
        assert_eq!(
            purl(&pkg(Kind::Npm, "@babel/core", "7.0.0"), None),
            "pkg:npm/%40babel/core@7.0.0"
        );
        assert_eq!(
            purl(&pkg(Kind::Python, "Zope.Interface", "6.0"), None),
            "pkg:pypi/zope-interface@6.0"
        );
        assert_eq!(
            purl(&pkg(Kind::Go, "github.com/pkg/errors", "v0.9.1"), None),
            "pkg:golang/github.com/pkg/errors@v0.9.1"
        );
        let mut j = pkg(Kind::Java, "commons-lang3", "3.12.0");
        j.group = Some("org.apache.commons".into());
        assert_eq!(
            purl(&j, None),
            "pkg:maven/org.apache.commons/commons-lang3@3.12.0"
        );
        let r = pkg(Kind::Rpm, "bash", "1:5.1-2.el9");
        assert_eq!(purl(&r, None), "pkg:rpm/redhat/bash@5.1-2.el9?epoch=1");
    }
}
