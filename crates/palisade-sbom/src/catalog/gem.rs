//! Ruby: `Gemfile.lock` (the `specs:` of its `GEM` sections) and installed
//! gem specifications (`specifications/*.gemspec`).

use palisade_imagefs::Tree;

use super::{Cataloger, Found, utf8};
use crate::text::base;
use crate::{Kind, Package};

pub const GEMFILE_LOCK: Cataloger = Cataloger {
    name: "ruby-gemfile-cataloger",
    reads: "Gemfile.lock",
    matches: |p| base(p) == "Gemfile.lock",
    catalog: gemfile_lock,
};

pub const GEMSPEC: Cataloger = Cataloger {
    name: "ruby-installed-gemspec-cataloger",
    reads: "specifications/*.gemspec",
    matches: |p| p.ends_with(".gemspec") && crate::text::dir(p).ends_with("specifications"),
    catalog: gemspec,
};

fn gemfile_lock(_tree: &Tree, path: &str, content: &[u8]) -> Found {
    let mut found = Found::default();
    let Some(text) = utf8(path, content, &mut found) else {
        return found;
    };
    let mut section = "";
    let mut in_specs = false;
    for line in text.lines() {
        if !line.starts_with(' ') {
            section = line.trim();
            in_specs = false;
            continue;
        }
        if line.trim() == "specs:" {
            in_specs = true;
            continue;
        }
        // Gems are indented by four spaces; their dependencies by six.
        if in_specs
            && matches!(section, "GEM" | "GIT" | "PATH")
            && line.starts_with("    ")
            && !line.starts_with("     ")
        {
            let spec = line.trim();
            if let Some((name, rest)) = spec.split_once(" (") {
                let version = rest.trim_end_matches(')');
                // `nokogiri (1.15.4-x86_64-linux)`: the platform is not the version.
                let version = version.split_once('-').map_or(version, |(v, _)| v);
                found.packages.push(Package::new(
                    Kind::Gem,
                    name,
                    version,
                    path,
                    GEMFILE_LOCK.name,
                ));
            }
        }
    }
    found
}

/// The string values of `s.<key> = "…"` (or `["…", "…"]`) lines.
fn assigned(text: &str, key: &str) -> Vec<String> {
    for line in text.lines() {
        let l = line.trim();
        let Some(rest) = l.strip_prefix("s.").and_then(|r| r.strip_prefix(key)) else {
            continue;
        };
        let Some(value) = rest.trim_start().strip_prefix('=') else {
            continue;
        };
        return value
            .split('"')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect();
    }
    Vec::new()
}

fn gemspec(_tree: &Tree, path: &str, content: &[u8]) -> Found {
    let mut found = Found::default();
    let text = String::from_utf8_lossy(content);
    let name = assigned(&text, "name").into_iter().next();
    let version = assigned(&text, "version").into_iter().next();
    match (name, version) {
        (Some(n), Some(v)) => {
            let mut p = Package::new(Kind::Gem, n, v, path, GEMSPEC.name);
            p.licenses = assigned(&text, "licenses");
            if p.licenses.is_empty() {
                p.licenses = assigned(&text, "license");
            }
            found.packages.push(p);
        }
        _ => found.warn(path, "gemspec without s.name or s.version"),
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_specs() {
        let t = b"GEM\n  remote: https://rubygems.org/\n  specs:\n    nokogiri (1.15.4-x86_64-linux)\n      racc (~> 1.4)\n    racc (1.7.1)\n\nPLATFORMS\n  x86_64-linux\n\nDEPENDENCIES\n  nokogiri\n";
        let f = gemfile_lock(&Tree::default(), "Gemfile.lock", t);
        let got: Vec<_> = f
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str()))
            .collect();
        assert_eq!(got, [("nokogiri", "1.15.4"), ("racc", "1.7.1")]);
    }

    #[test]
    fn installed_spec() {
        let t = b"# -*- encoding: utf-8 -*-\nGem::Specification.new do |s|\n  s.name = \"rake\".freeze\n  s.version = \"13.0.6\".freeze\n  s.licenses = [\"MIT\".freeze]\nend\n";
        let f = gemspec(
            &Tree::default(),
            "usr/lib/ruby/gems/3.1.0/specifications/rake-13.0.6.gemspec",
            t,
        );
        assert_eq!(
            (f.packages[0].name.as_str(), f.packages[0].licenses.clone()),
            ("rake", vec!["MIT".to_string()])
        );
    }
}
