//! A read-only view of the files of a root filesystem or container image.
//!
//! [`open`] recognises the target (a directory, a `docker save` tarball, an
//! OCI image layout directory or tarball) and builds a [`Tree`]: every path
//! with its type, size and mode, after the image's layers have been applied
//! in order with their whiteouts. Nothing is extracted to disk: the content of
//! the files a caller asks for ([`Interest`]) is kept in memory, executables
//! can be probed as they stream past, and a directory target is read from disk
//! on demand. Paths never leave the image: `..` and absolute names in a layer
//! are confined to its root and symlinks are resolved inside the tree.

mod dir;
mod layer;
mod target;
mod tree;

pub use target::{ImageConfig, ImageInfo, TargetKind};
pub use tree::{Node, NodeKind, Tree};

use std::fmt;
use std::path::Path;

/// What a caller wants of a file it is shown while the tree is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// Only its path, type, size and mode.
    Nothing,
    /// Its content, kept in memory (up to [`Interest::max_content`]).
    Content,
    /// Its content passed to [`Interest::probe`], and the result kept.
    Probe,
}

/// The files a caller needs the content of, decided from path, size and mode.
pub trait Interest: Sync {
    /// Decides for one regular file.
    fn want(&self, path: &str, size: u64, mode: u32) -> Want;
    /// Looks at a probed file's content; `Some` is stored with the node.
    fn probe(&self, path: &str, content: &[u8]) -> Option<Vec<u8>>;
    /// [`Interest::probe`] with the number of the layer the file is in
    /// (1-based; 0 for a directory target). Every version of a file is
    /// shown, also those a later layer replaces or deletes.
    fn probe_layer(&self, layer: u32, path: &str, content: &[u8]) -> Option<Vec<u8>> {
        let _ = layer;
        self.probe(path, content)
    }
    /// Files larger than this are listed but their content is not read.
    fn max_content(&self) -> u64 {
        256 << 20
    }
    /// Most bytes of content read into memory for the whole target, every
    /// layer together: past it further files are listed, not read, with a
    /// warning. Many files each just under [`Interest::max_content`] (a
    /// small, highly compressed image) stay within this.
    fn max_total_content(&self) -> u64 {
        512 << 20
    }
}

/// A problem met while reading the target; reading went on.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Warning {
    /// Where: the target file, with the layer and entry inside it.
    pub location: String,
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// The target could not be read at all.
#[derive(Debug)]
pub struct Error {
    pub location: String,
    pub message: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

impl std::error::Error for Error {}

/// A target opened: its files, what kind of target it was, and its image
/// metadata when it is an image.
#[derive(Debug)]
pub struct Opened {
    pub tree: Tree,
    pub kind: TargetKind,
    pub image: Option<ImageInfo>,
    pub warnings: Vec<Warning>,
}

/// Opens `target`. `selector` picks an image by tag or reference name when an
/// archive or layout holds several (the first otherwise).
pub fn open(
    target: &Path,
    selector: Option<&str>,
    interest: &dyn Interest,
) -> Result<Opened, Error> {
    target::open(target, selector, interest)
}

/// Splits `PATH:TAG` when `PATH` exists and the whole string does not (the
/// `oci-dir:tag` habit of other tools).
pub fn split_selector(arg: &str) -> (std::path::PathBuf, Option<String>) {
    if Path::new(arg).exists() {
        return (arg.into(), None);
    }
    if let Some((p, tag)) = arg.rsplit_once(':')
        && !tag.contains('/')
        && Path::new(p).exists()
    {
        return (p.into(), Some(tag.to_string()));
    }
    (arg.into(), None)
}

/// Applies one layer (a tar stream, possibly gzip or zstd compressed) held
/// in memory to an empty tree: what [`open`] does for each layer of an
/// image, for callers that already hold the bytes (and for fuzzing).
pub fn tree_from_layer(data: &[u8], interest: &dyn Interest) -> (Tree, Vec<Warning>) {
    let mut tree = Tree::new(None, interest.max_content());
    let mut warnings = Vec::new();
    layer::apply(
        &mut tree,
        Box::new(data),
        1,
        "layer",
        interest,
        &mut warnings,
    );
    (tree, warnings)
}
