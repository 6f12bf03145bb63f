//! Helm charts and kustomizations rendered by the user's own tools: `scan
//! CHART`, `--helm`, `--values`, `--set`, `--release`, charts and
//! kustomizations met in a walk, and what happens when the renderer is
//! missing, fails or hangs.
//!
//! The fixtures (tests/fixtures/helm, tests/fixtures/kustomize) are written
//! for these tests. The tests need helm (`$PALISADE_HELM`, `helm` on PATH or
//! testbed/.bin/helm, which testbed/helm/build.sh builds) and kubectl or
//! kustomize; without them they are skipped with a message, unless
//! PALISADE_REQUIRE_HELM=1 (CI), where that is a failure.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// `name` on PATH, else in testbed/.bin.
fn tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .chain([root().join("testbed/.bin").join(name)])
        .find(|p| executable(p))
}

fn required() -> bool {
    std::env::var("PALISADE_REQUIRE_HELM").as_deref() == Ok("1")
}

/// helm: $PALISADE_HELM, `helm` on PATH, testbed/.bin/helm.
fn helm() -> Option<PathBuf> {
    let found = std::env::var_os("PALISADE_HELM")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .filter(|p| executable(p))
        .or_else(|| tool("helm"));
    if found.is_none() {
        assert!(
            !required(),
            "PALISADE_REQUIRE_HELM=1 but no helm (set PALISADE_HELM, or run testbed/helm/build.sh)"
        );
        eprintln!(
            "skipped: this test needs helm (on PATH, in PALISADE_HELM, or built by testbed/helm/build.sh)"
        );
    }
    found
}

/// kubectl (for `kubectl kustomize`) or kustomize.
fn kustomize() -> Option<PathBuf> {
    let found = std::env::var_os("PALISADE_KUSTOMIZE")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .filter(|p| executable(p))
        .or_else(|| tool("kubectl"))
        .or_else(|| tool("kustomize"));
    if found.is_none() {
        assert!(
            !required(),
            "PALISADE_REQUIRE_HELM=1 but neither kubectl nor kustomize was found"
        );
        eprintln!("skipped: this test needs kubectl or kustomize");
    }
    found
}

/// palisade, run in the fixtures directory with the renderers found.
fn palisade(helm: Option<&Path>, kustomize: Option<&Path>) -> Command {
    let mut c = Command::cargo_bin("palisade").unwrap();
    c.current_dir(fixtures())
        .env_remove("PALISADE_HELM")
        .env_remove("PALISADE_KUSTOMIZE")
        .env_remove("NO_COLOR");
    if let Some(h) = helm {
        c.env("PALISADE_HELM", h);
    }
    if let Some(k) = kustomize {
        c.env("PALISADE_KUSTOMIZE", k);
    }
    c
}

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(mut c: Command, args: &[&str]) -> Out {
    let out = c.args(args).output().unwrap();
    Out {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn json(c: Command, args: &[&str], code: i32) -> Value {
    let out = run(c, args);
    assert_eq!(out.code, Some(code), "palisade {args:?}: {}", out.stderr);
    serde_json::from_str(&out.stdout).unwrap()
}

/// `(check, object name, file, line, column)` of every finding.
fn places(scan: &Value) -> Vec<(String, String, String, u64, u64)> {
    scan["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_string(),
                f["object"]["name"].as_str().unwrap().to_string(),
                f["location"]["file"].as_str().unwrap().to_string(),
                f["location"]["line"].as_u64().unwrap(),
                f["location"]["column"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

fn find<'a>(
    places: &'a [(String, String, String, u64, u64)],
    check: &str,
    name: &str,
) -> Vec<&'a (String, String, String, u64, u64)> {
    places
        .iter()
        .filter(|p| p.0 == check && p.1 == name)
        .collect()
}

#[test]
fn a_chart_is_rendered_and_findings_point_at_template_lines() {
    let Some(helm) = helm() else { return };
    let scan = json(
        palisade(Some(&helm), None),
        &["scan", "helm/web", "--format", "json"],
        1,
    );
    assert_eq!(scan["summary"]["objects"], 3, "{}", scan["summary"]);
    assert_eq!(scan["summary"]["errors"], 0);
    let p = places(&scan);
    // `privileged: {{ .Values.privileged }}` is line 24 of the template,
    // its key at column 13
    assert_eq!(
        find(&p, "pss-privileged", "web"),
        [&(
            "pss-privileged".into(),
            "web".into(),
            "helm/web/templates/deployment.yaml".into(),
            24,
            13
        )]
    );
    // the image line, whose value is two template actions
    let latest = find(&p, "image-latest-tag", "web");
    assert_eq!(
        (latest[0].2.as_str(), latest[0].3, latest[0].4),
        ("helm/web/templates/deployment.yaml", 19, 11)
    );
    // the subchart's objects point into the subchart
    let cache = find(&p, "memory-limit-missing", "web-cache");
    assert_eq!(cache.len(), 1, "the subchart is rendered once: {cache:?}");
    assert_eq!(
        (cache[0].2.as_str(), cache[0].3),
        ("helm/web/charts/cache/templates/deployment.yaml", 15)
    );
    // nothing was read from the chart's files on their own
    assert!(
        p.iter().all(|x| x.2.contains("/templates/")),
        "{:?}",
        p.iter().map(|x| &x.2).collect::<Vec<_>>()
    );
    // `palisade fix` does not edit templates: no finding offers an edit
    assert!(
        scan["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["autofix"].is_null())
    );

    // the table: `path:line:column`, and no promise of in-place fixes
    let out = run(palisade(Some(&helm), None), &["scan", "helm/web"]);
    assert!(
        out.stdout
            .contains("helm/web/templates/deployment.yaml:24:13  default/Deployment/web"),
        "{}",
        out.stdout
    );
    assert!(
        !out.stdout.contains("can be fixed in place"),
        "{}",
        out.stdout
    );

    // --helm forces a directory to be rendered as a chart
    let forced = json(
        palisade(Some(&helm), None),
        &["scan", "--helm", "helm/web", "--format", "json"],
        1,
    );
    assert_eq!(places(&forced), p);
}

#[test]
fn values_set_and_release_change_what_is_rendered() {
    let Some(helm) = helm() else { return };
    let prod = json(
        palisade(Some(&helm), None),
        &[
            "scan",
            "helm/web",
            "--values",
            "helm/web/values-prod.yaml",
            "--format",
            "json",
        ],
        1,
    );
    let p = places(&prod);
    // values-prod.yaml: not privileged, a release tag, resources, an Ingress
    assert!(find(&p, "pss-privileged", "web").is_empty(), "{p:?}");
    assert!(find(&p, "image-latest-tag", "web").is_empty(), "{p:?}");
    assert!(find(&p, "memory-limit-missing", "web").is_empty(), "{p:?}");
    assert_eq!(prod["summary"]["objects"], 4);
    let inventory = json(
        palisade(Some(&helm), None),
        &[
            "inventory",
            "helm/web",
            "--values",
            "helm/web/values-prod.yaml",
            "--format",
            "json",
        ],
        0,
    );
    let web = inventory["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["name"] == "web")
        .unwrap();
    assert_eq!(web["replicas"], 3);
    assert!(
        web["exposure"].as_array().unwrap().iter().any(|e| e
            .as_str()
            .unwrap()
            .starts_with("Ingress web shop.example.com")),
        "{web}"
    );

    // --set turns the Ingress on alone; --release names the objects
    let set = json(
        palisade(Some(&helm), None),
        &[
            "scan",
            "helm/web",
            "--set",
            "ingress.enabled=true",
            "--set",
            "cache.enabled=false",
            "--release",
            "shop",
            "--format",
            "json",
        ],
        1,
    );
    assert_eq!(set["summary"]["objects"], 3, "{}", set["summary"]);
    let p = places(&set);
    assert_eq!(find(&p, "pss-privileged", "shop-web").len(), 1, "{p:?}");
    assert!(p.iter().all(|x| !x.2.contains("charts/cache")), "{p:?}");
}

/// Copies a directory tree.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

#[test]
fn a_walk_renders_each_chart_once_and_reads_the_rest() {
    let Some(helm) = helm() else { return };
    let repo = tempfile::tempdir().unwrap();
    copy_tree(
        &fixtures().join("helm/web"),
        &repo.path().join("deploy/web"),
    );
    std::fs::create_dir_all(repo.path().join("k8s")).unwrap();
    std::fs::write(
        repo.path().join("k8s/namespace.yaml"),
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n",
    )
    .unwrap();
    let mut c = palisade(Some(&helm), None);
    c.current_dir(repo.path());
    let scan = json(c, &["scan", ".", "--format", "json"], 1);
    // 3 rendered objects (the subchart's once) and the plain Namespace
    assert_eq!(scan["summary"]["objects"], 4, "{}", scan["summary"]);
    assert_eq!(scan["summary"]["errors"], 0, "{}", scan["errors"]);
    let p = places(&scan);
    assert_eq!(
        find(&p, "memory-limit-missing", "web-cache")
            .iter()
            .map(|x| (x.2.as_str(), x.3))
            .collect::<Vec<_>>(),
        [("./deploy/web/charts/cache/templates/deployment.yaml", 15)]
    );
    assert_eq!(
        find(&p, "pss-privileged", "web")
            .iter()
            .map(|x| (x.2.as_str(), x.3, x.4))
            .collect::<Vec<_>>(),
        [("./deploy/web/templates/deployment.yaml", 24, 13)]
    );
}

#[test]
fn missing_helm_is_exit_2_with_the_pipe_alternative() {
    let out = run(
        palisade(Some(Path::new("/nonexistent/helm")), None),
        &["scan", "helm/web", "--values", "helm/web/values-prod.yaml"],
    );
    assert_eq!(out.code, Some(2), "{}{}", out.stdout, out.stderr);
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(all.contains("helm/web: cannot render the chart"), "{all}");
    assert!(
        all.contains(
            "helm template web helm/web --values helm/web/values-prod.yaml | palisade scan -"
        ),
        "{all}"
    );
    assert_eq!(all.matches("cannot render").count(), 1, "{all}");

    // no helm on PATH at all
    let mut c = palisade(None, None);
    c.env("PATH", "/nonexistent");
    let out = run(c, &["scan", "helm/web"]);
    assert_eq!(out.code, Some(2));
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(all.contains("helm is not installed"), "{all}");
    assert!(
        all.contains("helm template web helm/web | palisade scan -"),
        "{all}"
    );
}

#[test]
fn a_failing_chart_is_exit_2_with_helms_message_and_the_rest_is_scanned() {
    let Some(helm) = helm() else { return };
    let scan = json(
        palisade(Some(&helm), None),
        &["scan", "helm/broken", "helm/web", "--format", "json"],
        2,
    );
    let errors = scan["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["file"], "helm/broken");
    let msg = errors[0]["message"].as_str().unwrap();
    assert!(msg.contains("image.tag is required"), "{msg}");
    assert!(msg.starts_with("helm template failed"), "{msg}");
    assert!(!msg.contains("--debug"), "{msg}");
    // the other chart is still scanned
    assert_eq!(find(&places(&scan), "pss-privileged", "web").len(), 1);
}

#[test]
fn a_hanging_renderer_is_stopped_by_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("helm");
    std::fs::write(&script, "#!/bin/sh\nsleep 60\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let start = Instant::now();
    let out = run(
        palisade(Some(&script), None),
        &["scan", "helm/web", "--render-timeout", "1"],
    );
    assert!(start.elapsed() < Duration::from_secs(30));
    assert_eq!(out.code, Some(2), "{}{}", out.stdout, out.stderr);
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(
        all.contains("`helm template` did not finish within 1 s and was stopped"),
        "{all}"
    );
}

#[test]
fn values_files_that_are_not_yaml_are_reported_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("values-bad.yaml");
    std::fs::write(&bad, "replicaCount: 2\nimage:\n  tag: [1.0\n").unwrap();
    let out = run(
        // the values are checked before helm runs: no helm needed
        palisade(Some(Path::new("/nonexistent/helm")), None),
        &[
            "scan",
            "helm/web",
            "--values",
            bad.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    assert_eq!(out.code, Some(2));
    let scan: Value = serde_json::from_str(&out.stdout).unwrap();
    let e = &scan["errors"][0];
    assert_eq!(e["file"], bad.to_str().unwrap());
    assert!(e["line"].as_u64().unwrap() >= 3, "{e}");
    assert!(
        e["message"].as_str().unwrap().contains("not valid YAML"),
        "{e}"
    );
    assert!(
        scan["errors"][1]["message"]
            .as_str()
            .unwrap()
            .contains("the chart was not rendered"),
        "{}",
        scan["errors"]
    );
}

#[test]
fn kustomize_overlays_point_at_their_source_files() {
    let Some(kustomize) = kustomize() else { return };
    let before: Vec<_> = std::fs::read_dir(fixtures().join("kustomize/overlays/dev"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    let dev = json(
        palisade(None, Some(&kustomize)),
        &["scan", "kustomize/overlays/dev", "--format", "json"],
        1,
    );
    assert_eq!(dev["summary"]["errors"], 0, "{}", dev["errors"]);
    assert_eq!(dev["summary"]["objects"], 3);
    let p = places(&dev);
    // a resource of the overlay: its own file, its own line
    assert_eq!(
        find(&p, "pss-host-namespaces", "dev-debug")
            .iter()
            .map(|x| (x.2.as_str(), x.3, x.4))
            .collect::<Vec<_>>(),
        [("kustomize/overlays/dev/debug-pod.yaml", 6, 3)]
    );
    // the base's Deployment, patched by the overlay: the base file; the
    // patched field is under the base's `securityContext:` (line 22, no column)
    assert_eq!(
        find(&p, "pss-privileged", "dev-api")
            .iter()
            .map(|x| (x.2.as_str(), x.3, x.4))
            .collect::<Vec<_>>(),
        [("kustomize/base/deployment.yaml", 22, 0)]
    );
    // the origin annotation palisade asked for is gone
    assert!(!dev.to_string().contains("config.kubernetes.io/origin"));
    let after: Vec<_> = std::fs::read_dir(fixtures().join("kustomize/overlays/dev"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(before, after, "the user's directory is left as it was");

    // a walk builds every kustomization once (base 2 objects, dev 3, prod 3
    // with its component's NetworkPolicy) and reads none of their files on
    // their own (the patches are not objects); the component is built by
    // prod, which includes it, not on its own
    let all = json(
        palisade(None, Some(&kustomize)),
        &["scan", "kustomize", "--format", "json"],
        1,
    );
    assert_eq!(all["summary"]["errors"], 0, "{}", all["errors"]);
    assert_eq!(all["summary"]["objects"], 8, "{}", all["summary"]);
    let p = places(&all);
    assert!(
        p.iter()
            .all(|x| !x.2.ends_with("privileged.yaml") && !x.2.ends_with("replicas.yaml")),
        "{p:?}"
    );
    // prod: the image tag from the overlay, the replicas from its patch
    let inventory = json(
        palisade(None, Some(&kustomize)),
        &["inventory", "kustomize/overlays/prod", "--format", "json"],
        0,
    );
    let api = &inventory["workloads"][0];
    assert_eq!(api["replicas"], 3);
    assert_eq!(api["location"], "kustomize/base/deployment.yaml:1");
    assert_eq!(
        api["containers"][0]["image"]["image"],
        "ghcr.io/example/api:1.4.2"
    );
    // a component named on the command line is built on its own
    let component = json(
        palisade(None, Some(&kustomize)),
        &[
            "scan",
            "kustomize/components/default-deny",
            "--format",
            "json",
        ],
        0,
    );
    assert_eq!(component["summary"]["objects"], 1, "{component}");
    assert_eq!(component["summary"]["errors"], 0, "{component}");
}

#[test]
fn missing_kustomize_is_exit_2_with_the_pipe_alternative() {
    let out = run(
        palisade(None, Some(Path::new("/nonexistent/kustomize"))),
        &["scan", "kustomize/overlays/prod"],
    );
    assert_eq!(out.code, Some(2));
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(
        all.contains("kubectl kustomize kustomize/overlays/prod | palisade scan -"),
        "{all}"
    );
}
