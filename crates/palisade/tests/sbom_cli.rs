//! `palisade sbom` and `palisade inventory --format cyclonedx` from the
//! command line: formats, output files, exit codes, warnings on stderr.

use assert_cmd::Command;
use serde_json::Value;
use std::path::PathBuf;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../palisade-sbom/tests/fixtures")
}

fn palisade() -> Command {
    Command::cargo_bin("palisade").unwrap()
}

/// Runs palisade with `args` then `target`, expects success, parses stdout.
fn json_of(args: &[&str], target: &std::path::Path) -> Value {
    let out = palisade()
        .args(args)
        .arg(target)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap()
}

#[test]
fn every_format_of_the_debian_fixture() {
    let t = fixtures().join("debian");
    let out = palisade()
        .args(["sbom", "-f", "table"])
        .arg(&t)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let table = String::from_utf8(out).unwrap();
    assert!(
        table.starts_with("distribution: debian 12\nNAME"),
        "{table}"
    );
    assert!(
        table.contains("zlib1g") && table.contains("4 packages"),
        "{table}"
    );

    let j = json_of(&["sbom", "-f", "json"], &t);
    assert_eq!(j["packages"].as_array().unwrap().len(), 4);
    assert_eq!(j["distro"]["id"], "debian");

    let dir = tempfile::tempdir().unwrap();
    let cdx = dir.path().join("bom.json");
    palisade()
        .args(["sbom", "-f", "cyclonedx-json", "-o"])
        .arg(&cdx)
        .arg(&t)
        .assert()
        .success()
        .stdout("");
    let j: Value = serde_json::from_str(&std::fs::read_to_string(&cdx).unwrap()).unwrap();
    assert_eq!(
        (j["bomFormat"].as_str(), j["specVersion"].as_str()),
        (Some("CycloneDX"), Some("1.6"))
    );

    let j = json_of(&["sbom", "-f", "spdx-json"], &t);
    assert_eq!(j["spdxVersion"], "SPDX-2.3");
}

#[test]
fn exit_codes() {
    // Unreadable part of the input: 2, with the location on stderr, and
    // the rest still written.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("package-lock.json"),
        "{\n  \"packages\": [,\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("requirements.txt"), "six==1.16.0\n").unwrap();
    let a = palisade()
        .args(["sbom", "-f", "table"])
        .arg(dir.path())
        .assert()
        .code(2);
    let o = a.get_output();
    assert!(String::from_utf8_lossy(&o.stderr).contains("package-lock.json:2: invalid JSON"));
    assert!(String::from_utf8_lossy(&o.stdout).contains("six"));
    // A target that does not exist: 2.
    let a = palisade()
        .args(["sbom", "/nonexistent/rootfs"])
        .assert()
        .code(2);
    assert!(
        String::from_utf8_lossy(&a.get_output().stderr)
            .contains("/nonexistent/rootfs: cannot open")
    );
    // A registry that does not answer: 2, naming the reference.
    let a = palisade()
        .args([
            "sbom",
            "--registry",
            "--insecure-registry",
            "127.0.0.1:1/shop/web:1.0",
        ])
        .assert()
        .code(2);
    assert!(String::from_utf8_lossy(&a.get_output().stderr).contains("127.0.0.1:1/shop/web:1.0"));
    // An image shell fails the build only when asked to.
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("bin")).unwrap();
    let sh = root.path().join("bin/sh");
    std::fs::write(&sh, "x").unwrap();
    std::fs::set_permissions(&sh, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    palisade()
        .args(["sbom", "-f", "json"])
        .arg(root.path())
        .assert()
        .success();
    palisade()
        .args(["sbom", "-f", "json", "--fail-on-assessment", "medium"])
        .arg(root.path())
        .assert()
        .code(1);
    palisade()
        .args(["sbom", "-f", "json", "--fail-on-assessment", "high"])
        .arg(root.path())
        .assert()
        .success();
}

#[test]
fn list_catalogers() {
    let out = palisade()
        .args(["sbom", "--list-catalogers"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    for c in [
        "dpkg-db-cataloger",
        "apk-db-cataloger",
        "rpm-db-cataloger",
        "javascript-lock-cataloger",
        "go-module-binary-cataloger",
        "java-archive-cataloger",
    ] {
        assert!(text.contains(c), "{c}");
    }
}

#[test]
fn inventory_kbom() {
    let demo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/demo");
    let j = json_of(&["inventory", "-f", "cyclonedx"], &demo);
    assert_eq!(j["metadata"]["component"]["type"], "platform");
    assert!(!j["services"].as_array().unwrap().is_empty());
    assert!(
        j["components"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["type"] == "container")
    );
}

/// A docker-archive tagged `registry.example/shop/web:1.0` with a shell and
/// no USER, built here.
fn shell_image(path: &std::path::Path) {
    let mut layer = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(4);
    h.set_mode(0o755);
    h.set_cksum();
    layer
        .append_data(&mut h, "bin/sh", &b"\x7fELF"[..])
        .unwrap();
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
        br#"{"os":"linux","architecture":"amd64","config":{}}"#,
    );
    add("manifest.json", br#"[{"Config":"c.json","RepoTags":["registry.example/shop/web:1.0"],"Layers":["l/layer.tar"]}]"#);
    b.finish().unwrap();
}

#[test]
fn scan_images_attaches_the_assessment_to_workloads() {
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("web.tar");
    shell_image(&img);
    let m = dir.path().join("m");
    std::fs::create_dir_all(&m).unwrap();
    let spec = |extra: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web, namespace: shop}}\nspec:\n  selector: {{matchLabels: {{app: web}}}}\n  template:\n    metadata: {{labels: {{app: web}}}}\n    spec:\n{extra}      containers:\n      - {{name: web, image: registry.example/shop/web:1.0}}\n      - {{name: other, image: registry.example/shop/api:1.0}}\n"
        )
    };
    std::fs::write(m.join("web.yaml"), spec("")).unwrap();
    let run = |path: &std::path::Path| {
        let out = palisade()
            .args([
                "scan",
                "-f",
                "json",
                "--check",
                "image-attack-surface",
                "--fail-on",
                "none",
                "--images",
            ])
            .arg(&img)
            .arg(path)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let j: Value = serde_json::from_slice(&out).unwrap();
        j["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["message"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let got = run(&m);
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(
        got[0].starts_with("container \"web\" image \"registry.example/shop/web:1.0\"")
            && got[0].contains("ships a shell (bin/sh)")
            && got[0].contains("runs as root"),
        "{got:?}"
    );
    // The pod sets its user: only what the image ships remains.
    std::fs::write(
        m.join("web.yaml"),
        spec("      securityContext: {runAsNonRoot: true, runAsUser: 10001}\n"),
    )
    .unwrap();
    let got = run(&m);
    assert!(
        got.len() == 1 && !got[0].contains("runs as root"),
        "{got:?}"
    );
    // An unreadable image is an input error (exit 2), the scan still runs.
    palisade()
        .args(["scan", "--images", "/nonexistent.tar"])
        .arg(&m)
        .assert()
        .code(2);
}
