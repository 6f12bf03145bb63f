//! JavaScript: installed packages (`node_modules/**/package.json`) and lock
//! files (`package-lock.json` v1–v3, `yarn.lock` classic and Berry,
//! `pnpm-lock.yaml` v5–v9). Development-only dependencies of lock files are
//! left out, as they are not shipped.

use palisade_imagefs::Tree;
use palisade_value::Node;

use super::{Cataloger, Found, utf8};
use crate::text::base;
use crate::{Kind, Package};

pub const INSTALLED: Cataloger = Cataloger {
    name: "javascript-package-cataloger",
    reads: "node_modules/<name>/package.json, node_modules/@scope/<name>/package.json",
    matches: installed_manifest,
    catalog: installed,
};

pub const PACKAGE_LOCK: Cataloger = Cataloger {
    name: "javascript-lock-cataloger",
    reads: "package-lock.json, npm-shrinkwrap.json (v1, v2, v3)",
    matches: |p| {
        matches!(base(p), "package-lock.json" | "npm-shrinkwrap.json")
            && !p.contains("node_modules/")
    },
    catalog: package_lock,
};

pub const YARN: Cataloger = Cataloger {
    name: "javascript-lock-cataloger",
    reads: "yarn.lock (classic v1 and Berry)",
    matches: |p| base(p) == "yarn.lock" && !p.contains("node_modules/"),
    catalog: yarn,
};

pub const PNPM: Cataloger = Cataloger {
    name: "javascript-lock-cataloger",
    reads: "pnpm-lock.yaml (lockfile v5 to v9)",
    matches: |p| base(p) == "pnpm-lock.yaml" && !p.contains("node_modules/"),
    catalog: pnpm,
};

fn installed_manifest(path: &str) -> bool {
    let Some(i) = path.rfind("node_modules/") else {
        return false;
    };
    let rest = &path[i + 13..];
    let Some(dir) = rest.strip_suffix("/package.json") else {
        return false;
    };
    match dir.split_once('/') {
        None => !dir.is_empty() && !dir.starts_with('.'),
        Some((scope, name)) => scope.starts_with('@') && !name.is_empty() && !name.contains('/'),
    }
}

fn license_of(doc: &serde_json::Value) -> Vec<String> {
    match &doc["license"] {
        serde_json::Value::String(s) => vec![s.clone()],
        serde_json::Value::Object(o) => o
            .get("type")
            .and_then(|t| t.as_str())
            .map(|s| vec![s.to_string()])
            .unwrap_or_default(),
        _ => doc["licenses"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|l| l["type"].as_str().or(l.as_str()).map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

fn json(path: &str, content: &[u8], found: &mut Found) -> Option<serde_json::Value> {
    match serde_json::from_slice(content) {
        Ok(d) => Some(d),
        Err(e) => {
            found.warn(format!("{path}:{}", e.line()), format!("invalid JSON: {e}"));
            None
        }
    }
}

fn installed(_tree: &Tree, path: &str, content: &[u8]) -> Found {
    let mut found = Found::default();
    let Some(doc) = json(path, content, &mut found) else {
        return found;
    };
    let (Some(name), Some(version)) = (doc["name"].as_str(), doc["version"].as_str()) else {
        // Private fixtures and test folders often lack either; not a package.
        return found;
    };
    let mut p = Package::new(Kind::Npm, name, version, path, INSTALLED.name);
    p.licenses = license_of(&doc);
    found.packages.push(p);
    found
}

fn package_lock(_tree: &Tree, path: &str, content: &[u8]) -> Found {
    let mut found = Found::default();
    let Some(doc) = json(path, content, &mut found) else {
        return found;
    };
    if let Some(pkgs) = doc["packages"].as_object() {
        for (key, e) in pkgs {
            if e["link"].as_bool() == Some(true) || e["dev"].as_bool() == Some(true) {
                continue;
            }
            // The project itself ("") is listed too, as Syft and Trivy do.
            let name = match key.rfind("node_modules/") {
                Some(i) => e["name"].as_str().unwrap_or(&key[i + 13..]),
                None if key.is_empty() => match e["name"].as_str() {
                    Some(n) => n,
                    None => continue,
                },
                None => continue,
            };
            if let Some(v) = e["version"].as_str() {
                let mut p = Package::new(Kind::Npm, name, v, path, PACKAGE_LOCK.name);
                p.licenses = license_of(e);
                found.packages.push(p);
            }
        }
    } else if let Some(deps) = doc["dependencies"].as_object() {
        if let (Some(n), Some(v)) = (doc["name"].as_str(), doc["version"].as_str()) {
            found
                .packages
                .push(Package::new(Kind::Npm, n, v, path, PACKAGE_LOCK.name));
        }
        fn walk(
            deps: &serde_json::Map<String, serde_json::Value>,
            path: &str,
            found: &mut Found,
            depth: u32,
        ) {
            if depth > 64 {
                return;
            }
            for (name, e) in deps {
                if e["dev"].as_bool() == Some(true) {
                    continue;
                }
                if let Some(v) = e["version"].as_str().filter(|v| !v.starts_with("file:")) {
                    found
                        .packages
                        .push(Package::new(Kind::Npm, name, v, path, PACKAGE_LOCK.name));
                }
                if let Some(d) = e["dependencies"].as_object() {
                    walk(d, path, found, depth + 1);
                }
            }
        }
        walk(deps, path, &mut found, 0);
    }
    found
}

/// `name@range` (or `@scope/name@range`) → name.
fn descriptor_name(d: &str) -> &str {
    let d = d.trim().trim_matches('"');
    let at = d.get(1..).and_then(|r| r.find('@')).map(|i| i + 1);
    at.map_or(d, |i| &d[..i])
}

fn yarn(_tree: &Tree, path: &str, content: &[u8]) -> Found {
    let mut found = Found::default();
    let Some(text) = utf8(path, content, &mut found) else {
        return found;
    };
    if text.contains("\n__metadata:") {
        return yarn_berry(path, text, found);
    }
    let mut current: Option<(usize, String)> = None;
    for (n, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        if !line.starts_with(' ') {
            let head = line.trim_end_matches(':');
            let first = head.split(", ").next().unwrap_or_default();
            current = Some((n + 1, descriptor_name(first).to_string()));
        } else if let Some(v) = line.trim().strip_prefix("version ")
            && let Some((_, name)) = current.take()
        {
            found.packages.push(Package::new(
                Kind::Npm,
                name,
                v.trim().trim_matches('"'),
                path,
                YARN.name,
            ));
        }
    }
    if let Some((line, name)) = current {
        found.warn(
            format!("{path}:{line}"),
            format!("entry {name:?} has no version"),
        );
    }
    found
}

fn yaml(path: &str, text: &str, found: &mut Found) -> Option<Node> {
    let s = palisade_yaml::parse_stream(text, &palisade_yaml::Limits::default());
    for e in s.errors {
        found.warn(format!("{path}:{}", e.line), e.message);
    }
    s.documents.into_iter().next().map(|d| d.root)
}

fn yarn_berry(path: &str, text: &str, mut found: Found) -> Found {
    let Some(root) = yaml(path, text, &mut found) else {
        return found;
    };
    let Some(map) = root.as_map() else {
        return found;
    };
    for (key, e) in map.iter() {
        if key == "__metadata" {
            continue;
        }
        let resolution = e.get_str("resolution").unwrap_or(key);
        if resolution.contains("@workspace:") || resolution.contains("@link:") {
            continue;
        }
        let name = descriptor_name(resolution);
        if let Some(v) = e.get("version").and_then(|v| {
            v.as_str()
                .map(str::to_string)
                .or_else(|| v.as_i64().map(|i| i.to_string()))
        }) {
            found
                .packages
                .push(Package::new(Kind::Npm, name, v, path, YARN.name));
        }
    }
    found
}

fn pnpm(_tree: &Tree, path: &str, content: &[u8]) -> Found {
    let mut found = Found::default();
    let Some(text) = utf8(path, content, &mut found) else {
        return found;
    };
    let Some(root) = yaml(path, text, &mut found) else {
        return found;
    };
    let Some(pkgs) = root.get("packages").and_then(Node::as_map) else {
        return found;
    };
    for (key, e) in pkgs.iter() {
        if e.get("dev").and_then(Node::as_bool) == Some(true) {
            continue;
        }
        // v9: `name@1.2.3(peer@x)`; v6: `/name@1.2.3(peer@x)`; v5: `/name/1.2.3_peer@x`.
        let k = key.split('(').next().unwrap_or(key);
        let (name, version) = if let Some(rest) = k.strip_prefix('/') {
            match rest.get(1..).and_then(|r| r.find('@')).map(|i| i + 1) {
                Some(i) => (&rest[..i], &rest[i + 1..]),
                None => match rest.rsplit_once('/') {
                    Some((n, v)) => (n, v.split('_').next().unwrap_or(v)),
                    None => continue,
                },
            }
        } else {
            match k.get(1..).and_then(|r| r.find('@')).map(|i| i + 1) {
                Some(i) => (&k[..i], &k[i + 1..]),
                None => continue,
            }
        };
        let version = e.get_str("version").unwrap_or(version);
        if !name.is_empty() && !version.is_empty() {
            found
                .packages
                .push(Package::new(Kind::Npm, name, version, path, PNPM.name));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(f: &Found) -> Vec<(String, String)> {
        f.packages
            .iter()
            .map(|p| (p.name.clone(), p.version.clone()))
            .collect()
    }

    #[test]
    fn installed_paths() {
        assert!(installed_manifest(
            "srv/web/node_modules/express/package.json"
        ));
        assert!(installed_manifest("node_modules/@babel/core/package.json"));
        assert!(installed_manifest(
            "a/node_modules/x/node_modules/y/package.json"
        ));
        assert!(!installed_manifest("node_modules/express/lib/package.json"));
        assert!(!installed_manifest("node_modules/.package-lock.json"));
    }

    #[test]
    fn yarn_classic() {
        let t = b"# yarn lockfile v1\n\n\n\"@babel/code-frame@^7.0.0\", \"@babel/code-frame@^7.10.4\":\n  version \"7.12.13\"\n  resolved \"x\"\n\nlodash@^4.17.21:\n  version \"4.17.21\"\n";
        let f = yarn(&Tree::default(), "yarn.lock", t);
        assert_eq!(
            names(&f),
            [
                ("@babel/code-frame".into(), "7.12.13".into()),
                ("lodash".into(), "4.17.21".into())
            ]
        );
    }

    #[test]
    fn pnpm_versions() {
        let t = b"lockfileVersion: '9.0'\npackages:\n  '@types/node@20.1.0':\n    resolution: {integrity: x}\n  ms@2.1.3:\n    resolution: {integrity: y}\n";
        assert_eq!(
            names(&pnpm(&Tree::default(), "pnpm-lock.yaml", t)),
            [
                ("@types/node".into(), "20.1.0".into()),
                ("ms".into(), "2.1.3".into())
            ]
        );
        let t = b"lockfileVersion: 5.4\npackages:\n  /ms/2.1.3:\n    dev: false\n  /debug/4.3.4_supports-color@8.1.1:\n    dev: true\n";
        assert_eq!(
            names(&pnpm(&Tree::default(), "pnpm-lock.yaml", t)),
            [("ms".into(), "2.1.3".into())]
        );
    }

    #[test]
    fn lock_v1_and_v3() {
        let v1 = br#"{"lockfileVersion":1,"dependencies":{"a":{"version":"1.0.0","dependencies":{"b":{"version":"2.0.0"}}},"d":{"version":"1.0.0","dev":true}}}"#;
        assert_eq!(
            names(&package_lock(&Tree::default(), "package-lock.json", v1)),
            [("a".into(), "1.0.0".into()), ("b".into(), "2.0.0".into())]
        );
        let v3 = br#"{"lockfileVersion":3,"packages":{"":{"name":"app","version":"0.1.0"},"node_modules/@s/x":{"version":"1.0.0","license":"MIT"},"node_modules/d":{"version":"1","dev":true}}}"#;
        let f = package_lock(&Tree::default(), "package-lock.json", v3);
        assert_eq!(
            names(&f),
            [
                ("app".into(), "0.1.0".into()),
                ("@s/x".into(), "1.0.0".into())
            ]
        );
        assert_eq!(f.packages[1].licenses, ["MIT"]);
        let bad = package_lock(
            &Tree::default(),
            "package-lock.json",
            b"{\n\"packages\": {,}",
        );
        assert_eq!(bad.warnings[0].location, "package-lock.json:2");
    }
}
