//! Recognising a target and reading images: docker-archive (`docker save`),
//! OCI image layouts (directory or tarball), or a plain tarball of a root
//! filesystem.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::tree::Tree;
use crate::{Error, Interest, Opened, Warning, dir, layer};

/// What the target turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TargetKind {
    Directory,
    DockerArchive,
    OciDirectory,
    OciArchive,
    /// A tarball of a root filesystem (one layer).
    Tarball,
}

impl TargetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::Directory => "directory",
            TargetKind::DockerArchive => "docker-archive",
            TargetKind::OciDirectory => "oci-dir",
            TargetKind::OciArchive => "oci-archive",
            TargetKind::Tarball => "tarball",
        }
    }
}

/// The runtime settings of an image, from its config blob.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ImageConfig {
    #[serde(default, rename = "User")]
    pub user: String,
    #[serde(default, rename = "Entrypoint")]
    pub entrypoint: Option<Vec<String>>,
    #[serde(default, rename = "Cmd")]
    pub cmd: Option<Vec<String>>,
    #[serde(default, rename = "ExposedPorts")]
    pub exposed_ports: Option<serde_json::Map<String, Value>>,
}

/// An image's identity and config.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ImageInfo {
    /// Tags from the archive (`RepoTags`, `org.opencontainers.image.ref.name`).
    pub tags: Vec<String>,
    /// The config blob's digest: the image ID.
    pub id: String,
    /// The manifest's digest where the layout names it.
    pub manifest_digest: Option<String>,
    pub os: String,
    pub architecture: String,
    pub config: ImageConfig,
    pub layers: usize,
}

/// Named files inside the target: a directory or the members of a tarball.
enum Blobs {
    Dir(PathBuf),
    Tar {
        file: PathBuf,
        index: HashMap<String, (u64, u64)>,
    },
}

impl Blobs {
    fn open(&self, name: &str) -> std::io::Result<Box<dyn Read>> {
        let name = name.trim_start_matches("./");
        match self {
            Blobs::Dir(root) => {
                let rel = crate::tree::normalize(name)
                    .ok_or_else(|| std::io::Error::other("path climbs out of the layout"))?;
                Ok(Box::new(std::io::BufReader::with_capacity(
                    1 << 16,
                    File::open(root.join(rel))?,
                )))
            }
            Blobs::Tar { file, index } => {
                let &(offset, size) = index.get(name).ok_or_else(|| {
                    std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        format!("{name} is not in the archive"),
                    )
                })?;
                let mut f = File::open(file)?;
                f.seek(SeekFrom::Start(offset))?;
                Ok(Box::new(std::io::BufReader::with_capacity(
                    1 << 16,
                    f.take(size),
                )))
            }
        }
    }

    fn read(&self, name: &str) -> std::io::Result<Vec<u8>> {
        let mut buf = Vec::new();
        self.open(name)?.take(64 << 20).read_to_end(&mut buf)?;
        Ok(buf)
    }

    fn has(&self, name: &str) -> bool {
        match self {
            Blobs::Dir(root) => root.join(name).is_file(),
            Blobs::Tar { index, .. } => index.contains_key(name),
        }
    }
}

fn err(location: &Path, message: impl Into<String>) -> Error {
    Error {
        location: location.display().to_string(),
        message: message.into(),
    }
}

/// Lists a tarball's members with their offsets (a tarball of blobs, not a
/// layer: it is never decompressed here).
fn index_tar(path: &Path) -> Result<HashMap<String, (u64, u64)>, Error> {
    let f = File::open(path).map_err(|e| err(path, format!("cannot open: {e}")))?;
    let mut ar = tar::Archive::new(f);
    let mut index = HashMap::new();
    // Seek over members instead of reading them: only names and offsets.
    let entries = ar
        .entries_with_seek()
        .map_err(|e| err(path, format!("not a tar archive: {e}")))?;
    for e in entries {
        let e = e.map_err(|e| err(path, format!("corrupt tar archive: {e}")))?;
        if !e.header().entry_type().is_file() {
            continue;
        }
        let name = String::from_utf8_lossy(&e.path_bytes())
            .trim_start_matches("./")
            .to_string();
        index.insert(name, (e.raw_file_position(), e.size()));
    }
    Ok(index)
}

pub(crate) fn open(
    target: &Path,
    selector: Option<&str>,
    interest: &dyn Interest,
) -> Result<Opened, Error> {
    let meta = std::fs::metadata(target).map_err(|e| err(target, format!("cannot open: {e}")))?;
    let mut warnings = Vec::new();
    if meta.is_dir() {
        if target.join("oci-layout").is_file() && target.join("index.json").is_file() {
            let blobs = Blobs::Dir(target.to_path_buf());
            return image(target, blobs, TargetKind::OciDirectory, selector, interest);
        }
        let tree = dir::walk(target, interest, &mut warnings);
        return Ok(Opened {
            tree,
            kind: TargetKind::Directory,
            image: None,
            warnings,
        });
    }
    // A gzipped tarball of a root filesystem is read as one layer.
    let mut head = [0u8; 2];
    let gz = File::open(target)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok()
        && head == [0x1f, 0x8b];
    let index = if gz {
        HashMap::new()
    } else {
        index_tar(target)?
    };
    let blobs = Blobs::Tar {
        file: target.to_path_buf(),
        index,
    };
    if blobs.has("manifest.json") {
        return image(target, blobs, TargetKind::DockerArchive, selector, interest);
    }
    if blobs.has("index.json") && blobs.has("oci-layout") {
        return image(target, blobs, TargetKind::OciArchive, selector, interest);
    }
    let mut tree = Tree::new(None, interest.max_content());
    let f = File::open(target).map_err(|e| err(target, format!("cannot open: {e}")))?;
    layer::apply(
        &mut tree,
        Box::new(f),
        0,
        &target.display().to_string(),
        interest,
        &mut warnings,
    );
    Ok(Opened {
        tree,
        kind: TargetKind::Tarball,
        image: None,
        warnings,
    })
}

fn json(blobs: &Blobs, name: &str, target: &Path) -> Result<Value, Error> {
    let bytes = blobs
        .read(name)
        .map_err(|e| err(target, format!("{name}: {e}")))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| err(target, format!("{name}: line {}: {e}", e.line())))
}

fn blob_path(digest: &str) -> Option<String> {
    let (alg, hex) = digest.split_once(':')?;
    if alg.is_empty() || hex.is_empty() || !hex.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    Some(format!("blobs/{alg}/{hex}"))
}

fn tag_matches(tag: &str, selector: &str) -> bool {
    tag == selector
        || tag.rsplit_once(':').is_some_and(|(_, t)| t == selector)
        || tag.rsplit_once('/').is_some_and(|(_, t)| t == selector)
}

/// Picks a manifest from an OCI index, descending into nested indexes; prefers
/// linux/amd64 among platforms.
fn pick_oci(
    blobs: &Blobs,
    index: &Value,
    selector: Option<&str>,
    target: &Path,
    depth: u8,
) -> Result<(Value, Vec<String>, String), Error> {
    let manifests = index["manifests"].as_array().cloned().unwrap_or_default();
    let name = |m: &Value| {
        m["annotations"]["org.opencontainers.image.ref.name"]
            .as_str()
            .map(str::to_string)
    };
    let chosen = match selector {
        Some(s) if depth == 0 => manifests
            .iter()
            .find(|m| name(m).is_some_and(|n| tag_matches(&n, s)))
            .ok_or_else(|| {
                err(
                    target,
                    format!(
                        "no image tagged {s:?} in the layout (tags: {})",
                        manifests
                            .iter()
                            .filter_map(name)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?,
        _ => manifests
            .iter()
            .find(|m| m["platform"]["os"] == "linux" && m["platform"]["architecture"] == "amd64")
            .or_else(|| manifests.first())
            .ok_or_else(|| err(target, "the image index lists no manifest"))?,
    };
    let digest = chosen["digest"].as_str().unwrap_or_default().to_string();
    let path = blob_path(&digest).ok_or_else(|| err(target, format!("bad digest {digest:?}")))?;
    let doc = json(blobs, &path, target)?;
    let tags = name(chosen).into_iter().collect::<Vec<_>>();
    if doc.get("manifests").is_some() {
        if depth > 4 {
            return Err(err(target, "image indexes nested too deep"));
        }
        let (m, mut t, d) = pick_oci(blobs, &doc, None, target, depth + 1)?;
        t.extend(tags);
        return Ok((m, t, d));
    }
    Ok((doc, tags, digest))
}

fn image(
    target: &Path,
    blobs: Blobs,
    kind: TargetKind,
    selector: Option<&str>,
    interest: &dyn Interest,
) -> Result<Opened, Error> {
    let mut warnings = Vec::new();
    let (config_name, layers, tags, manifest_digest) = if kind == TargetKind::DockerArchive {
        let manifest = json(&blobs, "manifest.json", target)?;
        let list = manifest.as_array().cloned().unwrap_or_default();
        let tags_of = |m: &Value| {
            m["RepoTags"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|t| t.as_str().map(str::to_string))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        };
        let m = match selector {
            Some(s) => list
                .iter()
                .find(|m| tags_of(m).iter().any(|t| tag_matches(t, s)))
                .ok_or_else(|| err(target, format!("no image tagged {s:?} in the archive")))?,
            None => list
                .first()
                .ok_or_else(|| err(target, "manifest.json lists no image"))?,
        };
        let layers: Vec<String> = m["Layers"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|l| l.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        (
            m["Config"].as_str().unwrap_or_default().to_string(),
            layers,
            tags_of(m),
            None,
        )
    } else {
        let index = json(&blobs, "index.json", target)?;
        let (m, tags, digest) = pick_oci(&blobs, &index, selector, target, 0)?;
        let cfg = m["config"]["digest"]
            .as_str()
            .and_then(blob_path)
            .unwrap_or_default();
        let layers: Vec<String> = m["layers"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|l| l["digest"].as_str().and_then(blob_path))
                    .collect()
            })
            .unwrap_or_default();
        (cfg, layers, tags, Some(digest))
    };
    let config = json(&blobs, &config_name, target)?;
    let id = config_name
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .trim_end_matches(".json");
    let id = if id.contains(':') || id.is_empty() {
        id.to_string()
    } else {
        format!("sha256:{id}")
    };
    let info = ImageInfo {
        tags,
        id,
        manifest_digest,
        os: config["os"].as_str().unwrap_or_default().into(),
        architecture: config["architecture"].as_str().unwrap_or_default().into(),
        config: serde_json::from_value(config["config"].clone()).unwrap_or_default(),
        layers: layers.len(),
    };
    let mut tree = Tree::new(None, interest.max_content());
    for (i, l) in layers.iter().enumerate() {
        let where_ = format!("{}: layer {} ({l})", target.display(), i + 1);
        match blobs.open(l) {
            Ok(r) => layer::apply(&mut tree, r, i as u32 + 1, &where_, interest, &mut warnings),
            Err(e) => warnings.push(Warning {
                location: where_,
                message: format!("cannot open the layer: {e}"),
            }),
        }
    }
    Ok(Opened {
        tree,
        kind,
        image: Some(info),
        warnings,
    })
}
