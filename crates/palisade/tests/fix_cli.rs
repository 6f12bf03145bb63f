//! `palisade fix`: for every check with a fix, scan → fix → scan shows the
//! finding gone and the file otherwise unchanged; diffs; skips.

use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn palisade() -> Command {
    Command::cargo_bin("palisade").unwrap()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

/// The inputs: the demo cluster and the extra fixture.
fn inputs() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("examples/demo"), &d.path().join("demo"));
    copy_dir(
        &repo().join("crates/palisade/tests/fixtures/fix"),
        &d.path().join("extra"),
    );
    d
}

fn scan(dir: &Path) -> Vec<Value> {
    let out = palisade()
        .args(["scan", "--format", "json", "--fail-on", "none"])
        .arg(dir)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["findings"].as_array().unwrap().clone()
}

fn files(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for e in walk(dir) {
        out.push((
            e.strip_prefix(dir).unwrap().to_path_buf(),
            std::fs::read_to_string(&e).unwrap(),
        ));
    }
    out.sort();
    out
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            v.extend(walk(&p));
        } else {
            v.push(p);
        }
    }
    v
}

/// Every line of `before` that the edit did not replace is still in
/// `after`, in order, and at most `max_removed` lines went away.
fn only_edited(before: &str, after: &str, max_removed: usize) -> Result<(), String> {
    let a: Vec<&str> = after.lines().collect();
    let mut j = 0;
    let mut removed = Vec::new();
    for l in before.lines() {
        match a[j..].iter().position(|x| *x == l) {
            Some(k) => j += k + 1,
            None => removed.push(l),
        }
    }
    if removed.len() > max_removed {
        return Err(format!("{} lines changed: {removed:?}", removed.len()));
    }
    Ok(())
}

#[test]
fn every_fix_removes_its_finding_and_touches_nothing_else() {
    let base = inputs();
    let before = scan(base.path());
    let fixable: BTreeSet<String> = before
        .iter()
        .filter(|f| !f["autofix"].is_null())
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect();
    assert!(fixable.len() >= 15, "{fixable:?}");
    for id in &fixable {
        let d = inputs();
        let orig = files(d.path());
        let out = palisade()
            .args(["fix", "--unsafe", "--check", id])
            .arg(d.path())
            .output()
            .unwrap();
        let report = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            report.contains(&format!("  {id}  ")),
            "{id}: nothing fixed\n{report}"
        );
        let skipped: Vec<&str> = report
            .lines()
            .filter(|l| l.starts_with("skipped"))
            .collect();
        let after = scan(d.path());
        // a finding folded into another of the same cause is listed in its `related`
        let of_check = |f: &&Value| {
            f["id"] == id.as_str()
                || f["related"]
                    .as_array()
                    .is_some_and(|r| r.iter().any(|x| x["id"] == id.as_str()))
        };
        let left: Vec<&Value> = after.iter().filter(of_check).collect();
        // What is left of the check is exactly what was skipped, each with a reason.
        assert_eq!(left.len(), skipped.len(), "{id}: {left:#?}\n{report}");
        assert!(!report.contains("still reported"), "{id}: {report}");
        let now = files(d.path());
        for ((p, a), (_, b)) in orig.iter().zip(&now) {
            only_edited(a, b, 4).unwrap_or_else(|e| panic!("{id}: {}: {e}", p.display()));
            if p.to_string_lossy().contains("templated") {
                assert_eq!(a, b, "a templated file was edited");
            }
        }
    }
    // All at once, twice: the second run has nothing left to do.
    let d = inputs();
    palisade()
        .args(["fix", "--unsafe"])
        .arg(d.path())
        .assert()
        .code(1); // the templated pod stays
    let out = palisade()
        .args(["fix", "--unsafe"])
        .arg(d.path())
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.contains("0 finding(s) fixed"), "{report}");
    let after = scan(d.path());
    for f in &after {
        if !f["autofix"].is_null() {
            assert!(
                {
                    let file = f["location"]["file"].as_str().unwrap();
                    file.contains("templated") || file.ends_with(".json")
                },
                "left: {f:#}"
            );
        }
    }
}

#[test]
fn diff_shows_the_patch_writes_nothing_and_hides_secret_values() {
    let d = inputs();
    let orig = files(d.path());
    let out = palisade()
        .args(["fix", "--diff", "--unsafe"])
        .arg(d.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let patch = String::from_utf8(out.stdout).unwrap();
    assert!(
        patch.contains("+            allowPrivilegeEscalation: false"),
        "{patch}"
    );
    assert!(patch.contains("@@ "), "{patch}");
    for secret in ["s3cr3t-t0ken-value", "hunter2"] {
        assert!(!patch.contains(secret), "a secret value is in the diff");
    }
    assert!(patch.contains("<redacted>"), "{patch}");
    let report = String::from_utf8(out.stderr).unwrap();
    assert!(
        report.contains(
            "kubectl create secret generic legacy-env --from-literal=api-token=<the value>"
        ),
        "{report}"
    );
    assert!(report.contains("templated YAML"), "{report}");
    assert_eq!(files(d.path()), orig, "--diff wrote files");
}

#[test]
fn diff_context_lines_show_no_secret_either() {
    // a Secret and a literal credential beside the line being fixed: they
    // are unchanged context of the diff, and still redacted
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("app.yaml"),
        "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: shop}\nstringData:\n  password: pl4nted-Passw0rd-xyz\ndata:\n  token: cGxhbnRlZC10b2tlbi12YWx1ZQ==\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: shop}\nspec:\n  selector: {matchLabels: {app: api}}\n  template:\n    metadata: {labels: {app: api}}\n    spec:\n      containers:\n      - name: api\n        image: registry.example/api:1.0\n        env:\n        - name: DB_PASSWORD\n          value: An0ther-pl4nted-value\n        securityContext:\n          privileged: false\n",
    )
    .unwrap();
    let out = palisade()
        .args(["fix", "--diff", "--check", "pss-allow-privilege-escalation"])
        .arg(d.path())
        .output()
        .unwrap();
    let patch = String::from_utf8(out.stdout).unwrap();
    assert!(patch.contains("allowPrivilegeEscalation: false"), "{patch}");
    for planted in [
        "pl4nted-Passw0rd-xyz",
        "cGxhbnRlZC10b2tlbi12YWx1ZQ==",
        "An0ther-pl4nted-value",
    ] {
        assert!(!patch.contains(planted), "{planted} in the diff:\n{patch}");
    }
}

#[test]
fn unsafe_fixes_wait_for_the_flag() {
    let d = inputs();
    let out = palisade()
        .args(["fix", "--check", "readonly-root-filesystem"])
        .arg(d.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report = String::from_utf8(out.stdout).unwrap();
    assert!(
        report.contains("needs --unsafe") && report.contains("emptyDir at /tmp"),
        "{report}"
    );
    assert!(report.contains("0 finding(s) fixed"), "{report}");
}

#[test]
fn readonly_root_fix_mounts_a_writable_tmp() {
    let d = inputs();
    // exit 1: the templated pod keeps its finding (skipped, with the reason)
    palisade()
        .args(["fix", "--unsafe", "--check", "readonly-root-filesystem"])
        .arg(d.path())
        .assert()
        .code(1);
    let text = std::fs::read_to_string(d.path().join("extra/extra.yaml")).unwrap();
    assert!(
        text.contains("            - name: tmp\n              mountPath: /tmp\n"),
        "{text}"
    );
    assert!(
        text.contains("        - name: tmp\n          emptyDir: {}\n"),
        "{text}"
    );
    assert!(text.contains("  name: legacy          # kept as is\n"));
}

#[test]
fn terraform_twins_are_fixed_as_well_as_yaml() {
    for twin in ["deployment", "pod", "cronjob", "statefulset"] {
        let d = tempfile::tempdir().unwrap();
        copy_dir(
            &repo().join("crates/palisade/tests/twins").join(twin),
            d.path(),
        );
        let tf_before = std::fs::read_to_string(d.path().join("tf/main.tf")).unwrap();
        let out = palisade()
            .args(["fix", "--unsafe"])
            .arg(d.path())
            .output()
            .unwrap();
        let report = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(!report.contains("still reported"), "{twin}: {report}");
        let tf_fixed: Vec<&str> = report
            .lines()
            .filter(|l| l.starts_with("fixed") && l.contains("main.tf"))
            .collect();
        assert!(tf_fixed.len() >= 10, "{twin}: {report}");
        // Nothing fixable is left in the Terraform file, and it reads back.
        let left = scan(&d.path().join("tf"));
        assert!(
            left.iter().all(|f| f["autofix"].is_null()),
            "{twin}: {left:#?}"
        );
        let tf_after = std::fs::read_to_string(d.path().join("tf/main.tf")).unwrap();
        only_edited(&tf_before, &tf_after, 10).unwrap_or_else(|e| panic!("{twin}: {e}"));
        assert!(
            tf_after.contains("allow_privilege_escalation = false"),
            "{twin}: {tf_after}"
        );
        assert!(tf_after.contains("drop = [\"ALL\"]"), "{twin}: {tf_after}");
        assert!(
            !tf_after.contains("hunter2"),
            "{twin}: the literal secret is still there"
        );
        // The YAML twin ends where the Terraform one does, but for what YAML
        // flow style kept from being edited.
        let ids = |v: Vec<Value>| {
            v.iter()
                .map(|f| f["id"].as_str().unwrap().to_string())
                .collect::<BTreeSet<_>>()
        };
        let yaml_left = ids(scan(&d.path().join("yaml")));
        let tf_left = ids(scan(&d.path().join("tf")));
        let diff: Vec<_> = yaml_left.symmetric_difference(&tf_left).collect();
        assert!(
            diff.iter().all(|i| *i == "memory-limit-missing"),
            "{twin}: {diff:?}"
        );
    }
}

#[test]
fn known_digests_pin_images() {
    let d = inputs();
    let digests = d.path().join("digests.txt");
    std::fs::write(
        &digests,
        format!(
            "# from the registry\nnginx:1.27.2 sha256:{}\nghcr.io/example/worker:1.9.0 sha256:{}\n",
            "b".repeat(64),
            "a".repeat(64)
        ),
    )
    .unwrap();
    let out = palisade()
        .args(["fix", "--check", "image-no-digest", "--image-digests"])
        .arg(&digests)
        .arg(d.path())
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.contains("2 finding(s) fixed"), "{report}");
    let text = std::fs::read_to_string(d.path().join("demo/shop/frontend.yaml")).unwrap();
    assert!(
        text.contains(&format!("image: nginx:1.27.2@sha256:{}\n", "b".repeat(64))),
        "{text}"
    );
    let left: Vec<String> = scan(d.path())
        .iter()
        .filter(|f| f["id"] == "image-no-digest")
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect();
    assert!(
        left.iter()
            .all(|m| !m.contains("nginx:1.27.2") && !m.contains("worker:1.9.0")),
        "{left:?}"
    );
    std::fs::write(&digests, "nginx:1.27.2 md5:abc\n").unwrap();
    palisade()
        .args(["fix", "--image-digests"])
        .arg(&digests)
        .arg(d.path())
        .assert()
        .code(2);
}

#[test]
fn a_refused_fix_is_retried_in_place_when_objects_above_were_edited() {
    let d = tempfile::tempdir().unwrap();
    let deployment = |name: &str, sc: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}, namespace: apps}}\nspec:\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n    spec:\n      containers:\n        - name: c\n          image: nginx:1.27.2\n{sc}"
        )
    };
    let text = format!(
        "{}---\n{}",
        deployment("upper", ""),
        deployment(
            "lower",
            "          securityContext:\n            privileged: true\n"
        )
    );
    std::fs::write(d.path().join("two.yaml"), &text).unwrap();
    let out = palisade()
        .args(["fix", "--unsafe"])
        .arg(d.path())
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        !report.lines().any(|l| l.starts_with("skipped")),
        "{report}"
    );
    let after = scan(d.path());
    for id in [
        "pss-allow-privilege-escalation",
        "pss-privileged",
        "allow-privilege-escalation",
    ] {
        assert!(!after.iter().any(|f| f["id"] == id), "{id} left\n{report}");
    }
    let fixed = std::fs::read_to_string(d.path().join("two.yaml")).unwrap();
    assert!(fixed.contains("privileged: false"), "{fixed}");
}

#[cfg(unix)]
#[test]
fn a_linked_manifest_stays_a_link_and_its_target_is_fixed() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real");
    let scan = dir.path().join("scan");
    std::fs::create_dir_all(&real).unwrap();
    std::fs::create_dir_all(&scan).unwrap();
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::fs::copy(
        root.join("examples/demo/shop/frontend.yaml"),
        real.join("frontend.yaml"),
    )
    .unwrap();
    let link = scan.join("frontend.yaml");
    std::os::unix::fs::symlink(real.join("frontend.yaml"), &link).unwrap();
    let before = std::fs::read_to_string(real.join("frontend.yaml")).unwrap();
    assert_cmd::Command::cargo_bin("palisade")
        .unwrap()
        .arg("fix")
        .arg(&scan)
        .output()
        .unwrap();
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let after = std::fs::read_to_string(real.join("frontend.yaml")).unwrap();
    assert_ne!(before, after);
    assert!(after.contains("allowPrivilegeEscalation: false"), "{after}");
}
