//! `palisade secrets` from the command line: walking with .gitignore, the
//! baseline, exit codes, formats, image layers.

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

fn palisade() -> Command {
    Command::cargo_bin("palisade").unwrap()
}

/// A deterministic pseudo-random token (no live-looking secret committed).
fn tok_of(alphabet: &[u8], n: usize, seed: u64) -> String {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            alphabet[(x % alphabet.len() as u64) as usize] as char
        })
        .collect()
}

fn tok(n: usize, seed: u64) -> String {
    tok_of(
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
        n,
        seed,
    )
}

fn aws(seed: u64) -> String {
    format!(
        "AKIA{}",
        tok_of(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16, seed)
    )
}

fn write(dir: &Path, rel: &str, text: &[u8]) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn run_json(dir: &Path, args: &[&str]) -> (i32, Value, String) {
    let out = palisade()
        .current_dir(dir)
        .arg("secrets")
        .args(args)
        .args(["-f", "json"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    (
        out.status.code().unwrap(),
        serde_json::from_str(&stdout).unwrap(),
        stdout,
    )
}

fn rules(v: &Value, field: &str) -> Vec<String> {
    v[field]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["rule"].as_str().unwrap(),
                f["path"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn tree_gitignore_hidden_files_binary_and_baseline() {
    let d = tempfile::tempdir().unwrap();
    let gh = format!("ghp_{}", tok(36, 1));
    let key = aws(2);
    write(d.path(), ".gitignore", b"ignored.env\n");
    write(d.path(), ".env", format!("GITHUB_TOKEN={gh}\n").as_bytes());
    write(d.path(), "ignored.env", format!("KEY={key}\n").as_bytes());
    write(
        d.path(),
        "src/db.py",
        b"DB_PASSWORD = \"Tr0ub4dor-and-3\"\n",
    );
    write(d.path(), "logo.png", format!("\x00PNG{key}").as_bytes());
    write(
        d.path(),
        ".git/config",
        format!("token = {gh}\n").as_bytes(),
    );

    let (code, v, stdout) = run_json(d.path(), &["."]);
    assert_eq!(code, 1, "{stdout}");
    assert_eq!(
        rules(&v, "findings"),
        ["github-token ./.env", "generic-password ./src/db.py"]
    );
    assert_eq!(v["summary"]["binaryFilesSkipped"], 1);
    assert!(
        !stdout.contains(&gh) && !stdout.contains("Tr0ub4dor"),
        "values are redacted"
    );
    assert_eq!(v["findings"][0]["redacted"], "ghp_****************");

    // --no-ignore reads what .gitignore excludes (never .git itself).
    let (_, v, _) = run_json(d.path(), &[".", "--no-ignore"]);
    assert_eq!(rules(&v, "findings").len(), 3);

    // The report is the baseline: the same secrets no longer fail, even
    // when their line moves; a new one does.
    std::fs::write(d.path().join("baseline.json"), &stdout).unwrap();
    write(
        d.path(),
        "src/db.py",
        b"# moved\n\nDB_PASSWORD = \"Tr0ub4dor-and-3\"\n",
    );
    let (code, v, _) = run_json(d.path(), &[".", "--baseline", "baseline.json"]);
    assert_eq!(code, 0);
    assert!(v["findings"].as_array().unwrap().is_empty());
    assert_eq!(v["baselined"].as_array().unwrap().len(), 2);
    write(
        d.path(),
        "src/stripe.rb",
        format!("KEY = 'sk_live_{}'\n", tok(24, 3)).as_bytes(),
    );
    let (code, v, _) = run_json(d.path(), &[".", "--baseline", "baseline.json"]);
    assert_eq!(code, 1);
    assert_eq!(rules(&v, "findings"), ["stripe-live-key ./src/stripe.rb"]);
}

#[test]
fn fail_on_missing_inputs_and_usage_errors() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "app.yaml", b"db:\n  password: Tr0ub4dor-and-3\n");
    // A medium finding does not reach --fail-on high.
    let (code, v, _) = run_json(d.path(), &[".", "--fail-on", "high"]);
    assert_eq!(code, 0);
    assert_eq!(rules(&v, "findings"), ["generic-password ./app.yaml"]);
    // A missing path is an input error; the rest is still scanned.
    let out = palisade()
        .current_dir(d.path())
        .args([
            "secrets",
            "app.yaml",
            "nope",
            "-f",
            "json",
            "--fail-on",
            "none",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["findings"].as_array().unwrap().len(), 1);
    assert_eq!(v["errors"][0]["location"], "nope");
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope: no such file"));
    palisade()
        .current_dir(d.path())
        .args(["secrets", ".", "--fail-on", "severe"])
        .assert()
        .code(2);
    write(d.path(), "bad.json", b"{ not json");
    let out = palisade()
        .current_dir(d.path())
        .args(["secrets", ".", "--baseline", "bad.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.json: 1"));
}

/// A docker-archive whose first layer writes a credentials file and whose
/// second layer deletes it.
fn image_with_deleted_secret(path: &Path, secret: &str) {
    let layer = |entries: &[(&str, &[u8])]| {
        let mut t = tar::Builder::new(Vec::new());
        for (name, data) in entries {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            t.append_data(&mut h, name, *data).unwrap();
        }
        t.into_inner().unwrap()
    };
    let creds = format!("[default]\naws_access_key_id = {secret}\n");
    let l1 = layer(&[
        ("root/.aws/credentials", creds.as_bytes()),
        ("etc/app.conf", b"listen = 8080\n"),
    ]);
    let l2 = layer(&[("root/.aws/.wh.credentials", b"")]);
    let mut b = tar::Builder::new(std::fs::File::create(path).unwrap());
    let mut add = |name: &str, data: &[u8]| {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, name, data).unwrap();
    };
    add("l1/layer.tar", &l1);
    add("l2/layer.tar", &l2);
    add(
        "c.json",
        br#"{"os":"linux","architecture":"amd64","config":{}}"#,
    );
    add(
        "manifest.json",
        br#"[{"Config":"c.json","RepoTags":["shop/api:1.0"],"Layers":["l1/layer.tar","l2/layer.tar"]}]"#,
    );
    b.finish().unwrap();
}

#[test]
fn image_layers_keep_what_a_later_layer_deletes() {
    let d = tempfile::tempdir().unwrap();
    let key = aws(4);
    image_with_deleted_secret(&d.path().join("api.tar"), &key);
    let (code, v, stdout) = run_json(d.path(), &["api.tar"]);
    assert_eq!(code, 1);
    assert_eq!(
        rules(&v, "findings"),
        ["aws-access-key-id api.tar: layer 1: root/.aws/credentials"]
    );
    assert!(
        v["findings"][0]["note"]
            .as_str()
            .unwrap()
            .contains("removed or replaced by a later layer")
    );
    assert_eq!(v["summary"]["files"], 2);
    assert!(!stdout.contains(&key));
}

#[test]
fn table_and_sarif() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "deploy/secret.yaml",
        b"apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: VHIwdWI0ZG9yLWFuZC0z\n",
    );
    let out = palisade()
        .current_dir(d.path())
        .args(["secrets", "deploy", "--fail-on", "none"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!(String::from_utf8(out.stdout).unwrap());
    let out = palisade()
        .current_dir(d.path())
        .args(["secrets", "deploy", "-f", "sarif"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let r = &v["runs"][0]["results"][0];
    assert_eq!(r["ruleId"], "kubernetes-secret-data");
    assert_eq!(
        r["locations"][0]["physicalLocation"]["region"]["startLine"],
        6
    );
    assert_eq!(
        v["runs"][0]["tool"]["driver"]["rules"][0]["id"],
        "kubernetes-secret-data"
    );
    assert!(r["partialFingerprints"]["palisade/secret/v1"].is_string());
}

#[test]
fn list_rules() {
    let out = palisade()
        .args(["secrets", "--list-rules"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.lines().count() >= 30);
    assert!(text.contains("aws-access-key-id") && text.contains("kubernetes-env-literal"));
}

#[test]
fn a_checkout_under_a_test_folder_is_scanned_like_any_other() {
    // CI checks out into /home/ci/test/repo: the folders above the scanned
    // root do not make its secrets test fixtures
    let d = tempfile::tempdir().unwrap();
    let repo = d.path().join("test").join("repo");
    write(
        &repo,
        "config/.env",
        format!("AWS_ACCESS_KEY_ID={}\n", aws(7)).as_bytes(),
    );
    write(
        &repo,
        "tests/fixture.env",
        format!("AWS_ACCESS_KEY_ID={}\n", aws(8)).as_bytes(),
    );
    let out = palisade()
        .args(["secrets", "-f", "json"])
        .arg(&repo)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let sev = |suffix: &str| -> String {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"].as_str().unwrap().ends_with(suffix))
            .map(|f| f["severity"].as_str().unwrap().to_string())
            .unwrap_or_default()
    };
    assert_ne!(sev("config/.env"), "info", "{v}");
    assert!(!sev("config/.env").is_empty(), "{v}");
    // below the root, a tests folder still marks fixtures
    assert_eq!(sev("tests/fixture.env"), "info", "{v}");
    // the same file named on its own, by an absolute path
    let out = palisade()
        .args(["secrets", "-f", "json"])
        .arg(repo.join("config/.env"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}
