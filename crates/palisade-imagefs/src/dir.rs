//! A directory target: walked without following links; content is read from
//! disk when asked for, except probed executables, which are read once here.

use std::path::Path;

use crate::tree::{Node, NodeKind, Tree};
use crate::{Interest, Want, Warning};

pub(crate) fn walk(root: &Path, interest: &dyn Interest, warnings: &mut Vec<Warning>) -> Tree {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let mut tree = Tree::new(Some(root.to_path_buf()), interest.max_content());
    let skip_pseudo = root == Path::new("/");
    let mut stack: Vec<String> = vec![String::new()];
    while let Some(dir) = stack.pop() {
        let full = if dir.is_empty() {
            root.to_path_buf()
        } else {
            root.join(&dir)
        };
        let rd = match std::fs::read_dir(&full) {
            Ok(rd) => rd,
            Err(e) => {
                warnings.push(Warning {
                    location: full.display().to_string(),
                    message: format!("cannot list: {e}"),
                });
                continue;
            }
        };
        for entry in rd.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if skip_pseudo && dir.is_empty() && matches!(name.as_str(), "proc" | "sys" | "dev") {
                continue;
            }
            let path = if dir.is_empty() {
                name
            } else {
                format!("{dir}/{name}")
            };
            // DirEntry::metadata does not follow links (and reuses the
            // directory's handle).
            let Ok(meta) = entry.metadata() else {
                continue;
            };
            let ft = meta.file_type();
            let mode = meta.permissions().mode() & 0o7777;
            let kind = if ft.is_dir() {
                NodeKind::Dir
            } else if ft.is_symlink() {
                let target = std::fs::read_link(entry.path())
                    .map(|t| t.to_string_lossy().into_owned())
                    .unwrap_or_default();
                NodeKind::Symlink(target)
            } else if ft.is_file() {
                NodeKind::File
            } else {
                NodeKind::Other
            };
            let size = if ft.is_file() { meta.size() } else { 0 };
            let mut node = Node {
                kind,
                size,
                mode,
                layer: 0,
                content: None,
                probe: None,
            };
            if node.is_file()
                && size <= interest.max_content()
                && interest.want(&path, size, mode) == Want::Probe
            {
                match std::fs::read(entry.path()) {
                    Ok(buf) => {
                        node.probe = interest
                            .probe_layer(0, &path, &buf)
                            .map(std::sync::Arc::from)
                    }
                    Err(e) => warnings.push(Warning {
                        location: entry.path().display().to_string(),
                        message: format!("cannot read: {e}"),
                    }),
                }
            }
            if ft.is_dir() {
                stack.push(path.clone());
            }
            tree.insert(path, node);
        }
    }
    tree
}
