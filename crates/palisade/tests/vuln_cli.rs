//! `palisade db` and `palisade vuln` from the command line, on the corpus's
//! real OSV records and the SBOM fixtures.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn palisade() -> Command {
    Command::cargo_bin("palisade").unwrap()
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../palisade-sbom/tests/fixtures")
        .join(name)
}

fn import(db: &Path) {
    let osv = palisade_corpus::corpus_path("osv");
    let out = palisade()
        .args(["db", "import", "--db"])
        .arg(db)
        .arg(osv.join("pypa-advisory-database/vulns"))
        .arg(osv.join("osv-scanner-offline-dbs"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(String::from_utf8_lossy(&out).contains("unreadable"));
}

#[test]
fn alpine_musl_and_old_python_pins() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("osv.sqlite");
    import(&db);
    let status = palisade()
        .args(["db", "status", "--db"])
        .arg(&db)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(
        String::from_utf8_lossy(&status).contains("Alpine"),
        "{}",
        String::from_utf8_lossy(&status)
    );

    // musl 1.2.4_git20230717-r4 on Alpine 3.19: CVE-2025-26519, fixed in -r5.
    let out = palisade()
        .args(["vuln", "-f", "json", "--db"])
        .arg(&db)
        .arg(fixture("alpine"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let rows: Value = serde_json::from_slice(&out).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0]["package"], "musl");
    assert_eq!(rows[0]["ecosystem"], "Alpine:v3.19");
    assert_eq!(rows[0]["vulnerability"]["id"], "ALPINE-CVE-2025-26519");
    assert_eq!(rows[0]["vulnerability"]["severity"], "high");
    assert_eq!(
        rows[0]["vulnerability"]["fixed"],
        serde_json::json!(["1.2.4_git20230717-r5"])
    );
    palisade()
        .args(["vuln", "--fail-on", "high", "--db"])
        .arg(&db)
        .arg(fixture("alpine"))
        .assert()
        .code(1);
    palisade()
        .args(["vuln", "--fail-on", "critical", "--db"])
        .arg(&db)
        .arg(fixture("alpine"))
        .assert()
        .success();

    // Old pins in a requirements file: PyPA records, aliases kept, and
    // versions at or past the fix not reported.
    let proj = dir.path().join("proj");
    std::fs::create_dir_all(&proj).unwrap();
    std::fs::write(
        proj.join("requirements.txt"),
        "requests==2.19.1\nurllib3==1.26.18\nJinja2==2.10\n",
    )
    .unwrap();
    let out = palisade()
        .args(["vuln", "-f", "json", "--db"])
        .arg(&db)
        .arg(&proj)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let rows: Value = serde_json::from_slice(&out).unwrap();
    let ids: Vec<(&str, &str)> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["package"].as_str().unwrap(),
                r["vulnerability"]["id"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        ids.contains(&("requests", "PYSEC-2018-28"))
            && ids.contains(&("requests", "PYSEC-2023-74")),
        "{ids:?}"
    );
    assert!(ids.contains(&("Jinja2", "PYSEC-2019-217")), "{ids:?}");
    assert!(
        !ids.iter()
            .any(|(p, id)| *p == "urllib3" && *id == "PYSEC-2023-212"),
        "1.26.18 is the fix: {ids:?}"
    );
    let r = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["vulnerability"]["id"] == "PYSEC-2018-28")
        .unwrap();
    assert!(
        r["vulnerability"]["aliases"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "CVE-2018-18074")
    );
    // GIT ranges' commits are not versions that fix anything.
    assert_eq!(r["vulnerability"]["fixed"], serde_json::json!(["2.20.0"]));
}

/// An SBOM another tool (or palisade) wrote: CycloneDX components and SPDX
/// packages are looked up by their purls.
#[test]
fn existing_sboms_as_targets() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("osv.sqlite");
    import(&db);
    for format in ["cyclonedx-json", "spdx-json"] {
        let bom = dir.path().join(format!("alpine.{format}.json"));
        palisade()
            .args(["sbom", "-f", format, "-o"])
            .arg(&bom)
            .arg(fixture("alpine"))
            .assert()
            .success();
        let out = palisade()
            .args(["vuln", "-f", "json", "--db"])
            .arg(&db)
            .arg(&bom)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let rows: Value = serde_json::from_slice(&out).unwrap();
        let ids: Vec<&str> = rows
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["vulnerability"]["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["ALPINE-CVE-2025-26519"], "{format}");
        assert_eq!(rows[0]["ecosystem"], "Alpine:v3.19");
    }
}

#[test]
fn missing_database_is_an_input_error() {
    let dir = tempfile::tempdir().unwrap();
    let a = palisade()
        .args(["vuln", "--db"])
        .arg(dir.path().join("none.sqlite"))
        .arg(fixture("alpine"))
        .assert()
        .code(2);
    assert!(String::from_utf8_lossy(&a.get_output().stderr).contains("palisade db import"));
}
