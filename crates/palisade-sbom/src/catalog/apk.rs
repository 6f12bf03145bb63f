//! Alpine packages: `lib/apk/db/installed`, one stanza per package with
//! one-letter keys (`P` name, `V` version, `A` arch, `L` license, `o` origin,
//! `F` directory and `R` file lines for the files it installed).

use palisade_imagefs::Tree;

use super::{Cataloger, Found, utf8};
use crate::text::stanzas;
use crate::{Kind, Package, SourcePackage};

pub const CATALOGER: Cataloger = Cataloger {
    name: "apk-db-cataloger",
    reads: "lib/apk/db/installed",
    matches: |p| p == "lib/apk/db/installed",
    catalog,
};

fn catalog(_tree: &Tree, path: &str, content: &[u8]) -> Found {
    let mut found = Found::default();
    let Some(text) = utf8(path, content, &mut found) else {
        return found;
    };
    for (line, stanza) in stanzas(text) {
        let (mut name, mut version, mut arch, mut license, mut origin) =
            (None, None, None, None, None);
        let mut files = Vec::new();
        let mut dir = String::new();
        for l in stanza.lines() {
            let Some((k, v)) = l.split_once(':') else {
                continue;
            };
            match k {
                "P" => name = Some(v),
                "V" => version = Some(v),
                "A" => arch = Some(v),
                "L" => license = Some(v),
                "o" => origin = Some(v),
                "F" => dir = v.to_string(),
                "R" => files.push(if dir.is_empty() {
                    v.to_string()
                } else {
                    format!("{dir}/{v}")
                }),
                _ => {}
            }
        }
        let (Some(name), Some(version)) = (name, version) else {
            found.warn(
                format!("{path}:{line}"),
                "package without P: or V:; skipped",
            );
            continue;
        };
        let mut p = Package::new(Kind::Apk, name, version, path, CATALOGER.name);
        p.arch = arch.map(str::to_string);
        // apk writes an SPDX-ish expression: "MIT AND BSD-2-Clause" or "GPL-2.0-only".
        p.licenses = license
            .filter(|l| !l.is_empty())
            .map(|l| vec![l.to_string()])
            .unwrap_or_default();
        p.source = origin.filter(|o| *o != name).map(|o| SourcePackage {
            name: o.into(),
            version: None,
        });
        p.files = files;
        found.packages.push(p);
    }
    found
}
