//! Admission decisions on real AdmissionReviews.

use base64::Engine as _;
use palisade_admission::{Admission, Config, Endpoint};
use serde_json::{Value as Json, json};
use std::path::PathBuf;

fn review(op: &str, ns: &str, object: Json) -> Vec<u8> {
    let api_version = object["apiVersion"].as_str().unwrap_or("v1").to_string();
    let (group, version) = api_version.split_once('/').unwrap_or(("", &api_version));
    serde_json::to_vec(&json!({
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {
            "uid": "705ab4f5-6393-11e8-b7cc-42010a800002",
            "kind": {"group": group, "version": version, "kind": object["kind"]},
            "resource": {"group": group, "version": version, "resource": "x"},
            "name": object["metadata"]["name"], "namespace": ns, "operation": op,
            "userInfo": {"username": "alice", "groups": ["system:authenticated"]},
            "object": object, "dryRun": false
        }
    }))
    .unwrap()
}

fn pod(name: &str, container: Json) -> Json {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "shop"},
        "spec": {"automountServiceAccountToken": false, "containers": [container]}})
}

fn hardened() -> Json {
    json!({"name": "app", "image": "registry.example.com/app:1.2.3@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "imagePullPolicy": "IfNotPresent",
        "securityContext": {"runAsNonRoot": true, "runAsUser": 10001, "runAsGroup": 10001, "allowPrivilegeEscalation": false,
            "readOnlyRootFilesystem": true, "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"}},
        "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"cpu": "100m", "memory": "64Mi"}},
        "readinessProbe": {"httpGet": {"path": "/", "port": 8080}},
        "livenessProbe": {"httpGet": {"path": "/", "port": 8080}}})
}

fn admission(config: &str) -> Admission {
    let c = Config::parse(config, "test.yaml").unwrap();
    let (a, errors) = Admission::load(c);
    assert!(errors.is_empty(), "{errors:?}");
    a
}

fn corpus(rel: &str) -> PathBuf {
    palisade_corpus::corpus_path(&format!("gatekeeper-library/library/{rel}"))
}

#[test]
fn privileged_pod_is_denied_with_the_fix() {
    let a = admission("");
    let mut c = hardened();
    c["securityContext"]["privileged"] = json!(true);
    c["securityContext"]["allowPrivilegeEscalation"] = json!(true);
    let d = a
        .review(&review("CREATE", "shop", pod("p", c)), Endpoint::Validate)
        .unwrap();
    assert!(!d.allowed);
    let r = &d.response["response"];
    assert_eq!(r["uid"], "705ab4f5-6393-11e8-b7cc-42010a800002");
    assert_eq!(r["status"]["code"], 403);
    let msg = r["status"]["message"].as_str().unwrap();
    assert!(msg.contains("[pss-privileged]"), "{msg}");
    assert!(msg.contains("fix:"), "{msg}");
    assert_eq!(d.response["apiVersion"], "admission.k8s.io/v1");
}

#[test]
fn a_deployment_is_judged_on_its_pod_template() {
    let a = admission("");
    let mut c = hardened();
    c["securityContext"]["capabilities"] = json!({"add": ["SYS_ADMIN"]});
    let d = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {"metadata": {"labels": {"a": "b"}},
            "spec": {"containers": [c]}}}});
    let out = a
        .review(&review("CREATE", "shop", d), Endpoint::Validate)
        .unwrap();
    assert!(!out.allowed);
    assert!(
        out.verdicts
            .iter()
            .any(|v| v.policy == "pss-capabilities-baseline"),
        "{:?}",
        out.verdicts
    );
}

#[test]
fn warn_and_audit_modes_allow_with_warnings_and_annotations() {
    let a = admission("checks:\n  modes: {image-latest-tag: warn, probes-missing: audit}\n");
    let mut c = hardened();
    c["image"] = json!("nginx:latest");
    c.as_object_mut().unwrap().remove("readinessProbe");
    c.as_object_mut().unwrap().remove("livenessProbe");
    let d = a
        .review(&review("CREATE", "shop", pod("p", c)), Endpoint::Validate)
        .unwrap();
    assert!(d.allowed, "{:#}", d.response);
    assert_eq!(d.outcome, "warn");
    let r = &d.response["response"];
    let warnings: Vec<&str> = r["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert!(
        warnings.iter().any(|w| w.starts_with("[image-latest-tag]")),
        "{warnings:?}"
    );
    assert!(warnings.iter().all(|w| w.len() <= 256));
    assert!(r["auditAnnotations"]["probes-missing"].is_string(), "{r:#}");
}

#[test]
fn a_hardened_pod_is_allowed() {
    let a = admission("");
    let d = a
        .review(
            &review("CREATE", "shop", pod("p", hardened())),
            Endpoint::Validate,
        )
        .unwrap();
    assert!(d.allowed, "{:#}", d.response);
    assert!(d.response["response"].get("status").is_none());
}

#[test]
fn namespace_labels_set_the_pod_security_levels() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ns.yaml"),
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: legacy\n  labels:\n    pod-security.kubernetes.io/enforce: privileged\n    pod-security.kubernetes.io/warn: baseline\n",
    )
    .unwrap();
    let a = admission(&format!("inventory: [{}]\n", dir.path().display()));
    let mut c = hardened();
    c["securityContext"]["privileged"] = json!(true);
    c["securityContext"]["allowPrivilegeEscalation"] = json!(true);
    let mut p = pod("p", c);
    p["metadata"]["namespace"] = json!("legacy");
    let d = a
        .review(&review("CREATE", "legacy", p), Endpoint::Validate)
        .unwrap();
    // enforce: privileged → not denied by Pod Security; warn: baseline → warned
    assert!(
        d.verdicts
            .iter()
            .any(|v| v.policy == "pss-privileged" && v.mode == palisade_admission::Mode::Warn),
        "{:?}",
        d.verdicts
    );
    assert!(
        !d.verdicts
            .iter()
            .any(|v| v.policy == "pss-privileged" && v.mode == palisade_admission::Mode::Deny)
    );
}

#[test]
fn exemptions_and_namespace_modes() {
    let a = admission(
        "exemptions:\n  namespaces: [kube-*]\n  users: [ci-bot]\n  images: [\"registry.k8s.io/*\"]\nnamespaces:\n  - names: [dev-*]\n    mode: warn\n",
    );
    let mut c = hardened();
    c["securityContext"]["privileged"] = json!(true);
    c["securityContext"]["allowPrivilegeEscalation"] = json!(true);
    let bad = pod("p", c.clone());
    assert!(
        a.review(
            &review("CREATE", "kube-system", bad.clone()),
            Endpoint::Validate
        )
        .unwrap()
        .allowed
    );
    let d = a
        .review(
            &review("CREATE", "dev-alice", bad.clone()),
            Endpoint::Validate,
        )
        .unwrap();
    assert!(d.allowed && d.outcome == "warn", "{:#}", d.response);
    let mut body: Json = serde_json::from_slice(&review("CREATE", "shop", bad.clone())).unwrap();
    body["request"]["userInfo"]["username"] = json!("ci-bot");
    assert!(
        a.review(&serde_json::to_vec(&body).unwrap(), Endpoint::Validate)
            .unwrap()
            .allowed
    );
    c["image"] = json!("registry.k8s.io/kube-proxy:v1.31.0");
    assert!(
        a.review(&review("CREATE", "shop", pod("p", c)), Endpoint::Validate)
            .unwrap()
            .allowed
    );
}

#[test]
fn delete_and_connect_are_allowed() {
    let a = admission("");
    let mut body: Json = serde_json::from_slice(&review(
        "DELETE",
        "shop",
        pod(
            "p",
            json!({"name": "a", "image": "x", "securityContext": {"privileged": true}}),
        ),
    ))
    .unwrap();
    body["request"]["oldObject"] = body["request"]["object"].take();
    assert!(
        a.review(&serde_json::to_vec(&body).unwrap(), Endpoint::Validate)
            .unwrap()
            .allowed
    );
}

#[test]
fn bad_requests_are_rejected() {
    let a = admission("");
    assert!(a.review(b"{not json", Endpoint::Validate).is_err());
    let mut body: Json =
        serde_json::from_slice(&review("CREATE", "shop", pod("p", hardened()))).unwrap();
    body["request"].as_object_mut().unwrap().remove("uid");
    let e = a
        .review(&serde_json::to_vec(&body).unwrap(), Endpoint::Validate)
        .unwrap_err();
    assert!(e.0.contains("uid"), "{e}");
    assert!(
        a.review(br#"{"apiVersion":"v1","kind":"Pod"}"#, Endpoint::Validate)
            .is_err()
    );
}

#[test]
fn v1beta1_is_answered_in_kind() {
    let a = admission("");
    let mut body: Json =
        serde_json::from_slice(&review("CREATE", "shop", pod("p", hardened()))).unwrap();
    body["apiVersion"] = json!("admission.k8s.io/v1beta1");
    let d = a
        .review(&serde_json::to_vec(&body).unwrap(), Endpoint::Validate)
        .unwrap();
    assert_eq!(d.response["apiVersion"], "admission.k8s.io/v1beta1");
}

#[test]
fn mutation_adds_safe_defaults_as_a_json_patch() {
    let a = admission("namespaces:\n  - names: [shop]\n    mutate: true\n");
    let p = pod(
        "p",
        json!({"name": "app", "image": "nginx:1.27", "securityContext": {"runAsUser": 101}}),
    );
    let d = a
        .review(&review("CREATE", "shop", p.clone()), Endpoint::Mutate)
        .unwrap();
    assert!(d.allowed);
    let r = &d.response["response"];
    assert_eq!(r["patchType"], "JSONPatch");
    let patch: json_patch::Patch = serde_json::from_slice(
        &base64::engine::general_purpose::STANDARD
            .decode(r["patch"].as_str().unwrap())
            .unwrap(),
    )
    .unwrap();
    let mut patched = p.clone();
    json_patch::patch(&mut patched, &patch).unwrap();
    let sc = &patched["spec"]["containers"][0]["securityContext"];
    assert_eq!(sc["allowPrivilegeEscalation"], false);
    assert_eq!(sc["capabilities"]["drop"], json!(["ALL"]));
    assert_eq!(sc["runAsNonRoot"], true);
    assert_eq!(
        patched["spec"]["securityContext"]["seccompProfile"]["type"],
        "RuntimeDefault"
    );
    assert!(!r["warnings"].as_array().unwrap().is_empty());
    // a namespace without mutation gets no patch
    let d = a
        .review(&review("CREATE", "other", p), Endpoint::Mutate)
        .unwrap();
    assert!(d.response["response"].get("patch").is_none());
}

#[test]
fn gatekeeper_constraints_deny_warn_and_dryrun() {
    palisade_corpus::require!("gatekeeper-library/library");
    let dir = tempfile::tempdir().unwrap();
    let t = std::fs::read_to_string(corpus("general/requiredlabels/template.yaml")).unwrap();
    std::fs::write(dir.path().join("template.yaml"), t).unwrap();
    let constraint = |name: &str, action: &str, label: &str| {
        format!(
            "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sRequiredLabels\nmetadata:\n  name: {name}\nspec:\n  enforcementAction: {action}\n  match:\n    kinds:\n      - apiGroups: [\"\"]\n        kinds: [\"Pod\"]\n  parameters:\n    labels:\n      - key: {label}\n"
        )
    };
    std::fs::write(
        dir.path().join("constraints.yaml"),
        [
            constraint("must-have-owner", "deny", "owner"),
            constraint("should-have-team", "warn", "team"),
            constraint("audit-cost", "dryrun", "cost-center"),
        ]
        .join("---\n"),
    )
    .unwrap();
    let a = admission(&format!("policies:\n  paths: [{}]\n", dir.path().display()));
    assert_eq!(a.policies().constraints().len(), 3);
    let d = a
        .review(
            &review("CREATE", "shop", pod("p", hardened())),
            Endpoint::Validate,
        )
        .unwrap();
    assert!(!d.allowed);
    let r = &d.response["response"];
    assert!(
        r["status"]["message"]
            .as_str()
            .unwrap()
            .contains("K8sRequiredLabels/must-have-owner")
    );
    assert!(
        r["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("should-have-team")),
        "{r:#}"
    );
    assert!(
        r["auditAnnotations"]["k8srequiredlabels.audit-cost"].is_string(),
        "{r:#}"
    );
    let mut p = pod("p", hardened());
    p["metadata"]["labels"] = json!({"owner": "me", "team": "t", "cost-center": "1"});
    assert!(
        a.review(&review("CREATE", "shop", p), Endpoint::Validate)
            .unwrap()
            .allowed
    );
}

#[test]
fn a_failing_policy_follows_its_failure_policy() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("p.yaml"),
        "apiVersion: templates.gatekeeper.sh/v1\nkind: ConstraintTemplate\nmetadata:\n  name: k8sbroken\nspec:\n  crd:\n    spec:\n      names:\n        kind: K8sBroken\n  targets:\n    - target: admission.k8s.gatekeeper.sh\n      rego: |\n        package k8sbroken\n        violation[{\"msg\": msg}] {\n          x := 1 / 0\n          msg := sprintf(\"%v\", [x])\n        }\n---\napiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sBroken\nmetadata:\n  name: closed\n---\napiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sBroken\nmetadata:\n  name: open\n",
    )
    .unwrap();
    let a = admission(&format!(
        "policies:\n  paths: [{}]\n  failurePolicies: {{open: fail-open}}\n",
        dir.path().display()
    ));
    let d = a
        .review(
            &review("CREATE", "shop", pod("p", hardened())),
            Endpoint::Validate,
        )
        .unwrap();
    assert_eq!(d.policy_errors.len(), 2, "{:?}", d.verdicts);
    assert!(!d.allowed);
    let msg = d.response["response"]["status"]["message"]
        .as_str()
        .unwrap();
    assert!(
        msg.contains("K8sBroken/closed") && !msg.contains("K8sBroken/open"),
        "{msg}"
    );
}

#[test]
fn unlabelled_modes_fall_back_to_the_configured_defaults() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ns.yaml"),
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: mixed\n  labels:\n    pod-security.kubernetes.io/enforce: baseline\n",
    )
    .unwrap();
    // config: enforce baseline, warn restricted, audit restricted (the defaults)
    let a = admission(&format!("inventory: [{}]\n", dir.path().display()));
    let mut c = hardened();
    c["securityContext"]
        .as_object_mut()
        .unwrap()
        .remove("runAsNonRoot");
    c["securityContext"]
        .as_object_mut()
        .unwrap()
        .remove("runAsUser");
    let mut p = pod("p", c);
    p["metadata"]["namespace"] = json!("mixed");
    let d = a
        .review(&review("CREATE", "mixed", p), Endpoint::Validate)
        .unwrap();
    assert!(d.allowed, "{:#}", d.response);
    assert!(
        d.verdicts
            .iter()
            .any(|v| v.policy == "pss-run-as-non-root" && v.mode == palisade_admission::Mode::Warn),
        "{:?}",
        d.verdicts
    );
}

#[test]
fn secret_values_never_reach_the_response() {
    let a = admission("");
    let mut c = hardened();
    c["env"] = json!([{"name": "DB_PASSWORD", "value": "hunter2-SuperSecret"}]);
    let d = a
        .review(&review("CREATE", "shop", pod("p", c)), Endpoint::Validate)
        .unwrap();
    assert!(
        d.verdicts.iter().any(|v| v.policy == "env-literal-secret"),
        "{:?}",
        d.verdicts
    );
    let text = d.response.to_string();
    assert!(!text.contains("hunter2"), "{text}");
    assert!(text.contains("redacted"), "{text}");
}
