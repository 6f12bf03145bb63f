//! Compiled programs: Go binaries' embedded build information (Go 1.18+:
//! main module, dependencies, toolchain as `stdlib`) and Rust binaries built
//! with cargo-auditable (the `.dep-v0` section). Executables are probed once
//! as the tree is built ([`probe`]); [`collect`] turns the results into
//! packages.

use std::io::Read;

use object::{Object, ObjectSection};
use palisade_imagefs::Tree;
use serde::{Deserialize, Serialize};

use super::Found;
use crate::{Kind, Package};

pub const GO_NAME: &str = "go-module-binary-cataloger";
pub const RUST_NAME: &str = "cargo-auditable-binary-cataloger";

/// What a probe found in one executable.
#[derive(Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Probed {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub go: Option<GoInfo>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rust: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct GoInfo {
    pub toolchain: String,
    pub path: String,
    pub main: Option<(String, String)>,
    pub deps: Vec<(String, String)>,
}

const GO_MAGIC: &[u8] = b"\xff Go buildinf:";

fn is_object(content: &[u8]) -> bool {
    content.starts_with(b"\x7fELF")
        || content.starts_with(b"MZ")
        || content.starts_with(&[0xcf, 0xfa, 0xed, 0xfe])
        || content.starts_with(&[0xce, 0xfa, 0xed, 0xfe])
}

/// Looks at one executable; `Some` (JSON of [`Probed`]) when it is a Go or
/// auditable Rust binary.
pub fn probe(_path: &str, content: &[u8]) -> Option<Vec<u8>> {
    if !is_object(content) {
        return None;
    }
    let mut out = Probed::default();
    if let Some(at) = memchr::memmem::find(content, GO_MAGIC) {
        match go_buildinfo(&content[at..]) {
            Ok(info) => out.go = Some(info),
            Err(note) => out.note = Some(note),
        }
    }
    if let Ok(file) = object::File::parse(content)
        && let Some(section) = file.section_by_name(".dep-v0")
        && let Ok(data) = section.data()
    {
        match auditable(data) {
            Ok(pkgs) => out.rust = pkgs,
            Err(e) => out.note = Some(format!("unreadable cargo-auditable data: {e}")),
        }
    }
    (out != Probed::default()).then(|| serde_json::to_vec(&out).unwrap_or_default())
}

fn uvarint(b: &[u8]) -> Option<(u64, usize)> {
    let mut v = 0u64;
    for (i, &byte) in b.iter().enumerate().take(10) {
        v |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    None
}

/// Parses the build info blob that starts with the magic: a 32-byte header
/// (magic, pointer size, flags), then, since Go 1.18, two length-prefixed
/// strings: the toolchain version and the module information.
pub fn go_buildinfo(b: &[u8]) -> Result<GoInfo, String> {
    let flags = *b.get(15).ok_or("truncated Go build info")?;
    if flags & 2 == 0 {
        return Err("Go build info of a toolchain before 1.18 (pointer format) is not read".into());
    }
    let mut at = 32;
    let mut string = || -> Result<&[u8], String> {
        let (len, n) = uvarint(b.get(at..).ok_or("truncated Go build info")?)
            .ok_or("bad length in Go build info")?;
        let start = at + n;
        let end = start
            .checked_add(len as usize)
            .filter(|e| *e <= b.len())
            .ok_or("truncated Go build info")?;
        at = end;
        Ok(&b[start..end])
    };
    let toolchain = String::from_utf8_lossy(string()?).into_owned();
    let mut modinfo = string()?;
    // The module information is framed by two 16-byte sentinels.
    if modinfo.len() >= 33 && modinfo[modinfo.len() - 17] == b'\n' {
        modinfo = &modinfo[16..modinfo.len() - 16];
    }
    let modinfo = String::from_utf8_lossy(modinfo);
    let mut info = GoInfo {
        toolchain,
        ..Default::default()
    };
    for line in modinfo.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        match f.as_slice() {
            ["path", p, ..] => info.path = p.to_string(),
            ["mod", p, v, ..] => info.main = Some((p.to_string(), v.to_string())),
            ["dep", p, v, ..] => info.deps.push((p.to_string(), v.to_string())),
            ["=>", p, v, ..] => {
                // A module replacement; a local directory keeps the
                // module's own path (it is still that module's code).
                if let Some(last) = info.deps.last_mut() {
                    let local = p.starts_with('.') || p.starts_with('/');
                    *last = (
                        if local { last.0.clone() } else { p.to_string() },
                        v.to_string(),
                    );
                }
            }
            _ => {}
        }
    }
    Ok(info)
}

#[derive(Deserialize)]
struct AuditData {
    packages: Vec<AuditPackage>,
}

#[derive(Deserialize)]
struct AuditPackage {
    name: String,
    version: String,
    #[serde(default)]
    source: Option<String>,
}

fn auditable(data: &[u8]) -> Result<Vec<(String, String)>, String> {
    let mut json = Vec::new();
    flate2::read::ZlibDecoder::new(data)
        .take(16 << 20)
        .read_to_end(&mut json)
        .map_err(|e| e.to_string())?;
    let d: AuditData = serde_json::from_slice(&json).map_err(|e| e.to_string())?;
    Ok(d.packages
        .into_iter()
        .filter(|p| p.source.as_deref() != Some("local"))
        .map(|p| (p.name, p.version))
        .collect())
}

/// The packages of every probed executable.
pub fn collect(tree: &Tree) -> Found {
    let mut found = Found::default();
    for (path, node) in tree.iter() {
        let Some(raw) = &node.probe else { continue };
        let Ok(p) = serde_json::from_slice::<Probed>(raw) else {
            continue;
        };
        if let Some(note) = p.note {
            found.warn(path, note);
        }
        if let Some(go) = p.go {
            if let Some((m, v)) = go.main.filter(|(m, _)| !m.is_empty()) {
                found
                    .packages
                    .push(Package::new(Kind::Go, m, v, path, GO_NAME));
            }
            for (m, v) in go.deps {
                found
                    .packages
                    .push(Package::new(Kind::Go, m, v, path, GO_NAME));
            }
            if let Some(v) = go.toolchain.strip_prefix("go") {
                // The toolchain's standard library, as OSV's Go ecosystem names it.
                let v = v.split([' ', '-']).next().unwrap_or(v);
                found
                    .packages
                    .push(Package::new(Kind::Go, "stdlib", v, path, GO_NAME));
            }
        }
        for (n, v) in p.rust {
            found
                .packages
                .push(Package::new(Kind::Cargo, n, v, path, RUST_NAME));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blob(version: &str, modinfo: &str) -> Vec<u8> {
        let mut b = GO_MAGIC.to_vec();
        b.push(8);
        b.push(2);
        b.resize(32, 0);
        for s in [version, modinfo] {
            let mut n = s.len();
            loop {
                let byte = (n & 0x7f) as u8;
                n >>= 7;
                b.push(if n > 0 { byte | 0x80 } else { byte });
                if n == 0 {
                    break;
                }
            }
            b.extend_from_slice(s.as_bytes());
        }
        b
    }

    #[test]
    fn inline_build_info() {
        let sentinel = "0123456789abcdef";
        let m = format!(
            "{sentinel}path\texample.com/app\nmod\texample.com/app\t(devel)\t\ndep\tgithub.com/a/b\tv1.0.0\th1:x\ndep\tgithub.com/c/d\tv1.0.0\th1:y\n=>\tgithub.com/e/d\tv1.1.0\th1:z\nbuild\t-compiler=gc\n\n{sentinel}"
        );
        let info = go_buildinfo(&blob("go1.22.1", &m)).unwrap();
        assert_eq!(info.toolchain, "go1.22.1");
        assert_eq!(
            info.deps,
            [
                ("github.com/a/b".to_string(), "v1.0.0".to_string()),
                ("github.com/e/d".to_string(), "v1.1.0".to_string())
            ]
        );
        assert!(go_buildinfo(&blob("go1.22.1", &m)[..40]).is_err());
        // Found by fuzzing: invalid UTF-8 where the sentinels are.
        let mut bad = blob("go1", &format!("\u{fffd}{}\n{sentinel}", "x".repeat(20)));
        bad[34] = 0xe2;
        let _ = go_buildinfo(&bad);
        let crash = include_bytes!("../../tests/fixtures/go-buildinfo-crash.bin");
        let _ = go_buildinfo(crash);
        let _ = probe("x", crash);
        let mut old = blob("x", "y");
        old[15] = 0;
        assert!(go_buildinfo(&old).is_err());
    }
}
