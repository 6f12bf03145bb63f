//! Finds the conformance corpus for tests.
//!
//! The corpus (Pod Security Admission fixtures, Gatekeeper library suites,
//! Falco's audit traces, OSV records, …) is public upstream data at pinned
//! commits. It lives next to the checkout at `../shared/corpus`, or where
//! `PALISADE_CORPUS` points; `scripts/fetch-corpus.sh` fetches it from
//! upstream for a contributor who cloned only this repository.
//!
//! A conformance test that passes without its fixtures proves nothing, so a
//! test starts with [`require!`]: when the corpus (or one of the files the
//! test names) is absent, the test says so on stderr and returns — unless
//! `PALISADE_REQUIRE_CORPUS` is set (CI sets it), in which case it fails.

use std::path::{Path, PathBuf};

/// At the start of a test: return early, with a message that says what is
/// missing and how to get it, when the corpus or one of the named paths
/// inside it is absent; fail instead when `PALISADE_REQUIRE_CORPUS` is set.
///
/// ```ignore
/// palisade_corpus::require!("pod-security-admission/testdata");
/// ```
#[macro_export]
macro_rules! require {
    ($($rel:expr),* $(,)?) => {
        if let Some(why) = $crate::missing(&[$($rel),*]) {
            eprintln!("skipped: {why}");
            return;
        }
    };
}

/// Why a test that needs `rels` cannot run here, or `None` when it can.
/// Panics with the same text when the corpus is required.
pub fn missing(rels: &[&str]) -> Option<String> {
    let why = match find() {
        Err(tried) => format!(
            "the conformance corpus was not found (tried {}); \
             run scripts/fetch-corpus.sh and set PALISADE_CORPUS to the folder it prints",
            tried.join(", ")
        ),
        Ok(root) => {
            let absent: Vec<&str> = rels
                .iter()
                .copied()
                .filter(|r| !root.join(r).exists())
                .collect();
            if absent.is_empty() {
                return None;
            }
            format!(
                "{} missing from the conformance corpus at {}; \
                 scripts/fetch-corpus.sh fetches the upstream files, and the expectations \
                 marked DERIVED in SOURCES.md come with the shared corpus only",
                absent.join(", "),
                root.display()
            )
        }
    };
    if required() {
        panic!("{why} (PALISADE_REQUIRE_CORPUS is set, so this test fails instead of skipping)");
    }
    Some(why)
}

fn required() -> bool {
    std::env::var_os("PALISADE_REQUIRE_CORPUS").is_some_and(|v| !v.is_empty() && v != "0")
}

/// The corpus directory; panics with where it was looked for. Tests call
/// [`require!`] first, so this only fails when the corpus is required.
pub fn corpus() -> PathBuf {
    match find() {
        Ok(p) => p,
        Err(tried) => panic!(
            "the conformance corpus was not found; tried:\n  {}\n\
             run scripts/fetch-corpus.sh and set PALISADE_CORPUS to the folder it prints",
            tried.join("\n  ")
        ),
    }
}

/// A path inside the corpus (e.g. `pod-security-admission/testdata`).
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_present_path_is_not_missing_and_an_absent_one_is_named() {
        // The corpus is found from this checkout in CI and in development.
        if find().is_err() {
            return;
        }
        assert_eq!(missing(&["SOURCES.md"]), None);
        if !required() {
            let why = missing(&["no-such-folder/x"]).unwrap();
            assert!(why.contains("no-such-folder/x"), "{why}");
        }
    }
}
