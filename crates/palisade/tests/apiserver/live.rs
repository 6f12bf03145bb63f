//! `--cluster` against the demo applied to a real API server: the same
//! findings as the files, except what the API server's defaulting and
//! controllers change, which is listed here by name.

use super::bed::{self, Bed, palisade};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

pub const DEMO_NAMESPACES: &[&str] = &["shop", "data", "jobs", "monitoring"];

/// Applies the demo server-side (the namespaces first, so the objects in
/// them are admitted).
pub fn apply_demo(b: &Bed) {
    let demo = bed::repo().join("examples/demo");
    b.ok(&[
        "apply",
        "--server-side",
        "--force-conflicts",
        "-f",
        demo.join("namespaces.yaml").to_str().unwrap(),
    ]);
    b.ok(&[
        "apply",
        "--server-side",
        "--force-conflicts",
        "-R",
        "-f",
        demo.to_str().unwrap(),
    ]);
}

/// Deletes the demo when the guard goes (also when the test fails).
pub fn demo_cleanup(b: &Bed) -> super::bed::Cleanup<'_> {
    let cluster_objects = demo_cluster_objects();
    let refs: Vec<&str> = cluster_objects.iter().map(String::as_str).collect();
    b.cleanup(DEMO_NAMESPACES, &refs)
}

fn demo_cluster_objects() -> Vec<String> {
    let loaded = palisade_source::load(&[bed::repo().join("examples/demo")], &Default::default());
    loaded
        .objects
        .iter()
        .filter_map(|o| match o.namespace.as_deref() {
            None if o.kind != "Namespace" => Some(format!("{}/{}", o.kind.to_lowercase(), o.name)),
            // `default` stays: its objects go one by one
            Some("default") => Some(format!("-n default {}/{}", o.kind.to_lowercase(), o.name)),
            _ => None,
        })
        .collect()
}

/// The demo's objects, `Kind/namespace/name` (namespace empty when
/// cluster-scoped), and the namespaces its objects are in.
pub fn demo_objects() -> BTreeSet<String> {
    let loaded = palisade_source::load(&[bed::repo().join("examples/demo")], &Default::default());
    let mut out: BTreeSet<String> = loaded
        .objects
        .iter()
        .map(|o| {
            format!(
                "{}/{}/{}",
                o.kind,
                o.namespace.as_deref().unwrap_or(""),
                o.name
            )
        })
        .collect();
    out.extend(
        loaded
            .objects
            .iter()
            .filter_map(|o| o.namespace.as_ref())
            .map(|ns| format!("Namespace//{ns}")),
    );
    out
}

fn object_key(f: &Value) -> String {
    let o = &f["object"];
    format!(
        "{}/{}/{}",
        o["kind"].as_str().unwrap_or(""),
        o["namespace"].as_str().unwrap_or(""),
        o["name"].as_str().unwrap_or("")
    )
}

fn finding_key(f: &Value) -> String {
    let mut path = f["path"].as_str().unwrap_or("").to_string();
    // The API server writes the namespace an object was created in; the
    // files leave it out (`default-namespace` points at `metadata` there).
    if f["id"] == "default-namespace" && path == "metadata.namespace" {
        path = "metadata".into();
    }
    format!(
        "{} {} {path}",
        f["id"].as_str().unwrap_or(""),
        object_key(f)
    )
}

fn scan_json(args: &[&str], extra: &[&Path]) -> (Value, String, i32) {
    let mut c = palisade();
    c.args(["scan", "--format", "json", "--fail-on", "none"])
        .args(args);
    for p in extra {
        c.arg(p);
    }
    let out = c.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    (v, stderr, out.status.code().unwrap_or(-1))
}

fn findings(v: &Value) -> &Vec<Value> {
    v["findings"].as_array().unwrap()
}

#[test]
fn the_demo_applied_to_the_api_server_scans_as_its_files_do() {
    let Some(b) = bed::bed() else { return };
    let _g = bed::lock();
    let _clean = demo_cleanup(b);
    apply_demo(b);
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("cluster.yaml");
    let admin = b.admin.to_str().unwrap();

    // small pages: the lists are followed through continue tokens
    let (live, stderr, code) = scan_json(
        &[
            "--cluster",
            "--kubeconfig",
            admin,
            "--page-size",
            "3",
            "--dump",
        ],
        &[&dump],
    );
    assert_eq!(code, 0, "{stderr}");
    let (offline, _, _) = scan_json(&[], &[&bed::repo().join("examples/demo")]);
    let demo = demo_objects();

    let live_demo: BTreeSet<String> = findings(&live)
        .iter()
        .filter(|f| demo.contains(&object_key(f)))
        .map(finding_key)
        .collect();
    let files: BTreeSet<String> = findings(&offline).iter().map(finding_key).collect();
    let only_live: Vec<&String> = live_demo.difference(&files).collect();
    let only_files: Vec<&String> = files.difference(&live_demo).collect();
    // What the API server adds: the `default` namespace the backfill Job
    // lands in is an object there (created by the API server, without Pod
    // Security labels); in the files it is only a name.
    assert_eq!(
        only_live,
        ["namespace-no-psa-labels Namespace//default metadata.labels"],
        "findings only in the cluster"
    );
    assert!(
        only_files.is_empty(),
        "findings only in the files: {only_files:#?}"
    );

    // Objects the controllers add in the demo's namespaces (the default
    // service account, the root CA ConfigMap) are scanned too; named here.
    let added: BTreeSet<String> = findings(&live)
        .iter()
        .map(object_key)
        .filter(|k| {
            !demo.contains(k)
                && DEMO_NAMESPACES
                    .iter()
                    .any(|ns| k.contains(&format!("/{ns}/")))
        })
        .collect();
    let expected_added: BTreeSet<String> = BTreeSet::new();
    assert_eq!(
        added, expected_added,
        "findings on objects the controllers created"
    );

    // What the API server changes on the demo's own objects: it sets the
    // namespace of the Job the files leave without one (the finding moves
    // from `metadata` to `metadata.namespace`). LimitRange defaulting and
    // the discovery bindings every service account has are modelled
    // offline too, so they change nothing.
    //
    // (checked above: no other difference)

    // the dump scans offline to exactly the live findings
    let (again, _, _) = scan_json(&[], &[&dump]);
    let a: BTreeSet<String> = findings(&live).iter().map(finding_key).collect();
    let c: BTreeSet<String> = findings(&again).iter().map(finding_key).collect();
    assert_eq!(a, c, "--dump reproduces the live scan");

    compare_other_commands(b, &dump);

    // a restricted identity: the kinds it may not list are named, the rest is read
    let (partial, stderr, code) = scan_json(
        &["--cluster", "--kubeconfig", b.restricted.to_str().unwrap()],
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    for kind in [
        "configmaps",
        "roles",
        "clusterrolebindings",
        "validatingwebhookconfigurations",
    ] {
        assert!(
            stderr.contains(&format!("warning: {kind}: forbidden")),
            "{kind}: {stderr}"
        );
    }
    assert!(stderr.contains("grant `list` on clusterroles"), "{stderr}");
    assert!(!stderr.contains("deployments: forbidden"), "{stderr}");
    assert!(
        findings(&partial)
            .iter()
            .any(|f| f["id"] == "image-latest-tag" && f["object"]["name"] == "worker"),
        "the Deployments it may list are still scanned"
    );
}

fn run_json(args: &[&str]) -> Value {
    let out = palisade().args(args).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "palisade {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// inventory, netpol matrix, threat-model, report and rbac who-can with
/// --cluster against the same commands on the demo's files.
fn compare_other_commands(b: &Bed, dump: &Path) {
    let admin = b.admin.to_str().unwrap();
    let demo = bed::repo().join("examples/demo");
    let demo = demo.to_str().unwrap();
    let live = |args: &[&str]| {
        let mut a = args.to_vec();
        a.extend(["--cluster", "--kubeconfig", admin]);
        run_json(&a)
    };
    let files = |args: &[&str]| {
        let mut a = args.to_vec();
        a.push(demo);
        run_json(&a)
    };

    // inventory: the same workloads with the same images, accounts, exposure
    let strip = |v: &Value| -> Vec<Value> {
        let mut w: Vec<Value> = v["workloads"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| {
                let mut w = w.clone();
                w.as_object_mut().unwrap().remove("location");
                w
            })
            .collect();
        w.sort_by_key(|w| w.to_string());
        w
    };
    let (li, fi) = (
        live(&["inventory", "-f", "json"]),
        files(&["inventory", "-f", "json"]),
    );
    assert_eq!(strip(&li), strip(&fi), "inventory");
    assert_eq!(strip(&li).len(), 8);

    // the NetworkPolicy matrix: identical
    assert_eq!(
        live(&["netpol", "matrix", "-f", "json"]),
        files(&["netpol", "matrix", "-f", "json"])
    );

    // the threat model: the demo's attack paths, and one more the API
    // server adds by design: whoever holds a system:masters certificate is
    // cluster-admin
    let paths = |v: &Value| -> BTreeSet<String> {
        v["paths"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                format!(
                    "{} → {} in {}",
                    p["start"].as_str().unwrap(),
                    p["target"].as_str().unwrap(),
                    p["length"]
                )
            })
            .collect()
    };
    let (lt, ft) = (
        live(&["threat-model", "--format", "json"]),
        files(&["threat-model", "--format", "json"]),
    );
    let extra: Vec<String> = paths(&lt).difference(&paths(&ft)).cloned().collect();
    let lost: Vec<String> = paths(&ft).difference(&paths(&lt)).cloned().collect();
    assert!(lost.is_empty(), "attack paths the cluster lacks: {lost:?}");
    assert_eq!(
        extra,
        ["group:system:masters → cluster-admin in 1"],
        "attack paths only in the cluster"
    );

    // rbac who-can: the demo's subjects, plus the API server's own
    // controllers (system: names) and nothing else
    let subjects = |v: &Value| -> BTreeSet<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|g| {
                let s = &g["subject"];
                format!(
                    "{}:{}/{}",
                    s["kind"].as_str().unwrap(),
                    s["namespace"].as_str().unwrap_or(""),
                    s["name"].as_str().unwrap()
                )
            })
            .collect()
    };
    let (lw, fw) = (
        live(&[
            "rbac", "who-can", "get", "secrets", "-n", "shop", "--format", "json",
        ]),
        run_json(&[
            "rbac", "who-can", "get", "secrets", "-n", "shop", "--format", "json", demo,
        ]),
    );
    let (lw, fw) = (subjects(&lw), subjects(&fw));
    assert!(fw.is_subset(&lw), "{fw:?} ⊄ {lw:?}");
    for s in lw.difference(&fw) {
        assert!(
            s.contains("/system:") || s.contains(":kube-system/"),
            "who-can get secrets in shop: {s} is not the demo's nor the API server's"
        );
    }

    // the report renders from the cluster, with the same findings as its dump
    let out = palisade()
        .args([
            "report",
            "--format",
            "markdown",
            "--cluster",
            "--kubeconfig",
            admin,
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let live_report = String::from_utf8(out.stdout).unwrap();
    let out = palisade()
        .args(["report", "--format", "markdown"])
        .arg(dump)
        .output()
        .unwrap();
    let dump_report = String::from_utf8(out.stdout).unwrap();
    let score = |r: &str| r.lines().find(|l| l.contains("/100")).map(str::to_string);
    assert!(score(&live_report).is_some(), "{live_report}");
    assert_eq!(score(&live_report), score(&dump_report));
}
