use super::*;
use palisade_model::{Model, Object, ObjectOptions, objects_from_document};
use palisade_report::SuppressedFinding;
use std::sync::Arc;

fn objects(yaml: &str) -> Vec<Object> {
    let s = palisade_yaml::parse_stream(yaml, &palisade_yaml::Limits::default());
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    s.documents
        .into_iter()
        .enumerate()
        .flat_map(|(i, d)| {
            let file: Arc<str> = Arc::from(format!("doc-{i}.yaml"));
            objects_from_document(d.root, &file, &ObjectOptions::default())
        })
        .map(|r| r.expect("valid"))
        .collect()
}

/// Runs every analyzer the report uses and assesses the posture.
fn assess_yaml(yaml: &str, context: Context, history: Vec<HistoryPoint>) -> (Posture, u32) {
    let model = Model::new(objects(yaml));
    let outcome = palisade_checks::run(&model, &palisade_checks::Settings::default());
    let network = Network::build(&model);
    let rbac = Rbac::build(&model);
    let inventory = palisade_inventory::inventory(&model);
    let threat = palisade_threat::analyze(
        &palisade_threat::Input {
            model: &model,
            findings: &outcome.findings,
            suppressed: &outcome.suppressed,
            network: &network,
            rbac: &rbac,
            inventory: &inventory,
        },
        &palisade_threat::Options::default(),
    );
    let report = ScanReport::new(
        "0.1.0",
        outcome.findings.clone(),
        outcome
            .suppressed
            .iter()
            .map(|s| SuppressedFinding {
                finding: s.finding.clone(),
                reason: s.reason.clone(),
                by: s.by,
            })
            .collect(),
        Vec::new(),
        Vec::new(),
        (
            model.len(),
            model.workload_count(),
            model.len().min(1),
            outcome.score(),
        ),
    );
    let posture = assess(&Input {
        report: &report,
        stats: &outcome.stats,
        model: &model,
        network: &network,
        rbac: &rbac,
        inventory: &inventory,
        threat: Some(&threat),
        context,
        history,
    });
    (posture, outcome.score())
}

fn files_context() -> Context {
    Context {
        source: "test".into(),
        generated: 1_714_521_600,
        tool_version: "0.1.0".into(),
        files_given: true,
        ..Context::default()
    }
}

const CLUSTER: &str = "apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {pod-security.kubernetes.io/enforce: baseline}}
---
apiVersion: v1
kind: Namespace
metadata: {name: jobs}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, labels: {app: web}}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports: [{containerPort: 80}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: miner, namespace: jobs, labels: {app: miner}}
spec:
  selector: {matchLabels: {app: miner}}
  template:
    metadata: {labels: {app: miner}}
    spec:
      containers:
      - name: miner
        image: busybox
        securityContext: {privileged: true}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ci}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects:
- {kind: Group, name: ci, apiGroup: rbac.authorization.k8s.io}
";

fn action(p: &Posture, n: u8) -> &Action {
    &p.actions[usize::from(n) - 1]
}

#[test]
fn score_is_the_scan_score_and_adds_up_per_action() {
    let (p, scan_score) = assess_yaml(CLUSTER, files_context(), Vec::new());
    assert_eq!(p.score.value, scan_score);
    assert!(p.score.value < 100);
    let d = p.score.detail;
    let (mut total, mut passed, mut evaluated) = (0, 0, 0);
    for a in &p.actions {
        total += a.score.total_weight;
        passed += a.score.passed_weight;
        evaluated += a.score.evaluated;
        if let Some(v) = a.score.value() {
            assert!(v <= 100);
        }
    }
    assert_eq!(
        (total, passed, evaluated),
        (d.total_weight, d.passed_weight, d.evaluated)
    );
    let share = ((d.passed_weight * 100) as f64 / d.total_weight as f64).round() as u32;
    assert_eq!(d.share(), Some(share));
    // the privileged container is critical: the score is capped
    assert!(d.critical_failed > 0);
    assert_eq!(p.score.value, share.min(crate::score::CRITICAL_CAP));
    // the privileged container fails container hardening outright
    let a7 = action(&p, 7);
    assert_eq!(a7.status, Status::Fail);
    assert!(
        a7.checks
            .iter()
            .any(|c| c.id == "pss-privileged" && c.failed == 1)
    );
    assert!(a7.score.value().unwrap() < 100);
}

#[test]
fn statuses_come_from_the_evidence() {
    let (p, _) = assess_yaml(CLUSTER, files_context(), Vec::new());
    assert_eq!(p.actions.len(), 11);
    // inventory: documented, with what was found
    let a1 = action(&p, 1);
    assert_eq!(a1.status, Status::Documented);
    assert!(a1.summary.starts_with("2 workloads"), "{}", a1.summary);
    // the ClusterRoleBinding to cluster-admin: an attack path and an escalation path
    assert_eq!(action(&p, 2).status, Status::Fail);
    let a5 = action(&p, 5);
    assert_eq!(a5.status, Status::Fail);
    assert!(
        p.rbac.escalation.iter().any(|e| e.contains("group:ci")),
        "{:?}",
        p.rbac.escalation
    );
    assert!(a5.summary.contains("escalation path"), "{}", a5.summary);
    // jobs has no policy: coverage says so
    let a6 = action(&p, 6);
    assert!(matches!(a6.status, Status::Fail | Status::Warn));
    let v = p.netpol.as_ref().unwrap();
    assert_eq!(
        (v.workloads, v.ingress_isolated, v.egress_isolated),
        (2, 1, 1)
    );
    assert!(
        a6.evidence
            .iter()
            .any(|e| e.contains("jobs/miner[Deployment] (no ingress or egress policy)")),
        "{:?}",
        a6.evidence
    );
    // shop enforces baseline, jobs nothing: admission needs work
    let a9 = action(&p, 9);
    assert_eq!(a9.status, Status::Warn);
    assert!(
        a9.evidence[0].contains("shop baseline"),
        "{:?}",
        a9.evidence
    );
    assert!(a9.evidence[1].contains("jobs (no enforce label)"));
    // no audit policy given: never a status of its own
    let a10 = action(&p, 10);
    assert_eq!(a10.status, Status::NotAssessed);
    assert!(a10.summary.contains("--audit-policy"), "{}", a10.summary);
    // scanning ran on env values only: partly assessed
    let a8 = action(&p, 8);
    assert_eq!(a8.status, Status::Pass);
    assert!(a8.gaps.iter().any(|g| g.contains("--images")));
    // IaC from files; from the live cluster only, not assessed
    assert_ne!(action(&p, 3).status, Status::NotAssessed);
    let live = Context {
        files_given: false,
        live_cluster: true,
        ..files_context()
    };
    let (p, _) = assess_yaml(CLUSTER, live, Vec::new());
    assert_eq!(action(&p, 3).status, Status::NotAssessed);
    assert!(action(&p, 3).summary.contains("live cluster"));
}

#[test]
fn an_empty_input_is_not_assessed_anywhere() {
    let (p, _) = assess_yaml("", files_context(), Vec::new());
    for a in &p.actions {
        assert_eq!(
            a.status,
            Status::NotAssessed,
            "action {}: {}",
            a.number,
            a.summary
        );
        assert!(a.summary.starts_with("not assessed: "), "{}", a.summary);
    }
    assert_eq!(p.score.value, 100);
    let html = html(&p);
    assert!(html.contains("No findings."));
}

#[test]
fn the_audit_policy_lint_decides_action_10() {
    let policy = palisade_audit::Policy::parse(
        "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: RequestResponse\n  resources:\n  - group: \"\"\n    resources: [secrets]\n- level: Metadata\n",
    )
    .unwrap();
    let lints = palisade_audit::lint(&policy);
    assert!(!lints.is_empty());
    let ctx = Context {
        audit: Some(AuditEvidence {
            file: "audit.yaml".into(),
            lints: lints.clone(),
        }),
        ..files_context()
    };
    let (p, _) = assess_yaml(CLUSTER, ctx, Vec::new());
    let a10 = action(&p, 10);
    assert_ne!(a10.status, Status::NotAssessed);
    assert_eq!(a10.counts.total(), lints.len());
    let worst = lints.iter().map(|l| l.severity).max().unwrap();
    let expect = if worst >= Severity::High {
        Status::Fail
    } else {
        Status::Warn
    };
    assert_eq!(a10.status, expect);
    assert!(
        a10.evidence[0].starts_with("audit.yaml:"),
        "{:?}",
        a10.evidence
    );
}

#[test]
fn secrets_found_by_palisade_secrets_weigh_on_action_8() {
    let (p, _) = assess_yaml(CLUSTER, files_context(), Vec::new());
    let before = action(&p, 8).clone();
    assert!(before.gaps.iter().any(|g| g.contains("--secrets")));
    let only_fixtures = Context {
        secrets: Some(crate::SecretsEvidence {
            paths: vec!["src".into()],
            files: 12,
            by_severity: [(Severity::Info, 2)].into_iter().collect(),
            rules: [("private-key".to_string(), 2)].into_iter().collect(),
        }),
        ..files_context()
    };
    let (p, _) = assess_yaml(CLUSTER, only_fixtures, Vec::new());
    let a8 = action(&p, 8);
    assert_eq!(
        a8.status, before.status,
        "test fixtures do not change the status"
    );
    assert!(
        a8.evidence
            .iter()
            .any(|e| e
                .contains("12 files scanned, 2 credentials found (2 in test or example paths)")),
        "{:?}",
        a8.evidence
    );
    assert!(!a8.gaps.iter().any(|g| g.contains("--secrets")));
    let leaked = Context {
        secrets: Some(crate::SecretsEvidence {
            paths: vec!["src".into()],
            files: 12,
            by_severity: [(Severity::Critical, 1)].into_iter().collect(),
            rules: [("aws-access-key-id".to_string(), 1)].into_iter().collect(),
        }),
        ..files_context()
    };
    let (p, _) = assess_yaml(CLUSTER, leaked, Vec::new());
    assert_eq!(action(&p, 8).status, Status::Fail);
}

#[test]
fn html_is_self_contained_linked_and_deterministic() {
    let history = vec![
        HistoryPoint {
            id: 1,
            time: 1_714_000_000,
            score: 61,
            total: 30,
            critical: 3,
            high: 4,
        },
        HistoryPoint {
            id: 2,
            time: 1_714_521_600,
            score: 70,
            total: 25,
            critical: 2,
            high: 4,
        },
    ];
    let ctx = Context {
        history_db: Some("h.sqlite".into()),
        ..files_context()
    };
    let (p, _) = assess_yaml(CLUSTER, ctx.clone(), history.clone());
    let a = html(&p);
    let (p2, _) = assess_yaml(CLUSTER, ctx, history);
    assert_eq!(a, html(&p2), "same input, same page");
    // nothing is loaded from anywhere
    for bad in [
        "<script src",
        "<link",
        "src=\"http",
        "url(http",
        "@import",
        "<iframe",
    ] {
        assert!(!a.contains(bad), "{bad}");
    }
    assert!(a.starts_with("<!DOCTYPE html>"));
    assert!(a.contains("2024-05-01T00:00:00Z"));
    for n in 1..=11 {
        assert!(a.contains(&format!("id=\"action-{n}\"")), "action {n}");
    }
    // every finding links to its fix, and every fix exists
    assert!(!p.findings.is_empty());
    for f in &p.findings {
        assert!(
            a.contains(&format!("id=\"fix-{}\"", f.check)),
            "{}",
            f.check
        );
    }
    let rows = a.matches("<tr id=\"f-").count();
    assert_eq!(rows, p.findings.len());
    // charts: gauge, severity, namespace, trend line, data flow, attack path
    for chart in [
        "aria-label=\"posture score",
        "aria-label=\"findings by severity\"",
        "aria-label=\"findings by namespace\"",
        "aria-label=\"posture score over time\"",
        "aria-label=\"data flow\"",
        "<polyline",
    ] {
        assert!(a.contains(chart), "{chart}");
    }
    assert!(a.contains("the score went up (61 → 70)"));
    // the score's arithmetic is on the page
    let d = p.score.detail;
    assert!(a.contains(&format!(
        "round(100 × {} / {}) = <strong>{}</strong>",
        d.passed_weight,
        d.total_weight,
        d.share().unwrap()
    )));
    if d.critical_failed > 0 {
        assert!(a.contains(&format!("the score is <strong>{}</strong>", p.score.value)));
    }
}

#[test]
fn markdown_carries_the_same_content() {
    let (p, _) = assess_yaml(CLUSTER, files_context(), Vec::new());
    let m = markdown(&p);
    assert!(m.starts_with("# Security posture: test\n"));
    assert!(m.contains(&format!("**Posture score: {}/100**", p.score.value)));
    for a in &p.actions {
        assert!(
            m.contains(&format!("## {}. {}\n", a.number, a.title)),
            "{}",
            a.title
        );
    }
    assert!(m.contains("not assessed: no audit policy given"));
    assert!(m.contains("```mermaid\nflowchart LR"));
    assert!(m.contains("xychart-beta"));
    for f in &p.fixes {
        assert!(m.contains(&format!("<a id=\"fix-{}\"></a>", f.check)));
    }
    assert_eq!(
        m,
        markdown(&assess_yaml(CLUSTER, files_context(), Vec::new()).0)
    );
}

#[test]
fn inline_markdown_is_escaped_and_formatted() {
    assert_eq!(
        text::md_html("Set `a<b>` and **bold** [docs](https://k8s.io/x).\n\nNext <p>."),
        "<p>Set <code>a&#60;b&#62;</code> and <strong>bold</strong> <a href=\"https://k8s.io/x\" rel=\"noreferrer\">docs</a>.</p><p>Next &#60;p&#62;.</p>"
    );
    // a link to anything but http(s) stays text
    assert_eq!(
        text::md_html("[x](javascript:alert(1))"),
        "<p>[x](javascript:alert(1))</p>"
    );
}

#[test]
fn dataflow_lays_out_columns_left_to_right() {
    let (p, _) = assess_yaml(CLUSTER, files_context(), Vec::new());
    let df = p.dataflow.as_ref().unwrap();
    assert_eq!(df.nodes[0].kind, "internet");
    for e in &df.edges {
        assert!(e.from < df.nodes.len() && e.to < df.nodes.len());
    }
    for n in &df.nodes {
        assert!(n.column < df.columns);
    }
}

fn critical_app(expr: &str) -> String {
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: shop, labels: {{app: web, palisade.dev/critical: \"true\"}}}}
spec:
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
---
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: {{name: alerts, namespace: monitoring}}
spec:
  groups:
  - name: apps
    rules:
    - alert: Unavailable
      expr: '{expr}'
"
    )
}

#[test]
fn monitoring_is_judged_by_the_alerts_on_critical_workloads() {
    // no alerting rules in the input: coverage is not assessed, and said so
    let (p, _) = assess_yaml(CLUSTER, files_context(), Vec::new());
    let a11 = action(&p, 11);
    assert!(
        a11.gaps
            .iter()
            .any(|g| g.contains("no PrometheusRule objects")),
        "{:?}",
        a11.gaps
    );
    // a rule that watches another namespace leaves the critical web unwatched
    let (p, _) = assess_yaml(
        &critical_app("kube_deployment_status_replicas_unavailable{namespace=\"other\"} > 0"),
        files_context(),
        Vec::new(),
    );
    let a11 = action(&p, 11);
    assert_eq!(a11.status, Status::Fail);
    assert!(
        a11.evidence
            .iter()
            .any(|e| e.contains("1 of 1 critical workloads without an alert")
                && e.ends_with(": shop/web")),
        "{:?}",
        a11.evidence
    );
    // one that names it closes the gap
    let (p, _) = assess_yaml(
        &critical_app(
            "kube_deployment_status_replicas_unavailable{namespace=\"shop\", deployment=\"web\"} > 0",
        ),
        files_context(),
        Vec::new(),
    );
    let a11 = action(&p, 11);
    assert_ne!(a11.status, Status::Fail);
    assert!(
        a11.evidence
            .iter()
            .any(|e| e.contains("0 of 1 critical workloads without an alert")),
        "{:?}",
        a11.evidence
    );
}

#[test]
fn the_page_escapes_what_the_input_names() {
    // a workload named with markup: in the findings, the fixes, the charts
    let yaml = format!(
        "{CLUSTER}---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: f<blink>&'\"x, namespace: jobs}}
spec:
  selector: {{matchLabels: {{app: x}}}}
  template:
    metadata: {{labels: {{app: x}}}}
    spec:
      containers:
      - name: main
        image: busybox
        securityContext: {{privileged: true}}
"
    );
    let (p, _) = assess_yaml(&yaml, files_context(), Vec::new());
    assert!(p.findings.iter().any(|f| f.object.contains("f<blink>")));
    let page = html(&p);
    assert!(
        !page.contains("<blink>"),
        "markup of the input reached the page"
    );
    let escaped = "f&#60;blink&#62;&#38;&#39;&#34;x";
    assert!(page.contains(&format!("<td>jobs/Deployment/{escaped}<br>")));
    assert!(page.contains(&format!("\">jobs/Deployment/{escaped}</a>")));
}
