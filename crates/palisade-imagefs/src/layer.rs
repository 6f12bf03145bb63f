//! Applying one layer (a tar stream) to the tree, with OCI whiteouts.

use std::io::Read;
use std::sync::Arc;

use crate::tree::{Node, NodeKind, Tree, normalize};
use crate::{Interest, Want, Warning};

const WHITEOUT: &str = ".wh.";
const OPAQUE: &str = ".wh..wh..opq";

/// Opens a possibly compressed layer: gzip and zstd are recognised by their
/// magic numbers, anything else is read as a plain tar.
pub(crate) fn decompress<'a>(mut r: Box<dyn Read + 'a>) -> std::io::Result<Box<dyn Read + 'a>> {
    let mut head = [0u8; 4];
    let mut n = 0;
    while n < 4 {
        let k = r.read(&mut head[n..])?;
        if k == 0 {
            break;
        }
        n += k;
    }
    let rest = std::io::Cursor::new(head[..n].to_vec()).chain(r);
    Ok(if n >= 2 && head[..2] == [0x1f, 0x8b] {
        Box::new(flate2::read::MultiGzDecoder::new(rest))
    } else if n == 4 && head == [0x28, 0xb5, 0x2f, 0xfd] {
        Box::new(ruzstd::decoding::StreamingDecoder::new(rest).map_err(std::io::Error::other)?)
    } else {
        Box::new(rest)
    })
}

/// Applies the tar stream `r` as layer number `layer` (later layers win).
/// Problems become warnings located at `where_`; what was read so far stays.
pub(crate) fn apply(
    tree: &mut Tree,
    r: Box<dyn Read + '_>,
    layer: u32,
    where_: &str,
    interest: &dyn Interest,
    warnings: &mut Vec<Warning>,
) {
    let r = match decompress(r) {
        Ok(r) => r,
        Err(e) => {
            warnings.push(Warning {
                location: where_.into(),
                message: format!("cannot read the layer: {e}"),
            });
            return;
        }
    };
    let mut archive = tar::Archive::new(r);
    let entries = match archive.entries() {
        Ok(e) => e,
        Err(e) => {
            warnings.push(Warning {
                location: where_.into(),
                message: format!("not a tar archive: {e}"),
            });
            return;
        }
    };
    let mut hardlinks: Vec<(String, String)> = Vec::new();
    for entry in entries {
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => {
                warnings.push(Warning {
                    location: where_.into(),
                    message: format!("corrupt tar entry, the rest of the layer is skipped: {e}"),
                });
                break;
            }
        };
        let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let Some(path) = normalize(&raw) else {
            warnings.push(Warning {
                location: format!("{where_}: {raw}"),
                message: "path climbs out of the image root; ignored".into(),
            });
            continue;
        };
        if path.is_empty() {
            continue;
        }
        let (dir, base) = path.rsplit_once('/').unwrap_or(("", path.as_str()));
        if base == OPAQUE {
            tree.remove_under(dir, layer);
            continue;
        }
        if let Some(hidden) = base.strip_prefix(WHITEOUT) {
            let gone = if dir.is_empty() {
                hidden.to_string()
            } else {
                format!("{dir}/{hidden}")
            };
            if tree.get(&gone).is_some_and(|n| n.layer < layer) {
                tree.remove(&gone);
            }
            continue;
        }
        let header = entry.header();
        let mode = header.mode().unwrap_or(0o644);
        let size = header.size().unwrap_or(0);
        let etype = header.entry_type();
        let kind = if etype.is_dir() {
            NodeKind::Dir
        } else if etype.is_symlink() {
            let target = entry
                .link_name_bytes()
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default();
            NodeKind::Symlink(target)
        } else if etype.is_hard_link() {
            let target = entry
                .link_name_bytes()
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default();
            match normalize(&target) {
                Some(t) => hardlinks.push((path.clone(), t)),
                None => warnings.push(Warning {
                    location: format!("{where_}: {raw}"),
                    message: "hard link target climbs out of the image root; ignored".into(),
                }),
            }
            continue;
        } else if etype.is_file()
            || etype == tar::EntryType::Continuous
            || etype == tar::EntryType::GNUSparse
        {
            NodeKind::File
        } else if etype.is_pax_global_extensions()
            || etype.is_pax_local_extensions()
            || etype.is_gnu_longname()
            || etype.is_gnu_longlink()
        {
            continue;
        } else {
            NodeKind::Other
        };
        let mut node = Node {
            kind,
            size,
            mode,
            layer,
            content: None,
            probe: None,
        };
        if node.kind == NodeKind::File {
            let want = interest.want(&path, size, mode);
            let within_total =
                tree.content_read.saturating_add(size) <= interest.max_total_content();
            if want != Want::Nothing && size <= interest.max_content() && !within_total {
                if !tree.over_budget {
                    tree.over_budget = true;
                    warnings.push(Warning {
                        location: format!("{where_}: {raw}"),
                        message: format!(
                            "not read, nor any further file: the files read from this image \
                             already hold {} MiB in memory, the most one image may take",
                            interest.max_total_content() >> 20
                        ),
                    });
                }
            } else if want != Want::Nothing && size <= interest.max_content() {
                tree.content_read += size;
                let mut buf = Vec::with_capacity(size.min(64 << 20) as usize);
                if let Err(e) = (&mut entry).take(size).read_to_end(&mut buf) {
                    warnings.push(Warning {
                        location: format!("{where_}: {raw}"),
                        message: format!("truncated file: {e}"),
                    });
                }
                match want {
                    Want::Content => node.content = Some(Arc::from(buf)),
                    _ => node.probe = interest.probe_layer(layer, &path, &buf).map(Arc::from),
                }
            }
        }
        if node.kind == NodeKind::Dir && tree.get(&path).is_some_and(|n| n.kind == NodeKind::Dir) {
            // Re-declaring a directory keeps what is in it.
            if let Some(n) = tree.get_mut(&path) {
                n.mode = mode;
            }
            continue;
        }
        tree.insert(path, node);
    }
    // Hard links point at files of this layer or below; copy the node.
    for (path, target) in hardlinks {
        if let Some(mut n) = tree.get(&target).cloned() {
            n.layer = layer;
            tree.insert(path, n);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{Interest, Want};

    /// Wants every file's content, with a small total budget.
    struct Greedy;

    impl Interest for Greedy {
        fn want(&self, _: &str, _: u64, _: u32) -> Want {
            Want::Content
        }
        fn probe(&self, _: &str, _: &[u8]) -> Option<Vec<u8>> {
            None
        }
        fn max_total_content(&self) -> u64 {
            2_500
        }
    }

    #[test]
    fn content_read_stays_within_the_total_budget() {
        let mut b = tar::Builder::new(Vec::new());
        for i in 0..5 {
            let data = vec![b'x'; 1000];
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            b.append_data(&mut h, format!("f{i}"), &data[..]).unwrap();
        }
        let bytes = b.into_inner().unwrap();
        let (tree, warnings) = crate::tree_from_layer(&bytes, &Greedy);
        let read: Vec<_> = (0..5)
            .filter(|i| tree.read(&format!("f{i}")).is_some())
            .collect();
        assert_eq!(read, vec![0, 1]);
        assert_eq!(tree.len(), 5, "every file is still listed");
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].message.contains("the most one image may take"));
    }
}
