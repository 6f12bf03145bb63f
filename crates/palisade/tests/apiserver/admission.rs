//! The admission webhook called by the API server: what
//! `palisade admission install --url` writes, applied; `admission serve`
//! answering kubectl's requests.

use super::bed::{self, Bed, palisade};
use serde_json::Value;
use std::time::{Duration, Instant};

const PORT: u16 = 18443;

const PRIVILEGED_POD: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: root-shell, namespace: adm}
spec:
  containers:
  - name: shell
    image: "busybox:1.36@sha256:0000000000000000000000000000000000000000000000000000000000000000"
    securityContext: {privileged: true}
"#;

const PRIVILEGED_DEPLOYMENT: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: node-agent, namespace: adm}
spec:
  selector: {matchLabels: {app: node-agent}}
  template:
    metadata: {labels: {app: node-agent}}
    spec:
      containers:
      - name: agent
        image: "registry.example/agent:2.1@sha256:1111111111111111111111111111111111111111111111111111111111111111"
        securityContext: {privileged: true}
"#;

/// Passes the restricted level and every high or critical check.
fn hardened_pod(name: &str, ns: &str) -> String {
    format!(
        r#"
apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: {ns}}}
spec:
  automountServiceAccountToken: false
  securityContext:
    runAsNonRoot: true
    runAsUser: 10001
    seccompProfile: {{type: RuntimeDefault}}
  containers:
  - name: app
    image: "registry.example/app:1.4.2@sha256:2222222222222222222222222222222222222222222222222222222222222222"
    resources:
      requests: {{cpu: 10m, memory: 32Mi}}
      limits: {{cpu: 100m, memory: 64Mi}}
    securityContext:
      allowPrivilegeEscalation: false
      readOnlyRootFilesystem: true
      capabilities: {{drop: [ALL]}}
"#
    )
}

/// No securityContext at all: baseline allows it, restricted warns, and
/// mutation has everything to add.
const PLAIN_POD: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: plain, namespace: adm-mutate}
spec:
  securityContext: {runAsUser: 10001}
  containers:
  - name: app
    image: "registry.example/app:1.4.2@sha256:2222222222222222222222222222222222222222222222222222222222222222"
    resources:
      requests: {cpu: 10m, memory: 32Mi}
      limits: {cpu: 100m, memory: 64Mi}
"#;

fn ingress(name: &str, host: &str) -> String {
    format!(
        r#"
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {{name: {name}, namespace: adm}}
spec:
  rules:
  - host: {host}
    http:
      paths:
      - path: /
        pathType: Prefix
        backend: {{service: {{name: web, port: {{number: 80}}}}}}
"#
    )
}

fn serve(dir: &std::path::Path, config: &std::path::Path) -> bed::Server {
    let addr = format!("127.0.0.1:{PORT}");
    let (config, cert, key) = (
        config.to_path_buf(),
        dir.join("tls.crt"),
        dir.join("tls.key"),
    );
    bed::serve(
        [
            "admission".into(),
            "serve".into(),
            "--addr".into(),
            addr.clone().into(),
            "--config".into(),
            config.as_os_str().to_owned(),
            "--tls-cert".into(),
            cert.as_os_str().to_owned(),
            "--tls-key".into(),
            key.as_os_str().to_owned(),
        ] as [std::ffi::OsString; 10],
        PORT,
    )
}

fn create(b: &Bed, yaml: &str, dry_run: bool) -> (bool, String) {
    let mut args = vec!["create", "-f", "-"];
    if dry_run {
        args.push("--dry-run=server");
    }
    let out = b.kubectl_as(&b.admin, &args, Some(yaml));
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// Mean time of `n` server-side dry-run creates of a Pod, through the
/// API (no kubectl process in the measurement).
fn dry_run_latency(b: &Bed, n: usize) -> Duration {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let kc = kube::config::Kubeconfig::read_from(&b.admin).unwrap();
        let config = kube::Config::from_custom_kubeconfig(kc, &Default::default()).await.unwrap();
        let client = kube::Client::try_from(config).unwrap();
        let pod = serde_json::json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "latency", "namespace": "adm"},
            "spec": {
                "automountServiceAccountToken": false,
                "securityContext": {"runAsNonRoot": true, "runAsUser": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
                "containers": [{
                    "name": "app",
                    "image": "registry.example/app:1.4.2@sha256:2222222222222222222222222222222222222222222222222222222222222222",
                    "resources": {"requests": {"cpu": "10m", "memory": "32Mi"}, "limits": {"cpu": "100m", "memory": "64Mi"}},
                    "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "capabilities": {"drop": ["ALL"]}}
                }]
            }
        });
        let body = serde_json::to_vec(&pod).unwrap();
        let mut total = Duration::ZERO;
        for i in 0..n + 5 {
            let req = http::Request::post("/api/v1/namespaces/adm/pods?dryRun=All")
                .header("content-type", "application/json")
                .body(body.clone())
                .unwrap();
            let t = Instant::now();
            let _: Value = client.request(req).await.expect("dry-run create");
            if i >= 5 {
                total += t.elapsed();
            }
        }
        total / n as u32
    })
}

#[test]
fn the_api_server_calls_the_webhook_that_admission_install_writes() {
    let Some(b) = bed::bed() else { return };
    let _g = bed::lock();
    let repo = bed::repo();
    let dir = tempfile::tempdir().unwrap();
    let certs = dir.path().join("certs");
    let webhooks = dir.path().join("webhooks.yaml");
    let out = palisade()
        .args([
            "admission",
            "install",
            "--mutate",
            "--failure-policy",
            "Fail",
            "--url",
        ])
        .arg(format!("https://127.0.0.1:{PORT}"))
        .arg("--certs-dir")
        .arg(&certs)
        .arg("-o")
        .arg(&webhooks)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let config = dir.path().join("admission.yaml");
    std::fs::write(
        &config,
        format!(
            "checks:\n  severityModes: {{critical: deny, high: deny, medium: warn, low: audit, info: \"off\"}}\n\
             pss: {{enforce: baseline, warn: restricted}}\n\
             namespaces:\n  - names: [adm-mutate]\n    mutate: true\n\
             exemptions:\n  namespaces: [kube-system]\n\
             policies:\n  paths:\n    - {}\n    - {}\n",
            repo.join("policies/ingress-host-allowlist/template.yaml").display(),
            repo.join("policies/ingress-host-allowlist/samples/constraint.yaml").display()
        ),
    )
    .unwrap();
    let _clean = b.cleanup(
        &["adm", "adm-mutate"],
        &[
            "validatingwebhookconfiguration/palisade",
            "mutatingwebhookconfiguration/palisade",
        ],
    );
    b.apply("apiVersion: v1\nkind: Namespace\nmetadata: {name: adm}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: adm-mutate}\n");

    let without = dry_run_latency(b, 100);
    let server = serve(&certs, &config);
    b.ok(&["apply", "-f", webhooks.to_str().unwrap()]);
    // the API server needs a moment to pick the configuration up
    b.wait_for(30, "the webhook to be called", || {
        !create(b, PRIVILEGED_POD, true).0
    });

    let (ok, err) = create(b, PRIVILEGED_POD, false);
    assert!(!ok, "a privileged pod is refused");
    assert!(
        err.contains("admission webhook \"validate.palisade.dev\" denied the request"),
        "{err}"
    );
    assert!(
        err.contains("[pss-privileged]"),
        "palisade's message: {err}"
    );

    let (ok, err) = create(b, PRIVILEGED_DEPLOYMENT, false);
    assert!(!ok, "a Deployment with a privileged template is refused");
    assert!(err.contains("[pss-privileged]"), "{err}");

    let (ok, err) = create(b, &hardened_pod("hardened", "adm"), false);
    assert!(ok, "a hardened pod is admitted: {err}");

    // warnings arrive as kubectl warnings
    let (ok, err) = create(b, PLAIN_POD, false);
    assert!(ok, "{err}");
    assert!(err.contains("Warning:"), "warnings from the webhook: {err}");

    // opt-in mutation shows on the stored object
    let stored: Value =
        serde_json::from_str(&b.ok(&["-n", "adm-mutate", "get", "pod", "plain", "-o", "json"]))
            .unwrap();
    let sc = &stored["spec"]["containers"][0]["securityContext"];
    assert_eq!(sc["allowPrivilegeEscalation"], false, "{stored}");
    assert_eq!(sc["capabilities"]["drop"][0], "ALL", "{stored}");
    assert_eq!(
        stored["spec"]["securityContext"]["seccompProfile"]["type"], "RuntimeDefault",
        "{stored}"
    );

    // the Ingress host allowlist (a Gatekeeper template)
    let (ok, err) = create(b, &ingress("foreign", "evil.example.org"), false);
    assert!(!ok, "a foreign host is refused");
    assert!(err.contains("evil.example.org"), "{err}");
    let (ok, err) = create(b, &ingress("ours", "shop.example.com"), false);
    assert!(ok, "an allowed host is admitted: {err}");

    let with = dry_run_latency(b, 100);
    eprintln!(
        "admission: dry-run Pod create {:.2} ms without the webhook, {:.2} ms with it: {:.2} ms added per request",
        without.as_secs_f64() * 1e3,
        with.as_secs_f64() * 1e3,
        (with.as_secs_f64() - without.as_secs_f64()) * 1e3
    );

    // palisade stopped: Fail refuses, Ignore admits
    drop(server);
    let (ok, err) = create(b, &hardened_pod("while-down", "adm"), true);
    assert!(!ok, "failurePolicy Fail refuses while the webhook is down");
    assert!(err.contains("failed calling webhook"), "{err}");
    for kind in [
        "validatingwebhookconfiguration",
        "mutatingwebhookconfiguration",
    ] {
        b.ok(&[
            "patch",
            kind,
            "palisade",
            "--type=json",
            "-p",
            r#"[{"op":"replace","path":"/webhooks/0/failurePolicy","value":"Ignore"}]"#,
        ]);
    }
    b.wait_for(30, "failurePolicy Ignore", || {
        create(b, &hardened_pod("while-down", "adm"), true).0
    });
    let (ok, err) = create(b, PRIVILEGED_POD, true);
    assert!(
        ok,
        "Ignore admits, unchecked, while the webhook is down: {err}"
    );
}
