//! Java archives (jar, war, ear, Jenkins plugins): the Maven coordinates of
//! every `META-INF/maven/**/pom.properties` inside, else the manifest's
//! title and version (or the file name); nested archives are opened from
//! memory, three levels deep at most.

use std::io::{Cursor, Read};

use palisade_imagefs::Tree;

use super::{Cataloger, Found};
use crate::text::{base, field, fields};
use crate::{Kind, Package};

pub const ARCHIVE: Cataloger = Cataloger {
    name: "java-archive-cataloger",
    reads: "*.jar, *.war, *.ear, *.jpi, *.hpi (pom.properties, MANIFEST.MF, nested archives)",
    matches: is_archive,
    catalog,
};

fn is_archive(path: &str) -> bool {
    let b = base(path);
    [".jar", ".war", ".ear", ".jpi", ".hpi"]
        .iter()
        .any(|e| b.len() > e.len() && b.ends_with(e))
}

const MAX_NESTED: u64 = 128 << 20;

fn catalog(_tree: &Tree, path: &str, content: &[u8]) -> Found {
    let mut found = Found::default();
    archive(path, content, 0, &mut found);
    found
}

fn archive(location: &str, content: &[u8], depth: u8, found: &mut Found) {
    let mut zip = match zip::ZipArchive::new(Cursor::new(content)) {
        Ok(z) => z,
        Err(e) => {
            found.warn(location, format!("not a readable zip archive: {e}"));
            return;
        }
    };
    let mut poms: Vec<(String, Vec<u8>)> = Vec::new();
    let mut manifest = None;
    let mut nested: Vec<(String, Vec<u8>)> = Vec::new();
    for i in 0..zip.len() {
        let Ok(mut f) = zip.by_index(i) else {
            found.warn(location, format!("entry {i} cannot be read"));
            continue;
        };
        let name = match f.name() {
            Ok(n) => n.into_owned(),
            Err(_) => String::from_utf8_lossy(f.name_raw()).into_owned(),
        };
        let wanted = (name.starts_with("META-INF/maven/") && name.ends_with("/pom.properties"))
            || name == "META-INF/MANIFEST.MF"
            || (depth < 3 && is_archive(&name));
        if !wanted || f.size() > MAX_NESTED {
            continue;
        }
        let mut buf = Vec::with_capacity(f.size() as usize);
        if let Err(e) = (&mut f).take(MAX_NESTED).read_to_end(&mut buf) {
            found.warn(format!("{location}:{name}"), format!("cannot inflate: {e}"));
            continue;
        }
        if name == "META-INF/MANIFEST.MF" {
            manifest = Some(buf);
        } else if name.ends_with("/pom.properties") {
            poms.push((name, buf));
        } else {
            nested.push((name, buf));
        }
    }
    let mut any = false;
    for (name, buf) in &poms {
        let text = String::from_utf8_lossy(buf);
        let get = |k: &str| {
            text.lines()
                .find_map(|l| {
                    l.trim()
                        .strip_prefix(k)
                        .and_then(|r| r.trim_start().strip_prefix('='))
                })
                .map(|v| v.trim().to_string())
        };
        if let (Some(g), Some(a), Some(v)) = (get("groupId"), get("artifactId"), get("version")) {
            let mut p = Package::new(
                Kind::Java,
                a,
                v,
                &format!("{location}:{name}"),
                ARCHIVE.name,
            );
            p.locations[0] = location.to_string();
            p.group = Some(g);
            found.packages.push(p);
            any = true;
        }
    }
    if !any {
        let text = manifest
            .as_deref()
            .map(String::from_utf8_lossy)
            .unwrap_or_default();
        let f = fields(&text, "");
        let (stem_name, stem_version) = split_file_name(base(location));
        let name = stem_name
            .or_else(|| field(&f, "Implementation-Title").map(str::to_string))
            .or_else(|| {
                field(&f, "Bundle-SymbolicName")
                    .map(|s| s.split(';').next().unwrap_or(s).to_string())
            });
        let version = field(&f, "Implementation-Version")
            .or_else(|| field(&f, "Bundle-Version"))
            .map(str::to_string)
            .or(stem_version);
        match (name, version) {
            (Some(n), Some(v)) => {
                let mut p = Package::new(Kind::Java, n, v, location, ARCHIVE.name);
                p.group = field(&f, "Implementation-Vendor-Id").map(str::to_string);
                found.packages.push(p);
            }
            _ => found.warn(location, "no pom.properties, and neither the manifest nor the file name gives a name and version"),
        }
    }
    for (name, buf) in nested {
        archive(&format!("{location}:{name}"), &buf, depth + 1, found);
    }
}

/// `commons-lang3-3.12.0.jar` → (`commons-lang3`, `3.12.0`).
fn split_file_name(file: &str) -> (Option<String>, Option<String>) {
    let stem = file.rsplit_once('.').map_or(file, |(s, _)| s);
    let cut = stem
        .char_indices()
        .find(|&(i, c)| c == '-' && stem[i + 1..].starts_with(|d: char| d.is_ascii_digit()));
    match cut {
        Some((i, _)) => (Some(stem[..i].to_string()), Some(stem[i + 1..].to_string())),
        None if !stem.is_empty() => (Some(stem.to_string()), None),
        None => (None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names() {
        assert_eq!(
            split_file_name("commons-lang3-3.12.0.jar"),
            (Some("commons-lang3".into()), Some("3.12.0".into()))
        );
        assert_eq!(split_file_name("app.jar"), (Some("app".into()), None));
    }

    #[test]
    fn corrupt_archive_is_a_warning() {
        let f = catalog(&Tree::default(), "x.jar", b"PK\x03\x04garbage");
        assert!(f.packages.is_empty());
        assert_eq!(f.warnings.len(), 1);
    }
}
