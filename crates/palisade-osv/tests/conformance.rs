//! The 1,190 boundary vectors of ../shared/corpus/osv/derived/match-vectors.jsonl
//! (package@version → affected or not, from real PyPA, Go, Debian, Alpine,
//! Maven, Packagist and npm records), and the enumerated `versions` of every
//! corpus record, which OSV.dev computed from the ranges: each must be
//! judged affected by the ranges alone.

use std::collections::HashMap;

fn load(rel: &str) -> palisade_osv::Record {
    let p = palisade_corpus::corpus_path("osv").join(rel);
    palisade_osv::parse(&std::fs::read_to_string(&p).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn match_vectors() {
    palisade_corpus::require!("osv/derived/match-vectors.jsonl");
    let text = std::fs::read_to_string(palisade_corpus::corpus_path(
        "osv/derived/match-vectors.jsonl",
    ))
    .unwrap();
    let mut records: HashMap<String, palisade_osv::Record> = HashMap::new();
    let (mut total, mut wrong) = (0, Vec::new());
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let source = v["source"].as_str().unwrap();
        let r = records
            .entry(source.to_string())
            .or_insert_with(|| load(source));
        assert_eq!(r.id, v["id"].as_str().unwrap());
        let got = r.affects(
            v["ecosystem"].as_str().unwrap(),
            v["package"].as_str().unwrap(),
            v["version"].as_str().unwrap(),
        );
        total += 1;
        if got != v["expected_affected"].as_bool().unwrap() {
            wrong.push(line.to_string());
        }
    }
    assert_eq!(total, 1190);
    assert!(
        wrong.is_empty(),
        "{} of {total} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    eprintln!("match vectors: {total} of {total}");
}

/// The upstream quirk the corpus documents: PYSEC-2023-61 lists
/// pre-releases below its `introduced`. (Its other one, paramiko's legacy
/// non-PEP 440 versions, falls inside the ranges here, since invalid
/// versions sort below valid ones as in OSV's reference.)
fn known_quirk(id: &str, version: &str) -> bool {
    id == "PYSEC-2023-61"
        && ["3.2a1", "3.2b1", "3.2rc1", "4.2a1", "4.2b1", "4.2rc1"].contains(&version)
}

#[test]
fn enumerated_versions_fall_in_their_ranges() {
    palisade_corpus::require!("osv");
    let root = palisade_corpus::corpus_path("osv");
    let mut files = Vec::new();
    for dir in ["pypa-advisory-database/vulns", "osv-scanner-offline-dbs"] {
        let mut stack = vec![root.join(dir)];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "json" || x == "yaml") {
                    files.push(p);
                }
            }
        }
    }
    let (mut checked, mut wrong, mut skipped) = (0, Vec::new(), 0);
    for f in files {
        let r = palisade_osv::parse(&std::fs::read_to_string(&f).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        for a in &r.affected {
            let Some(p) = &a.package else { continue };
            let Some(eco) = palisade_version::Ecosystem::parse(&p.ecosystem) else {
                continue;
            };
            if !a
                .ranges
                .iter()
                .any(|x| x.kind == "ECOSYSTEM" || x.kind == "SEMVER")
            {
                continue;
            }
            for v in &a.versions {
                if !a.ranges.iter().any(|x| x.contains(eco, v)) {
                    if known_quirk(&r.id, v) {
                        skipped += 1;
                    } else {
                        wrong.push(format!("{} {} {v}", r.id, p.name));
                    }
                }
                checked += 1;
            }
        }
    }
    eprintln!(
        "enumerated versions: {} of {checked} inside their ranges ({skipped} documented quirks)",
        checked - wrong.len() - skipped
    );
    assert!(
        wrong.is_empty(),
        "{} of {checked}:\n{}",
        wrong.len(),
        wrong
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
