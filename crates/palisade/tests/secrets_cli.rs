//! `palisade secrets` from the command line: walking with .gitignore, the
//! baseline, exit codes, formats, image layers.

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

fn palisade() -> Command {
    let mut c = Command::cargo_bin("palisade").unwrap();
    c.env_remove("PALISADE_FINGERPRINT_KEY");
    c
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
    assert!(
        r["partialFingerprints"]["palisade/secret/v2"]
            .as_str()
            .unwrap()
            .starts_with("hmac-sha256:")
    );
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
    assert!(text.contains("aws-access-key-id") && text.contains("env-literal-secret"));
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

fn severity_of(v: &Value, suffix: &str) -> String {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"].as_str().unwrap().ends_with(suffix))
        .map(|f| f["severity"].as_str().unwrap().to_string())
        .unwrap_or_default()
}

#[test]
fn folders_above_the_scanned_root_neither_mark_nor_hide() {
    // a checkout at TMP/test/repo, scanned by its absolute path
    let d = tempfile::tempdir().unwrap();
    let repo = d.path().join("test").join("repo");
    write(
        &repo,
        "deploy/.env",
        format!("AWS_ACCESS_KEY_ID={}\n", aws(11)).as_bytes(),
    );
    write(
        &repo,
        "test/fixture.env",
        format!("AWS_ACCESS_KEY_ID={}\n", aws(12)).as_bytes(),
    );
    let scan = |dir: &Path, root: &Path| {
        let out = palisade()
            .current_dir(dir)
            .args(["secrets", "-f", "json"])
            .arg(root)
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        (out.status.code().unwrap(), v)
    };
    let (code, v) = scan(d.path(), &repo);
    assert_eq!(code, 1, "{v}");
    assert_eq!(severity_of(&v, "deploy/.env"), "critical", "{v}");
    // the same key below the root, under test/, is a fixture
    assert_eq!(severity_of(&v, "test/fixture.env"), "info", "{v}");

    // ignore files above the root hide nothing: a `.ignore` or `.gitignore`
    // in the folder that holds the checkout, which is no git work tree
    write(d.path(), ".ignore", b"*\n");
    write(d.path(), "test/.gitignore", b"*\nrepo/\n");
    let (code, v) = scan(d.path(), &repo);
    assert_eq!(code, 1, "{v}");
    assert_eq!(severity_of(&v, "deploy/.env"), "critical", "{v}");

    // the checkout is a work tree: what is above it still hides nothing,
    // and its own .gitignore applies to a folder scanned inside it
    std::fs::create_dir_all(repo.join(".git/info")).unwrap();
    write(&repo, ".gitignore", b"local.env\n");
    write(&repo, ".git/info/exclude", b"mine.env\n");
    for name in ["local.env", "mine.env"] {
        write(
            &repo,
            &format!("deploy/{name}"),
            format!("AWS_ACCESS_KEY_ID={}\n", aws(13)).as_bytes(),
        );
    }
    let (code, v) = scan(&repo, Path::new("deploy"));
    assert_eq!(code, 1, "{v}");
    assert_eq!(rules(&v, "findings"), ["aws-access-key-id deploy/.env"]);
    let (_, v) = scan(d.path(), &repo);
    assert_eq!(severity_of(&v, "deploy/.env"), "critical", "{v}");
    assert_eq!(severity_of(&v, "local.env"), "");
}

#[test]
fn a_file_named_on_its_own_counts_its_folders_below_the_current_directory() {
    let d = tempfile::tempdir().unwrap();
    let repo = d.path().join("test").join("repo");
    write(
        &repo,
        "x.env",
        format!("AWS_ACCESS_KEY_ID={}\n", aws(21)).as_bytes(),
    );
    write(
        &repo,
        "test/fixtures/y.env",
        format!("AWS_ACCESS_KEY_ID={}\n", aws(22)).as_bytes(),
    );
    let sev = |dir: &Path, arg: &Path| {
        let out = palisade()
            .current_dir(dir)
            .args(["secrets", "-f", "json"])
            .arg(arg)
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        (
            out.status.code().unwrap(),
            v["findings"][0]["severity"].clone(),
        )
    };
    // by absolute path: nothing above the current directory counts, nor
    // anything when the file is elsewhere
    let elsewhere = tempfile::tempdir().unwrap();
    assert_eq!(
        sev(elsewhere.path(), &repo.join("x.env")),
        (1, "critical".into())
    );
    assert_eq!(sev(&repo, &repo.join("x.env")), (1, "critical".into()));
    // (from TMP, the argument is `test/repo/x.env` below it)
    assert_eq!(sev(d.path(), &repo.join("x.env")), (0, "info".into()));
    // what the argument says below the current directory does
    assert_eq!(
        sev(&repo, &repo.join("test/fixtures/y.env")),
        (0, "info".into())
    );
    assert_eq!(
        sev(&repo, Path::new("test/fixtures/y.env")),
        (0, "info".into())
    );
    // ... unless it leaves it
    assert_eq!(
        sev(&repo.join("test"), Path::new("../x.env")),
        (1, "critical".into())
    );
}

/// SHA-256 of `data`, hex (from ring, through rustls).
fn sha256_hex(data: &[u8]) -> String {
    let suite = rustls::crypto::ring::cipher_suite::TLS13_AES_128_GCM_SHA256;
    let h = suite.tls13().unwrap().common.hash_provider.hash(data);
    h.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

fn fingerprints(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .chain(v["baselined"].as_array().unwrap())
        .map(|f| f["fingerprint"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn fingerprints_are_keyed_by_the_repository() {
    let d = tempfile::tempdir().unwrap();
    let password = "Summer2024!";
    write(
        d.path(),
        "app.yaml",
        format!("db:\n  password: {password}\n").as_bytes(),
    );
    let key_file = d.path().join(".palisade/fingerprint.key");

    // a table prints no fingerprint, and writes no key
    palisade()
        .current_dir(d.path())
        .args(["secrets", "."])
        .assert()
        .code(1);
    assert!(!key_file.exists());

    // JSON creates the repository's key: 32 random bytes in hex, 0600
    let out = palisade()
        .current_dir(d.path())
        .args(["secrets", ".", "-f", "json", "-o", "baseline.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("created ./.palisade/fingerprint.key"));
    let key = std::fs::read_to_string(&key_file).unwrap();
    assert_eq!(key.trim().len(), 64);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let baseline = std::fs::read_to_string(d.path().join("baseline.json")).unwrap();
    let v: Value = serde_json::from_str(&baseline).unwrap();
    let fp = fingerprints(&v);
    assert_eq!(fp.len(), 1, "{v}");
    assert!(fp[0].starts_with("hmac-sha256:"), "{fp:?}");

    // neither the baseline, nor JSON, nor SARIF holds the plain SHA-256
    // of the value, nor its first 16 bytes (the old fingerprint)
    let plain = sha256_hex(password.as_bytes());
    let (code, v, json) = run_json(d.path(), &["."]);
    assert_eq!(code, 1);
    let sarif = palisade()
        .current_dir(d.path())
        .args(["secrets", ".", "-f", "sarif"])
        .output()
        .unwrap();
    let sarif = String::from_utf8(sarif.stdout).unwrap();
    for text in [&baseline, &json, &sarif] {
        assert!(!text.contains(&plain[..32]), "{text}");
        assert!(!text.contains(password), "{text}");
        // the key never leaves its file
        assert!(!text.contains(key.trim()));
    }
    // the same key, the same fingerprint, run after run (the key file is
    // scanned too and found to be no secret)
    assert_eq!(fingerprints(&v), fp);
    assert!(sarif.contains(&fp[0]));

    // the variable wins over the file; the file's text gives the same
    // fingerprints, another key other ones
    let with_env = |k: &str, args: &[&str]| {
        let out = palisade()
            .current_dir(d.path())
            .env("PALISADE_FINGERPRINT_KEY", k)
            .arg("secrets")
            .args(args)
            .args(["-f", "json"])
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            serde_json::from_slice::<Value>(&out.stdout).unwrap_or_default(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (_, v, _) = with_env(key.trim(), &["."]);
    assert_eq!(fingerprints(&v), fp);
    let (_, v, _) = with_env("another key, long enough", &["."]);
    assert_ne!(fingerprints(&v), fp);
    let (code, _, err) = with_env("short", &["."]);
    assert_eq!(code, 2);
    assert!(err.contains("PALISADE_FINGERPRINT_KEY"), "{err}");

    // the baseline matches under its key ...
    let (code, v, _) = run_json(d.path(), &[".", "--baseline", "baseline.json"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["baselined"].as_array().unwrap().len(), 1);
    // ... and under another one is refused, not silently matching nothing
    let (code, _, err) = with_env(
        "another key, long enough",
        &[".", "--baseline", "baseline.json"],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("baseline.json: its fingerprints were made with the key"),
        "{err}"
    );
    // ... as it is when the key is missing
    std::fs::remove_file(&key_file).unwrap();
    let out = palisade()
        .current_dir(d.path())
        .args(["secrets", ".", "--baseline", "baseline.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("there is no key here"), "{err}");
    assert!(
        !key_file.exists(),
        "a baseline's key is found, never replaced"
    );
}

#[test]
fn an_old_baseline_of_unkeyed_fingerprints_is_refused() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "app.yaml", b"db:\n  password: Summer2024!\n");
    // what palisade wrote before: the first 16 bytes of the SHA-256
    let old = format!(
        r#"{{"findings":[{{"rule":"generic-password","path":"./app.yaml","fingerprint":"{}"}}]}}"#,
        &sha256_hex(b"Summer2024!")[..32]
    );
    write(d.path(), "old.json", old.as_bytes());
    let out = palisade()
        .current_dir(d.path())
        .args(["secrets", ".", "--baseline", "old.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unkeyed"), "{err}");
    assert!(
        err.contains("palisade secrets . --format json -o old.json"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn a_read_only_repository_gets_a_one_off_key_and_a_warning() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "app.yaml", b"db:\n  password: Summer2024!\n");
    // `.palisade` cannot become a folder (as under a read-only checkout)
    write(d.path(), ".palisade", b"");
    let run = || {
        let out = palisade()
            .current_dir(d.path())
            .args(["secrets", "app.yaml", "-f", "json"])
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        (
            fingerprints(&v),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (a, err) = run();
    assert!(err.contains("one-off key"), "{err}");
    let (b, _) = run();
    assert_eq!(a.len(), 1);
    assert!(a[0].starts_with("hmac-sha256:"));
    assert_ne!(a, b, "unstable, but never an unkeyed hash");
}
