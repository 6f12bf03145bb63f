//! The webhook over real TLS on loopback: allow, deny, warn, mutate, 400,
//! requests over the limits refused as AdmissionReviews, policy errors per
//! failure mode, health, metrics, certificate reload and graceful
//! shutdown; connection caps, header, idle and body timeouts.

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
        limits: Default::default(),
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
        // over maxRequestBytes: refused as an AdmissionReview (an HTTP
        // error would be "admitted unchecked" under failurePolicy Ignore)
        let mut big = pod(safe(), json!({}));
        big["metadata"]["annotations"] = json!({"blob": "x".repeat(100_000)});
        let mut c2 = Client::connect(addr, NAME, tls.clone()).await.unwrap();
        let (s, r) = post(&mut c2, "/validate", review("u5", "shop", big)).await;
        assert_eq!(s, 200);
        assert_eq!(r["response"]["uid"], "u5", "{r:#}");
        assert_eq!(r["response"]["allowed"], false);
        assert_eq!(r["response"]["status"]["code"], 413);
        let msg = r["response"]["status"]["message"].as_str().unwrap();
        assert!(msg.contains("limit of 65536 bytes") && msg.contains("--max-request-bytes"), "{msg}");
        // the connection is still good for the next request
        let (s, r) = post(&mut c2, "/validate", review("u5b", "shop", pod(safe(), json!({})))).await;
        assert_eq!((s, r["response"]["allowed"].clone()), (200, json!(true)));
        // over maxContainers: refused before any check runs
        let mut many = pod(safe(), json!({}));
        many["spec"]["containers"] = json!(vec![json!({"name": "c", "image": "x"}); 300]);
        let (s, r) = post(&mut c, "/mutate", review("u5c", "shop", many)).await;
        assert_eq!(s, 200);
        assert_eq!(r["response"]["allowed"], false, "{r:#}");
        assert_eq!(r["response"]["status"]["code"], 422);
        assert!(r["response"]["status"]["message"].as_str().unwrap().contains("--max-containers"));
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
        assert!(m.contains("palisade_admission_requests_total{endpoint=\"validate\",decision=\"refused\",namespace=\"shop\"} 1"), "{m}");
        assert!(m.contains("palisade_admission_requests_total{endpoint=\"mutate\",decision=\"refused\",namespace=\"shop\"} 1"), "{m}");
        assert!(m.contains("palisade_admission_connections_open "), "{m}");
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
        limits: Default::default(),
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

/// A webhook on loopback with `config` and `limits`; its runtime, address,
/// handle and the CA to trust.
struct Running {
    rt: tokio::runtime::Runtime,
    addr: SocketAddr,
    handle: axum_server::Handle<SocketAddr>,
    ca: String,
    _dir: tempfile::TempDir,
}

fn start(config: &str, limits: palisade_webhook::ServerLimits) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let certs = certificates("test").unwrap();
    let (cert, key) = (dir.path().join("tls.crt"), dir.path().join("tls.key"));
    std::fs::write(&cert, &certs.cert_pem).unwrap();
    std::fs::write(&key, &certs.key_pem).unwrap();
    let (admission, errors) = Admission::load(Config::parse(config, "c.yaml").unwrap());
    assert!(errors.is_empty(), "{errors:?}");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let handle = axum_server::Handle::new();
    let state = AppState::with_limits(admission, &limits);
    let opts = ServeOptions {
        addr,
        tls_cert: cert,
        tls_key: key,
        reload_every: Duration::from_secs(60),
        drain: Duration::from_secs(1),
        limits,
    };
    rt.spawn(serve(state, opts, Some(listener), handle.clone()));
    Running {
        rt,
        addr,
        handle,
        ca: certs.ca_pem,
        _dir: dir,
    }
}

type Tls = tokio_rustls::client::TlsStream<tokio::net::TcpStream>;

/// A raw TLS connection (for what a well-behaved client never sends).
async fn raw(addr: SocketAddr, ca: &str) -> std::io::Result<Tls> {
    let tls = std::sync::Arc::new(
        palisade_http::tls_config(&tls_config(ca.as_bytes()).unwrap()).unwrap(),
    );
    let tcp = tokio::net::TcpStream::connect(addr).await?;
    let name = rustls::pki_types::ServerName::try_from(NAME.to_string()).unwrap();
    tokio_rustls::TlsConnector::from(tls)
        .connect(name, tcp)
        .await
}

/// Everything the server sends until it closes (or `limit` passes).
async fn read_all(s: &mut Tls, limit: Duration) -> String {
    use tokio::io::AsyncReadExt;
    let mut out = Vec::new();
    let _ = tokio::time::timeout(limit, s.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn connections_are_capped_per_client_and_slow_or_idle_ones_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let limits = palisade_webhook::ServerLimits {
        max_connections: 100,
        max_connections_per_client: 3,
        header_timeout: Duration::from_secs(1),
        body_timeout: Duration::from_secs(1),
    };
    let r = start("", limits);
    let (addr, ca) = (r.addr, r.ca.clone());
    r.rt.block_on(async {
        let tls = tls_config(ca.as_bytes()).unwrap();
        let mut open = Vec::new();
        for _ in 0..3 {
            let c = loop {
                match Client::connect(addr, NAME, tls.clone()).await {
                    Ok(c) => break c,
                    Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
                }
            };
            open.push(c);
        }
        // a fourth connection from the same address is closed at once
        assert!(
            Client::connect(addr, NAME, tls.clone()).await.is_err(),
            "a connection over the per-client cap was served"
        );
        let (_, m) = open[0].send("GET", "/metrics", vec![]).await.unwrap();
        let m = String::from_utf8(m).unwrap();
        assert!(m.contains("palisade_admission_connections_refused_total{reason=\"client_limit\"} 1"), "{m}");
        assert!(m.contains("palisade_admission_connections_open 3"), "{m}");
        // one closed, one more fits
        open.pop();
        let mut again = None;
        for _ in 0..100 {
            if let Ok(c) = Client::connect(addr, NAME, tls.clone()).await {
                again = Some(c);
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(again.is_some(), "a closed connection did not give its place back");
        drop(again);
        drop(open);
        tokio::time::sleep(Duration::from_millis(200)).await;
        // a kept-alive connection idle past the header timeout is closed
        let mut s = raw(addr, &ca).await.unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
        let mut buf = [0u8; 512];
        let n = s.read(&mut buf).await.unwrap();
        assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
        let started = std::time::Instant::now();
        let rest = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf)).await;
        assert!(matches!(rest, Ok(Ok(0)) | Ok(Err(_))), "an idle connection was kept: {rest:?}");
        assert!(started.elapsed() < Duration::from_secs(4), "{:?}", started.elapsed());
        // a body that does not arrive: 408 after the body timeout
        let mut s = raw(addr, &ca).await.unwrap();
        s.write_all(b"POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"apiVersion\"")
            .await
            .unwrap();
        let answer = read_all(&mut s, Duration::from_secs(5)).await;
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        // a chunked body over the limit (no Content-Length to refuse it by):
        // refused by the uid at its start
        let mut s = raw(addr, &ca).await.unwrap();
        s.write_all(b"POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let head = br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"chunked-1","namespace":"shop","object":{"x":""#;
        s.write_all(format!("{:x}\r\n", head.len()).as_bytes()).await.unwrap();
        s.write_all(head).await.unwrap();
        s.write_all(b"\r\n").await.unwrap();
        let pad = vec![b'a'; 256 * 1024];
        for _ in 0..13 {
            s.write_all(format!("{:x}\r\n", pad.len()).as_bytes()).await.unwrap();
            s.write_all(&pad).await.unwrap();
            s.write_all(b"\r\n").await.unwrap();
        }
        s.write_all(b"0\r\n\r\n").await.unwrap();
        let answer = read_all(&mut s, Duration::from_secs(10)).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.contains("\"uid\":\"chunked-1\"") && answer.contains("\"code\":413"), "{answer}");
    });
    r.handle.shutdown();
}

#[test]
fn reviews_in_flight_are_bounded_and_wait_their_turn() {
    // one slot: a second review waits for the first, and a wait past the
    // time limit is answered 503 (overloaded), not left to pile up
    let r = start(
        "limits: {maxConcurrentReviews: 1, timeoutSeconds: 1}\n",
        Default::default(),
    );
    let (addr, ca) = (r.addr, r.ca.clone());
    r.rt.block_on(async {
        let tls = tls_config(ca.as_bytes()).unwrap();
        let mut c = loop {
            match Client::connect(addr, NAME, tls.clone()).await {
                Ok(c) => break c,
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        };
        // several at once all get their answer, one after the other
        let mut tasks = Vec::new();
        for i in 0..4 {
            let tls = tls.clone();
            tasks.push(tokio::spawn(async move {
                let mut c = Client::connect(addr, NAME, tls).await.unwrap();
                let (s, b) = c
                    .send(
                        "POST",
                        "/validate",
                        review(&format!("p{i}"), "shop", pod(safe(), json!({}))),
                    )
                    .await
                    .unwrap();
                (s, serde_json::from_slice::<Json>(&b).unwrap())
            }));
        }
        for t in tasks {
            let (s, r) = t.await.unwrap();
            assert_eq!(s, 200);
            assert_eq!(r["response"]["allowed"], true, "{r:#}");
        }
        // a request that holds the only slot (its body never finishes)
        // makes the next one wait, then answer 503
        let mut hold = raw(addr, &ca).await.unwrap();
        use tokio::io::AsyncWriteExt;
        hold.write_all(b"POST /validate HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        let (s, b) = c
            .send(
                "POST",
                "/validate",
                review("late", "shop", pod(safe(), json!({}))),
            )
            .await
            .unwrap();
        assert_eq!(s, 503, "{}", String::from_utf8_lossy(&b));
        drop(hold);
        let (_, m) = c.send("GET", "/metrics", vec![]).await.unwrap();
        let m = String::from_utf8(m).unwrap();
        assert!(
            m.contains(
                "palisade_admission_rejected_total{endpoint=\"validate\",reason=\"overloaded\"} 1"
            ),
            "{m}"
        );
    });
    r.handle.shutdown();
}
