//! Policy ↔ detection rules: which loaded Falco rules a Policy blinds.

use palisade_audit::generate::{for_rules, recommended};
use palisade_audit::{Policy, coupling, coupling::needs};
use palisade_findings::Severity;
use std::path::PathBuf;

fn example(name: &str) -> String {
    std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples/audit")
            .join(name),
    )
    .unwrap()
}

fn default_rules() -> palisade_falco::RuleSet {
    palisade_falco::compile(&palisade_falco::default_rule_files())
}

fn blind(p: &Policy, rs: &palisade_falco::RuleSet) -> Vec<(String, Severity)> {
    coupling(p, rs.rules())
        .into_iter()
        .map(|l| {
            let name = l.message.split('\'').nth(1).unwrap_or_default().to_string();
            (name, l.severity)
        })
        .collect()
}

#[test]
fn a_cis_style_policy_blinds_body_and_exec_rules() {
    let p = Policy::parse(&example("cis-policy.yaml")).unwrap();
    let got = blind(&p, &default_rules());
    let has = |r: &str, s: Severity| got.iter().any(|(n, sev)| n == r && *sev == s);
    assert!(has("Exec or Attach Into Pod", Severity::High), "{got:?}");
    assert!(
        has(
            "Binding to cluster-admin Created or Changed",
            Severity::Medium
        ),
        "{got:?}"
    );
    assert!(
        has(
            "Service Exposed Through NodePort or LoadBalancer",
            Severity::Medium
        ),
        "{got:?}"
    );
    assert!(
        has("Privileged Workload Created or Changed", Severity::Medium),
        "{got:?}"
    );
    // CIS keeps ConfigMap bodies out: named as the trade-off, not as a defect.
    assert!(
        has("Credentials Stored in a ConfigMap", Severity::Low),
        "{got:?}"
    );
    // Metadata-only rules are served.
    assert!(
        !got.iter()
            .any(|(n, _)| n == "Workload Changed by a Person"
                || n == "Unauthenticated Request Served"),
        "{got:?}"
    );
}

#[test]
fn the_generated_policy_serves_every_rule_but_the_configmap_trade_off() {
    let p = Policy::parse(&recommended()).unwrap();
    assert_eq!(palisade_audit::lint(&p), Vec::new());
    let got = blind(&p, &default_rules());
    assert_eq!(
        got,
        [(
            "Credentials Stored in a ConfigMap".to_string(),
            Severity::Low
        )]
    );
}

#[test]
fn falcos_example_policy_blinds_its_own_role_rules() {
    palisade_corpus::require!("falco-k8saudit");
    // Falco's audit-policy.yaml logs clusterroles with bodies but Roles at Metadata.
    let text = std::fs::read_to_string(palisade_corpus::corpus_path(
        "falco-k8saudit/rules/audit-policy.yaml",
    ))
    .unwrap();
    let p = Policy::parse(&text).unwrap();
    // Falco's rules, as a user passes them (palisade does not ship them).
    let falco = std::fs::read_to_string(palisade_corpus::corpus_path(
        "falco-k8saudit/rules/k8s_audit_rules.latest.yaml",
    ))
    .unwrap();
    let rs = palisade_falco::compile(&[("k8s_audit_rules.yaml".to_string(), falco)]);
    let lints = coupling(&p, rs.rules());
    let wild = lints
        .iter()
        .find(|l| l.message.contains("'ClusterRole With Wildcard Created'"))
        .expect("found");
    assert!(
        wild.message.contains("`create roles` in namespace default"),
        "{}",
        wild.message
    );
    assert!(
        !lints
            .iter()
            .any(|l| l.message.contains("'Create Privileged Pod'"))
    );
}

#[test]
fn generation_follows_the_rules_loaded() {
    let rules = "- rule: NodePort\n  desc: d\n  condition: ka.target.resource=services and ka.verb=create and ka.req.service.type=NodePort\n  output: o\n  priority: WARNING\n  source: k8s_audit\n- rule: Names\n  desc: d\n  condition: ka.target.resource=pods and ka.verb=delete and ka.resp.name exists\n  output: o\n  priority: INFO\n  source: k8s_audit\n";
    let rs = palisade_falco::compile(&[("r.yaml".to_string(), rules.to_string())]);
    assert!(rs.diags.is_empty(), "{:?}", rs.diags);
    let text = for_rules(&needs(rs.rules()));
    let p = Policy::parse(&text).unwrap();
    assert_eq!(palisade_audit::lint(&p), Vec::new());
    assert!(coupling(&p, rs.rules()).is_empty(), "{text}");
    // Exactly what the rules read, no more: pod creates stay at Metadata.
    let req = |verb: &str, res: &str| palisade_audit::Request {
        user: "alice".into(),
        groups: vec!["system:authenticated".into()],
        verb: verb.into(),
        resource: Some(palisade_audit::ResourceRequest {
            group: String::new(),
            resource: res.into(),
            subresource: String::new(),
            namespace: "default".into(),
            name: String::new(),
        }),
        path: String::new(),
    };
    use palisade_audit::Level;
    assert_eq!(p.evaluate(&req("create", "services")).level, Level::Request);
    assert_eq!(
        p.evaluate(&req("update", "services")).level,
        Level::Metadata
    );
    assert_eq!(
        p.evaluate(&req("delete", "pods")).level,
        Level::RequestResponse
    );
    assert_eq!(p.evaluate(&req("create", "pods")).level, Level::Metadata);
}

#[test]
fn a_policy_that_drops_secret_reads_blinds_the_bulk_access_window() {
    let p = Policy::parse(
        "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n- level: None\n  resources:\n  - group: \"\"\n    resources: [secrets]\n- level: Metadata\n",
    )
    .unwrap();
    let got = blind(&p, &default_rules());
    for rule in [
        "Secrets Read Across Many Namespaces",
        "Secret Read by a Person",
    ] {
        assert!(got.iter().any(|(n, _)| n == rule), "{rule} not in {got:?}");
    }
    // the generated policy serves the windows
    let ok = Policy::parse(&recommended()).unwrap();
    let got = blind(&ok, &default_rules());
    assert!(
        got.iter()
            .all(|(n, _)| n != "Secrets Read Across Many Namespaces"),
        "{got:?}"
    );
}
