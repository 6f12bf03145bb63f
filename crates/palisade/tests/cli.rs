//! The command line, end to end, on real input.

use assert_cmd::Command;
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn palisade() -> Command {
    let mut c = Command::cargo_bin("palisade").unwrap();
    c.current_dir(repo());
    c
}

fn json(out: &[u8]) -> Value {
    serde_json::from_slice(out).expect("valid JSON")
}

fn finding<'a>(doc: &'a Value, id: &str, file_suffix: &str) -> Option<&'a Value> {
    doc["findings"].as_array().unwrap().iter().find(|f| {
        f["id"] == id
            && f["location"]["file"]
                .as_str()
                .unwrap()
                .ends_with(file_suffix)
    })
}

#[test]
fn scan_demo_json_contract_and_findings() {
    let out = palisade()
        .args(["scan", "examples/demo", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "findings at or above high");
    let doc = json(&out.stdout);
    assert!(
        doc["errors"].as_array().unwrap().is_empty(),
        "{}",
        doc["errors"]
    );
    let s = &doc["summary"];
    assert!(s["total"].as_u64().unwrap() > 20);
    assert_eq!(s["files"], 13);
    assert!(s["score"].as_u64().unwrap() < 100);
    // the docker socket mount of the nightly CronJob, at the hostPath line
    let sock = finding(&doc, "container-runtime-socket", "jobs/report-cronjob.yaml").unwrap();
    assert_eq!(sock["severity"], "critical");
    assert_eq!(sock["object"]["kind"], "CronJob");
    assert_eq!(sock["object"]["namespace"], "jobs");
    let text = fs::read_to_string(repo().join("examples/demo/jobs/report-cronjob.yaml")).unwrap();
    let line = sock["location"]["line"].as_u64().unwrap() as usize;
    assert!(
        text.lines()
            .nth(line - 1)
            .unwrap()
            .contains("/var/run/docker.sock")
    );
    // privileged, reported at the namespace's level (jobs has no label: restricted)
    let p = finding(&doc, "pss-privileged", "jobs/report-cronjob.yaml").unwrap();
    assert!(p["message"].as_str().unwrap().contains("restricted:latest"));
    // shop enforces baseline: restricted-only controls come from hardening checks
    assert!(finding(&doc, "pss-run-as-non-root", "shop/frontend.yaml").is_none());
    assert!(finding(&doc, "run-as-root", "shop/frontend.yaml").is_some());
    // the literal password is reported, never printed
    assert!(finding(&doc, "env-literal-secret", "shop/api.yaml").is_some());
    assert!(!String::from_utf8_lossy(&out.stdout).contains("Sh0p-db-demo-2024"));
    // JSON and List inputs were read; the suppression annotation applied, with its reason
    let sup = doc["suppressed"].as_array().unwrap();
    assert!(sup.iter().any(|x| x["id"] == "sensitive-host-path"
        && x["reason"] == "node-exporter needs host metrics"
        && x["suppressedBy"] == "annotation"));
    assert!(finding(&doc, "resourcequota-unbounded", "quotas.yaml").is_some());
    // every finding carries the contract's fields
    for f in doc["findings"].as_array().unwrap() {
        for k in [
            "id", "severity", "action", "object", "location", "message", "fix",
        ] {
            assert!(!f[k].is_null(), "{k} in {f}");
        }
        assert!(f["location"]["line"].as_u64().unwrap() > 0, "{f}");
    }
}

#[test]
fn table_output_and_thresholds() {
    let out = palisade()
        .args([
            "scan",
            "examples/demo",
            "--color",
            "never",
            "--fail-on",
            "none",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    // the summary first, with what `palisade fix` repairs and the command
    let first: Vec<&str> = text.lines().take(3).collect();
    assert!(first[0].starts_with("76 findings in 38 objects"), "{text}");
    // five critical findings cap the score
    assert!(first[0].ends_with("score 50/100"), "{text}");
    assert!(
        text.contains("5 critical findings cap the score at 50 (it would be 90 without the cap)"),
        "{text}"
    );
    assert!(first[1].starts_with("5 critical · 7 high"), "{text}");
    assert!(
        text.contains("\n  palisade fix examples/demo --diff   # shows the changes\n"),
        "{text}"
    );
    assert!(text.contains("\nCRITICAL (5)\n"), "{text}");
    // one entry per check, its fix once, each place as path:line:column
    assert!(
        text.contains("  pss-privileged · Privileged containers (1, 1 fixable)\n"),
        "{text}"
    );
    assert!(text.contains("    examples/demo/jobs/report-cronjob.yaml:41:17  jobs/CronJob/nightly-report  privileged"), "{text}");
    assert_eq!(
        text.matches("fix: Append the digest of the reviewed image")
            .count(),
        1,
        "{text}"
    );
    // never wider than the width (100 when not on a terminal)
    let widest = text.lines().map(|l| l.chars().count()).max().unwrap();
    assert!(widest <= 100, "{widest}");
    assert!(text.lines().last().unwrap().contains("score"));
    assert!(!text.contains('\u{1b}'));
    // one line a finding for CI logs; by object; by file
    let compact = palisade()
        .args(["scan", "examples/demo", "--compact", "--fail-on", "none"])
        .output()
        .unwrap();
    let compact = String::from_utf8(compact.stdout).unwrap();
    assert_eq!(compact.lines().count(), 77, "{compact}");
    assert!(compact.contains("examples/demo/jobs/report-cronjob.yaml:41:17: critical: pss-privileged: jobs/CronJob/nightly-report: privileged"), "{compact}");
    for (group, line) in [
        ("object", "  jobs/CronJob/nightly-report\n"),
        ("file", "  examples/demo/jobs/report-cronjob.yaml\n"),
    ] {
        let o = palisade()
            .args([
                "scan",
                "examples/demo",
                "--group",
                group,
                "--fail-on",
                "none",
            ])
            .output()
            .unwrap();
        let t = String::from_utf8(o.stdout).unwrap();
        assert!(t.contains(line), "{group}: {t}");
    }
    let out = palisade()
        .args([
            "scan",
            "examples/demo/data",
            "--fail-on",
            "critical",
            "--min-severity",
            "medium",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn sarif_and_markdown_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("out.sarif");
    let out = palisade()
        .args(["scan", "examples/demo", "--format", "sarif", "--output"])
        .arg(&sarif)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let doc: Value = serde_json::from_str(&fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(doc["version"], "2.1.0");
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"],
        "%SRCROOT%"
    );
    let md = palisade()
        .args(["scan", "examples/demo", "--format", "markdown"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8(md.stdout)
            .unwrap()
            .starts_with("# palisade scan")
    );
}

#[test]
fn bad_input_is_located_and_the_rest_is_scanned() {
    let d = tempfile::tempdir().unwrap();
    let w = |name: &str, text: &str| fs::write(d.path().join(name), text).unwrap();
    w(
        "good.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: ok, namespace: a}\nspec:\n  containers:\n  - name: c\n    image: nginx\n    securityContext: {privileged: true}\n",
    );
    w(
        "invalid.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n",
    );
    w(
        "not-object.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: a}\n---\n- a\n- list\n",
    );
    w(
        "wrong-type.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: w, namespace: a}\nspec:\n  securityContext:\n    runAsNonRoot: \"yes\"\n  containers: [{name: c, image: x}]\n",
    );
    w(
        "unknown-kind.yaml",
        "apiVersion: apps/v1\nkind: Deploymnet\nmetadata: {name: d, namespace: a}\n",
    );
    let mut laughs = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let mut prev = "a".to_string();
    for n in ["b", "c", "d", "e", "f", "g", "h", "i"] {
        laughs.push_str(&format!(
            "{n}: &{n} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
        ));
        prev = n.to_string();
    }
    w("laughs.yaml", &laughs);
    w(
        "deep.yaml",
        &format!("{}{}\n", "[".repeat(100_000), "]".repeat(100_000)),
    );
    let big = fs::File::create(d.path().join("huge.yaml")).unwrap();
    big.set_len(100 * 1024 * 1024).unwrap();
    let out = palisade()
        .args(["scan", "--format", "json"])
        .arg(d.path())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = json(&out.stdout);
    let errors: Vec<(String, u64, String)> = doc["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let f = e["file"].as_str().unwrap();
            (
                Path::new(f)
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .to_string(),
                e["line"].as_u64().unwrap(),
                e["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let has = |file: &str, line: u64, needle: &str| {
        errors
            .iter()
            .any(|(f, l, m)| f == file && (line == 0 || *l == line) && m.contains(needle))
    };
    assert!(has("invalid.yaml", 0, "invalid YAML"), "{errors:?}");
    assert!(
        has("not-object.yaml", 5, "not a Kubernetes object"),
        "{errors:?}"
    );
    assert!(
        has("wrong-type.yaml", 6, "spec.securityContext.runAsNonRoot"),
        "{errors:?}"
    );
    assert!(
        has("unknown-kind.yaml", 2, "did you mean \"Deployment\""),
        "{errors:?}"
    );
    assert!(has("laughs.yaml", 0, "billion laughs"), "{errors:?}");
    assert!(has("deep.yaml", 1, ""), "{errors:?}");
    assert!(has("huge.yaml", 0, "MiB limit"), "{errors:?}");
    // the good file and the good document of a mixed file were scanned,
    // and the object with one field of the wrong type too (that field left
    // out)
    assert!(finding(&doc, "pss-privileged", "good.yaml").is_some());
    assert_eq!(doc["summary"]["objects"], 3);
    // errors go to stderr too, with file and line
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("wrong-type.yaml:6"), "{stderr}");
}

#[test]
fn stdin_input() {
    let out = palisade()
        .args(["scan", "-", "--format", "json", "--fail-on", "none"])
        .write_stdin("apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a}\nspec:\n  hostPID: true\n  containers: [{name: c, image: \"x:1\"}]\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc = json(&out.stdout);
    let f = finding(&doc, "pss-host-namespaces", "<stdin>").unwrap();
    assert_eq!(f["location"]["line"], 5);
}

#[test]
fn config_file_is_discovered_and_validated() {
    let d = tempfile::tempdir().unwrap();
    fs::write(
        d.path().join("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a}\nspec: {containers: [{name: c, image: \"x:1\"}]}\n",
    )
    .unwrap();
    fs::write(
        d.path().join(".palisade.yaml"),
        "disable: [image-no-digest]\nfailOn: none\nignore:\n  - {check: '*', namespace: a, name: p, reason: sandbox}\n  - {check: '*', kind: Namespace, name: a, reason: sandbox namespace}\n",
    )
    .unwrap();
    let out = palisade()
        .args(["scan", "--format", "json"])
        .arg(d.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc = json(&out.stdout);
    assert_eq!(doc["summary"]["total"], 0);
    assert!(
        doc["suppressed"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["id"] != "image-no-digest")
    );
    fs::write(
        d.path().join(".palisade.yaml"),
        "disable: [no-such-check]\n",
    )
    .unwrap();
    let out = palisade().args(["scan"]).arg(d.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-check"));
}

#[test]
fn pss_command_json_contract() {
    let out = palisade()
        .args([
            "pss",
            "examples/demo",
            "--level",
            "restricted",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc = json(&out.stdout);
    let entries = doc.as_array().unwrap();
    assert_eq!(entries.len(), 8, "one entry per pod-bearing object");
    let pg = entries
        .iter()
        .find(|e| e["object"]["name"] == "postgres")
        .unwrap();
    assert_eq!(pg["allowed"], true);
    let cron = entries
        .iter()
        .find(|e| e["object"]["kind"] == "CronJob")
        .unwrap();
    assert_eq!(cron["allowed"], false);
    assert!(cron["line"].as_u64().unwrap() > 0);
    let checks: Vec<&str> = cron["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["check"].as_str().unwrap())
        .collect();
    assert!(
        checks.contains(&"privileged") && checks.contains(&"restrictedVolumes"),
        "{checks:?}"
    );
    // a pinned old version: the v1.34 host-probe control does not exist at v1.33
    let out = palisade()
        .args(["pss", "-", "--level", "baseline", "--version", "v1.33"])
        .write_stdin("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: x\n    livenessProbe: {httpGet: {host: 10.0.0.1, port: 80}}\n")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = palisade()
        .args(["pss", "-", "--level", "baseline", "--version", "v1.34"])
        .write_stdin("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: x\n    livenessProbe: {httpGet: {host: 10.0.0.1, port: 80}}\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("hostProbesAndHostLifecycle")
    );
}

#[test]
fn pss_command_on_the_upstream_fixtures() {
    palisade_corpus::require!("pod-security-admission/testdata");
    let root = palisade_corpus::corpus_path("pod-security-admission/testdata/restricted/v1.37");
    let out = palisade()
        .args([
            "pss",
            "--level",
            "restricted",
            "--version",
            "v1.37",
            "--format",
            "json",
        ])
        .arg(root.join("fail"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc = json(&out.stdout);
    assert!(
        doc.as_array()
            .unwrap()
            .iter()
            .all(|e| e["allowed"] == false)
    );
    let out = palisade()
        .args(["pss", "--level", "restricted", "--version", "v1.37"])
        .arg(root.join("pass"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn checks_list_and_generated_docs() {
    let out = palisade()
        .args(["checks", "list", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc = json(&out.stdout);
    let checks = doc.as_array().unwrap();
    assert!(checks.len() >= 40);
    for c in checks {
        for k in [
            "id",
            "title",
            "severity",
            "action",
            "frameworks",
            "risk",
            "fix",
        ] {
            assert!(!c[k].is_null(), "{k}");
        }
    }
    let md = palisade()
        .args(["checks", "list", "--format", "markdown"])
        .output()
        .unwrap();
    let docs = fs::read_to_string(repo().join("docs/checks.md")).unwrap();
    assert_eq!(
        String::from_utf8(md.stdout).unwrap(),
        docs,
        "docs/checks.md is stale: run `cargo run -- checks list --format markdown > docs/checks.md`"
    );
    let out = palisade()
        .args(["checks", "explain", "pss-privileged"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("Why it matters")
    );
    let out = palisade()
        .args(["checks", "explain", "nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn demo_table_snapshot() {
    let out = palisade()
        .args([
            "scan",
            "examples/demo",
            "--color",
            "never",
            "--fail-on",
            "none",
        ])
        .output()
        .unwrap();
    insta::assert_snapshot!("demo_table", String::from_utf8(out.stdout).unwrap());
}

#[test]
fn help_is_short_with_examples() {
    let out = palisade().arg("--help").output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    // one line a command, then examples
    assert!(help.lines().all(|l| l.chars().count() <= 100), "{help}");
    assert!(help.contains("\nExamples:\n  palisade scan k8s/"), "{help}");
    insta::assert_snapshot!("help", help);
    for cmd in ["scan", "fix", "report", "secrets", "vuln", "rbac", "netpol"] {
        let out = palisade().args([cmd, "--help"]).output().unwrap();
        let help = String::from_utf8(out.stdout).unwrap();
        assert!(
            help.contains(&format!("Examples:\n  palisade {cmd}"))
                || help.contains("Examples:\n  palisade db update"),
            "{cmd}: {help}"
        );
    }
}

#[cfg(unix)]
#[test]
fn reports_are_owner_only_and_never_written_through_a_link() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.json");
    let o = palisade()
        .args([
            "scan",
            "examples/demo",
            "--format",
            "json",
            "--fail-on",
            "none",
            "-o",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let mode = std::fs::metadata(&out).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    // a link where the report goes is refused, and its target untouched
    let target = dir.path().join("target.txt");
    std::fs::write(&target, "keep").unwrap();
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let o = palisade()
        .args([
            "scan",
            "examples/demo",
            "--format",
            "json",
            "--fail-on",
            "none",
            "-o",
        ])
        .arg(&link)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("symbolic link"));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
}

/// Nothing scanned is not a pass: an empty directory, a directory of
/// values and CI files, a chart that cannot be rendered and an empty file
/// each say what was seen and exit 2, with no score.
#[test]
fn nothing_scanned_is_not_a_pass() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    fs::create_dir(&empty).unwrap();
    let chart = dir.path().join("chart");
    fs::create_dir_all(chart.join("templates")).unwrap();
    fs::write(
        chart.join("Chart.yaml"),
        "apiVersion: v2\nname: web\nversion: 0.1.0\n",
    )
    .unwrap();
    fs::write(chart.join("values.yaml"), "replicas: 2\n").unwrap();
    fs::write(
        chart.join("templates/deployment.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n",
    )
    .unwrap();
    let empty_file = dir.path().join("empty.yaml");
    fs::write(&empty_file, "").unwrap();
    for (path, says) in [
        (&empty, "no *.yaml, *.yml, *.json or *.tf file was found"),
        (&empty_file, "no Kubernetes object was read: 1 file read"),
    ] {
        let a = palisade().arg("scan").arg(path).assert().code(2);
        let out = a.get_output();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says), "{}: {stderr}", path.display());
        assert!(!String::from_utf8_lossy(&out.stdout).contains("score"));
    }
    // a chart is rendered with helm (tests/helm_cli.rs); one that cannot be
    // (no helm) is not a pass either, and says what to run instead
    let a = palisade()
        .env("PALISADE_HELM", "/nonexistent/helm")
        .arg("scan")
        .arg(&chart)
        .assert()
        .code(2);
    let stdout = String::from_utf8_lossy(&a.get_output().stdout).to_string();
    assert!(stdout.contains("cannot render the chart"), "{stdout}");
    assert!(stdout.contains("| palisade scan -"), "{stdout}");
    assert!(stdout.contains("no score: nothing was scanned"), "{stdout}");
    // a path that does not exist is an input error, and has no score either
    let a = palisade().args(["scan", "/no/such/dir"]).assert().code(2);
    let stdout = String::from_utf8_lossy(&a.get_output().stdout).to_string();
    assert!(stdout.contains("no score: nothing was scanned"), "{stdout}");
}

/// `-o` never overwrites one of the inputs (a manifest scanned, or one in a
/// scanned directory) unless `--force`.
#[test]
fn output_never_overwrites_an_input_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let m = dir.path().join("app.yaml");
    let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers: [{name: c, image: nginx}]\n";
    fs::write(&m, text).unwrap();
    for target in [m.clone(), dir.path().to_path_buf()] {
        let a = palisade()
            .arg("scan")
            .arg(&target)
            .args(["-f", "json", "-o"])
            .arg(&m)
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&a.get_output().stderr).to_string();
        assert!(stderr.contains("is one of the inputs"), "{stderr}");
        assert_eq!(fs::read_to_string(&m).unwrap(), text);
    }
    // a new report beside the inputs is fine, and --force overwrites
    palisade()
        .arg("scan")
        .arg(dir.path())
        .args(["-f", "json", "-o"])
        .arg(dir.path().join("report.sarif"))
        .assert()
        .code(0);
    palisade()
        .arg("scan")
        .arg(&m)
        .args(["-f", "json", "--force", "-o"])
        .arg(&m)
        .assert()
        .code(0);
    assert!(fs::read_to_string(&m).unwrap().starts_with('{'));
}

#[test]
fn the_target_kubernetes_version_governs_removed_apis_and_pod_security() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("cron.yaml");
    std::fs::write(
        &f,
        "apiVersion: batch/v1beta1\nkind: CronJob\nmetadata: {name: nightly, namespace: shop}\nspec:\n  schedule: '@daily'\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: Never\n          containers: [{name: a, image: x:1, securityContext: {privileged: true}}]\n",
    )
    .unwrap();
    let scan = |extra: &[&str]| {
        let out = palisade()
            .arg("scan")
            .arg(&f)
            .args(["--compact", "--fail-on", "none"])
            .args(extra)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (_, newest, _) = scan(&[]);
    assert!(
        newest.contains("high: removed-api-version: shop/CronJob/nightly: CronJob nightly uses batch/v1beta1, removed in Kubernetes 1.25; use batch/v1"),
        "{newest}"
    );
    assert!(
        newest.contains("[PodSecurity restricted:latest]"),
        "{newest}"
    );
    let (_, old, _) = scan(&["--kubernetes-version", "1.20"]);
    assert!(
        old.contains("low: removed-api-version: shop/CronJob/nightly: CronJob nightly uses batch/v1beta1, still served by Kubernetes 1.20 but removed in 1.25; batch/v1 is served from Kubernetes 1.21: move when you upgrade"),
        "{old}"
    );
    assert!(old.contains("[PodSecurity restricted:v1.20]"), "{old}");
    // an explicit Pod Security version wins
    let (_, pinned, _) = scan(&["--kubernetes-version", "1.20", "--pss-version", "v1.25"]);
    assert!(
        pinned.contains("[PodSecurity restricted:v1.25]"),
        "{pinned}"
    );
    let (code, _, err) = scan(&["--kubernetes-version", "latest"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("is not a version like 1.28"), "{err}");
}
