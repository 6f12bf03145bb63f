use crate::coverage::{Reach, coverage, rules_in};
use crate::promql::selectors;
use crate::rules::{Components, RulesOptions, generate};
use crate::targets::{CriticalOptions, survey};
use crate::yaml;
use palisade_model::Model;
use std::path::PathBuf;

fn demo() -> Model {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/demo");
    let loaded = palisade_source::load(&[dir], &Default::default());
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    Model::new(loaded.objects)
}

fn model(text: &str) -> Model {
    let loaded = palisade_source::load_text("input.yaml", text, &Default::default());
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    Model::new(loaded.objects)
}

fn rules_of(text: &str) -> Vec<crate::SourceRule> {
    let stream = palisade_yaml::parse_stream(text, &Default::default());
    assert!(stream.errors.is_empty(), "{:?}", stream.errors);
    let mut out = Vec::new();
    for d in &stream.documents {
        let (rules, errors) = rules_in(&d.root, "rules.yaml");
        assert!(errors.is_empty(), "{errors:?}");
        out.extend(rules);
    }
    out
}

#[test]
fn the_demo_survey_finds_critical_workloads_and_certificates() {
    let s = survey(&demo(), &CriticalOptions::default());
    let ids: Vec<String> = s.targets.iter().map(|t| t.id()).collect();
    for id in [
        "shop/Deployment/frontend",
        "shop/Deployment/api",
        "data/StatefulSet/postgres",
        "jobs/Deployment/worker",
        "jobs/CronJob/nightly-report",
        "default/Job/orders-backfill-2024-10",
        "monitoring/DaemonSet/node-exporter",
    ] {
        assert!(ids.contains(&id.to_string()), "{id} not in {ids:?}");
    }
    let critical: Vec<String> = s
        .targets
        .iter()
        .filter(|t| t.is_critical())
        .map(|t| t.id())
        .collect();
    assert_eq!(
        critical,
        [
            "data/StatefulSet/postgres",
            "shop/Deployment/api",
            "shop/Deployment/frontend"
        ]
    );
    let pg = s.targets.iter().find(|t| t.name == "postgres").unwrap();
    assert_eq!(pg.critical, ["data store: StatefulSet"]);
    assert!(!pg.claims.is_empty());
    assert!(
        pg.claims
            .iter()
            .all(|c| c.pattern.ends_with("-postgres-[0-9]+"))
    );
    let fe = s.targets.iter().find(|t| t.name == "frontend").unwrap();
    assert!(
        fe.critical[0].starts_with("exposed: Ingress shop"),
        "{:?}",
        fe.critical
    );
    assert_eq!(s.certificates.len(), 1);
    assert_eq!(s.certificates[0].name, "shop-example-com-tls");
    assert_eq!(s.certificates[0].namespace, "shop");
}

#[test]
fn critical_by_label_annotation_or_namespace_and_configurable() {
    let text = r#"
apiVersion: v1
kind: Namespace
metadata: {name: pay, labels: {palisade.dev/critical: "true"}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ledger, namespace: pay}
spec:
  selector: {matchLabels: {app: ledger}}
  template:
    metadata: {labels: {app: ledger}}
    spec: {containers: [{name: app, image: ledger:1}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: mailer, namespace: ops, annotations: {tier: gold}}
spec:
  selector: {matchLabels: {app: mailer}}
  template:
    metadata: {labels: {app: mailer}}
    spec: {containers: [{name: app, image: mailer:1}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: cache, namespace: ops}
spec:
  selector: {matchLabels: {app: cache}}
  template:
    metadata: {labels: {app: cache, palisade.dev/critical: "true"}}
    spec: {containers: [{name: app, image: cache:1}]}
"#;
    let m = model(text);
    let s = survey(&m, &CriticalOptions::default());
    let why = |n: &str| {
        s.targets
            .iter()
            .find(|t| t.name == n)
            .unwrap()
            .critical
            .clone()
    };
    assert_eq!(why("ledger"), ["namespace palisade.dev/critical=true"]);
    assert_eq!(why("cache"), ["palisade.dev/critical=true"]);
    assert!(why("mailer").is_empty());
    let opts = CriticalOptions {
        labels: vec![CriticalOptions::parse_label("tier=gold").unwrap()],
        exposed: false,
        data_stores: false,
    };
    let s = survey(&m, &opts);
    let critical: Vec<&str> = s
        .targets
        .iter()
        .filter(|t| t.is_critical())
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(critical, ["mailer"]);
    assert!(CriticalOptions::parse_label("novalue").is_err());
}

#[test]
fn every_generated_expression_parses_and_names_its_workload() {
    let s = survey(&demo(), &CriticalOptions::default());
    let groups = generate(&s, &RulesOptions::default());
    let names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "palisade-admission",
            "palisade-audit",
            "palisade-posture",
            "palisade-cluster",
            "palisade-workloads-data",
            "palisade-workloads-default",
            "palisade-workloads-jobs",
            "palisade-workloads-monitoring",
            "palisade-workloads-shop",
        ]
    );
    for g in &groups {
        for r in &g.rules {
            selectors(&r.expr).unwrap_or_else(|e| panic!("{}: {e}\n{}", r.alert, r.expr));
            assert!(r.labels.iter().any(|(k, _)| k == "severity"), "{}", r.alert);
        }
    }
    let shop = groups
        .iter()
        .find(|g| g.name == "palisade-workloads-shop")
        .unwrap();
    let unavailable: Vec<&str> = shop
        .rules
        .iter()
        .filter(|r| r.alert == "KubeDeploymentReplicasUnavailable")
        .map(|r| r.expr.as_str())
        .collect();
    for e in [
        r#"kube_deployment_status_replicas_unavailable{namespace="shop", deployment="frontend"} > 0"#,
        r#"kube_deployment_status_replicas_unavailable{namespace="shop", deployment="api"} > 0"#,
    ] {
        assert!(unavailable.contains(&e), "{unavailable:?}");
    }
    assert_eq!(unavailable.len(), 2);
    // critical workloads page, others warn
    let sev = |alert: &str, workload: &str| {
        groups
            .iter()
            .flat_map(|g| &g.rules)
            .find(|r| {
                r.alert == alert
                    && r.labels
                        .iter()
                        .any(|(k, v)| k == "workload" && v == workload)
            })
            .and_then(|r| r.labels.iter().find(|(k, _)| k == "severity"))
            .map(|(_, v)| v.clone())
    };
    assert_eq!(
        sev("KubeDeploymentReplicasUnavailable", "frontend").as_deref(),
        Some("critical")
    );
    assert_eq!(
        sev("KubeDeploymentReplicasUnavailable", "worker").as_deref(),
        Some("warning")
    );
    assert_eq!(
        sev("KubeStatefulSetReplicasNotReady", "postgres").as_deref(),
        Some("critical")
    );
    assert_eq!(
        sev("KubePersistentVolumeFillingUp", "postgres").as_deref(),
        Some("critical")
    );
    assert_eq!(
        sev("KubeDaemonSetPodsUnavailable", "node-exporter").as_deref(),
        Some("warning")
    );
    assert_eq!(
        sev("KubeJobFailed", "nightly-report").as_deref(),
        Some("warning")
    );
    assert_eq!(
        sev("KubeJobFailed", "orders-backfill-2024-10").as_deref(),
        Some("warning")
    );
    // Jobs do not crash loop as services do
    assert_eq!(sev("KubePodCrashLooping", "nightly-report"), None);
    let all: Vec<&str> = groups
        .iter()
        .flat_map(|g| &g.rules)
        .map(|r| r.alert.as_str())
        .collect();
    for a in [
        "CertificateExpiringSoon",
        "KubePodsInDefaultNamespace",
        "NodeFilesystemAlmostFull",
        "PalisadeVulnerabilityDataStale",
        "PalisadeAdmissionWebhookErrors",
        "PalisadeAuditCriticalAlerts",
    ] {
        assert!(all.contains(&a), "{a}");
    }
    let only = generate(
        &s,
        &RulesOptions {
            components: Components::parse("audit").unwrap(),
            ..Default::default()
        },
    );
    assert!(
        only.iter()
            .all(|g| g.name != "palisade-admission" && g.name != "palisade-posture")
    );
    assert!(only.iter().any(|g| g.name == "palisade-audit"));
    assert!(Components::parse("admission,bogus").is_err());
}

#[test]
fn pod_patterns_match_the_names_controllers_generate() {
    let s = survey(&demo(), &CriticalOptions::default());
    let re = |id: &str| {
        let t = s.targets.iter().find(|t| t.id() == id).unwrap();
        (
            regex::Regex::new(&format!("^(?:{})$", t.pod_pattern())).unwrap(),
            t.sample_pod(),
        )
    };
    let (fe, sample) = re("shop/Deployment/frontend");
    assert!(fe.is_match(&sample));
    assert!(fe.is_match("frontend-7c5ddbdf54-2xkqn"));
    assert!(!fe.is_match("frontend-0"));
    assert!(!fe.is_match("api-7c5ddbdf54-2xkqn"));
    let (pg, _) = re("data/StatefulSet/postgres");
    assert!(pg.is_match("postgres-0") && pg.is_match("postgres-12"));
    assert!(!pg.is_match("postgres-exporter-7c5ddbdf54-2xkqn"));
    let (cj, _) = re("jobs/CronJob/nightly-report");
    assert!(cj.is_match("nightly-report-28912345-x7k2p"));
    let (job, _) = re("default/Job/orders-backfill-2024-10");
    assert!(job.is_match("orders-backfill-2024-10-x7k2p"));
    assert!(job.is_match("orders-backfill-2024-10-3-x7k2p"));
    let (ds, _) = re("monitoring/DaemonSet/node-exporter");
    assert!(ds.is_match("node-exporter-x7k2p"));
}

#[test]
fn the_yaml_reads_back_as_the_same_rules() {
    let s = survey(&demo(), &CriticalOptions::default());
    let groups = generate(&s, &RulesOptions::default());
    let exprs: Vec<&str> = groups
        .iter()
        .flat_map(|g| &g.rules)
        .map(|r| r.expr.as_str())
        .collect();
    let plain = yaml::rule_file(&groups);
    let object = yaml::prometheus_rule(
        &groups,
        &yaml::ObjectMeta {
            name: "palisade-alerts".into(),
            namespace: "monitoring".into(),
            labels: vec![("release".into(), "kube-prometheus-stack".into())],
        },
    );
    for text in [&plain, &object] {
        let back = rules_of(text);
        let got: Vec<&str> = back.iter().map(|r| r.expr.as_str()).collect();
        assert_eq!(got, exprs);
        let alerts: Vec<&str> = back.iter().filter_map(|r| r.alert.as_deref()).collect();
        assert_eq!(alerts.len(), exprs.len());
    }
    // the object is one a Prometheus Operator reads
    let stream = palisade_yaml::parse_stream(&object, &Default::default());
    let root = &stream.documents[0].root;
    assert_eq!(root.get_str("apiVersion"), Some("monitoring.coreos.com/v1"));
    assert_eq!(root.get_str("kind"), Some("PrometheusRule"));
    let meta = root.get("metadata").unwrap();
    assert_eq!(meta.get_str("namespace"), Some("monitoring"));
    assert_eq!(
        meta.get("labels").unwrap().get_str("release"),
        Some("kube-prometheus-stack")
    );
    // annotations with templates survive quoting
    let r = &rules_of(&plain)[0];
    assert!(r.expr.contains("palisade_admission_requests_total"));
    assert!(plain.contains("{{ $labels.namespace }}"));
}

const USER_RULES: &str = r#"
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: {name: team, namespace: monitoring}
spec:
  groups:
    - name: shop
      rules:
        - alert: FrontendDown
          expr: kube_deployment_status_replicas_available{namespace="shop", deployment="frontend"} == 0
        - alert: DataRestarts
          expr: sum by (pod) (increase(kube_pod_container_status_restarts_total{namespace="data"}[1h])) > 3
        - record: shop:api_restarts:rate5m
          expr: sum by (namespace, pod) (rate(kube_pod_container_status_restarts_total{namespace="shop", pod=~"api-.*"}[5m]))
        - alert: ApiRestarting
          expr: shop:api_restarts:rate5m > 0.1
        - alert: WorkerDown
          expr: kube_deployment_status_replicas_available{namespace="jobs", deployment="worker"} == 0
        - alert: Quota
          expr: kube_resourcequota{namespace="shop", type="used"} > 100
"#;

#[test]
fn coverage_follows_matchers_namespaces_and_recordings() {
    let s = survey(&demo(), &CriticalOptions::default());
    let rules = rules_of(USER_RULES);
    assert_eq!(rules.len(), 6);
    let c = coverage(&s.targets, &rules);
    assert_eq!(c.alerts, 5);
    assert_eq!(c.recordings, 1);
    let get = |id: &str| c.workloads.iter().find(|w| w.workload == id).unwrap();
    let fe = get("shop/Deployment/frontend");
    assert_eq!(fe.reach(), Some(Reach::Workload));
    assert_eq!(fe.alerts.len(), 1, "{:?}", fe.alerts);
    assert_eq!(fe.alerts[0].alert, "FrontendDown");
    assert_eq!(fe.alerts[0].via, "deployment=\"frontend\"");
    assert_eq!(fe.alerts[0].source, "rules.yaml:10");
    let api = get("shop/Deployment/api");
    assert_eq!(api.reach(), Some(Reach::Workload));
    assert_eq!(api.alerts[0].alert, "ApiRestarting");
    let pg = get("data/StatefulSet/postgres");
    assert_eq!(pg.reach(), Some(Reach::Namespace));
    assert!(!pg.is_gap());
    // worker is not critical by default: not listed
    assert!(c.workloads.iter().all(|w| w.name != "worker"));
    assert_eq!(c.gaps().count(), 0);

    // without the namespace rule postgres is a gap
    let fewer: Vec<_> = rules
        .iter()
        .filter(|r| r.alert.as_deref() != Some("DataRestarts"))
        .cloned()
        .collect();
    let c = coverage(&s.targets, &fewer);
    let gaps: Vec<&str> = c.gaps().map(|w| w.workload.as_str()).collect();
    assert_eq!(gaps, ["data/StatefulSet/postgres"]);
}

#[test]
fn cluster_wide_rules_are_reported_but_are_not_coverage() {
    let s = survey(&demo(), &CriticalOptions::default());
    let rules = rules_of(
        r#"
groups:
  - name: generic
    rules:
      - alert: KubePodCrashLooping
        expr: max_over_time(kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff", job="kube-state-metrics", namespace=~".*"}[5m]) >= 1
      - alert: OtherNamespace
        expr: kube_pod_container_status_restarts_total{namespace="kube-system"} > 1
      - alert: NotFrontend
        expr: kube_deployment_status_replicas_unavailable{deployment!~"frontend|api"} > 0
      - alert: NodeDown
        expr: up{job="node-exporter"} == 0
"#,
    );
    let c = coverage(&s.targets, &rules);
    for w in &c.workloads {
        assert!(w.is_gap(), "{w:?}");
        let names: Vec<&str> = w.alerts.iter().map(|a| a.alert.as_str()).collect();
        assert_eq!(names, ["KubePodCrashLooping"], "{}", w.workload);
        assert_eq!(w.alerts[0].reach, Reach::ClusterWide);
    }
}

#[test]
fn generated_rules_cover_every_critical_workload() {
    let s = survey(&demo(), &CriticalOptions::default());
    let groups = generate(&s, &RulesOptions::default());
    let rules = rules_of(&yaml::rule_file(&groups));
    let c = coverage(&s.targets, &rules);
    assert_eq!(c.workloads.len(), 3);
    for w in &c.workloads {
        assert_eq!(w.reach(), Some(Reach::Workload), "{}", w.workload);
        // its own rules, not another workload's
        for a in w.alerts.iter().filter(|a| a.reach == Reach::Workload) {
            assert!(
                a.via.contains(&w.name) || a.via.contains(&crate::promql::regex_escape(&w.name)),
                "{}: {a:?}",
                w.workload
            );
        }
    }
}

#[test]
fn invalid_promql_is_reported_with_its_place() {
    let stream = palisade_yaml::parse_stream(
        "groups:\n  - name: g\n    rules:\n      - alert: Bad\n        expr: sum(rate(x[5m])\n",
        &Default::default(),
    );
    let (rules, errors) = rules_in(&stream.documents[0].root, "bad.yaml");
    assert!(rules.is_empty());
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].starts_with("bad.yaml:5: rule Bad: invalid PromQL"),
        "{}",
        errors[0]
    );
}
