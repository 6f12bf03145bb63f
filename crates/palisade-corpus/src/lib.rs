//! Finds the shared conformance corpus for tests.
//!
//! The corpus (`shared/corpus`: Pod Security Admission fixtures, Gatekeeper
//! library suites, …; see its `SOURCES.md`) lives next to the checkout, at
//! `../shared/corpus` from the repository root, or where
//! `PALISADE_CORPUS` points. Conformance tests fail, loudly, when it is
//! missing: a conformance test that passes without its fixtures proves nothing.

use std::path::{Path, PathBuf};

/// The corpus directory, or a panic that says where it was looked for.
pub fn corpus() -> PathBuf {
    match find() {
        Ok(p) => p,
        Err(tried) => panic!(
            "the shared conformance corpus was not found; tried:\n  {}\n\
             set PALISADE_CORPUS to the `shared/corpus` directory",
            tried.join("\n  ")
        ),
    }
}

/// A directory inside the corpus (e.g. `pod-security-admission/testdata`).
pub fn corpus_path(rel: &str) -> PathBuf {
    let p = corpus().join(rel);
    assert!(p.exists(), "{} is missing from the corpus", p.display());
    p
}

fn find() -> Result<PathBuf, Vec<String>> {
    let mut tried = Vec::new();
    if let Ok(p) = std::env::var("PALISADE_CORPUS") {
        let p = PathBuf::from(p);
        if p.is_dir() {
            return Ok(p);
        }
        tried.push(format!("$PALISADE_CORPUS = {}", p.display()));
    }
    let start = Path::new(env!("CARGO_MANIFEST_DIR"));
    for dir in start.ancestors() {
        for candidate in [dir.join("shared/corpus"), dir.join("../shared/corpus")] {
            if candidate.join("SOURCES.md").is_file() {
                return Ok(candidate);
            }
            tried.push(candidate.display().to_string());
        }
    }
    Err(tried)
}
