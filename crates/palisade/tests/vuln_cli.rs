//! `palisade db` and `palisade vuln` from the command line, on the corpus's
//! real OSV records, the records of tests/fixtures/vuln (Debian urgency, Go
//! imports, CVSS v4, GitHub ratings) and the SBOM fixtures: every output
//! format (SARIF and CycloneDX validated against their schemas), ignore
//! rules with expiry, stale databases, `db update` from a local HTTPS
//! server with its own CA, and `scan --images --db`.

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
    palisade_corpus::require!("osv");
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
    let doc: Value = serde_json::from_slice(&out).unwrap();
    let rows = doc["findings"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0]["package"], "musl");
    assert_eq!(rows[0]["ecosystem"], "Alpine:v3.19");
    assert_eq!(rows[0]["vulnerability"]["id"], "ALPINE-CVE-2025-26519");
    assert_eq!(rows[0]["vulnerability"]["severity"], "high");
    assert_eq!(
        rows[0]["vulnerability"]["fixed"],
        serde_json::json!(["1.2.4_git20230717-r5"])
    );
    assert_eq!(rows[0]["upgrade"], "1.2.4_git20230717-r5");
    assert_eq!(
        rows[0]["paths"],
        serde_json::json!(["lib/apk/db/installed"])
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
    let doc: Value = serde_json::from_slice(&out).unwrap();
    let rows = &doc["findings"];
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
    palisade_corpus::require!("osv");
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
        let doc: Value = serde_json::from_slice(&out).unwrap();
        let rows = &doc["findings"];
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

fn records() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vuln/records")
}

/// A database of the fixture records.
fn fixture_db(dir: &Path) -> PathBuf {
    let db = dir.join("osv.sqlite");
    palisade()
        .args(["db", "import", "--db"])
        .arg(&db)
        .arg(records())
        .assert()
        .success();
    db
}

fn stdout_of(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stdout).into_owned()
}

fn stderr_of(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).into_owned()
}

/// `vuln -f json` in `cwd` (no configuration file there).
fn vuln_json(cwd: &Path, args: &[&str], target: &Path) -> Value {
    let a = palisade()
        .current_dir(cwd)
        .args(["vuln", "-f", "json"])
        .args(args)
        .arg(target)
        .assert();
    let out = a.get_output().stdout.clone();
    serde_json::from_slice(&out)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout_of(&a), stderr_of(&a)))
}

fn find<'a>(doc: &'a Value, list: &str, id: &str) -> &'a Value {
    doc[list]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["vulnerability"]["id"] == id)
        .unwrap_or_else(|| panic!("{id} not in {list}: {doc:#}"))
}

/// CVSS v4 before v3, GitHub's rating without a vector, the shortest
/// upgrade that fixes every vulnerability of a package, and the Go
/// vulndb's affected import paths.
#[test]
fn severities_upgrades_and_go_imports() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture_db(dir.path());
    let db_arg = db.to_str().unwrap();
    let doc = vuln_json(dir.path(), &["--db", db_arg], &fixture("lockfiles"));
    let py1 = find(&doc, "findings", "TEST-PY-1");
    assert_eq!(py1["package"], "requests");
    assert_eq!(py1["version"], "2.32.3");
    assert_eq!(py1["vulnerability"]["score"], 9.3);
    assert_eq!(py1["vulnerability"]["severity"], "critical");
    assert!(
        py1["vulnerability"]["severity_source"]
            .as_str()
            .unwrap()
            .starts_with("CVSS:4.0/")
    );
    assert_eq!(py1["vulnerability"]["fix"], "2.32.4");
    // 2.32.4 fixes TEST-PY-1 but not TEST-PY-2: 2.32.5 fixes both.
    assert_eq!(py1["upgrade"], "2.32.5");
    assert_eq!(py1["location"], "requirements/requirements.txt");
    let py2 = find(&doc, "findings", "TEST-PY-2");
    assert_eq!(py2["vulnerability"]["severity"], "medium");
    assert_eq!(py2["vulnerability"]["score"], Value::Null);
    assert_eq!(
        py2["vulnerability"]["severity_source"],
        "database_specific.severity: MODERATE"
    );
    // requests 2.32.5 (poetry.lock) and 2.34.2 are past both fixes.
    assert_eq!(
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["package"] == "requests")
            .count(),
        2
    );
    let go = find(&doc, "findings", "TEST-GO-1");
    assert_eq!(go["version"], "v0.26.0");
    assert_eq!(go["upgrade"], "0.33.0");
    assert_eq!(
        go["vulnerability"]["imports"],
        serde_json::json!([{"path": "golang.org/x/net/html", "symbols": ["Parse", "ParseFragment", "Tokenizer.Next"]}])
    );
    assert_eq!(doc["packages_checked"], 45);
    assert_eq!(doc["database"]["stale"], false);
    // The table says the same, the affected Go package on its own line.
    let a = palisade()
        .current_dir(dir.path())
        .args(["vuln", "--db", db_arg])
        .arg(fixture("lockfiles"))
        .assert()
        .success();
    let t = stdout_of(&a);
    assert!(
        t.contains("CRITICAL  9.3  requests 2.32.3  TEST-PY-1 (CVE-2099-2001, GHSA-test-0001)  fixed in 2.32.4  upgrade to 2.32.5  [requirements/requirements.txt]"),
        "{t}"
    );
    assert!(
        t.contains(
            "\n          affects golang.org/x/net/html: Parse, ParseFragment, Tokenizer.Next\n"
        ),
        "{t}"
    );
    assert!(
        t.ends_with("4 vulnerabilities in 3 packages (45 checked)\n"),
        "{t}"
    );
    // --fail-on counts the vendor rating too; --ignore-unfixed keeps all
    // four (each has a fix).
    palisade()
        .current_dir(dir.path())
        .args(["vuln", "--fail-on", "critical", "--db", db_arg])
        .arg(fixture("lockfiles"))
        .assert()
        .code(1);
    let doc = vuln_json(
        dir.path(),
        &["--db", db_arg, "--ignore-unfixed"],
        &fixture("lockfiles"),
    );
    assert_eq!(doc["findings"].as_array().unwrap().len(), 4);
}

/// Debian's `urgency: unimportant` is left out unless asked for, and never
/// fails the run when left out; Debian records name the source package.
#[test]
fn debian_unimportant_is_negligible() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture_db(dir.path());
    let db_arg = db.to_str().unwrap();
    let doc = vuln_json(dir.path(), &["--db", db_arg], &fixture("debian"));
    let ids: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["vulnerability"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["TEST-DEB-2"]);
    let zlib = find(&doc, "findings", "TEST-DEB-2");
    assert_eq!(zlib["package"], "zlib1g");
    assert_eq!(zlib["source_package"], "zlib");
    assert_eq!(zlib["vulnerability"]["severity"], "unknown");
    // Only the Debian:12 entry's fix applies.
    assert_eq!(zlib["upgrade"], "1:1.2.13.dfsg-1+deb12u1");
    let glibc = find(&doc, "negligible", "TEST-DEB-1");
    assert_eq!(
        glibc["vulnerability"]["negligible"],
        "Debian urgency unimportant"
    );
    assert_eq!(glibc["upgrade"], Value::Null);
    palisade()
        .current_dir(dir.path())
        .args(["vuln", "--fail-on", "critical", "--db", db_arg])
        .arg(fixture("debian"))
        .assert()
        .success();
    let a = palisade()
        .current_dir(dir.path())
        .args([
            "vuln",
            "--include-negligible",
            "--fail-on",
            "critical",
            "--db",
            db_arg,
        ])
        .arg(fixture("debian"))
        .assert()
        .code(1);
    let t = stdout_of(&a);
    assert!(
        t.contains("CRITICAL  9.8  libc6 2.36-9+deb12u14  TEST-DEB-1 (CVE-2099-1001)  no fix  [Debian urgency unimportant]"),
        "{t}"
    );
    let a = palisade()
        .current_dir(dir.path())
        .args(["vuln", "--db", db_arg])
        .arg(fixture("debian"))
        .assert()
        .success();
    assert!(
        stdout_of(&a).contains("1 negligible not shown (--include-negligible)"),
        "{}",
        stdout_of(&a)
    );
}

/// `vulnerabilities: ignore:` in .palisade.yaml: suppressed findings are
/// listed with their reason and do not fail the run; after the expiry date
/// they count again, with a warning. The file is found in the target
/// directory, or given with --config.
#[test]
fn ignore_rules_with_expiry() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture_db(dir.path());
    let db_arg = db.to_str().unwrap();
    let proj = dir.path().join("proj");
    std::fs::create_dir_all(&proj).unwrap();
    std::fs::write(proj.join("requirements.txt"), "urllib3==2.2.2\n").unwrap();
    let rules = |expires: &str| {
        format!(
            "vulnerabilities:\n  ignore:\n    - id: CVE-2099-2003\n      package: urllib3\n      reason: we never follow redirects through a proxy\n      expires: {expires}\n      justification: requires_configuration\n    - id: CVE-2099-9999\n      reason: another package's\n"
        )
    };
    std::fs::write(proj.join(".palisade.yaml"), rules("2999-12-31")).unwrap();
    let a = palisade()
        .current_dir(dir.path())
        .args(["vuln", "-f", "json", "--fail-on", "low", "--db", db_arg])
        .arg(&proj)
        .assert()
        .success();
    let doc: Value = serde_json::from_str(&stdout_of(&a)).unwrap();
    assert!(doc["findings"].as_array().unwrap().is_empty(), "{doc:#}");
    let s = find(&doc, "suppressed", "TEST-PY-3");
    assert_eq!(
        s["suppressed"],
        serde_json::json!({"reason": "we never follow redirects through a proxy", "expires": "2999-12-31", "justification": "requires_configuration"})
    );
    // Expired: it counts again, with a warning naming the rule.
    let old = dir.path().join("old.yaml");
    std::fs::write(&old, rules("2020-01-31")).unwrap();
    let a = palisade()
        .current_dir(dir.path())
        .args(["vuln", "--fail-on", "low", "--db", db_arg, "--config"])
        .arg(&old)
        .arg(&proj)
        .assert()
        .code(1);
    assert!(
        stderr_of(&a).contains("the ignore rule for CVE-2099-2003 (urllib3) expired on 2020-01-31"),
        "{}",
        stderr_of(&a)
    );
    assert!(stdout_of(&a).contains("TEST-PY-3"));
    // A rule naming another package does not apply.
    std::fs::write(
        &old,
        "vulnerabilities:\n  ignore:\n    - {id: TEST-PY-3, package: requests, reason: r}\n",
    )
    .unwrap();
    palisade()
        .current_dir(dir.path())
        .args(["vuln", "--fail-on", "low", "--db", db_arg, "--config"])
        .arg(&old)
        .arg(&proj)
        .assert()
        .code(1);
    // A bad rule is a usage error naming its line.
    std::fs::write(
        &old,
        "vulnerabilities:\n  ignore:\n    - id: TEST-PY-3\n      reason: r\n      expires: 31/01/2027\n",
    )
    .unwrap();
    let a = palisade()
        .current_dir(dir.path())
        .args(["vuln", "--db", db_arg, "--config"])
        .arg(&old)
        .arg(&proj)
        .assert()
        .code(2);
    assert!(stderr_of(&a).contains("old.yaml:5"), "{}", stderr_of(&a));
}

fn schema(rel: &str) -> Value {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel);
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn schema_errors(validator: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .take(10)
        .collect()
}

fn cyclonedx_validator() -> jsonschema::Validator {
    let schemas = "../palisade-sbom/tests/schemas/";
    let registry = jsonschema::Registry::new()
        .add(
            "http://cyclonedx.org/schema/spdx.schema.json",
            schema(&format!("{schemas}spdx.schema.json")),
        )
        .unwrap()
        .add(
            "http://cyclonedx.org/schema/jsf-0.82.schema.json",
            schema(&format!("{schemas}jsf-0.82.schema.json")),
        )
        .unwrap()
        .prepare()
        .unwrap();
    jsonschema::options()
        .with_registry(&registry)
        .should_validate_formats(true)
        .build(&schema(&format!("{schemas}bom-1.6.schema.json")))
        .unwrap()
}

/// The run every format test shares: the lockfiles fixture, from the
/// fixtures directory (relative paths), urllib3's vulnerability accepted.
fn formatted(format: &str) -> (String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture_db(dir.path());
    let config = dir.path().join("config.yaml");
    std::fs::write(
        &config,
        "vulnerabilities:\n  ignore:\n    - id: TEST-PY-3\n      reason: we never follow redirects through a proxy\n      justification: requires_configuration\n",
    )
    .unwrap();
    let a = palisade()
        .current_dir(fixture(""))
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .args(["vuln", "-f", format, "--db"])
        .arg(&db)
        .arg("--config")
        .arg(&config)
        .arg("lockfiles")
        .assert()
        .success();
    (stdout_of(&a), dir)
}

#[test]
fn markdown_report() {
    let (md, _dir) = formatted("markdown");
    insta::assert_snapshot!("vuln_markdown", md);
}

/// SARIF 2.1.0: a rule per vulnerability, a result per package location
/// (relative to the current directory), accepted ones as suppressed
/// results; valid against the schema.
#[test]
fn sarif_report() {
    let (text, _dir) = formatted("sarif");
    let doc: Value = serde_json::from_str(&text).unwrap();
    let mut sarif_schema = schema("../palisade-report/tests/data/sarif-schema-2.1.0.json");
    // The official schema's `language` patterns are not valid regexes (an
    // unbalanced `]`); palisade never writes `language`, so they are
    // dropped for the check (as palisade-report's test does).
    fn drop_broken_patterns(v: &mut Value) {
        match v {
            Value::Object(m) => {
                if m.get("pattern").and_then(|p| p.as_str())
                    == Some("^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$")
                {
                    m.remove("pattern");
                }
                m.values_mut().for_each(drop_broken_patterns);
            }
            Value::Array(a) => a.iter_mut().for_each(drop_broken_patterns),
            _ => {}
        }
    }
    drop_broken_patterns(&mut sarif_schema);
    let validator = jsonschema::validator_for(&sarif_schema).unwrap();
    let e = schema_errors(&validator, &doc);
    assert!(e.is_empty(), "{e:#?}");
    let run = &doc["runs"][0];
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["TEST-GO-1", "TEST-PY-1", "TEST-PY-2", "TEST-PY-3"]);
    assert_eq!(
        run["tool"]["driver"]["rules"][1]["properties"]["security-severity"],
        "9.3"
    );
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 4);
    for r in results {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(r["ruleId"], rules[i]);
    }
    let py3 = results.iter().find(|r| r["ruleId"] == "TEST-PY-3").unwrap();
    assert_eq!(
        py3["suppressions"][0]["justification"],
        "we never follow redirects through a proxy"
    );
    assert_eq!(
        py3["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "lockfiles/requirements/requirements.txt"
    );
    insta::assert_snapshot!("vuln_sarif", text);
}

/// CycloneDX 1.6 VEX: the target's components and a vulnerability entry
/// per analysis pointing at their bom-refs; valid against the schema, for
/// a catalogued directory and for an SBOM document as the target.
#[test]
fn cyclonedx_vex() {
    let validator = cyclonedx_validator();
    let (text, dir) = formatted("cyclonedx-vex");
    let doc: Value = serde_json::from_str(&text).unwrap();
    let e = schema_errors(&validator, &doc);
    assert!(e.is_empty(), "{e:#?}");
    let refs: Vec<&str> = doc["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["bom-ref"].as_str())
        .collect();
    let vulns = doc["vulnerabilities"].as_array().unwrap();
    assert_eq!(vulns.len(), 4);
    for v in vulns {
        for a in v["affects"].as_array().unwrap() {
            assert!(refs.contains(&a["ref"].as_str().unwrap()), "{a}");
        }
    }
    let by_id = |id: &str| vulns.iter().find(|v| v["id"] == id).unwrap();
    let py1 = by_id("TEST-PY-1");
    assert_eq!(py1["analysis"]["state"], "in_triage");
    assert_eq!(py1["ratings"][0]["method"], "CVSSv4");
    assert_eq!(py1["ratings"][0]["score"], 9.3);
    assert_eq!(py1["recommendation"], "Upgrade requests to 2.32.5");
    let py3 = by_id("TEST-PY-3");
    assert_eq!(py3["analysis"]["state"], "not_affected");
    assert_eq!(py3["analysis"]["justification"], "requires_configuration");
    assert_eq!(py3["affects"][0]["versions"][0]["status"], "unaffected");
    assert_eq!(by_id("TEST-PY-2")["ratings"][0]["method"], "other");

    // An SBOM document as the target: its own bom-refs.
    let bom = dir.path().join("lockfiles.cdx.json");
    palisade()
        .args(["sbom", "-f", "cyclonedx-json", "-o"])
        .arg(&bom)
        .arg(fixture("lockfiles"))
        .assert()
        .success();
    let a = palisade()
        .current_dir(dir.path())
        .args(["vuln", "-f", "cyclonedx-vex", "--db"])
        .arg(dir.path().join("osv.sqlite"))
        .arg(&bom)
        .assert()
        .success();
    let doc: Value = serde_json::from_str(&stdout_of(&a)).unwrap();
    let e = schema_errors(&validator, &doc);
    assert!(e.is_empty(), "{e:#?}");
    let source: Value = serde_json::from_str(&std::fs::read_to_string(&bom).unwrap()).unwrap();
    let source_refs: Vec<&str> = source["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["bom-ref"].as_str())
        .collect();
    let vulns = doc["vulnerabilities"].as_array().unwrap();
    assert_eq!(vulns.len(), 4);
    for v in vulns {
        assert!(source_refs.contains(&v["affects"][0]["ref"].as_str().unwrap()));
    }
}

/// `db status` warns on stderr when the data is older than --max-age (and
/// exits 1 with --fail-stale); `vuln` warns too.
#[test]
fn stale_database_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture_db(dir.path());
    let a = palisade()
        .current_dir(dir.path())
        .args(["db", "status", "--db"])
        .arg(&db)
        .assert()
        .success();
    assert!(!stderr_of(&a).contains("warning"), "{}", stderr_of(&a));
    assert!(stdout_of(&a).contains("6 records"), "{}", stdout_of(&a));
    assert!(stdout_of(&a).contains("days ago"), "{}", stdout_of(&a));
    // Any data is older than zero days.
    let a = palisade()
        .current_dir(dir.path())
        .args(["db", "status", "--max-age", "0", "--db"])
        .arg(&db)
        .assert()
        .success();
    assert!(
        stderr_of(&a).contains("days ago, more than 0: run `palisade db update`"),
        "{}",
        stderr_of(&a)
    );
    palisade()
        .current_dir(dir.path())
        .args(["db", "status", "--max-age", "0", "--fail-stale", "--db"])
        .arg(&db)
        .assert()
        .code(1);
    palisade()
        .current_dir(dir.path())
        .args(["db", "status", "--max-age", "3", "--fail-stale", "--db"])
        .arg(&db)
        .assert()
        .success();
    // maxAge from the current directory's .palisade.yaml.
    std::fs::write(
        dir.path().join(".palisade.yaml"),
        "vulnerabilities: {maxAge: 0}\n",
    )
    .unwrap();
    palisade()
        .current_dir(dir.path())
        .args(["db", "status", "--fail-stale", "--db"])
        .arg(&db)
        .assert()
        .code(1);
    let a = palisade()
        .current_dir(dir.path())
        .args(["vuln", "--db"])
        .arg(&db)
        .arg(fixture("alpine"))
        .assert()
        .success();
    assert!(stderr_of(&a).contains("more than 0"), "{}", stderr_of(&a));
}

/// A local HTTPS server with its own CA, serving OSV-style exports:
/// `/PyPI/all.zip` (with an ETag), `/Go/all.zip` redirecting to
/// `/moved/Go/all.zip`, `/Corrupt/all.zip` (not a zip); anything else 404.
/// Returns the port, the CA (PEM) and the requests seen (path and
/// If-None-Match).
fn export_server() -> (u16, String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::{Read, Write};
    let certs = palisade_admission::install::issue(
        "palisade test CA",
        "127.0.0.1",
        vec!["127.0.0.1".into()],
    )
    .unwrap();
    let zip_of = |names: &[&str]| {
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for n in names {
            z.start_file(*n, zip::write::SimpleFileOptions::default())
                .unwrap();
            z.write_all(&std::fs::read(records().join(n)).unwrap())
                .unwrap();
        }
        z.finish().unwrap().into_inner()
    };
    let pypi = zip_of(&["TEST-PY-1.json", "TEST-PY-2.json", "TEST-PY-3.json"]);
    let go = zip_of(&["TEST-GO-1.json"]);
    use rustls::pki_types::pem::PemObject;
    let chain: Vec<rustls::pki_types::CertificateDer<'static>> =
        rustls::pki_types::CertificateDer::pem_slice_iter(certs.cert_pem.as_bytes())
            .collect::<Result<_, _>>()
            .unwrap();
    let key = rustls::pki_types::PrivateKeyDer::from_pem_slice(certs.key_pem.as_bytes()).unwrap();
    let config = std::sync::Arc::new(
        rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap(),
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for tcp in listener.incoming().flatten() {
            let conn = rustls::ServerConnection::new(config.clone()).unwrap();
            let mut tls = rustls::StreamOwned::new(conn, tcp);
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") {
                match tls.read(&mut byte) {
                    Ok(1) => head.push(byte[0]),
                    _ => break,
                }
            }
            let head = String::from_utf8_lossy(&head).to_string();
            let path = head.split(' ').nth(1).unwrap_or_default().to_string();
            if path.is_empty() {
                // A client that refused the certificate.
                log.lock().unwrap().push("handshake failed".into());
                continue;
            }
            let inm = head.lines().find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("if-none-match: ")
                    .map(str::to_string)
            });
            log.lock()
                .unwrap()
                .push(format!("{path} {}", inm.clone().unwrap_or_default()));
            let (status, headers, body): (&str, String, Vec<u8>) = match path.as_str() {
                "/PyPI/all.zip" if inm.as_deref() == Some("\"pypi-1\"") => (
                    "304 Not Modified",
                    "etag: \"pypi-1\"\r\n".into(),
                    Vec::new(),
                ),
                "/PyPI/all.zip" => ("200 OK", "etag: \"pypi-1\"\r\n".into(), pypi.clone()),
                "/Go/all.zip" => (
                    "302 Found",
                    "location: /moved/Go/all.zip\r\n".into(),
                    Vec::new(),
                ),
                "/moved/Go/all.zip" => ("200 OK", String::new(), go.clone()),
                "/Corrupt/all.zip" => ("200 OK", String::new(), b"PK\x03\x04 truncated".to_vec()),
                _ => ("404 Not Found", String::new(), b"no such export".to_vec()),
            };
            let _ = write!(
                tls,
                "HTTP/1.1 {status}\r\n{headers}content-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = tls.write_all(&body);
            let _ = tls.flush();
            tls.conn.send_close_notify();
            let _ = tls.flush();
        }
    });
    (port, certs.ca_pem, seen)
}

/// `db update` over real TLS from a mirror with its own CA: downloads and
/// imports, skips an unchanged export (ETag), follows a redirect, refuses
/// a server it cannot verify, and reports a corrupt or missing export
/// with its URL.
#[test]
fn db_update_from_a_local_https_mirror() {
    let dir = tempfile::tempdir().unwrap();
    let (port, ca_pem, seen) = export_server();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &ca_pem).unwrap();
    let mirror = format!("https://127.0.0.1:{port}");
    let db = dir.path().join("db/osv.sqlite");
    let update = |extra: &[&str]| {
        let mut c = palisade();
        c.current_dir(dir.path())
            .args(["db", "update", "--mirror", &mirror, "--db"])
            .arg(&db)
            .args(extra);
        c
    };
    let ca_arg = ca.to_str().unwrap();
    let a = update(&["--ecosystem", "PyPI", "--ca-cert", ca_arg])
        .assert()
        .success();
    assert!(
        stdout_of(&a).contains("PyPI: ") && stdout_of(&a).contains("3 added, 0 updated"),
        "{}{}",
        stdout_of(&a),
        stderr_of(&a)
    );
    // The server says nothing changed.
    let a = update(&["--ecosystem", "PyPI", "--ca-cert", ca_arg])
        .assert()
        .success();
    assert!(
        stdout_of(&a).contains("PyPI: unchanged since the last update"),
        "{}",
        stdout_of(&a)
    );
    // SSL_CERT_FILE replaces the system's roots: the mirror's CA is
    // trusted without --ca-cert; another CA is not.
    let a = update(&["--ecosystem", "Go,Corrupt,Nothing"])
        .env("SSL_CERT_FILE", &ca)
        .assert()
        .code(2);
    let (out, err) = (stdout_of(&a), stderr_of(&a));
    assert!(
        out.contains("Go: ") && out.contains("1 added"),
        "{out}{err}"
    );
    assert!(
        err.contains(&format!("{mirror}/Corrupt/all.zip: not a readable zip")),
        "{err}"
    );
    assert!(
        err.contains(&format!("Nothing: {mirror}/Nothing/all.zip: HTTP 404")),
        "{err}"
    );
    let other = palisade_admission::install::issue("other CA", "x", vec!["x".into()]).unwrap();
    let other_ca = dir.path().join("other.pem");
    std::fs::write(&other_ca, other.ca_pem).unwrap();
    let a = update(&["--ecosystem", "PyPI"])
        .env("SSL_CERT_FILE", &other_ca)
        .assert()
        .code(2);
    assert!(
        stderr_of(&a).contains("TLS: invalid peer certificate"),
        "{}",
        stderr_of(&a)
    );
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        [
            "/PyPI/all.zip ".to_string(),
            "/PyPI/all.zip \"pypi-1\"".into(),
            "/Go/all.zip ".into(),
            "/moved/Go/all.zip ".into(),
            "/Corrupt/all.zip ".into(),
            "/Nothing/all.zip ".into(),
            "handshake failed".into(),
        ]
    );
    // What was downloaded is what `vuln` matches, and status says when.
    let a = palisade()
        .current_dir(dir.path())
        .args(["db", "status", "--db"])
        .arg(&db)
        .assert()
        .success();
    let s = stdout_of(&a);
    assert!(s.contains("4 records") && s.contains("downloaded"), "{s}");
    let doc = vuln_json(
        dir.path(),
        &["--db", db.to_str().unwrap()],
        &fixture("lockfiles"),
    );
    assert_eq!(doc["findings"].as_array().unwrap().len(), 4);
}

/// A docker-archive of the Debian fixture tagged
/// `registry.example/shop/db:1.0`.
fn debian_image(path: &Path) {
    let mut layer = tar::Builder::new(Vec::new());
    layer.append_dir_all(".", fixture("debian")).unwrap();
    let layer = layer.into_inner().unwrap();
    let mut b = tar::Builder::new(std::fs::File::create(path).unwrap());
    let mut add = |name: &str, data: &[u8]| {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, name, data).unwrap();
    };
    add("l/layer.tar", &layer);
    add(
        "c.json",
        br#"{"os":"linux","architecture":"amd64","config":{"User":"10001"}}"#,
    );
    add("manifest.json", br#"[{"Config":"c.json","RepoTags":["registry.example/shop/db:1.0"],"Layers":["l/layer.tar"]}]"#);
    b.finish().unwrap();
}

/// `scan --images IMG --db FILE`: the workload running the image gets an
/// image-vulnerabilities finding with the counts and the fixable ids; the
/// configuration's ignore rules apply; without a database the check is
/// silent.
#[test]
fn scan_images_summarises_vulnerabilities_per_workload() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture_db(dir.path());
    let img = dir.path().join("db.tar");
    debian_image(&img);
    let m = dir.path().join("m");
    std::fs::create_dir_all(&m).unwrap();
    std::fs::write(
        m.join("db.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: db, namespace: shop}\nspec:\n  selector: {matchLabels: {app: db}}\n  template:\n    metadata: {labels: {app: db}}\n    spec:\n      containers:\n      - {name: db, image: registry.example/shop/db:1.0}\n",
    )
    .unwrap();
    let run = |extra: &[&str]| {
        let a = palisade()
            .current_dir(dir.path())
            .env("XDG_DATA_HOME", dir.path().join("nowhere"))
            .args([
                "scan",
                "-f",
                "json",
                "--check",
                "image-vulnerabilities",
                "--fail-on",
                "none",
                "--images",
            ])
            .arg(&img)
            .args(extra)
            .arg(&m)
            .assert()
            .success();
        let j: Value = serde_json::from_str(&stdout_of(&a)).unwrap();
        j["findings"].as_array().unwrap().clone()
    };
    let got = run(&["--db", db.to_str().unwrap()]);
    assert_eq!(got.len(), 1, "{got:#?}");
    let msg = got[0]["message"].as_str().unwrap();
    assert!(
        msg.starts_with("container \"db\" image \"registry.example/shop/db:1.0\"")
            && msg.contains("1 known vulnerabilities in 1 packages (1 unrated); 1 fixable")
            && msg.contains(
                "TEST-DEB-2 in zlib1g 1:1.2.13.dfsg-1 (upgrade to 1:1.2.13.dfsg-1+deb12u1)"
            ),
        "{msg}"
    );
    assert_eq!(got[0]["severity"], "medium");
    // Accepted in .palisade.yaml: nothing left to report.
    let cfg = dir.path().join("accept.yaml");
    std::fs::write(
        &cfg,
        "vulnerabilities:\n  ignore:\n    - {id: CVE-2099-1002, package: zlib, reason: not exposed}\n",
    )
    .unwrap();
    assert!(
        run(&[
            "--db",
            db.to_str().unwrap(),
            "--config",
            cfg.to_str().unwrap()
        ])
        .is_empty()
    );
    // No database given and none at the default place: silent.
    assert!(run(&[]).is_empty());
}
