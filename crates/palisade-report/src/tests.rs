use super::*;
use palisade_findings::{Autofix, CheckMeta, Edit, Framework};
use palisade_model::{Location, ObjectRef};
use std::sync::Arc;

static PRIV: CheckMeta = CheckMeta {
    id: "pss-privileged",
    title: "Privileged containers",
    severity: Severity::Critical,
    action: 7,
    category: "pod-security",
    frameworks: &[
        Framework::Pss("baseline/privileged"),
        Framework::Cis("5.2.2"),
    ],
    risk: "Root in it is root on the node.",
    fix: "Remove `securityContext.privileged: true`. Grant one capability instead.",
};

static DIGEST: CheckMeta = CheckMeta {
    id: "image-no-digest",
    title: "Image not pinned by digest",
    severity: Severity::Low,
    action: 7,
    category: "images",
    frameworks: &[],
    risk: "Tags are mutable.",
    fix: "Append the digest. It names the exact image.",
};

fn finding(meta: &'static CheckMeta, line: u32, msg: &str) -> Finding {
    Finding {
        check: meta,
        severity: meta.severity,
        object: Arc::new(ObjectRef {
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            namespace: Some("shop".into()),
            name: "web".into(),
        }),
        location: Location::new(Arc::from("deploy/web.yaml"), line, 9),
        path: Some(
            "spec.template.spec.containers[0].securityContext.privileged"
                .parse()
                .unwrap(),
        ),
        message: msg.into(),
        fix: meta.fix.into(),
        autofix: None,
        cause: None,
        related: Vec::new(),
    }
}

fn report() -> ScanReport {
    let mut a = finding(
        &PRIV,
        22,
        "privileged (container \"web\" must not set securityContext.privileged=true)",
    );
    a.autofix = Some(Autofix::unsafe_(
        vec![Edit::set(
            "spec.template.spec.containers[0].securityContext.privileged"
                .parse()
                .unwrap(),
            false,
        )],
        "the container may need a capability",
    ));
    let b = finding(
        &DIGEST,
        18,
        "container \"web\" uses image \"nginx:1.27\" without a digest",
    );
    let sup = SuppressedFinding {
        finding: finding(
            &DIGEST,
            30,
            "init container \"init\" uses image \"busybox:1\" without a digest",
        ),
        reason: "internal mirror".into(),
        by: "config",
    };
    let err = InputError {
        file: "broken.yaml".into(),
        line: 3,
        column: 5,
        message: "invalid YAML: did not find expected key".into(),
    };
    ScanReport::new(
        "0.1.0",
        vec![b, a],
        vec![sup],
        vec![err],
        vec![&PRIV, &DIGEST],
        (4, 1, 2, 62),
    )
}

#[test]
fn json_snapshot() {
    insta::assert_snapshot!(render(&report(), Format::Json, RenderOptions::default()));
}

#[test]
fn table_snapshot() {
    insta::assert_snapshot!(render(&report(), Format::Table, RenderOptions::default()));
}

#[test]
fn table_colour_only_when_asked() {
    assert!(
        render(
            &report(),
            Format::Table,
            RenderOptions {
                color: true,
                ..Default::default()
            }
        )
        .contains("\u{1b}[")
    );
    assert!(!render(&report(), Format::Table, RenderOptions::default()).contains("\u{1b}["));
}

#[test]
fn table_lists_suppressed_on_request() {
    let opts = RenderOptions {
        show_suppressed: true,
        ..Default::default()
    };
    let t = render(&report(), Format::Table, opts);
    assert!(t.contains("SUPPRESSED (1)"));
    assert!(t.contains("(config: internal mirror)"));
}

#[test]
fn markdown_snapshot() {
    insta::assert_snapshot!(render(
        &report(),
        Format::Markdown,
        RenderOptions::default()
    ));
}

#[test]
fn sarif_snapshot() {
    insta::assert_snapshot!(render(&report(), Format::Sarif, RenderOptions::default()));
}

#[test]
fn sarif_is_valid_against_the_2_1_0_schema() {
    let mut schema: serde_json::Value =
        serde_json::from_str(include_str!("../tests/data/sarif-schema-2.1.0.json")).unwrap();
    // The official schema's `language` patterns are not valid regexes (an
    // unbalanced `]`), so meta-validation rejects the schema itself; we never
    // emit `language`, so those patterns are dropped for the check.
    fn drop_broken_patterns(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(m) => {
                if m.get("pattern").and_then(|p| p.as_str())
                    == Some("^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$")
                {
                    m.remove("pattern");
                }
                m.values_mut().for_each(drop_broken_patterns);
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(drop_broken_patterns),
            _ => {}
        }
    }
    drop_broken_patterns(&mut schema);
    let validator = jsonschema::validator_for(&schema).unwrap();
    let doc: serde_json::Value =
        serde_json::from_str(&render(&report(), Format::Sarif, RenderOptions::default())).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // the details GitHub code scanning uses
    let run = &doc["runs"][0];
    assert_eq!(
        run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "deploy/web.yaml"
    );
    assert_eq!(
        run["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        18
    );
    assert_eq!(
        run["tool"]["driver"]["rules"][0]["properties"]["security-severity"],
        "9.5"
    );
    assert_eq!(run["results"][2]["suppressions"][0]["kind"], "external");
    assert_eq!(run["invocations"][0]["executionSuccessful"], false);
}

#[test]
fn json_contract_fields() {
    let doc: serde_json::Value =
        serde_json::from_str(&render(&report(), Format::Json, RenderOptions::default())).unwrap();
    let f = &doc["findings"][0];
    for key in [
        "id", "severity", "action", "object", "location", "message", "fix",
    ] {
        assert!(f.get(key).is_some(), "{key}");
    }
    for key in ["apiVersion", "kind", "namespace", "name"] {
        assert!(f["object"].get(key).is_some(), "{key}");
    }
    assert_eq!(f["location"]["file"], "deploy/web.yaml");
    assert_eq!(doc["summary"]["total"], 2);
    assert_eq!(doc["summary"]["critical"], 1);
    assert_eq!(doc["errors"][0]["line"], 3);
}

#[test]
fn fix_line_prefers_edits_then_first_sentence() {
    let r = report();
    assert!(
        fix_line(&r.findings[1])
            .starts_with("set spec.template.spec.containers[0].securityContext.privileged: false")
    );
    assert_eq!(fix_line(&r.findings[0]), "Append the digest.");
    assert_eq!(
        first_sentence("Use `a.b` here. Then more."),
        "Use `a.b` here."
    );
}
