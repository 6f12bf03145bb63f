//! The distribution: `etc/os-release`, else `usr/lib/os-release`.

use palisade_imagefs::Tree;

use crate::Distro;

pub fn matches(path: &str) -> bool {
    matches!(
        path,
        "etc/os-release" | "usr/lib/os-release" | "etc/alpine-release"
    )
}

/// Reads the distribution, if the tree says.
pub fn distro(tree: &Tree) -> Option<Distro> {
    let text = tree
        .read("etc/os-release")
        .or_else(|| tree.read("usr/lib/os-release"))?;
    let d = parse(&String::from_utf8_lossy(&text));
    (!d.id.is_empty()).then_some(d)
}

/// Parses the os-release shell-like `KEY=value` lines.
pub fn parse(text: &str) -> Distro {
    let mut d = Distro::default();
    for line in text.lines() {
        let Some((k, v)) = line.trim().split_once('=') else {
            continue;
        };
        let v = v.trim().trim_matches(|c| c == '"' || c == '\'').to_string();
        match k {
            "ID" => d.id = v,
            "VERSION_ID" => d.version_id = v,
            "PRETTY_NAME" => d.pretty_name = v,
            "ID_LIKE" => d.id_like = v.split_whitespace().map(str::to_string).collect(),
            _ => {}
        }
    }
    d
}

#[cfg(test)]
mod tests {
    #[test]
    fn debian_bookworm() {
        let d = super::parse(
            "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nID=debian\n",
        );
        assert_eq!((d.id.as_str(), d.version_id.as_str()), ("debian", "12"));
        assert_eq!(d.osv_ecosystem().as_deref(), Some("Debian:12"));
        let a = super::parse("ID=alpine\nVERSION_ID=3.19.1\n");
        assert_eq!(a.osv_ecosystem().as_deref(), Some("Alpine:v3.19"));
    }
}
