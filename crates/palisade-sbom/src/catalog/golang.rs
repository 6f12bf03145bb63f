//! Go modules: `go.mod` requirements (with `replace` directives applied).
//! Compiled Go binaries are read by [`super::binary`].

use std::collections::HashMap;

use palisade_imagefs::Tree;

use super::{Cataloger, Found, utf8};
use crate::{Kind, Package};

pub const MOD: Cataloger = Cataloger {
    name: "go-module-file-cataloger",
    reads: "go.mod",
    matches: |p| crate::text::base(p) == "go.mod",
    catalog,
};

fn catalog(_tree: &Tree, path: &str, content: &[u8]) -> Found {
    let mut found = Found::default();
    let Some(text) = utf8(path, content, &mut found) else {
        return found;
    };
    let mut requires: Vec<(String, String)> = Vec::new();
    let mut replaces: HashMap<String, (String, String)> = HashMap::new();
    let mut block: Option<&str> = None;
    for (n, raw) in text.lines().enumerate() {
        let line = raw.split("//").next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        if line == ")" {
            block = None;
            continue;
        }
        let (verb, rest) = match block {
            Some(b) => (b, line),
            None => {
                let (v, r) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
                let r = r.trim();
                if r == "(" {
                    block = Some(match v {
                        "require" => "require",
                        "replace" => "replace",
                        _ => "other",
                    });
                    continue;
                }
                (v, r)
            }
        };
        let words: Vec<&str> = rest
            .split_whitespace()
            .map(|w| w.trim_matches('"'))
            .collect();
        match verb {
            "require" => match words.as_slice() {
                [m, v, ..] => requires.push((m.to_string(), v.to_string())),
                _ => found.warn(format!("{path}:{}", n + 1), "require without a version"),
            },
            "replace" => {
                if let Some(arrow) = words.iter().position(|w| *w == "=>") {
                    let from = words[0].to_string();
                    match &words[arrow + 1..] {
                        [to, v, ..] => {
                            replaces.insert(from, (to.to_string(), v.to_string()));
                        }
                        // A local directory replacement: no version to report.
                        [_] => {
                            replaces.insert(from, (String::new(), String::new()));
                        }
                        _ => found.warn(format!("{path}:{}", n + 1), "replace without a target"),
                    }
                }
            }
            _ => {}
        }
    }
    for (m, v) in requires {
        let (m, v) = match replaces.get(&m) {
            Some((to, _)) if to.is_empty() => continue,
            Some((to, rv)) => (to.clone(), rv.clone()),
            None => (m, v),
        };
        found
            .packages
            .push(Package::new(Kind::Go, m, v, path, MOD.name));
    }
    found
}

#[cfg(test)]
mod tests {
    #[test]
    fn requires_and_replaces() {
        let t = b"module example.com/app\n\ngo 1.22\n\nrequire (\n\tgithub.com/pkg/errors v0.9.1\n\tgolang.org/x/text v0.14.0 // indirect\n\texample.com/local v1.0.0\n)\n\nrequire gopkg.in/yaml.v3 v3.0.1\n\nreplace golang.org/x/text => golang.org/x/text v0.15.0\nreplace example.com/local => ../local\n";
        let f = super::catalog(&Default::default(), "go.mod", t);
        let got: Vec<_> = f
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("github.com/pkg/errors", "v0.9.1"),
                ("golang.org/x/text", "v0.15.0"),
                ("gopkg.in/yaml.v3", "v3.0.1")
            ]
        );
    }
}
