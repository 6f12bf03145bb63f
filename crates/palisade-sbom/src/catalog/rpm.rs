//! RPM packages: the SQLite rpmdb (`rpmdb.sqlite`, RHEL 9, Fedora 33+,
//! openSUSE) read from memory, and the Berkeley DB hash `Packages` of RHEL
//! up to 8 and CentOS 7 read page by page here; each package's header blob
//! is parsed here too. NDB (`Packages.db`, SUSE) is reported as
//! unsupported, with its location.

use palisade_imagefs::Tree;

use super::{Cataloger, Found};
use crate::{Kind, Package, SourcePackage};

pub const CATALOGER: Cataloger = Cataloger {
    name: "rpm-db-cataloger",
    reads: "var/lib/rpm/rpmdb.sqlite, usr/lib/sysimage/rpm/rpmdb.sqlite, var/lib/rpm/Packages (Berkeley DB); Packages.db (NDB) reported unsupported",
    matches: |p| {
        let dir = crate::text::dir(p);
        matches!(dir, "var/lib/rpm" | "usr/lib/sysimage/rpm")
            && matches!(
                crate::text::base(p),
                "rpmdb.sqlite" | "Packages" | "Packages.db"
            )
    },
    catalog,
};

const SQLITE_MAGIC: &[u8] = b"SQLite format 3\0";

fn catalog(_tree: &Tree, path: &str, content: &[u8]) -> Found {
    let mut found = Found::default();
    let rows = if content.starts_with(SQLITE_MAGIC) {
        read_sqlite(content).map_err(|e| e.to_string())
    } else if bdb_order(content).is_some() {
        read_bdb(content)
    } else {
        let what = if content.get(..4) == Some(b"RpmP") {
            "NDB"
        } else {
            "unknown"
        };
        found.warn(
            path,
            format!("unsupported rpmdb format ({what}); its packages are not catalogued"),
        );
        return found;
    };
    match rows {
        Ok(blobs) => {
            for (row, blob) in blobs {
                match header(&blob) {
                    Ok(h) => {
                        if let Some(p) = package(&h, path) {
                            found.packages.push(p);
                        }
                    }
                    Err(e) => found.warn(
                        format!("{path}: package {row}"),
                        format!("bad header blob: {e}"),
                    ),
                }
            }
        }
        Err(e) => found.warn(path, format!("cannot read the rpmdb: {e}")),
    }
    found
}

/// Berkeley DB hash magic, in either byte order: `Some(true)` little-endian.
fn bdb_order(content: &[u8]) -> Option<bool> {
    let m: [u8; 4] = content.get(12..16)?.try_into().ok()?;
    match (u32::from_le_bytes(m), u32::from_be_bytes(m)) {
        (0x061561, _) => Some(true),
        (_, 0x061561) => Some(false),
        _ => None,
    }
}

/// Reads a Berkeley DB hash database (rpm's `Packages` up to RHEL 8): every
/// hash page's data items, inline or on chains of overflow pages. Returns
/// (package number, header blob) pairs.
pub fn read_bdb(db: &[u8]) -> Result<Vec<(i64, Vec<u8>)>, String> {
    const PAGE_HEADER: usize = 26;
    const P_HASH_UNSORTED: u8 = 2;
    const P_OVERFLOW: u8 = 7;
    const P_HASH: u8 = 13;
    const H_KEYDATA: u8 = 1;
    const H_OFFPAGE: u8 = 3;
    let le = bdb_order(db).ok_or("not a Berkeley DB hash database")?;
    let u32_at = |b: &[u8], at: usize| -> Option<u32> {
        let x: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
        Some(if le {
            u32::from_le_bytes(x)
        } else {
            u32::from_be_bytes(x)
        })
    };
    let u16_at = |b: &[u8], at: usize| -> Option<u16> {
        let x: [u8; 2] = b.get(at..at + 2)?.try_into().ok()?;
        Some(if le {
            u16::from_le_bytes(x)
        } else {
            u16::from_be_bytes(x)
        })
    };
    let page_size = u32_at(db, 20).ok_or("truncated metadata page")? as usize;
    if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
        return Err(format!("invalid page size {page_size}"));
    }
    let last = u32_at(db, 32).ok_or("truncated metadata page")? as usize;
    let page = |n: usize| {
        db.get(n.checked_mul(page_size)?..n.checked_mul(page_size)?.checked_add(page_size)?)
    };
    let pages = (db.len() / page_size).min(last + 1);
    if pages <= last {
        return Err(format!(
            "truncated: {} of {} pages",
            db.len() / page_size,
            last + 1
        ));
    }
    let mut out = Vec::new();
    for n in 1..pages {
        let Some(p) = page(n) else { break };
        if p[25] != P_HASH && p[25] != P_HASH_UNSORTED {
            continue;
        }
        let entries = usize::from(u16_at(p, 20).unwrap_or(0));
        let offset = |i: usize| u16_at(p, PAGE_HEADER + 2 * i).map(usize::from);
        // Entries alternate key and data; data items are the odd ones.
        for i in (1..entries).step_by(2) {
            let (Some(off), Some(key_off)) = (offset(i), offset(i - 1)) else {
                break;
            };
            let key = match (p.get(key_off), p.get(key_off + 1..key_off + 5)) {
                (Some(&H_KEYDATA), Some(k)) => i64::from(u32_at(k, 0).unwrap_or(0)),
                _ => 0,
            };
            match p.get(off) {
                Some(&H_OFFPAGE) => {
                    let mut next = u32_at(p, off + 4)
                        .ok_or_else(|| format!("page {n}: truncated item"))?
                        as usize;
                    let total = u32_at(p, off + 8)
                        .ok_or_else(|| format!("page {n}: truncated item"))?
                        as usize;
                    if total > 256 << 20 {
                        return Err(format!("page {n}: implausible item length {total}"));
                    }
                    let mut value = Vec::with_capacity(total);
                    let mut hops = 0;
                    while next != 0 && value.len() < total {
                        hops += 1;
                        let o = page(next)
                            .filter(|o| o[25] == P_OVERFLOW && hops <= pages)
                            .ok_or_else(|| {
                                format!("page {n}: broken overflow chain at page {next}")
                            })?;
                        let used =
                            usize::from(u16_at(o, 22).unwrap_or(0)).min(page_size - PAGE_HEADER);
                        value.extend_from_slice(&o[PAGE_HEADER..PAGE_HEADER + used]);
                        next = u32_at(o, 16).unwrap_or(0) as usize;
                    }
                    value.truncate(total);
                    out.push((key, value));
                }
                Some(&H_KEYDATA) => {
                    // Items grow down from the end of the page: this one
                    // ends where the next item above it starts.
                    let end = (0..entries)
                        .filter_map(offset)
                        .filter(|&o| o > off)
                        .min()
                        .unwrap_or(page_size);
                    if let Some(v) = p.get(off + 1..end) {
                        out.push((key, v.to_vec()));
                    }
                }
                _ => {}
            }
        }
    }
    Ok(out)
}

fn read_sqlite(content: &[u8]) -> Result<Vec<(i64, Vec<u8>)>, rusqlite::Error> {
    let mut bytes = content.to_vec();
    // A WAL-mode database read from memory must say "rollback journal".
    if bytes.len() > 19 && bytes[18] == 2 && bytes[19] == 2 {
        bytes[18] = 1;
        bytes[19] = 1;
    }
    let mut conn = rusqlite::Connection::open_in_memory()?;
    let len = bytes.len();
    conn.deserialize_read_exact(rusqlite::MAIN_DB, &bytes[..], len, true)?;
    let mut stmt = conn.prepare("SELECT hnum, blob FROM Packages")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)))?;
    rows.collect()
}

/// The tags palisade reads.
const NAME: i32 = 1000;
const VERSION: i32 = 1001;
const RELEASE: i32 = 1002;
const EPOCH: i32 = 1003;
const LICENSE: i32 = 1014;
const ARCH: i32 = 1022;
const SOURCERPM: i32 = 1044;
const DIRINDEXES: i32 = 1116;
const BASENAMES: i32 = 1117;
const DIRNAMES: i32 = 1118;

/// A tag's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Int(Vec<i64>),
    Str(Vec<String>),
}

/// Parses an rpm header blob (index count, data length, index entries, data
/// store) into its tags of interest.
pub fn header(blob: &[u8]) -> Result<Vec<(i32, Value)>, String> {
    let be32 = |b: &[u8], at: usize| -> Result<u32, String> {
        b.get(at..at + 4)
            .map(|s| u32::from_be_bytes(s.try_into().unwrap_or_default()))
            .ok_or_else(|| "truncated".to_string())
    };
    let il = be32(blob, 0)? as usize;
    let dl = be32(blob, 4)? as usize;
    if il > 0x10000 || dl > 256 << 20 {
        return Err(format!("implausible sizes ({il} entries, {dl} bytes)"));
    }
    let data_start = 8 + il * 16;
    let data = blob
        .get(data_start..data_start + dl)
        .ok_or("truncated data store")?;
    let mut out = Vec::new();
    for i in 0..il {
        let e = 8 + i * 16;
        let tag = be32(blob, e)? as i32;
        let ty = be32(blob, e + 4)?;
        let offset = be32(blob, e + 8)? as usize;
        let count = be32(blob, e + 12)? as usize;
        if !matches!(
            tag,
            NAME | VERSION
                | RELEASE
                | EPOCH
                | LICENSE
                | ARCH
                | SOURCERPM
                | DIRINDEXES
                | BASENAMES
                | DIRNAMES
        ) {
            continue;
        }
        let rest = data
            .get(offset..)
            .ok_or_else(|| format!("tag {tag}: offset outside the data store"))?;
        let value = match ty {
            4 => {
                let mut v = Vec::with_capacity(count.min(rest.len() / 4));
                for k in 0..count {
                    v.push(
                        be32(rest, k * 4).map_err(|_| format!("tag {tag}: truncated"))? as i32
                            as i64,
                    );
                }
                Value::Int(v)
            }
            6 | 8 | 9 => {
                let n = if ty == 6 { 1 } else { count };
                let mut v = Vec::with_capacity(n.min(rest.len()));
                let mut at = 0;
                for _ in 0..n {
                    let end = rest
                        .get(at..)
                        .and_then(|r| memchr::memchr(0, r))
                        .ok_or_else(|| format!("tag {tag}: unterminated string"))?;
                    v.push(String::from_utf8_lossy(&rest[at..at + end]).into_owned());
                    at += end + 1;
                }
                Value::Str(v)
            }
            _ => continue,
        };
        out.push((tag, value));
    }
    Ok(out)
}

fn package(h: &[(i32, Value)], path: &str) -> Option<Package> {
    let s = |t: i32| {
        h.iter().find(|(k, _)| *k == t).and_then(|(_, v)| match v {
            Value::Str(s) => s.first().cloned(),
            Value::Int(_) => None,
        })
    };
    let list = |t: i32| h.iter().find(|(k, _)| *k == t).map(|(_, v)| v.clone());
    let name = s(NAME)?;
    // gpg-pubkey entries are keys, not software.
    if name == "gpg-pubkey" {
        return None;
    }
    let epoch = list(EPOCH).and_then(|v| {
        if let Value::Int(i) = v {
            i.first().copied()
        } else {
            None
        }
    });
    let version = format!("{}-{}", s(VERSION)?, s(RELEASE).unwrap_or_default());
    let version = match epoch {
        Some(e) => format!("{e}:{version}"),
        None => version,
    };
    let mut p = Package::new(Kind::Rpm, name, version, path, CATALOGER.name);
    p.arch = s(ARCH);
    p.licenses = s(LICENSE).into_iter().collect();
    p.source = s(SOURCERPM)
        .filter(|s| !s.is_empty() && s != "(none)")
        .map(|s| {
            // name-version-release.src.rpm
            let stem = s
                .trim_end_matches(".rpm")
                .trim_end_matches(".src")
                .trim_end_matches(".nosrc");
            let mut parts = stem.rsplitn(3, '-');
            let (rel, ver, name) = (parts.next(), parts.next(), parts.next());
            match (name, ver, rel) {
                (Some(n), Some(v), Some(r)) => SourcePackage {
                    name: n.into(),
                    version: Some(format!("{v}-{r}")),
                },
                _ => SourcePackage {
                    name: stem.into(),
                    version: None,
                },
            }
        });
    if let (Some(Value::Int(idx)), Some(Value::Str(base)), Some(Value::Str(dirs))) =
        (list(DIRINDEXES), list(BASENAMES), list(DIRNAMES))
    {
        p.files = idx
            .iter()
            .zip(&base)
            .filter_map(|(i, b)| {
                dirs.get(*i as usize)
                    .map(|d| format!("{d}{b}").trim_start_matches('/').to_string())
            })
            .collect();
    }
    Some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blob(entries: &[(i32, u32, &[u8], u32)]) -> Vec<u8> {
        let mut data = Vec::new();
        let mut index = Vec::new();
        for (tag, ty, bytes, count) in entries {
            index.extend(tag.to_be_bytes());
            index.extend(ty.to_be_bytes());
            index.extend((data.len() as u32).to_be_bytes());
            index.extend(count.to_be_bytes());
            data.extend_from_slice(bytes);
        }
        let mut b = (entries.len() as u32).to_be_bytes().to_vec();
        b.extend((data.len() as u32).to_be_bytes());
        b.extend(index);
        b.extend(data);
        b
    }

    #[test]
    fn header_blob() {
        let b = blob(&[
            (NAME, 6, b"bash\0", 1),
            (VERSION, 6, b"5.1\0", 1),
            (RELEASE, 6, b"2.el9\0", 1),
            (EPOCH, 4, &1i32.to_be_bytes(), 1),
            (SOURCERPM, 6, b"bash-5.1-2.el9.src.rpm\0", 1),
        ]);
        let h = header(&b).unwrap();
        let p = package(&h, "var/lib/rpm/rpmdb.sqlite").unwrap();
        assert_eq!(p.version, "1:5.1-2.el9");
        assert_eq!(p.source.unwrap().name, "bash");
        assert!(header(&b[..b.len() - 3]).is_err());
        assert!(header(&[0xff; 8]).is_err());
    }
}
