//! Python: installed distributions (`*.dist-info/METADATA`,
//! `*.egg-info/PKG-INFO`) and the lock and requirement files of projects
//! (`requirements*.txt` pins, `poetry.lock`, `Pipfile.lock`, `uv.lock`).

use palisade_imagefs::Tree;

use super::{Cataloger, Found, utf8};
use crate::text::{base, field, fields};
use crate::{Kind, Package};

pub const INSTALLED: Cataloger = Cataloger {
    name: "python-installed-package-cataloger",
    reads: "*.dist-info/METADATA, *.egg-info/PKG-INFO, *.egg-info",
    matches: |p| {
        p.ends_with(".dist-info/METADATA")
            || p.ends_with(".egg-info/PKG-INFO")
            || p.ends_with(".egg-info")
    },
    catalog: installed,
};

pub const REQUIREMENTS: Cataloger = Cataloger {
    name: "python-requirements-cataloger",
    reads: "requirements*.txt (pinned == lines)",
    matches: |p| {
        let b = base(p);
        b.ends_with(".txt") && b.contains("requirements")
    },
    catalog: requirements,
};

pub const POETRY: Cataloger = Cataloger {
    name: "python-poetry-lock-cataloger",
    reads: "poetry.lock",
    matches: |p| base(p) == "poetry.lock",
    catalog: poetry,
};

pub const PIPFILE: Cataloger = Cataloger {
    name: "python-pipfile-lock-cataloger",
    reads: "Pipfile.lock (default packages)",
    matches: |p| base(p) == "Pipfile.lock",
    catalog: pipfile,
};

pub const UV: Cataloger = Cataloger {
    name: "python-uv-lock-cataloger",
    reads: "uv.lock",
    matches: |p| base(p) == "uv.lock",
    catalog: uv,
};

fn installed(_tree: &Tree, path: &str, content: &[u8]) -> Found {
    let mut found = Found::default();
    let text = String::from_utf8_lossy(content);
    // The headers end at the first blank line; the description follows.
    let head = text.split("\n\n").next().unwrap_or_default();
    let f = fields(head, "\n");
    let (Some(name), Some(version)) = (field(&f, "Name"), field(&f, "Version")) else {
        found.warn(path, "metadata without Name or Version; skipped");
        return found;
    };
    let mut p = Package::new(Kind::Python, name, version, path, INSTALLED.name);
    p.licenses = licenses(&f);
    found.packages.push(p);
    found
}

/// License-Expression, else a one-line License field, else the license
/// classifiers.
fn licenses(f: &[(&str, String)]) -> Vec<String> {
    if let Some(e) = field(f, "License-Expression") {
        return vec![e.to_string()];
    }
    if let Some(l) =
        field(f, "License").filter(|l| !l.contains('\n') && l.len() <= 80 && *l != "UNKNOWN")
    {
        return vec![l.to_string()];
    }
    f.iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("Classifier"))
        .filter_map(|(_, v)| v.strip_prefix("License ::"))
        .filter_map(|v| v.rsplit("::").next().map(|s| s.trim().to_string()))
        .filter(|s| !s.is_empty() && s != "OSI Approved")
        .collect()
}

fn requirements(_tree: &Tree, path: &str, content: &[u8]) -> Found {
    let mut found = Found::default();
    let Some(text) = utf8(path, content, &mut found) else {
        return found;
    };
    for line in text.lines() {
        let line = line.split(" #").next().unwrap_or_default().trim();
        if line.is_empty() || line.starts_with(['#', '-']) || line.contains("://") {
            continue;
        }
        let spec = line
            .split(';')
            .next()
            .unwrap_or_default()
            .split("--hash")
            .next()
            .unwrap_or_default()
            .trim();
        let Some((name, version)) = spec.split_once("===").or_else(|| spec.split_once("==")) else {
            continue;
        };
        let name = name.split('[').next().unwrap_or_default().trim();
        let version = version.trim().trim_end_matches('\\').trim();
        if name.is_empty()
            || version.is_empty()
            || version.contains(['*', ',', '<', '>', '!', '~', ' '])
        {
            continue;
        }
        found.packages.push(Package::new(
            Kind::Python,
            name,
            version,
            path,
            REQUIREMENTS.name,
        ));
    }
    found
}

fn poetry(_tree: &Tree, path: &str, content: &[u8]) -> Found {
    let mut found = Found::default();
    for p in super::toml_packages(path, content, &mut found) {
        // Development groups are not shipped.
        let dev_only = p
            .groups
            .as_ref()
            .is_some_and(|g| !g.iter().any(|g| g == "main"))
            || p.category.as_deref() == Some("dev");
        if let (Some(v), false) = (p.version, dev_only) {
            found
                .packages
                .push(Package::new(Kind::Python, p.name, v, path, POETRY.name));
        }
    }
    found
}

fn uv(_tree: &Tree, path: &str, content: &[u8]) -> Found {
    let mut found = Found::default();
    for super::TomlPackage {
        name,
        version,
        source,
        ..
    } in super::toml_packages(path, content, &mut found)
    {
        // The project itself is `virtual` or `editable`, not a dependency.
        let local = source
            .as_ref()
            .and_then(|s| s.as_table())
            .is_some_and(|t| t.contains_key("virtual") || t.contains_key("editable"));
        if let (Some(v), false) = (version, local) {
            found
                .packages
                .push(Package::new(Kind::Python, name, v, path, UV.name));
        }
    }
    found
}

fn pipfile(_tree: &Tree, path: &str, content: &[u8]) -> Found {
    let mut found = Found::default();
    let doc: serde_json::Value = match serde_json::from_slice(content) {
        Ok(d) => d,
        Err(e) => {
            found.warn(format!("{path}:{}", e.line()), format!("invalid JSON: {e}"));
            return found;
        }
    };
    if let Some(deps) = doc["default"].as_object() {
        for (name, spec) in deps {
            if let Some(v) = spec["version"].as_str().and_then(|v| v.strip_prefix("==")) {
                found
                    .packages
                    .push(Package::new(Kind::Python, name, v, path, PIPFILE.name));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirement_pins() {
        let t = b"# c\nDjango==4.2.1 ; python_version > '3'\nrequests[socks]==2.31.0 \\\n    --hash=sha256:abc\nflask>=2\n-e .\nurllib3===2.0.0\n";
        let f = requirements(&Tree::default(), "requirements.txt", t);
        let got: Vec<_> = f
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("Django", "4.2.1"),
                ("requests", "2.31.0"),
                ("urllib3", "2.0.0")
            ]
        );
    }

    #[test]
    fn metadata_licenses() {
        let t = b"Metadata-Version: 2.1\nName: six\nVersion: 1.16.0\nLicense: MIT\nClassifier: License :: OSI Approved :: MIT License\n\nbody: x\n";
        let f = installed(&Tree::default(), "a/six-1.16.0.dist-info/METADATA", t);
        assert_eq!(f.packages[0].licenses, ["MIT"]);
        let t = b"Name: x\nVersion: 1\nClassifier: License :: OSI Approved :: BSD License\n";
        assert_eq!(
            installed(&Tree::default(), "p", t).packages[0].licenses,
            ["BSD License"]
        );
    }

    #[test]
    fn bad_toml_is_located() {
        let f = poetry(
            &Tree::default(),
            "poetry.lock",
            b"[[package]]\nname = \"a\"\nversion = 1 2\n",
        );
        assert!(f.packages.is_empty());
        assert!(
            f.warnings[0].location.starts_with("poetry.lock:"),
            "{:?}",
            f.warnings
        );
    }
}
