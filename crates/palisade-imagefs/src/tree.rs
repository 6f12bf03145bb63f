//! The files of a target after its layers are applied.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

/// What a path is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeKind {
    File,
    Dir,
    /// A symbolic link and its target as written.
    Symlink(String),
    /// Devices, fifos and the like.
    Other,
}

/// One path of the tree.
#[derive(Debug, Clone)]
pub struct Node {
    pub kind: NodeKind,
    pub size: u64,
    pub mode: u32,
    /// The layer that wrote it (0 for a directory target).
    pub layer: u32,
    pub(crate) content: Option<Arc<[u8]>>,
    /// What [`crate::Interest::probe`] returned for it.
    pub probe: Option<Arc<[u8]>>,
}

impl Node {
    pub fn is_file(&self) -> bool {
        self.kind == NodeKind::File
    }
    pub fn is_executable(&self) -> bool {
        self.is_file() && self.mode & 0o111 != 0
    }
}

/// Paths (relative, `/`-separated, no leading slash) to nodes, sorted.
#[derive(Debug, Default)]
pub struct Tree {
    nodes: BTreeMap<String, Node>,
    /// A directory target: content is read from here on demand.
    disk_root: Option<PathBuf>,
    max_content: u64,
    /// Bytes of content read into memory so far (kept or probed).
    pub(crate) content_read: u64,
    /// A warning about the total content budget was given.
    pub(crate) over_budget: bool,
}

/// Cleans a path from a layer or a link: `.` and empty parts dropped, `..`
/// applied. `None` when it climbs above the root.
pub(crate) fn normalize(raw: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for p in raw.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

impl Tree {
    pub(crate) fn new(disk_root: Option<PathBuf>, max_content: u64) -> Self {
        Tree {
            nodes: BTreeMap::new(),
            disk_root,
            max_content,
            content_read: 0,
            over_budget: false,
        }
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Every path and node, in path order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Node)> {
        self.nodes.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The node at exactly `path` (no symlink resolution).
    pub fn get(&self, path: &str) -> Option<&Node> {
        self.nodes.get(path)
    }

    pub(crate) fn insert(&mut self, path: String, node: Node) {
        if node.kind != NodeKind::Dir {
            // A file replacing a directory takes its subtree away.
            if self
                .nodes
                .get(&path)
                .is_some_and(|n| n.kind == NodeKind::Dir)
            {
                self.remove_under(&path, u32::MAX);
            }
        }
        // Parents exist implicitly in tarballs that omit them.
        let mut p = parent(&path);
        while !p.is_empty() && !self.nodes.contains_key(p) {
            self.nodes.insert(
                p.to_string(),
                Node {
                    kind: NodeKind::Dir,
                    size: 0,
                    mode: 0o755,
                    layer: node.layer,
                    content: None,
                    probe: None,
                },
            );
            p = parent(p);
        }
        self.nodes.insert(path, node);
    }

    /// Removes `path` and everything under it.
    pub(crate) fn remove(&mut self, path: &str) {
        self.nodes.remove(path);
        self.remove_under(path, u32::MAX);
    }

    /// Removes what is under `dir` and came from a layer below `layer`.
    pub(crate) fn remove_under(&mut self, dir: &str, layer: u32) {
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        let doomed: Vec<String> = self
            .nodes
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .filter(|(_, n)| n.layer < layer)
            .map(|(k, _)| k.clone())
            .collect();
        for k in doomed {
            self.nodes.remove(&k);
        }
    }

    pub(crate) fn get_mut(&mut self, path: &str) -> Option<&mut Node> {
        self.nodes.get_mut(path)
    }

    /// Follows symbolic links in every component of `path`, inside the tree:
    /// absolute targets start at the image root and `..` stops there. `None`
    /// for a dangling link or a loop (more than 40 links).
    pub fn resolve(&self, path: &str) -> Option<String> {
        let mut todo: Vec<String> = path
            .split('/')
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .rev()
            .collect();
        let mut done: Vec<String> = Vec::new();
        let mut hops = 0;
        while let Some(part) = todo.pop() {
            match part.as_str() {
                "." => continue,
                ".." => {
                    done.pop();
                    continue;
                }
                _ => {}
            }
            done.push(part);
            let here = done.join("/");
            match self.nodes.get(&here) {
                Some(Node {
                    kind: NodeKind::Symlink(target),
                    ..
                }) => {
                    hops += 1;
                    if hops > 40 {
                        return None;
                    }
                    done.pop();
                    if target.starts_with('/') {
                        done.clear();
                    }
                    for p in target.split('/').filter(|p| !p.is_empty()).rev() {
                        todo.push(p.to_string());
                    }
                }
                Some(_) => {}
                // Missing on the way: only the last part may be absent
                // (callers then see None from `get`).
                None if !todo.is_empty() => return None,
                None => {}
            }
        }
        Some(done.join("/"))
    }

    /// The node `path` leads to, following symbolic links.
    pub fn lookup(&self, path: &str) -> Option<(String, &Node)> {
        let real = self.resolve(path)?;
        let node = self.nodes.get(&real)?;
        Some((real, node))
    }

    /// The content of the regular file `path` leads to. `None` when it is
    /// not a regular file, is larger than the limit, or cannot be read.
    pub fn read(&self, path: &str) -> Option<Cow<'_, [u8]>> {
        let (real, node) = self.lookup(path)?;
        if !node.is_file() {
            return None;
        }
        if let Some(c) = &node.content {
            return Some(Cow::Borrowed(c));
        }
        let root = self.disk_root.as_ref()?;
        if node.size > self.max_content {
            return None;
        }
        let full = root.join(&real);
        // Never follow a link on disk: the walk recorded this path as a file.
        let meta = std::fs::symlink_metadata(&full).ok()?;
        if !meta.file_type().is_file() {
            return None;
        }
        std::fs::read(full).ok().map(Cow::Owned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(layer: u32) -> Node {
        Node {
            kind: NodeKind::File,
            size: 1,
            mode: 0o644,
            layer,
            content: Some(Arc::from(&b"x"[..])),
            probe: None,
        }
    }

    #[test]
    fn normalize_confines_paths() {
        assert_eq!(normalize("./a//b/./c").as_deref(), Some("a/b/c"));
        assert_eq!(normalize("/etc/passwd").as_deref(), Some("etc/passwd"));
        assert_eq!(normalize("a/../b").as_deref(), Some("b"));
        assert_eq!(normalize("../etc/passwd"), None);
        assert_eq!(normalize("a/../../x"), None);
    }

    #[test]
    fn symlinks_resolve_inside_the_tree() {
        let mut t = Tree::new(None, 1 << 20);
        t.insert("usr/bin/dash".into(), file(0));
        let link = |to: &str| Node {
            kind: NodeKind::Symlink(to.into()),
            size: 0,
            mode: 0o777,
            layer: 0,
            content: None,
            probe: None,
        };
        t.insert("bin".into(), link("usr/bin"));
        t.insert("usr/bin/sh".into(), link("dash"));
        t.insert("escape".into(), link("../../../../usr/bin/sh"));
        t.insert("loop1".into(), link("loop2"));
        t.insert("loop2".into(), link("/loop1"));
        assert_eq!(t.resolve("bin/sh").as_deref(), Some("usr/bin/dash"));
        assert_eq!(t.resolve("escape").as_deref(), Some("usr/bin/dash"));
        assert_eq!(t.resolve("loop1"), None);
        assert_eq!(t.read("bin/sh").as_deref(), Some(&b"x"[..]));
        assert!(t.read("missing/file").is_none());
    }

    #[test]
    fn removal() {
        let mut t = Tree::new(None, 1 << 20);
        t.insert("a/b".into(), file(0));
        t.insert("a/c/d".into(), file(0));
        t.insert("ab".into(), file(0));
        t.insert("a/e".into(), file(1));
        t.remove_under("a", 1);
        let left: Vec<_> = t.iter().map(|(p, _)| p).collect();
        assert_eq!(left, ["a", "a/e", "ab"]);
        t.remove("a");
        assert_eq!(t.len(), 1);
    }
}
