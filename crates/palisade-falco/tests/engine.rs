//! The rules language beyond the legacy cases: the shipped ruleset loads
//! clean, overrides and exceptions behave as in Falco, errors are located,
//! outputs never carry secret data.

use palisade_falco::{AuditEvent, DEFAULT_RULES, Matching, Scratch, Severity, compile};

fn rs(files: &[(&str, &str)]) -> palisade_falco::RuleSet {
    compile(
        &files
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect::<Vec<_>>(),
    )
}

fn ev(j: serde_json::Value) -> AuditEvent {
    AuditEvent::from_json(j)
}

fn fired(r: &palisade_falco::RuleSet, e: &AuditEvent) -> Vec<String> {
    let mut s = Scratch::new();
    r.evaluate(
        e,
        Matching::All,
        &mut s,
        &mut palisade_falco::Windows::new(),
    )
    .into_iter()
    .map(|a| a.rule)
    .collect()
}

fn exec_event(user: &str) -> AuditEvent {
    ev(serde_json::json!({
        "kind": "Event", "auditID": "a1", "stage": "ResponseStarted", "verb": "create",
        "user": {"username": user},
        "requestURI": "/api/v1/namespaces/default/pods/web/exec?command=sh&stdin=true",
        "objectRef": {"resource": "pods", "subresource": "exec", "name": "web", "namespace": "default"},
        "responseStatus": {"code": 101}
    }))
}

#[test]
fn shipped_ruleset_loads_clean() {
    let r = rs(&[("palisade_default_rules.yaml", DEFAULT_RULES)]);
    assert!(r.diags.is_empty(), "{:?}", r.diags);
    assert_eq!(r.rules().len(), 34);
    // off: an activity trail, and the two that need local knowledge
    // (--internal-cidr, --known-from)
    let off: Vec<&str> = r
        .rules()
        .iter()
        .filter(|x| !x.enabled)
        .map(|x| x.name.as_str())
        .collect();
    assert_eq!(
        off,
        [
            "Workload Changed by a Person",
            palisade_falco::knowledge::OUTSIDE_RULE,
            palisade_falco::knowledge::UNKNOWN_IDENTITY_RULE
        ]
    );
    assert_eq!(r.rules().iter().filter(|x| x.window.is_some()).count(), 5);
    // Every rule names its MITRE ATT&CK technique and what to check.
    for x in r.rules() {
        assert!(
            x.tags
                .iter()
                .any(|t| t.starts_with('T') && t[1..2].chars().all(|c| c.is_ascii_digit())),
            "{}: {:?}",
            x.name,
            x.tags
        );
        assert!(x.desc.contains("Check: "), "{}: {}", x.name, x.desc);
    }
    let e = exec_event("alice");
    let mut s = Scratch::new();
    let a = r.evaluate(
        &e,
        Matching::First,
        &mut s,
        &mut palisade_falco::Windows::new(),
    );
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].rule, "Exec or Attach Into Pod");
    assert_eq!(
        a[0].output,
        "Exec/attach into pod (user=alice pod=web ns=default action=exec command=sh)"
    );
}

#[test]
fn override_append_replace_and_enabled() {
    let base = "- macro: m\n  condition: ka.verb=create\n- list: users\n  items: [a]\n- rule: R\n  desc: d\n  condition: m and ka.user.name in (users)\n  output: o %ka.user.name\n  priority: WARNING\n  source: k8s_audit\n";
    let e = |u: &str, v: &str| {
        ev(serde_json::json!({"auditID": "1", "verb": v, "user": {"username": u}}))
    };
    let r = rs(&[("a.yaml", base)]);
    assert_eq!(fired(&r, &e("a", "create")), ["R"]);
    assert!(fired(&r, &e("b", "create")).is_empty());
    let more = "- list: users\n  items: [b]\n  override:\n    items: append\n- macro: m\n  condition: or ka.verb=delete\n  append: true\n";
    let r = rs(&[("a.yaml", base), ("b.yaml", more)]);
    assert_eq!(fired(&r, &e("b", "create")), ["R"]);
    assert_eq!(fired(&r, &e("b", "delete")), ["R"]);
    let replace = "- rule: R\n  condition: ka.verb=get\n  override:\n    condition: replace\n";
    let r = rs(&[("a.yaml", base), ("c.yaml", replace)]);
    assert_eq!(fired(&r, &e("zz", "get")), ["R"]);
    let off = "- rule: R\n  enabled: false\n";
    let r = rs(&[("a.yaml", base), ("d.yaml", off)]);
    assert!(fired(&r, &e("a", "create")).is_empty());
}

#[test]
fn exceptions_tuples_and_single_field() {
    let rule = "- rule: R\n  desc: d\n  condition: ka.verb=create\n  output: o\n  priority: INFO\n  source: k8s_audit\n  exceptions:\n    - name: ops\n      fields: [ka.user.name, ka.target.namespace]\n      comps: [=, in]\n      values:\n        - [ops, [prod, stage]]\n    - name: bots\n      fields: ka.user.name\n      values: [bot1, bot2]\n";
    let r = rs(&[("x.yaml", rule)]);
    assert!(r.diags.is_empty(), "{:?}", r.diags);
    let e = |u: &str, ns: &str| {
        ev(
            serde_json::json!({"auditID": "1", "verb": "create", "user": {"username": u}, "objectRef": {"namespace": ns}}),
        )
    };
    assert!(fired(&r, &e("ops", "prod")).is_empty());
    assert_eq!(fired(&r, &e("ops", "dev")), ["R"]);
    assert!(fired(&r, &e("bot2", "dev")).is_empty());
    assert_eq!(fired(&r, &e("eve", "prod")), ["R"]);
}

#[test]
fn errors_name_file_and_line() {
    let bad = "- rule: A\n  desc: d\n  condition: ka.verb = \n  output: o\n  priority: WARNING\n  source: k8s_audit\n- rule: B\n  desc: d\n  condition: ka.nope = 1\n  output: o\n  priority: WARNING\n  source: k8s_audit\n- rule: C\n  desc: d\n  condition: undefined_macro\n  output: o\n  priority: LOUD\n  source: k8s_audit\n- rule: D\n  desc: d\n  condition: ka.verb=get\n  output: o %ka.bogus\n  priority: INFO\n  source: k8s_audit\n- rule: E\n  desc: d\n  condition: ka.verb=get\n  output: o\n  priority: INFO\n  source: k8s_audit\n";
    let r = rs(&[("bad.yaml", bad)]);
    let msgs: Vec<String> = r.diags.iter().map(|d| d.to_string()).collect();
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("bad.yaml:3: error: rule 'A': condition: expected a value")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("bad.yaml:9: error: rule 'B': unknown field 'ka.nope'")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("bad.yaml:17: error: rule 'C': unknown priority")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.contains("rule 'D': output: unknown field 'ka.bogus'")),
        "{msgs:?}"
    );
    assert!(r.diags.iter().all(|d| d.severity == Severity::Error));
    // The good rule still loads.
    assert_eq!(
        r.rules()
            .iter()
            .map(|x| x.name.as_str())
            .collect::<Vec<_>>(),
        ["E"]
    );
}

#[test]
fn outputs_redact_configmap_and_object_data() {
    let rule = "- rule: R\n  desc: d\n  condition: ka.req.configmap.obj contains password\n  output: cm=%ka.req.configmap.obj obj=%jevt.value[/requestObject]\n  priority: INFO\n  source: k8s_audit\n";
    let r = rs(&[("x.yaml", rule)]);
    let e = ev(
        serde_json::json!({"auditID": "1", "requestObject": {"kind": "ConfigMap", "data": {"db.password": "hunter2"}}}),
    );
    let mut s = Scratch::new();
    let a = r.evaluate(
        &e,
        Matching::First,
        &mut s,
        &mut palisade_falco::Windows::new(),
    );
    assert_eq!(a.len(), 1);
    assert!(!a[0].output.contains("hunter2"), "{}", a[0].output);
    assert!(a[0].output.contains("db.password"), "{}", a[0].output);
}

#[test]
fn operators() {
    let cases = [
        ("ka.uri glob '/api/*/namespaces/*'", true),
        ("ka.uri pmatch (/api/v1)", true),
        ("ka.uri pmatch (/api/v)", false),
        ("ka.user.name icontains ALI", true),
        ("ka.user.name regex '^al.ce$'", true),
        ("ka.user.groups intersects (system:masters, x)", true),
        ("ka.user.groups in (system:masters)", false),
        (
            "ka.user.groups in (system:masters, system:authenticated)",
            true,
        ),
        ("jevt.rawtime > 1000", true),
        ("ka.response.code startswith 2", true),
        ("ka.target.subresource exists", false),
        ("not ka.target.subresource exists", true),
        ("ka.target.subresource != x", false),
    ];
    let e = ev(serde_json::json!({
        "auditID": "1", "requestURI": "/api/v1/namespaces/d/pods",
        "user": {"username": "alice", "groups": ["system:masters", "system:authenticated"]},
        "responseStatus": {"code": 201}, "stageTimestamp": "2024-01-01T00:00:00Z"
    }));
    for (cond, want) in cases {
        let text = format!(
            "- rule: R\n  desc: d\n  condition: \"{}\"\n  output: o\n  priority: INFO\n  source: k8s_audit\n",
            cond.replace('"', "\\\"")
        );
        let r = rs(&[("x.yaml", &text)]);
        assert!(r.diags.is_empty(), "{cond}: {:?}", r.diags);
        assert_eq!(!fired(&r, &e).is_empty(), want, "{cond}");
    }
}

fn defaults() -> palisade_falco::RuleSet {
    compile(&palisade_falco::default_rule_files())
}

fn write_event(resource: &str, verb: &str, user: &str, body: serde_json::Value) -> AuditEvent {
    ev(serde_json::json!({
        "kind": "Event", "auditID": "w1", "stage": "ResponseComplete", "verb": verb,
        "user": {"username": user}, "requestURI": format!("/apis/apps/v1/namespaces/prod/{resource}/web"),
        "objectRef": {"resource": resource, "name": "web", "namespace": "prod", "apiGroup": "apps"},
        "responseStatus": {"code": 200}, "requestObject": body,
        "stageTimestamp": "2026-11-29T08:00:00Z"
    }))
}

#[test]
fn palisade_rules_close_the_gaps() {
    let r = defaults();
    assert!(r.diags.is_empty(), "{:?}", r.diags);
    // A person patches a Deployment to run privileged: Falco's pod rule never sees it.
    let patch = serde_json::json!({"spec": {"template": {"spec": {"containers": [{"name": "c", "securityContext": {"privileged": true}}]}}}});
    let got = fired(&r, &write_event("deployments", "patch", "alice", patch));
    assert!(
        got.contains(&"Privileged Workload Created or Changed".to_string()),
        "{got:?}"
    );
    // the activity trail is off by default, and one line turns it on
    assert!(
        !got.contains(&"Workload Changed by a Person".to_string()),
        "{got:?}"
    );
    let mut files = palisade_falco::default_rule_files();
    files.push((
        "mine.yaml".into(),
        "- rule: Workload Changed by a Person\n  enabled: true\n".into(),
    ));
    let on = palisade_falco::compile(&files);
    let patch = serde_json::json!({"spec": {"replicas": 2}});
    assert_eq!(
        fired(&on, &write_event("deployments", "patch", "alice", patch)),
        ["Workload Changed by a Person"]
    );
    // The same change by the deployment controller is not "a person".
    let plain = serde_json::json!({"spec": {"replicas": 3}});
    let got = fired(
        &r,
        &write_event(
            "deployments",
            "update",
            "system:serviceaccount:kube-system:deployment-controller",
            plain,
        ),
    );
    assert!(got.is_empty(), "{got:?}");
    // A RoleBinding to cluster-admin (Falco's rule sees only ClusterRoleBinding creates).
    let rb = serde_json::json!({"roleRef": {"kind": "ClusterRole", "name": "cluster-admin"}, "subjects": [{"kind": "User", "name": "bob"}]});
    let got = fired(
        &r,
        &write_event("rolebindings", "create", "kubernetes-admin", rb),
    );
    assert!(
        got.contains(&"Binding to cluster-admin Created or Changed".to_string()),
        "{got:?}"
    );
    // A Role patched to `pods/*`.
    let role = serde_json::json!({"rules": [{"apiGroups": [""], "resources": ["pods/*"], "verbs": ["get"]}]});
    let got = fired(&r, &write_event("roles", "patch", "kubernetes-admin", role));
    assert!(
        got.contains(&"Role With Wildcard Created or Changed".to_string()),
        "{got:?}"
    );
}

#[test]
fn secret_reads_by_controllers_are_quiet() {
    let r = defaults();
    let read = |user: &str| {
        ev(serde_json::json!({
            "kind": "Event", "auditID": "s1", "stage": "ResponseComplete", "verb": "get",
            "user": {"username": user}, "requestURI": "/api/v1/namespaces/prod/secrets/db",
            "objectRef": {"resource": "secrets", "name": "db", "namespace": "prod"},
            "responseStatus": {"code": 200}
        }))
    };
    assert!(fired(&r, &read("system:serviceaccount:prod:app")).is_empty());
    assert!(fired(&r, &read("system:kube-controller-manager")).is_empty());
    let got = fired(&r, &read("kubernetes-admin"));
    assert_eq!(got, ["Secret Read by a Person"]);
}

#[test]
fn alert_record_shape() {
    let r = defaults();
    let e = exec_event("alice");
    let mut s = Scratch::new();
    let a = r.evaluate(
        &e,
        Matching::All,
        &mut s,
        &mut palisade_falco::Windows::new(),
    );
    let rec = serde_json::to_string(&palisade_falco::alert_record(&a[0], &e)).unwrap();
    let order: Vec<usize> = [
        "\"time\"",
        "\"rule\"",
        "\"priority\"",
        "\"output\"",
        "\"tags\"",
        "\"event\"",
    ]
    .iter()
    .map(|k| rec.find(k).unwrap())
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{rec}");
    let rec: serde_json::Value = serde_json::from_str(&rec).unwrap();
    assert_eq!(rec["event"]["user"], "alice");
    assert_eq!(rec["event"]["objectRef"]["subresource"], "exec");
    assert_eq!(rec["priority"], "Notice");
}
