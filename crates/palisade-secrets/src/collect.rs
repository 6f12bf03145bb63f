//! Walking what `palisade secrets` is given: source trees on all cores
//! (hidden files too, never `.git`, .gitignore respected unless asked),
//! single files, and images layer by layer as they stream past, each
//! readable text file through the [`Scanner`].
//!
//! Every rule that looks at paths sees them **below the scanned root**, so
//! where a checkout lives changes nothing: test and example folders count
//! below a directory scanned (for a file named on its own, below the
//! current directory: see [`marking_path`]), and ignore files count from
//! the scanned root down, plus — when the root lies inside a git work
//! tree — the `.gitignore` files between the top of that work tree and the
//! root, as `git` itself would read them; never one above the work tree
//! (a `.gitignore` or `.ignore` in `/home/ci` does not hide a checkout
//! under it).

use crate::fingerprint::FingerprintKey;
use crate::report::{InputError, Report};
use crate::{Baseline, Finding, Scanner, is_binary};
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use palisade_imagefs::{Interest, Want};
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// As [`collect_keyed`] with a one-off fingerprint key: for callers that
/// only count findings (the fingerprints match no other run's).
pub fn collect(
    paths: &[PathBuf],
    no_ignore: bool,
    max_file_size_mib: u64,
    baseline: &Baseline,
) -> (Report, Vec<String>) {
    collect_keyed(
        paths,
        no_ignore,
        max_file_size_mib,
        baseline,
        &FingerprintKey::ephemeral(),
    )
}

/// Scans `paths` (files, directories, images) on all cores, fingerprinting
/// with `key`; findings the baseline accepts go to `baselined`; unreadable
/// inputs are in `errors`. Also returns a note for each file skipped as
/// larger than the limit.
pub fn collect_keyed(
    paths: &[PathBuf],
    no_ignore: bool,
    max_file_size_mib: u64,
    baseline: &Baseline,
    key: &FingerprintKey,
) -> (Report, Vec<String>) {
    let scanner = Scanner::with_key(key.clone());
    let mut notes = Vec::new();
    let max = max_file_size_mib.saturating_mul(1 << 20);
    let mut report = Report::default();
    let mut found = Vec::new();
    let outcomes = Mutex::new(Vec::new());
    for p in paths {
        let (path, selector) = palisade_imagefs::split_selector(&p.to_string_lossy());
        if is_image(&path, selector.is_some()) {
            scan_image(
                &scanner,
                &path,
                selector.as_deref(),
                max,
                &mut report,
                &mut found,
            );
        } else if path.is_dir() {
            walk(&path, no_ignore, &scanner, max, &outcomes);
        } else if path.is_file() {
            let o = scan_file(&scanner, &path, &marking_path(&path), max);
            outcomes.lock().unwrap_or_else(|e| e.into_inner()).push(o);
        } else {
            report.errors.push(InputError {
                location: p.display().to_string(),
                message: "no such file or directory".into(),
            });
        }
    }
    for o in outcomes.into_inner().unwrap_or_else(|e| e.into_inner()) {
        match o {
            Outcome::Scanned { bytes, findings } => {
                report.summary.files += 1;
                report.summary.bytes += bytes;
                found.extend(findings);
            }
            Outcome::Binary => report.summary.binary_files_skipped += 1,
            Outcome::TooLarge(path, size) => {
                notes.push(format!(
                    "{}: {} MiB, over --max-file-size {} MiB; not scanned",
                    path.display(),
                    size >> 20,
                    max_file_size_mib
                ));
                report.summary.large_files_skipped += 1;
            }
            Outcome::Error(e) => report.errors.push(e),
        }
    }
    for f in found {
        if baseline.accepts(&f) {
            report.baselined.push(f);
        } else {
            report.findings.push(f);
        }
    }
    report.finish();
    (report, notes)
}

/// An image to read layer by layer rather than a file or tree to walk.
fn is_image(path: &Path, has_selector: bool) -> bool {
    if has_selector {
        return true;
    }
    if path.is_dir() {
        return path.join("oci-layout").is_file();
    }
    path.is_file() && is_image_name(path)
}

/// A file name of an image archive.
pub(crate) fn is_image_name(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    [".tar", ".tar.gz", ".tgz", ".tar.zst", ".oci"]
        .iter()
        .any(|e| name.ends_with(e))
}

/// The path whose folders tell whether a file named on the command line is
/// a test fixture: the argument's own components below the current
/// directory. A relative argument keeps them (`test/fixtures/x.env` is a
/// fixture); an absolute one keeps only what lies below the current
/// directory (`/home/ci/test/repo/x.env` run from `/home/ci/test/repo` is
/// `x.env`); one that leaves the current directory (`../test/x.env`, or an
/// absolute path elsewhere) keeps only its file name.
pub fn marking_path(arg: &Path) -> PathBuf {
    let name = || PathBuf::from(arg.file_name().unwrap_or(arg.as_os_str()));
    let below = |p: &Path| -> Option<PathBuf> {
        let mut out = PathBuf::new();
        for c in p.components() {
            match c {
                Component::Normal(n) => out.push(n),
                Component::CurDir => {}
                Component::ParentDir => {
                    if !out.pop() {
                        return None;
                    }
                }
                Component::RootDir | Component::Prefix(_) => return None,
            }
        }
        Some(out)
    };
    let rel = if arg.is_absolute() {
        std::env::current_dir().ok().and_then(|cwd| {
            arg.strip_prefix(&cwd)
                .ok()
                .map(Path::to_path_buf)
                .or_else(|| {
                    let (a, c) = (arg.canonicalize().ok()?, cwd.canonicalize().ok()?);
                    a.strip_prefix(c).ok().map(Path::to_path_buf)
                })
        })
    } else {
        Some(arg.to_path_buf())
    };
    rel.and_then(|r| below(&r))
        .filter(|r| !r.as_os_str().is_empty())
        .unwrap_or_else(name)
}

/// The ignore rules that reach a scanned root from above: when the root
/// lies inside a git work tree (below the folder that holds `.git`), the
/// `.gitignore` files of the folders from the top of the work tree down to
/// the root's parent and the repository's `info/exclude` — what `git`
/// would apply there. Nothing above the top of the work tree, and nothing
/// at all outside one. (The root's own ignore files and those below it are
/// the walk's.)
struct AboveRoot {
    /// The root, canonical.
    root: PathBuf,
    /// Deepest first: a deeper file overrides a shallower one, and
    /// `info/exclude` comes last.
    matchers: Vec<Gitignore>,
}

impl AboveRoot {
    fn of(dir: &Path) -> Option<AboveRoot> {
        let root = dir.canonicalize().ok()?;
        let top = root.ancestors().skip(1).find(|d| d.join(".git").exists())?;
        if root.join(".git").exists() {
            // the root is a work tree of its own (a submodule, a nested clone)
            return None;
        }
        let mut matchers = Vec::new();
        for d in root.ancestors().skip(1) {
            let file = d.join(".gitignore");
            if file.is_file() {
                let mut b = GitignoreBuilder::new(d);
                b.add(&file);
                if let Ok(g) = b.build() {
                    matchers.push(g);
                }
            }
            if d == top {
                break;
            }
        }
        let exclude = top.join(".git/info/exclude");
        if exclude.is_file() {
            let mut b = GitignoreBuilder::new(top);
            b.add(&exclude);
            if let Ok(g) = b.build() {
                matchers.push(g);
            }
        }
        (!matchers.is_empty()).then_some(AboveRoot { root, matchers })
    }

    /// Whether `relative` (below the root) is ignored.
    fn ignores(&self, relative: &Path, is_dir: bool) -> bool {
        if relative.as_os_str().is_empty() {
            return false;
        }
        let path = self.root.join(relative);
        for m in &self.matchers {
            match m.matched(&path, is_dir) {
                ignore::Match::Ignore(_) => return true,
                ignore::Match::Whitelist(_) => return false,
                ignore::Match::None => {}
            }
        }
        false
    }
}

/// Scans every file under `dir` on all cores as the walk finds them:
/// hidden files too (`.env`, `.npmrc`), never `.git`, and unless
/// `no_ignore` not what ignore files exclude (see [`AboveRoot`] for those
/// above `dir`).
fn walk(dir: &Path, no_ignore: bool, scanner: &Scanner, max: u64, out: &Mutex<Vec<Outcome>>) {
    let above = if no_ignore { None } else { AboveRoot::of(dir) };
    let base = dir.to_path_buf();
    ignore::WalkBuilder::new(dir)
        .hidden(false)
        .git_ignore(!no_ignore)
        .git_exclude(!no_ignore)
        .git_global(!no_ignore)
        .ignore(!no_ignore)
        .parents(false)
        .require_git(false)
        .filter_entry(move |e| {
            if e.file_name() == ".git" {
                return false;
            }
            match &above {
                Some(a) => {
                    let rel = e.path().strip_prefix(&base).unwrap_or(e.path());
                    !a.ignores(rel, e.file_type().is_some_and(|t| t.is_dir()))
                }
                None => true,
            }
        })
        .build_parallel()
        .run(|| {
            Box::new(|entry| {
                let o = match entry {
                    Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => {
                        // test and example folders count below the root only
                        let rel = e.path().strip_prefix(dir).unwrap_or(e.path());
                        scan_file(scanner, e.path(), rel, max)
                    }
                    Ok(_) => return ignore::WalkState::Continue,
                    Err(e) => Outcome::Error(InputError {
                        location: dir.display().to_string(),
                        message: e.to_string(),
                    }),
                };
                out.lock().unwrap_or_else(|e| e.into_inner()).push(o);
                ignore::WalkState::Continue
            })
        });
}

enum Outcome {
    Scanned { bytes: u64, findings: Vec<Finding> },
    Binary,
    TooLarge(PathBuf, u64),
    Error(InputError),
}

fn scan_file(scanner: &Scanner, path: &Path, relative: &Path, max: u64) -> Outcome {
    use std::io::Read;
    let error = |e: std::io::Error| {
        Outcome::Error(InputError {
            location: path.display().to_string(),
            message: e.to_string(),
        })
    };
    let mut buf = Vec::new();
    let read = std::fs::File::open(path).and_then(|f| f.take(max + 1).read_to_end(&mut buf));
    if let Err(e) = read {
        return error(e);
    }
    if buf.len() as u64 > max {
        let size = std::fs::metadata(path).map_or(buf.len() as u64, |m| m.len());
        return Outcome::TooLarge(path.to_path_buf(), size);
    }
    if is_binary(&buf) {
        return Outcome::Binary;
    }
    Outcome::Scanned {
        bytes: buf.len() as u64,
        findings: scanner.scan_at(&path.to_string_lossy(), &relative.to_string_lossy(), &buf),
    }
}

/// Directories of an image that hold documentation and data, not
/// configuration.
const IMAGE_SKIP: &[&str] = &[
    "usr/share/doc/",
    "usr/share/man/",
    "usr/share/info/",
    "usr/share/locale/",
    "usr/share/i18n/",
    "usr/share/zoneinfo/",
    "usr/lib/locale/",
    "var/lib/dpkg/",
    "var/lib/apt/lists/",
    "var/cache/",
];

/// Scans every file of every layer as the layers stream past.
struct ImageScan<'a> {
    scanner: &'a Scanner,
    max: u64,
    found: Mutex<Vec<(u32, String, Finding)>>,
    files: AtomicU64,
    bytes: AtomicU64,
    binary: AtomicU64,
    large: AtomicU64,
}

impl Interest for ImageScan<'_> {
    fn want(&self, path: &str, size: u64, _mode: u32) -> Want {
        if IMAGE_SKIP.iter().any(|d| path.starts_with(d)) {
            Want::Nothing
        } else if size > self.max {
            self.large.fetch_add(1, Ordering::Relaxed);
            Want::Nothing
        } else {
            Want::Probe
        }
    }

    fn probe(&self, path: &str, content: &[u8]) -> Option<Vec<u8>> {
        self.probe_layer(0, path, content)
    }

    fn probe_layer(&self, layer: u32, path: &str, content: &[u8]) -> Option<Vec<u8>> {
        if is_binary(content) {
            self.binary.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        self.files.fetch_add(1, Ordering::Relaxed);
        self.bytes
            .fetch_add(content.len() as u64, Ordering::Relaxed);
        let found = self.scanner.scan(path, content);
        if !found.is_empty() {
            let mut all = self.found.lock().unwrap_or_else(|e| e.into_inner());
            all.extend(found.into_iter().map(|f| (layer, path.to_string(), f)));
        }
        None
    }

    fn max_content(&self) -> u64 {
        self.max
    }
}

fn scan_image(
    scanner: &Scanner,
    path: &Path,
    selector: Option<&str>,
    max: u64,
    report: &mut Report,
    out: &mut Vec<Finding>,
) {
    let interest = ImageScan {
        scanner,
        max,
        found: Mutex::new(Vec::new()),
        files: AtomicU64::new(0),
        bytes: AtomicU64::new(0),
        binary: AtomicU64::new(0),
        large: AtomicU64::new(0),
    };
    let opened = match palisade_imagefs::open(path, selector, &interest) {
        Ok(o) => o,
        Err(e) => {
            report.errors.push(InputError {
                location: e.location,
                message: e.message,
            });
            return;
        }
    };
    for w in opened.warnings {
        report.errors.push(InputError {
            location: w.location,
            message: w.message,
        });
    }
    report.summary.files += interest.files.load(Ordering::Relaxed);
    report.summary.bytes += interest.bytes.load(Ordering::Relaxed);
    report.summary.binary_files_skipped += interest.binary.load(Ordering::Relaxed);
    report.summary.large_files_skipped += interest.large.load(Ordering::Relaxed);
    let name = match selector {
        Some(s) => format!("{}:{s}", path.display()),
        None => path.display().to_string(),
    };
    let found = interest
        .found
        .into_inner()
        .unwrap_or_else(|e| e.into_inner());
    for (layer, inner, mut f) in found {
        if layer == 0 {
            f.path = format!("{name}/{inner}");
            out.push(f);
            continue;
        }
        f.path = format!("{name}: layer {layer}: {inner}");
        let current = opened.tree.get(&inner).is_some_and(|n| n.layer == layer);
        if !current {
            let gone = "removed or replaced by a later layer, still in the image's history";
            f.note = Some(match f.note.take() {
                Some(n) => format!("{n}; {gone}"),
                None => gone.to_string(),
            });
        }
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_argument_counts_its_folders_below_the_current_directory() {
        let m = |p: &str| marking_path(Path::new(p));
        assert_eq!(m("test/fixtures/x.env"), Path::new("test/fixtures/x.env"));
        assert_eq!(m("./test/./x.env"), Path::new("test/x.env"));
        assert_eq!(m("a/../test/x.env"), Path::new("test/x.env"));
        // leaving the current directory: only the name
        assert_eq!(m("../test/x.env"), Path::new("x.env"));
        assert_eq!(m("a/../../test/x.env"), Path::new("x.env"));
        // an absolute path outside the current directory: only the name
        assert_eq!(m("/nonexistent-palisade/test/x.env"), Path::new("x.env"));
        let here = std::env::current_dir().unwrap();
        assert_eq!(
            marking_path(&here.join("tests/fixtures/x.env")),
            Path::new("tests/fixtures/x.env")
        );
        assert!(!crate::is_test_path(
            &m("/home/ci/test/repo/x.env").to_string_lossy()
        ));
        assert!(crate::is_test_path(
            &m("test/fixtures/x.env").to_string_lossy()
        ));
    }
}
