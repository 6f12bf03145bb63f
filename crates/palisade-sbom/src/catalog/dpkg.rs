//! Debian and Ubuntu packages: `var/lib/dpkg/status`, and the one-file-per-
//! package `var/lib/dpkg/status.d/` of distroless images. Each package gets
//! its source package, architecture, the files it installed (`info/*.list`,
//! or `status.d/*.md5sums`) and the licenses of its copyright file.

use std::collections::BTreeSet;

use palisade_imagefs::Tree;

use super::{Cataloger, Found, utf8};
use crate::text::{field, fields, stanzas};
use crate::{Kind, Package, SourcePackage};

pub const CATALOGER: Cataloger = Cataloger {
    name: "dpkg-db-cataloger",
    reads: "var/lib/dpkg/status",
    matches: |p| p == "var/lib/dpkg/status",
    catalog,
};

pub const DISTROLESS: Cataloger = Cataloger {
    name: "dpkg-db-cataloger",
    reads: "var/lib/dpkg/status.d/* (distroless)",
    matches: |p| {
        p.strip_prefix("var/lib/dpkg/status.d/")
            .is_some_and(|n| !n.contains('/') && !n.contains('.'))
    },
    catalog,
};

/// The files consulted for ownership and licenses.
pub fn aux(path: &str) -> bool {
    (path.starts_with("var/lib/dpkg/info/") && path.ends_with(".list"))
        || path
            .strip_prefix("var/lib/dpkg/status.d/")
            .is_some_and(|n| n.ends_with(".md5sums"))
        || path
            .strip_prefix("usr/share/doc/")
            .is_some_and(|r| r.ends_with("/copyright") && r.matches('/').count() == 1)
}

fn catalog(tree: &Tree, path: &str, content: &[u8]) -> Found {
    let mut found = Found::default();
    let Some(text) = utf8(path, content, &mut found) else {
        return found;
    };
    let distroless = path != "var/lib/dpkg/status";
    for (line, stanza) in stanzas(text) {
        let f = fields(stanza, "\n");
        let (Some(name), Some(version)) = (field(&f, "Package"), field(&f, "Version")) else {
            found.warn(
                format!("{path}:{line}"),
                "stanza without Package or Version; skipped",
            );
            continue;
        };
        if let Some(status) = field(&f, "Status")
            && !status.ends_with(" installed")
        {
            continue;
        }
        let mut p = Package::new(Kind::Deb, name, version, path, CATALOGER.name);
        let arch = field(&f, "Architecture").map(str::to_string);
        p.source = field(&f, "Source").map(|s| match s.split_once(' ') {
            Some((n, v)) => SourcePackage {
                name: n.into(),
                version: Some(v.trim_matches(|c| c == '(' || c == ')' || c == ' ').into()),
            },
            None => SourcePackage {
                name: s.into(),
                version: None,
            },
        });
        let lists = if distroless {
            vec![format!("{path}.md5sums")]
        } else {
            let mut l = vec![format!("var/lib/dpkg/info/{name}.list")];
            if let Some(a) = &arch {
                l.push(format!("var/lib/dpkg/info/{name}:{a}.list"));
            }
            l
        };
        for list in lists {
            if let Some(c) = tree.read(&list) {
                let c = String::from_utf8_lossy(&c);
                p.files = c
                    .lines()
                    .map(|l| {
                        if distroless {
                            l.split_once("  ").map_or(l, |(_, f)| f)
                        } else {
                            l
                        }
                    })
                    .map(|l| l.trim().trim_start_matches('/').to_string())
                    .filter(|l| !l.is_empty() && l != ".")
                    .collect();
                p.locations.push(list);
                break;
            }
        }
        let copyright = format!("usr/share/doc/{name}/copyright");
        if let Some(c) = tree.read(&copyright) {
            p.licenses = licenses(&String::from_utf8_lossy(&c));
            p.locations.push(copyright);
        }
        p.arch = arch;
        found.packages.push(p);
    }
    found
}

/// The licenses a Debian copyright file names: `License:` short names of the
/// machine-readable format, and `/usr/share/common-licenses/` references.
pub fn licenses(text: &str) -> Vec<String> {
    let mut out = BTreeSet::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("License:")
            && let Some(first) = rest.split_whitespace().next()
        {
            out.insert(first.trim_end_matches(',').to_string());
        }
        if let Some(i) = line.find("/usr/share/common-licenses/") {
            let name: String = line[i + 27..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '+'))
                .collect();
            let name = name.trim_end_matches('.');
            if !name.is_empty() {
                out.insert(name.to_string());
            }
        }
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn copyright_licenses() {
        let t = "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nLicense: GPL-2+\n\nLicense: BSD-3-clause\n text\n On Debian systems, see /usr/share/common-licenses/GPL-2.\n";
        assert_eq!(super::licenses(t), ["BSD-3-clause", "GPL-2", "GPL-2+"]);
    }
}
