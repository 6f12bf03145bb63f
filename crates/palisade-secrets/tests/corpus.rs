//! Precision and recall on the labelled corpus built by
//! bench/secrets_corpus.py (5 repositories: planted real-format secrets and
//! the look-alikes that trip scanners). Every planted secret must be found
//! on its lines, and nothing else reported.

use palisade_secrets::Scanner;
use std::path::Path;

#[derive(serde::Deserialize)]
struct Label {
    path: String,
    start: u32,
    end: u32,
    kind: String,
}

fn files(dir: &Path, root: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().collect();
    entries.sort_by_key(|e| e.path());
    for e in entries {
        let p = e.path();
        if p.is_dir() {
            files(&p, root, out);
        } else if p.file_name().is_some_and(|n| n != "labels.json") {
            let rel = p
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.push((rel, std::fs::read(&p).unwrap()));
        }
    }
}

#[test]
fn every_planted_secret_and_nothing_else() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let labels: Vec<Label> =
        serde_json::from_str(&std::fs::read_to_string(root.join("labels.json")).unwrap()).unwrap();
    let mut all = Vec::new();
    files(&root, &root, &mut all);
    let scanner = Scanner::new();
    let mut found = vec![false; labels.len()];
    let mut false_positives = Vec::new();
    let mut findings = 0;
    for (path, bytes) in &all {
        for f in scanner.scan(path, bytes) {
            findings += 1;
            let hit: Vec<usize> = labels
                .iter()
                .enumerate()
                .filter(|(_, l)| &l.path == path && l.start <= f.line && f.line <= l.end)
                .map(|(i, _)| i)
                .collect();
            if hit.is_empty() {
                false_positives.push(format!("{path}:{} {}", f.line, f.rule));
            }
            for i in hit {
                found[i] = true;
            }
        }
    }
    let missed: Vec<String> = labels
        .iter()
        .zip(&found)
        .filter(|(_, f)| !**f)
        .map(|(l, _)| format!("{}:{} {}", l.path, l.start, l.kind))
        .collect();
    let recalled = found.iter().filter(|f| **f).count();
    println!(
        "{findings} findings, {} false; {recalled}/{} planted secrets found",
        false_positives.len(),
        labels.len()
    );
    assert!(labels.len() >= 100, "the corpus has its secrets");
    assert!(
        false_positives.is_empty(),
        "false positives: {false_positives:#?}"
    );
    assert!(missed.is_empty(), "missed: {missed:#?}");
}
