use super::*;
use palisade_findings::{CheckMeta, Finding};
use palisade_model::{Location, ObjectRef};
use std::sync::Arc;

static PRIV: CheckMeta = CheckMeta {
    id: "pss-privileged",
    title: "Privileged containers",
    severity: Severity::Critical,
    action: 7,
    category: "pod-security",
    frameworks: &[],
    risk: "Root in it is root on the node.",
    fix: "Remove `securityContext.privileged: true`.",
};

static QUOTA: CheckMeta = CheckMeta {
    id: "namespace-no-quota",
    title: "Namespace without ResourceQuota",
    severity: Severity::Medium,
    action: 4,
    category: "namespaces",
    frameworks: &[],
    risk: "Nothing bounds it.",
    fix: "Add a ResourceQuota.",
};

fn finding(
    meta: &'static CheckMeta,
    ns: &str,
    name: &str,
    line: u32,
    path: Option<&str>,
) -> Finding {
    Finding {
        check: meta,
        severity: meta.severity,
        object: Arc::new(ObjectRef {
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            namespace: Some(ns.into()),
            name: name.into(),
        }),
        location: Location::new(Arc::from("deploy.yaml"), line, 1),
        path: path.map(|p| p.parse().unwrap()),
        message: format!("{} on {name}", meta.id),
        fix: meta.fix.into(),
        autofix: None,
        cause: None,
        related: Vec::new(),
    }
}

fn record(time: i64, source: &str, findings: &[Finding]) -> ScanRecord {
    ScanRecord {
        time,
        command: "scan".into(),
        source: source.into(),
        tool_version: "0.1.0".into(),
        score: 100 - findings.len() as u32,
        objects: 3,
        workloads: 2,
        suppressed: 0,
        errors: 0,
        findings: records_of(findings),
    }
}

const PRIV_PATH: &str = "spec.template.spec.containers[0].securityContext.privileged";

#[test]
fn fingerprints_ignore_lines_and_tell_duplicates_apart() {
    let a = finding(&PRIV, "shop", "web", 10, Some(PRIV_PATH));
    let moved = finding(&PRIV, "shop", "web", 99, Some(PRIV_PATH));
    assert_eq!(
        records_of([&a])[0].fingerprint,
        records_of([&moved])[0].fingerprint
    );
    assert_eq!(
        records_of([&a])[0].fingerprint,
        format!("pss-privileged|shop/Deployment/web|{PRIV_PATH}")
    );
    let q1 = finding(&QUOTA, "shop", "web", 1, None);
    let q2 = finding(&QUOTA, "shop", "web", 2, None);
    let r = records_of([&q1, &q2]);
    assert_eq!(r[0].fingerprint, "namespace-no-quota|shop/Deployment/web|");
    assert_eq!(
        r[1].fingerprint,
        "namespace-no-quota|shop/Deployment/web|#2"
    );
}

#[test]
fn records_scans_and_diffs_fixed_and_new() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/history.sqlite");
    let mut h = History::open(&path).unwrap();
    let web = finding(&PRIV, "shop", "web", 10, Some(PRIV_PATH));
    let api = finding(&PRIV, "shop", "api", 20, Some(PRIV_PATH));
    let quota = finding(&QUOTA, "jobs", "worker", 30, None);
    let first = h
        .record(&record(1_700_000_000, "demo", &[web.clone(), api.clone()]))
        .unwrap();
    // another source in between: never compared with demo
    h.record(&record(
        1_700_000_500,
        "other",
        std::slice::from_ref(&quota),
    ))
    .unwrap();
    let moved_web = finding(&PRIV, "shop", "web", 12, Some(PRIV_PATH));
    let second = h
        .record(&record(1_700_001_000, "demo", &[moved_web, quota.clone()]))
        .unwrap();
    assert!(second > first);
    drop(h);

    let h = History::open_existing(&path).unwrap();
    let all = h.scans(None).unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all[0].time_text, "2023-11-14T22:13:20Z");
    assert_eq!(all[0].counts.critical, 2);
    assert_eq!(all[0].total, 2);
    let demo = h.scans(Some("demo")).unwrap();
    assert_eq!(
        demo.iter().map(|s| s.id).collect::<Vec<_>>(),
        vec![first, second]
    );
    let d = h.latest_diff(None).unwrap().unwrap();
    assert_eq!((d.from.id, d.to.id), (first, second));
    assert_eq!(
        d.fixed
            .iter()
            .map(|f| f.object.as_str())
            .collect::<Vec<_>>(),
        vec!["shop/Deployment/api"]
    );
    assert_eq!(
        d.new.iter().map(|f| f.check.as_str()).collect::<Vec<_>>(),
        vec!["namespace-no-quota"]
    );
    assert_eq!(d.unchanged, 1);
    assert_eq!(d.score_change, 0);
    // only one run of "other": nothing to compare it with
    assert!(h.latest_diff(Some("other")).unwrap().is_none());
    let stored = h.findings(second).unwrap();
    assert_eq!(stored.len(), 2);
    let w = stored.iter().find(|f| f.check == "pss-privileged").unwrap();
    assert_eq!((w.line, w.severity, w.action), (12, Severity::Critical, 7));
}

#[test]
fn missing_database_is_an_error_for_readers() {
    let dir = tempfile::tempdir().unwrap();
    let e = History::open_existing(&dir.path().join("none.sqlite"))
        .err()
        .unwrap();
    assert!(e.contains("no history database"), "{e}");
}

#[test]
fn times_parse_and_format() {
    assert_eq!(parse_time("1700000000").unwrap(), 1_700_000_000);
    assert_eq!(parse_time("2023-11-14T22:13:20Z").unwrap(), 1_700_000_000);
    assert!(parse_time("yesterday").is_err());
    assert_eq!(format_time(0), "1970-01-01T00:00:00Z");
    assert_eq!(now(Some("2024-01-01T00:00:00Z")).unwrap(), 1_704_067_200);
}

#[test]
fn a_database_of_the_previous_release_opens_with_its_runs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite");
    // as the release before the shared migrations wrote it: version 1, a run
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(SCHEMA_1).unwrap();
        c.execute_batch(
            "PRAGMA user_version = 1;
             INSERT INTO scans (time, command, source, tool_version, score, critical, high,
               medium, low, info, total, objects, workloads, suppressed, errors)
             VALUES (1700000000, 'scan', 'demo', '0.1.0', 90, 1, 0, 0, 0, 0, 1, 3, 1, 0, 0);
             INSERT INTO findings VALUES (1, 'fp', 'pss-privileged', 'critical', 7,
               'shop/Deployment/web', 'spec.x', 'web.yaml', 10, 'privileged');",
        )
        .unwrap();
    }
    let h = History::open_existing(&path).unwrap();
    let scans = h.scans(None).unwrap();
    assert_eq!(scans.len(), 1);
    assert_eq!((scans[0].score, scans[0].counts.critical), (90, 1));
    assert_eq!(h.findings(scans[0].id).unwrap()[0].check, "pss-privileged");
    drop(h);
    // a database a newer palisade migrated further is refused
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("PRAGMA user_version = 7;")
        .unwrap();
    let e = History::open(&path).err().unwrap();
    assert!(e.contains("history schema version 7 is newer"), "{e}");
}
