//! Importing the corpus's real OSV records: directories of JSON and YAML,
//! an all.zip export built here from them; idempotence; lookups by
//! normalised name; unreadable records reported with their location.

use std::io::Write;
use std::path::PathBuf;

fn osv(rel: &str) -> PathBuf {
    palisade_corpus::corpus_path("osv").join(rel)
}

#[test]
fn import_is_idempotent_and_lookups_normalise() {
    palisade_corpus::require!("osv");
    let dir = tempfile::tempdir().unwrap();
    let mut db = palisade_vulndb::Db::open(&dir.path().join("osv.sqlite")).unwrap();
    let first = db.import(&[osv("pypa-advisory-database/vulns")]).unwrap();
    assert_eq!(
        (first.added, first.updated, first.errors.len()),
        (227, 0, 0)
    );
    let again = db.import(&[osv("pypa-advisory-database/vulns")]).unwrap();
    assert_eq!((again.added, again.updated, again.unchanged), (0, 0, 227));
    let s = db.status().unwrap();
    assert_eq!(s.records, 227);
    assert!(
        s.by_ecosystem.iter().any(|(e, n)| e == "PyPI" && *n >= 227),
        "{:?}",
        s.by_ecosystem
    );
    // PyPI names are found whatever their spelling.
    let a = db.lookup("PyPI", "PyYAML").unwrap();
    let b = db.lookup("PyPI", "pyyaml").unwrap();
    assert!(!a.is_empty() && a.len() == b.len());
}

#[test]
fn zip_exports_and_bad_records() {
    palisade_corpus::require!("osv");
    let dir = tempfile::tempdir().unwrap();
    let zip_path = dir.path().join("all.zip");
    let mut z = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    for f in std::fs::read_dir(osv("golang-vulndb/osv"))
        .unwrap()
        .flatten()
        .take(20)
    {
        z.start_file(
            f.file_name().to_string_lossy(),
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        z.write_all(&std::fs::read(f.path()).unwrap()).unwrap();
    }
    z.start_file("broken.json", zip::write::SimpleFileOptions::default())
        .unwrap();
    z.write_all(b"{\n  \"id\": \"X\",\n  \"affected\": [\n")
        .unwrap();
    z.finish().unwrap();
    std::fs::write(dir.path().join("not-a.zip"), b"PK\x03\x04 nothing").unwrap();
    let mut db = palisade_vulndb::Db::open(&dir.path().join("osv.sqlite")).unwrap();
    let r = db
        .import(&[zip_path.clone(), dir.path().join("not-a.zip")])
        .unwrap();
    assert_eq!(r.added, 20);
    assert_eq!(r.errors.len(), 2, "{:?}", r.errors);
    assert!(
        r.errors
            .iter()
            .any(|e| e.contains("all.zip:broken.json: line 4")),
        "{:?}",
        r.errors
    );
    assert!(
        r.errors
            .iter()
            .any(|e| e.contains("not-a.zip: not a readable zip")),
        "{:?}",
        r.errors
    );
}

/// Records that parse but cannot be used — bad ranges, unknown ecosystems,
/// missing fields — are skipped with where they are and why; the good
/// ones beside them are imported.
#[test]
fn invalid_records_are_skipped_with_their_location() {
    let dir = tempfile::tempdir().unwrap();
    let zip_path = dir.path().join("all.zip");
    let mut z = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    let entries = [
        (
            "GOOD-1.json",
            r#"{"id":"GOOD-1","modified":"2025-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"a"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.0.0"}]}]}]}"#,
        ),
        (
            "NO-INTRO.json",
            r#"{"id":"NO-INTRO","modified":"2025-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"a"},"ranges":[{"type":"SEMVER","events":[{"fixed":"1.0.0"}]}]}]}"#,
        ),
        (
            "TWO-FIELDS.json",
            r#"{"id":"TWO-FIELDS","modified":"2025-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"a"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0","fixed":"1.0.0"}]}]}]}"#,
        ),
        (
            "PLAN9.json",
            r#"{"id":"PLAN9","modified":"2025-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"Plan9","name":"a"},"versions":["1"]}]}"#,
        ),
        (
            "NO-NAME.json",
            r#"{"id":"NO-NAME","affected":[{"package":{"ecosystem":"npm"}}]}"#,
        ),
        ("NO-ID.json", r#"{"modified":"2025-01-01T00:00:00Z"}"#),
    ];
    for (name, body) in entries {
        z.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(body.as_bytes()).unwrap();
    }
    z.finish().unwrap();
    // A truncated export: the central directory is gone.
    let bytes = std::fs::read(&zip_path).unwrap();
    let cut = dir.path().join("cut.zip");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let mut db = palisade_vulndb::Db::open(&dir.path().join("osv.sqlite")).unwrap();
    let r = db.import(&[zip_path, cut]).unwrap();
    assert_eq!(r.added, 1, "{:?}", r.errors);
    assert_eq!(r.errors.len(), 6, "{:#?}", r.errors);
    for want in [
        "all.zip:NO-INTRO.json: NO-INTRO: affected[0].ranges[0]: no introduced event",
        "all.zip:TWO-FIELDS.json: TWO-FIELDS: affected[0].ranges[0].events[0]: 2 of",
        "all.zip:PLAN9.json: PLAN9: affected[0]: unknown ecosystem \"Plan9\"",
        "all.zip:NO-NAME.json: not an OSV record: missing field `name`",
        "all.zip:NO-ID.json: not an OSV record: missing field `id`",
        "cut.zip: not a readable zip",
    ] {
        assert!(
            r.errors.iter().any(|e| e.contains(want)),
            "{want}: {:#?}",
            r.errors
        );
    }
    assert_eq!(db.lookup("npm", "a").unwrap().len(), 1);
}

#[test]
fn an_index_written_before_schema_versions_opens_with_its_records() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("osv.sqlite");
    // as the first release wrote it: these tables, no user_version
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(
            "CREATE TABLE records (id TEXT PRIMARY KEY, modified TEXT NOT NULL, body TEXT NOT NULL);
             CREATE TABLE affected (ecosystem TEXT NOT NULL, name TEXT NOT NULL, id TEXT NOT NULL);
             CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
             INSERT INTO meta VALUES ('etag:PyPI', 'abc');",
        )
        .unwrap();
    }
    let db = palisade_vulndb::Db::open(&path).unwrap();
    assert_eq!(db.meta("etag:PyPI").unwrap().as_deref(), Some("abc"));
    assert!(db.lookup("PyPI", "x").unwrap().is_empty());
    drop(db);
    let version: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, 1);
}
