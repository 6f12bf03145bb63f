//! `palisade report` on the demo cluster — rendered in headless Chromium
//! when it is installed — and `palisade history` between two scans of the
//! demo, before and after a fix.

use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn palisade_in(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("palisade").unwrap();
    c.current_dir(dir).env_remove("SOURCE_DATE_EPOCH");
    c
}

fn run_in(dir: &Path, args: &[&str], code: i32) -> String {
    let out = palisade_in(dir).args(args).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(code),
        "palisade {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn run(args: &[&str]) -> String {
    run_in(&root(), args, 0)
}

const NOW: &str = "2024-05-01T00:00:00Z";

/// The Chromium binary: $PALISADE_CHROMIUM, else the first of the usual
/// names on $PATH.
fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("PALISADE_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    for name in ["chromium", "chromium-browser", "google-chrome", "chrome"] {
        for dir in std::env::split_paths(&path) {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// Width and height of a PNG (from its IHDR chunk).
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert!(
        bytes.len() > 24 && bytes.starts_with(b"\x89PNG\r\n\x1a\n") && &bytes[12..16] == b"IHDR",
        "not a PNG"
    );
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

/// Runs headless Chromium on `page` with `args`; returns (stdout, stderr).
fn headless(chrome: &Path, profile: &Path, page: &Path, args: &[&str]) -> (String, String) {
    let url = format!("file://{}", page.canonicalize().unwrap().display());
    let out = Command::new(chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(&url)
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "chromium failed: {stderr}");
    (String::from_utf8_lossy(&out.stdout).into_owned(), stderr)
}

/// Console messages and uncaught errors Chromium logged for the page.
fn console_errors(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught"))
        .collect()
}

#[test]
fn demo_report_is_one_self_contained_page_and_renders_in_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    let page_arg = page.to_str().unwrap();
    run(&["report", "examples/demo", "--now", NOW, "-o", page_arg]);
    let html = std::fs::read_to_string(&page).unwrap();
    // the same input and time give the same bytes
    assert_eq!(html, run(&["report", "examples/demo", "--now", NOW]));
    // nothing loaded from anywhere: no external scripts, styles, images, fonts
    for bad in [
        "<script src",
        "<link",
        "src=\"http",
        "url(http",
        "@import",
        "<img",
    ] {
        assert!(!html.contains(bad), "{bad}");
    }
    let scan: Value = serde_json::from_str(&run_in(
        &root(),
        &["scan", "examples/demo", "-f", "json"],
        1,
    ))
    .unwrap();
    let findings = scan["findings"].as_array().unwrap().len();
    assert!(findings > 0);
    assert!(html.contains(&format!("<h2>Findings ({findings})</h2>")));
    assert_eq!(html.matches("<tr id=\"f-").count(), findings);
    let score = scan["summary"]["score"].as_u64().unwrap();
    assert!(
        html.contains(&format!("posture score {score}/100")),
        "the report's score is the scan's"
    );
    for n in 1..=11 {
        assert!(html.contains(&format!("id=\"action-{n}\"")), "action {n}");
    }
    // each finding links to its fix
    for f in scan["findings"].as_array().unwrap() {
        let id = f["id"].as_str().unwrap();
        assert!(html.contains(&format!("id=\"fix-{id}\"")), "{id}");
    }

    let Some(chrome) = chromium() else {
        assert!(
            std::env::var("PALISADE_REQUIRE_CHROMIUM").as_deref() != Ok("1"),
            "PALISADE_REQUIRE_CHROMIUM=1 but no chromium on PATH (or PALISADE_CHROMIUM)"
        );
        eprintln!(
            "skipped: the browser part of this test needs Chromium (apt-get install chromium, or set PALISADE_CHROMIUM)"
        );
        return;
    };
    let profile = dir.path().join("chromium-profile");
    let shot = dir.path().join("report.png");
    let (_, stderr) = headless(
        &chrome,
        &profile,
        &page,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,2400",
        ],
    );
    assert!(
        console_errors(&stderr).is_empty(),
        "console output while rendering: {:#?}",
        console_errors(&stderr)
    );
    let png = std::fs::read(&shot).unwrap();
    assert_eq!(png_size(&png), (1280, 2400));
    // a blank page compresses to a few kilobytes; the charts do not
    assert!(png.len() > 100_000, "screenshot of {} bytes", png.len());

    // the script ran: its filters exist and count every finding
    let (dom, stderr) = headless(&chrome, &profile, &page, &["--dump-dom"]);
    assert!(
        console_errors(&stderr).is_empty(),
        "{:#?}",
        console_errors(&stderr)
    );
    assert!(
        dom.contains("<div id=\"filters\" data-ready=\"1\">"),
        "the filter script did not run"
    );
    assert_eq!(dom.matches("class=\"sev-toggle on\"").count(), 5);
    assert!(dom.contains(&format!("{findings} of {findings} findings shown")));
    assert!(dom.contains("<option value=\"jobs\">jobs</option>"));
}

#[test]
fn demo_report_markdown() {
    let md = run(&[
        "report",
        "examples/demo",
        "--format",
        "markdown",
        "--now",
        NOW,
    ]);
    let scan: Value = serde_json::from_str(&run_in(
        &root(),
        &["scan", "examples/demo", "-f", "json"],
        1,
    ))
    .unwrap();
    let score = scan["summary"]["score"].as_u64().unwrap();
    assert!(md.starts_with("# Security posture: examples/demo\n"));
    assert!(md.contains(&format!("**Posture score: {score}/100**")));
    assert!(md.contains("palisade 0.1.0 · 2024-05-01T00:00:00Z"));
    for title in [
        "## 1. Inventory",
        "## 2. Threat model",
        "## 5. RBAC",
        "## 6. Network policies",
        "## 10. Audit logging",
        "## 11. Monitoring",
        "## How the score is computed",
    ] {
        assert!(md.contains(title), "{title}");
    }
    // no audit policy given: said, not guessed
    assert!(md.contains("| 10 | [Audit logging](#10-audit-logging) | ⚪ not assessed | not assessed: no audit policy given"));
    // with one, action 10 is the lint's verdict
    let md = run(&[
        "report",
        "examples/demo",
        "--format",
        "markdown",
        "--now",
        NOW,
        "--audit-policy",
        "examples/audit/sysdig-policy.yaml",
    ]);
    assert!(md.contains("| 10 | [Audit logging](#10-audit-logging) | 🟠 needs work | audit policy examples/audit/sysdig-policy.yaml: 1 medium finding"), "{md}");
    assert!(md.contains("audit-sensitive-body-logged"));
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let t = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &t);
        } else {
            std::fs::copy(e.path(), t).unwrap();
        }
    }
}

/// (check, ns/Kind/name, path) of a scan's JSON findings.
fn keys(scan: &Value) -> BTreeSet<(String, String, String)> {
    scan["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let o = &f["object"];
            let object = match o["namespace"].as_str() {
                Some(ns) => format!(
                    "{ns}/{}/{}",
                    o["kind"].as_str().unwrap(),
                    o["name"].as_str().unwrap()
                ),
                None => format!(
                    "{}/{}",
                    o["kind"].as_str().unwrap(),
                    o["name"].as_str().unwrap()
                ),
            };
            (
                f["id"].as_str().unwrap().to_string(),
                object,
                f["path"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn record_keys(v: &Value) -> BTreeSet<(String, String, String)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["check"].as_str().unwrap().to_string(),
                f["object"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn history_shows_what_a_fix_fixed_and_nothing_new() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path();
    copy_dir(&root().join("examples/demo"), &work.join("demo"));
    let scan = |now: &str| -> Value {
        serde_json::from_str(&run_in(
            work,
            &[
                "scan",
                "demo",
                "-f",
                "json",
                "--history",
                "h.sqlite",
                "--now",
                now,
            ],
            1,
        ))
        .unwrap()
    };
    let before = scan("2024-05-01T00:00:00Z");
    // the fix: the api's literal DB_PASSWORD becomes a Secret reference
    let api = work.join("demo/shop/api.yaml");
    let text = std::fs::read_to_string(&api).unwrap();
    let literal = "              value: \"Sh0p-db-demo-2024\"\n";
    assert_eq!(text.matches(literal).count(), 1);
    std::fs::write(
        &api,
        text.replace(
            literal,
            "              valueFrom:\n                secretKeyRef:\n                  name: shop-api-db\n                  key: password\n",
        ),
    )
    .unwrap();
    let after = scan("2024-05-02T00:00:00Z");

    let (a, b) = (keys(&before), keys(&after));
    let fixed: BTreeSet<_> = a.difference(&b).cloned().collect();
    assert!(
        fixed
            .iter()
            .any(|(id, o, _)| id == "env-literal-secret" && o == "shop/Deployment/api"),
        "{fixed:?}"
    );
    assert!(
        b.is_subset(&a),
        "the fix added findings: {:?}",
        b.difference(&a)
    );

    let h: Value = serde_json::from_str(&run_in(
        work,
        &["history", "--db", "h.sqlite", "--format", "json"],
        0,
    ))
    .unwrap();
    let scans = h["scans"].as_array().unwrap();
    assert_eq!(scans.len(), 2);
    assert_eq!(scans[0]["source"], "demo");
    assert_eq!(scans[0]["score"], before["summary"]["score"]);
    assert_eq!(scans[1]["score"], after["summary"]["score"]);
    assert_eq!(scans[0]["total"], before["summary"]["total"]);
    assert_eq!(scans[1]["timeText"], "2024-05-02T00:00:00Z");
    let latest = &h["latest"];
    assert_eq!(latest["from"]["id"], scans[0]["id"]);
    assert_eq!(latest["to"]["id"], scans[1]["id"]);
    assert_eq!(
        record_keys(&latest["fixed"]),
        fixed,
        "exactly the fixed findings"
    );
    assert_eq!(latest["new"].as_array().unwrap().len(), 0, "nothing new");
    assert_eq!(latest["unchanged"].as_u64().unwrap() as usize, b.len());

    let table = run_in(work, &["history", "--db", "h.sqlite"], 0);
    assert!(
        table.contains(&format!(
            "{} fixed, 0 new, {} unchanged",
            fixed.len(),
            b.len()
        )),
        "{table}"
    );
    assert!(
        table.contains("env-literal-secret  shop/Deployment/api"),
        "{table}"
    );
    assert!(table.contains("new: none"));

    // the report records a third run and plots all three
    let html = run_in(
        work,
        &[
            "report",
            "demo",
            "--history",
            "h.sqlite",
            "--now",
            "2024-05-03T00:00:00Z",
        ],
        0,
    );
    assert!(html.contains("3 runs of this source recorded in <code>h.sqlite</code>"));
    assert!(html.contains("aria-label=\"posture score over time\""));
    assert!(html.contains("<polyline"));
    let h: Value = serde_json::from_str(&run_in(
        work,
        &["history", "--db", "h.sqlite", "--format", "json"],
        0,
    ))
    .unwrap();
    assert_eq!(h["scans"].as_array().unwrap().len(), 3);
    assert_eq!(h["scans"][2]["command"], "report");
    let latest = &h["latest"];
    assert_eq!(latest["fixed"].as_array().unwrap().len(), 0);
    assert_eq!(latest["new"].as_array().unwrap().len(), 0);
}

#[test]
fn history_needs_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let out = palisade_in(dir.path())
        .args(["history", "--db", "none.sqlite"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no history database at none.sqlite"));
}

#[test]
fn report_of_the_live_cluster() {
    let server = palisade_live::testserver::start();
    let out = Command::cargo_bin("palisade")
        .unwrap()
        .args(["report", "--cluster", "--format", "markdown", "--now", NOW])
        .arg("--kubeconfig")
        .arg(server.kubeconfig.path())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.starts_with("# Security posture: cluster\n"), "{md}");
    // only the live cluster was read: infrastructure as code is not judged
    assert!(
        md.contains("| 3 | [Infrastructure as code](#3-infrastructure-as-code) | ⚪ not assessed | not assessed: the input is the live cluster"),
        "{md}"
    );
    // the recorded cluster's privileged pod and ops binding are there
    assert!(
        md.contains("| 2 | [Threat model](#2-threat-model) | 🔴 fail |"),
        "{md}"
    );
    assert!(md.contains("user:ops"), "{md}");
}

#[test]
fn secrets_paths_feed_action_8() {
    let without = run(&[
        "report",
        "examples/demo",
        "--format",
        "markdown",
        "--now",
        NOW,
    ]);
    assert!(without.contains("no paths given (--secrets PATH"));
    let with = run(&[
        "report",
        "examples/demo",
        "--format",
        "markdown",
        "--now",
        NOW,
        "--secrets",
        "examples/audit",
    ]);
    // The audit log recorded a ConfigMap created with a password in it.
    // `examples/audit` is the scanned root: the folders it sits in do not
    // make it an example (only folders below the root do).
    assert!(
        with.contains("`palisade secrets` over examples/audit: 5 files scanned, 1 credential found: generic-password 1"),
        "{with}"
    );
    assert!(!with.contains("hunter2"), "values never reach the report");
}

#[test]
fn html_goes_to_a_file_on_a_terminal_and_dash_means_stdout() {
    // `-o -` is stdout, whatever the format
    let out = palisade_in(&root())
        .args(["report", "examples/demo", "-o", "-"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.starts_with(b"<!DOCTYPE html>"));
    // on a terminal (util-linux `script` gives one), the page goes to a file
    let Ok(script) = which("script") else {
        eprintln!("skipped the terminal case: no `script` command");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("palisade");
    let demo = std::fs::canonicalize(root().join("examples/demo")).unwrap();
    let run = std::process::Command::new(script)
        .arg("-qec")
        .arg(format!("{} report {}", bin.display(), demo.display()))
        .arg("/dev/null")
        .current_dir(dir.path())
        .stdout(std::process::Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&run.stderr);
    if !run.status.success() && (err.contains("pseudo-terminal") || err.contains("openpty")) {
        eprintln!("skipped the terminal case: no pseudo-terminal here ({err})");
        return;
    }
    assert!(run.status.success(), "{err}");
    let page = std::fs::read_to_string(dir.path().join("palisade-report.html")).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
}

fn which(cmd: &str) -> Result<std::path::PathBuf, ()> {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join(cmd))
        .find(|p| p.is_file())
        .ok_or(())
}
