//! The webhook over real TLS on loopback: allow, deny, warn, mutate, 400,
//! 413, policy errors per failure mode, health, metrics, certificate
//! reload and graceful shutdown.

use palisade_admission::install::certificates;
use palisade_admission::{Admission, Config};
use palisade_webhook::client::{Client, tls_config};
use palisade_webhook::{AppState, ServeOptions, serve};
use serde_json::{Value as Json, json};
use std::net::SocketAddr;
use std::time::Duration;

const NAME: &str = "palisade-webhook.test.svc";

fn review(uid: &str, ns: &str, object: Json) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {"uid": uid, "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "name": "p", "namespace": ns, "operation": "CREATE",
            "userInfo": {"username": "alice"}, "object": object}
    }))
    .unwrap()
}

fn pod(security: Json, labels: Json) -> Json {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "labels": labels},
        "spec": {"automountServiceAccountToken": false, "containers": [{"name": "app",
            "image": "registry.example.com/app:1.2.3@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "imagePullPolicy": "IfNotPresent", "securityContext": security,
            "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"cpu": "100m", "memory": "64Mi"}},
            "readinessProbe": {"httpGet": {"path": "/", "port": 8080}},
            "livenessProbe": {"httpGet": {"path": "/", "port": 8080}}}]}})
}

fn safe() -> Json {
    json!({"runAsNonRoot": true, "runAsUser": 10001, "runAsGroup": 10001, "allowPrivilegeEscalation": false,
        "readOnlyRootFilesystem": true, "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"}})
}

const POLICIES: &str = r#"apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: k8sbroken
spec:
  crd:
    spec:
      names:
        kind: K8sBroken
  targets:
    - target: admission.k8s.gatekeeper.sh
      rego: |
        package k8sbroken
        violation[{"msg": msg}] {
          input.review.object.metadata.labels.broken
          x := 1 / 0
          msg := sprintf("%v", [x])
        }
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sBroken
metadata:
  name: closed
spec:
  match:
    namespaces: ["closed"]
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sBroken
metadata:
  name: open
spec:
  match:
    namespaces: ["open"]
"#;

#[test]
fn webhook_over_tls() {
    let dir = tempfile::tempdir().unwrap();
    let certs = certificates("test").unwrap();
    let (cert, key) = (dir.path().join("tls.crt"), dir.path().join("tls.key"));
    std::fs::write(&cert, &certs.cert_pem).unwrap();
    std::fs::write(&key, &certs.key_pem).unwrap();
    std::fs::write(dir.path().join("policies.yaml"), POLICIES).unwrap();
    let config = Config::parse(
        &format!(
            "checks:\n  modes: {{image-latest-tag: warn}}\nnamespaces:\n  - names: [mut]\n    mutate: true\npolicies:\n  paths: [{}]\n  failurePolicies: {{open: fail-open}}\nlimits:\n  maxRequestBytes: 65536\n  timeoutSeconds: 5\n",
            dir.path().join("policies.yaml").display()
        ),
        "config.yaml",
    )
    .unwrap();
    let (admission, errors) = Admission::load(config);
    assert!(errors.is_empty(), "{errors:?}");
    let state = AppState::new(admission);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let handle = axum_server::Handle::new();
    let opts = ServeOptions {
        addr,
        tls_cert: cert.clone(),
        tls_key: key.clone(),
        reload_every: Duration::from_millis(100),
        drain: Duration::from_secs(5),
    };
    let server = rt.spawn(serve(state.clone(), opts, Some(listener), handle.clone()));
    rt.block_on(async {
        let tls = tls_config(certs.ca_pem.as_bytes()).unwrap();
        let mut c = loop {
            match Client::connect(addr, NAME, tls.clone()).await {
                Ok(c) => break c,
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        };
        let post = async |c: &mut Client, path: &str, body: Vec<u8>| -> (u16, Json) {
            let (status, b) = c.send("POST", path, body).await.unwrap();
            (status, serde_json::from_slice(&b).unwrap_or(Json::String(String::from_utf8_lossy(&b).into())))
        };
        // allow
        let (s, r) = post(&mut c, "/validate", review("u1", "shop", pod(safe(), json!({})))).await;
        assert_eq!(s, 200);
        assert_eq!(r["response"]["uid"], "u1");
        assert_eq!(r["response"]["allowed"], true, "{r:#}");
        // deny, naming the check and its fix
        let mut bad = safe();
        bad["privileged"] = json!(true);
        bad["allowPrivilegeEscalation"] = json!(true);
        let (_, r) = post(&mut c, "/validate", review("u2", "shop", pod(bad, json!({})))).await;
        assert_eq!(r["response"]["allowed"], false);
        let msg = r["response"]["status"]["message"].as_str().unwrap();
        assert!(msg.contains("pss-privileged") && msg.contains("fix:"), "{msg}");
        // warn
        let mut p = pod(safe(), json!({}));
        p["spec"]["containers"][0]["image"] = json!("nginx:latest");
        let (_, r) = post(&mut c, "/validate", review("u3", "shop", p)).await;
        assert_eq!(r["response"]["allowed"], true);
        assert!(r["response"]["warnings"].to_string().contains("image-latest-tag"), "{r:#}");
        // mutate
        let (_, r) = post(&mut c, "/mutate", review("u4", "mut", pod(json!({"runAsUser": 5}), json!({})))).await;
        assert_eq!(r["response"]["patchType"], "JSONPatch", "{r:#}");
        // 400: not JSON, no uid
        let (s, _) = post(&mut c, "/validate", b"{oops".to_vec()).await;
        assert_eq!(s, 400);
        let mut no_uid: Json = serde_json::from_slice(&review("x", "shop", pod(safe(), json!({})))).unwrap();
        no_uid["request"].as_object_mut().unwrap().remove("uid");
        let (s, body) = post(&mut c, "/validate", serde_json::to_vec(&no_uid).unwrap()).await;
        assert_eq!(s, 400);
        assert!(body.to_string().contains("uid"));
        // 413
        let mut big = pod(safe(), json!({}));
        big["metadata"]["annotations"] = json!({"blob": "x".repeat(100_000)});
        let mut c2 = Client::connect(addr, NAME, tls.clone()).await.unwrap();
        let (s, _) = c2.send("POST", "/validate", review("u5", "shop", big)).await.unwrap();
        assert_eq!(s, 413);
        // a policy error: fail-closed denies, fail-open allows with a warning
        let (_, r) = post(&mut c, "/validate", review("u6", "closed", pod(safe(), json!({"broken": "yes"})))).await;
        assert_eq!(r["response"]["allowed"], false, "{r:#}");
        let (_, r) = post(&mut c, "/validate", review("u7", "open", pod(safe(), json!({"broken": "yes"})))).await;
        assert_eq!(r["response"]["allowed"], true, "{r:#}");
        assert!(r["response"]["warnings"].to_string().contains("could not be evaluated"));
        // health and metrics
        assert_eq!(c.send("GET", "/healthz", vec![]).await.unwrap().0, 200);
        assert_eq!(c.send("GET", "/readyz", vec![]).await.unwrap().0, 200);
        let (_, m) = c.send("GET", "/metrics", vec![]).await.unwrap();
        let m = String::from_utf8(m).unwrap();
        assert!(m.contains("palisade_admission_requests_total{endpoint=\"validate\",decision=\"deny\",namespace=\"shop\"} 1"), "{m}");
        assert!(m.contains("palisade_admission_policy_errors_total{policy=\"K8sBroken/open\",failure_policy=\"fail-open\"} 1"), "{m}");
        assert!(m.contains("palisade_admission_rejected_total{endpoint=\"validate\",reason=\"bad_request\"} 2"), "{m}");
        assert!(m.contains("palisade_admission_request_duration_seconds_bucket{le=\"5.0\"}"), "{m}");
        // certificate reload: a new CA and certificate replace the files
        let next = certificates("test").unwrap();
        std::fs::write(&key, &next.key_pem).unwrap();
        std::fs::write(&cert, &next.cert_pem).unwrap();
        let new_tls = tls_config(next.ca_pem.as_bytes()).unwrap();
        let mut reloaded = false;
        for _ in 0..100 {
            tokio::time::sleep(Duration::from_millis(50)).await;
            if let Ok(mut c3) = Client::connect(addr, NAME, new_tls.clone()).await
                && c3.send("GET", "/healthz", vec![]).await.is_ok()
            {
                reloaded = true;
                break;
            }
        }
        assert!(reloaded, "the server did not pick up the new certificate");
        assert!(Client::connect(addr, NAME, tls.clone()).await.is_err(), "the old CA is still accepted");
    });
    // graceful shutdown: the server future ends
    handle.graceful_shutdown(Some(Duration::from_secs(2)));
    rt.block_on(async {
        tokio::time::timeout(Duration::from_secs(10), server)
            .await
            .expect("the server drained")
            .unwrap()
            .unwrap();
    });
}

/// A client that drips header bytes (or says nothing after the handshake)
/// is cut off after `HEADER_READ_TIMEOUT`, not held open forever.
#[test]
fn slow_headers_are_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let certs = certificates("test").unwrap();
    let (cert, key) = (dir.path().join("tls.crt"), dir.path().join("tls.key"));
    std::fs::write(&cert, &certs.cert_pem).unwrap();
    std::fs::write(&key, &certs.key_pem).unwrap();
    let (admission, _) = Admission::load(Config::default());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let handle = axum_server::Handle::new();
    let opts = ServeOptions {
        addr,
        tls_cert: cert,
        tls_key: key,
        reload_every: Duration::from_secs(60),
        drain: Duration::from_secs(1),
    };
    rt.spawn(serve(
        AppState::new(admission),
        opts,
        Some(listener),
        handle.clone(),
    ));
    rt.block_on(async {
        let tls = std::sync::Arc::new(
            palisade_http::tls_config(&tls_config(certs.ca_pem.as_bytes()).unwrap()).unwrap(),
        );
        let connect = async || loop {
            if let Ok(tcp) = tokio::net::TcpStream::connect(addr).await {
                let name = rustls::pki_types::ServerName::try_from(NAME.to_string()).unwrap();
                if let Ok(s) = tokio_rustls::TlsConnector::from(tls.clone())
                    .connect(name, tcp)
                    .await
                {
                    break s;
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        let limit = palisade_webhook::HEADER_READ_TIMEOUT + Duration::from_secs(5);
        // a header byte every half second, never the blank line
        let mut s = connect().await;
        s.write_all(b"POST /validate HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        let started = std::time::Instant::now();
        let cut = loop {
            if s.write_all(b"X").await.is_err() || s.flush().await.is_err() {
                break true;
            }
            let mut buf = [0u8; 256];
            match tokio::time::timeout(Duration::from_millis(500), s.read(&mut buf)).await {
                Ok(Ok(_)) | Ok(Err(_)) => break true,
                Err(_) => {}
            }
            if started.elapsed() > limit {
                break false;
            }
        };
        assert!(cut, "a dripping client was never cut off");
        assert!(started.elapsed() <= limit, "{:?}", started.elapsed());
        // connected, handshake done, then silence
        let mut s = connect().await;
        let started = std::time::Instant::now();
        let mut buf = [0u8; 256];
        let r = tokio::time::timeout(limit, s.read(&mut buf)).await;
        assert!(r.is_ok(), "a silent client was never cut off");
        assert!(
            started.elapsed() >= Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
    });
    handle.shutdown();
}
