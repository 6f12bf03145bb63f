//! The sink over real TLS: authentication (token, client certificate),
//! refusals (400, 401, 413, 429 before the body is read, 408), alerts
//! stored before the 200, events stored with secret data blanked, outputs
//! with retry, metrics (behind the token with `metrics_auth`), health.

use palisade_auditsink::install::{Auth, InstallOptions, files};
use palisade_auditsink::outputs::OutputOptions;
use palisade_auditsink::store::{Query, StoreOptions, query};
use palisade_auditsink::{SinkOptions, serve};
use palisade_webhook::client::{Client, tls_config, tls_config_with_identity};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn events() -> Vec<Value> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/audit/audit.log"),
    )
    .unwrap();
    text.lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn batch(items: Vec<Value>) -> Vec<u8> {
    serde_json::to_vec(
        &json!({"kind": "EventList", "apiVersion": "audit.k8s.io/v1", "items": items}),
    )
    .unwrap()
}

struct Setup {
    dir: tempfile::TempDir,
    opts: SinkOptions,
    addr: SocketAddr,
    listener: std::net::TcpListener,
}

fn setup(auth: Auth, outputs: OutputOptions) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let o = InstallOptions {
        url: "https://localhost:8443/audit".into(),
        hosts: vec![],
        auth,
        apiserver_dir: "/etc/kubernetes/audit".into(),
        policy: String::new(),
    };
    for f in files(&o).unwrap() {
        std::fs::write(dir.path().join(f.name), f.content).unwrap();
    }
    let token = std::fs::read_to_string(dir.path().join("sink-token"))
        .ok()
        .map(|t| t.trim().to_string());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let opts = SinkOptions {
        addr,
        tls_cert: dir.path().join("sink-tls.crt"),
        tls_key: dir.path().join("sink-tls.key"),
        client_ca: (auth == Auth::ClientCert).then(|| dir.path().join("client-ca.crt")),
        token,
        max_body_bytes: 64 * 1024,
        max_inflight: 4,
        limits: Default::default(),
        metrics_auth: false,
        store: StoreOptions {
            path: dir.path().join("audit.db"),
            retention: Duration::from_secs(3650 * 86_400),
            fsync_every_commit: false,
            queue: 16,
        },
        store_events: true,
        outputs,
        matching: palisade_falco::Matching::All,
        drain: Duration::from_secs(2),
        reload_every: Duration::from_millis(200),
    };
    Setup {
        dir,
        opts,
        addr,
        listener,
    }
}

fn rules() -> palisade_falco::RuleSet {
    palisade_falco::compile(&palisade_falco::default_rule_files())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// A sink serving on the runtime.
struct Running {
    handle: axum_server::Handle<SocketAddr>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

fn start(
    rt: &tokio::runtime::Runtime,
    opts: &SinkOptions,
    listener: std::net::TcpListener,
) -> Running {
    let handle = axum_server::Handle::new();
    let server = rt.spawn(serve(rules(), opts.clone(), Some(listener), handle.clone()));
    Running { handle, server }
}

/// Drains and stops the sink; it must end cleanly.
fn stop(rt: &tokio::runtime::Runtime, r: Running) {
    r.handle.graceful_shutdown(Some(Duration::from_secs(1)));
    rt.block_on(r.server).unwrap().unwrap();
}

async fn connect(addr: SocketAddr, tls: palisade_http::Trust) -> Client {
    for _ in 0..200 {
        if let Ok(c) = Client::connect(addr, "localhost", tls.clone()).await {
            return c;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("sink did not come up");
}

#[test]
fn token_auth_store_events_and_refusals() {
    let s = setup(Auth::Token, OutputOptions::default());
    let rt = runtime();
    let token = s.opts.token.clone().unwrap();
    let db = s.opts.store.path.clone();
    let running = start(&rt, &s.opts, s.listener);
    rt.block_on(async {
        let ca = std::fs::read(s.dir.path().join("sink-ca.crt")).unwrap();
        let mut c = connect(s.addr, tls_config(&ca).unwrap()).await;
        let auth = format!("Bearer {token}");
        let (st, _) = c
            .send_with(
                "POST",
                "/audit",
                &[("authorization", &auth)],
                batch(events()),
            )
            .await
            .unwrap();
        assert_eq!(st, 200);
        // Stored before the 200.
        let stored = query(&db, &Query::default()).unwrap();
        let rules: Vec<&str> = stored.iter().map(|a| a.rule.as_str()).collect();
        assert!(rules.contains(&"Exec or Attach Into Pod"), "{rules:?}");
        assert!(
            rules.contains(&"Privileged Workload Created or Changed"),
            "{rules:?}"
        );
        let only = query(
            &db,
            &Query {
                rule: Some("Secret Read by a Person".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(only.len(), 1);
        assert_eq!(only[0].event.user.as_deref(), Some("kubernetes-admin"));
        // Events are kept with ConfigMap data blanked.
        let conn = rusqlite::Connection::open(&db).unwrap();
        let n: i64 = conn
            .query_row("SELECT count(*) FROM events", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 7);
        let leaked: i64 = conn
            .query_row(
                "SELECT count(*) FROM events WHERE event LIKE '%hunter2%'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(leaked, 0, "a secret value was stored");
        // No token, a wrong token: 401.
        let (st, _) = c.send("POST", "/audit", batch(events())).await.unwrap();
        assert_eq!(st, 401);
        let (st, _) = c
            .send_with(
                "POST",
                "/audit",
                &[("authorization", "Bearer nope")],
                batch(vec![]),
            )
            .await
            .unwrap();
        assert_eq!(st, 401);
        // Not JSON, not an event: 400.
        let (st, _) = c
            .send_with(
                "POST",
                "/audit",
                &[("authorization", &auth)],
                b"{nope".to_vec(),
            )
            .await
            .unwrap();
        assert_eq!(st, 400);
        let (st, b) = c
            .send_with(
                "POST",
                "/audit",
                &[("authorization", &auth)],
                b"{\"kind\":0}".to_vec(),
            )
            .await
            .unwrap();
        assert_eq!(st, 400);
        assert!(String::from_utf8_lossy(&b).contains("not recognized"));
        // Too large: 413.
        let big = batch(vec![
            json!({"kind": "Event", "auditID": "x", "pad": "a".repeat(100_000)}),
        ]);
        let mut c2 = connect(s.addr, tls_config(&ca).unwrap()).await;
        let (st, _) = c2
            .send_with("POST", "/audit", &[("authorization", &auth)], big)
            .await
            .unwrap();
        assert_eq!(st, 413);
        let (_, m) = c.send("GET", "/metrics", vec![]).await.unwrap();
        let m = String::from_utf8(m).unwrap();
        assert!(m.contains("palisade_audit_events_total 7"), "{m}");
        assert!(
            m.contains("palisade_audit_requests_total{code=\"401\"} 2"),
            "{m}"
        );
        assert!(
            m.contains(
                "palisade_audit_alerts_total{rule=\"Exec or Attach Into Pod\",priority=\"Notice\"} 1"
            ),
            "{m}"
        );
        assert!(
            m.contains("palisade_audit_rejected_total{reason=\"too_large\"} 1"),
            "{m}"
        );
        assert!(m.contains("palisade_audit_store_errors_total 0"), "{m}");
        assert!(m.contains("palisade_audit_connections_open 2"), "{m}");
        let (st, b) = c.send("GET", "/healthz", vec![]).await.unwrap();
        assert_eq!((st, b), (200, b"ok\n".to_vec()));
    });
    stop(&rt, running);
}

/// With `metrics_auth`, `/metrics` wants the token too; `/healthz` never does.
#[test]
fn metrics_behind_the_token_when_asked() {
    let mut s = setup(Auth::Token, OutputOptions::default());
    s.opts.metrics_auth = true;
    let rt = runtime();
    let token = s.opts.token.clone().unwrap();
    let running = start(&rt, &s.opts, s.listener);
    rt.block_on(async {
        let ca = std::fs::read(s.dir.path().join("sink-ca.crt")).unwrap();
        let mut c = connect(s.addr, tls_config(&ca).unwrap()).await;
        let (st, _) = c.send("GET", "/metrics", vec![]).await.unwrap();
        assert_eq!(st, 401);
        let auth = format!("Bearer {token}");
        let (st, m) = c
            .send_with("GET", "/metrics", &[("authorization", &auth)], vec![])
            .await
            .unwrap();
        assert_eq!(st, 200);
        assert!(String::from_utf8_lossy(&m).contains("palisade_audit_events_total 0"));
    });
    stop(&rt, running);
}

/// Batches in flight are bounded before their bodies are read: with the
/// one place taken (by a batch whose body has not arrived), the next is
/// answered 429 at once; the slow one gets 408 after the body timeout.
#[test]
fn a_busy_sink_refuses_before_reading_and_slow_bodies_time_out() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = setup(Auth::Token, OutputOptions::default());
    s.opts.max_inflight = 1;
    s.opts.limits.body_timeout = Duration::from_secs(1);
    let rt = runtime();
    let token = s.opts.token.clone().unwrap();
    let running = start(&rt, &s.opts, s.listener);
    rt.block_on(async {
        let ca = std::fs::read(s.dir.path().join("sink-ca.crt")).unwrap();
        let mut c = connect(s.addr, tls_config(&ca).unwrap()).await;
        let auth = format!("Bearer {token}");
        let tls = Arc::new(palisade_http::tls_config(&tls_config(&ca).unwrap()).unwrap());
        let tcp = tokio::net::TcpStream::connect(s.addr).await.unwrap();
        let name = rustls::pki_types::ServerName::try_from("localhost".to_string()).unwrap();
        let mut slow = tokio_rustls::TlsConnector::from(tls)
            .connect(name, tcp)
            .await
            .unwrap();
        slow.write_all(
            format!("POST /audit HTTP/1.1\r\nHost: localhost\r\nAuthorization: {auth}\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n{{").as_bytes(),
        )
        .await
        .unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        let (st, _) = c
            .send_with("POST", "/audit", &[("authorization", &auth)], batch(events()))
            .await
            .unwrap();
        assert_eq!(st, 429);
        let mut answer = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut answer)).await;
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        // the place is free again
        let (st, _) = c
            .send_with("POST", "/audit", &[("authorization", &auth)], batch(events()))
            .await
            .unwrap();
        assert_eq!(st, 200);
        let (_, m) = c.send("GET", "/metrics", vec![]).await.unwrap();
        let m = String::from_utf8(m).unwrap();
        assert!(m.contains("palisade_audit_rejected_total{reason=\"busy\"} 1"), "{m}");
        assert!(m.contains("palisade_audit_rejected_total{reason=\"body_timeout\"} 1"), "{m}");
    });
    stop(&rt, running);
}

/// `/healthz` follows the store: 503 with the reason after a failed commit
/// (a full disk), 200 again after one succeeds.
#[test]
fn health_follows_the_store() {
    let h = palisade_auditsink::store::StoreHealth::default();
    assert_eq!(palisade_auditsink::health(&h).status(), 200);
    h.record(&Err("database or disk is full".into()));
    let r = palisade_auditsink::health(&h);
    assert_eq!(r.status(), 503);
    let body = runtime()
        .block_on(axum::body::to_bytes(r.into_body(), 1 << 20))
        .unwrap();
    assert!(String::from_utf8_lossy(&body).contains("disk is full"));
    assert!(h.record(&Ok(())), "recovery is reported");
    assert_eq!(palisade_auditsink::health(&h).status(), 200);
}

#[test]
fn client_certificates_are_required_when_configured() {
    let s = setup(Auth::ClientCert, OutputOptions::default());
    let rt = runtime();
    let running = start(&rt, &s.opts, s.listener);
    rt.block_on(async {
        let ca = std::fs::read(s.dir.path().join("sink-ca.crt")).unwrap();
        // The kubeconfig the API server gets carries the client certificate.
        let kc = base64_fields(
            &std::fs::read_to_string(s.dir.path().join("audit-webhook-kubeconfig.yaml")).unwrap(),
        );
        use base64::Engine;
        let d = |k: &str| {
            base64::engine::general_purpose::STANDARD
                .decode(kc[k].as_str().unwrap())
                .unwrap()
        };
        let with =
            tls_config_with_identity(&ca, &d("client-certificate-data"), &d("client-key-data"))
                .unwrap();
        let mut c = connect(s.addr, with).await;
        let (st, _) = c.send("POST", "/audit", batch(events())).await.unwrap();
        assert_eq!(st, 200);
        // Without a certificate the handshake or the first request fails.
        let without = tls_config(&ca).unwrap();
        let refused = match Client::connect(s.addr, "localhost", without).await {
            Err(_) => true,
            Ok(mut c) => c.send("POST", "/audit", batch(events())).await.is_err(),
        };
        assert!(refused);
    });
    stop(&rt, running);
}

/// The two base64 fields of the generated kubeconfig.
fn base64_fields(text: &str) -> Value {
    let mut out = serde_json::Map::new();
    for l in text.lines() {
        let t = l.trim();
        for k in ["client-certificate-data", "client-key-data"] {
            if let Some(v) = t.strip_prefix(&format!("{k}: ")) {
                out.insert(k.into(), Value::String(v.into()));
            }
        }
    }
    Value::Object(out)
}

#[test]
fn outputs_retry_webhooks_and_format_slack() {
    // A plain-HTTP receiver that fails the first webhook delivery.
    let got: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let rt = runtime();
    let recv = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let raddr = recv.local_addr().unwrap();
    {
        let got = got.clone();
        let first = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let app = axum::Router::new().route(
            "/{kind}",
            axum::routing::post(
                move |axum::extract::Path(kind): axum::extract::Path<String>, body: String| {
                    let got = got.clone();
                    let first = first.clone();
                    async move {
                        if kind == "hook" && first.swap(false, std::sync::atomic::Ordering::SeqCst)
                        {
                            return axum::http::StatusCode::SERVICE_UNAVAILABLE;
                        }
                        got.lock().unwrap().push((kind, body));
                        axum::http::StatusCode::OK
                    }
                },
            ),
        );
        recv.set_nonblocking(true).unwrap();
        rt.spawn(async move {
            let l = tokio::net::TcpListener::from_std(recv).unwrap();
            axum::serve(l, app).await.unwrap();
        });
    }
    let dir = tempfile::tempdir().unwrap();
    let outputs = OutputOptions {
        stdout: false,
        file: Some(dir.path().join("alerts.jsonl")),
        webhook: Some(format!("http://{raddr}/hook")),
        slack: Some(format!("http://{raddr}/slack")),
        ca_file: None,
        min_priority: Some(palisade_falco::Priority::Warning),
        attempts: 3,
        backoff: Duration::from_millis(50),
        queue: 100,
    };
    let s = setup(Auth::Token, outputs);
    let token = s.opts.token.clone().unwrap();
    let running = start(&rt, &s.opts, s.listener);
    rt.block_on(async {
        let ca = std::fs::read(s.dir.path().join("sink-ca.crt")).unwrap();
        let mut c = connect(s.addr, tls_config(&ca).unwrap()).await;
        let auth = format!("Bearer {token}");
        let (st, _) = c
            .send_with(
                "POST",
                "/audit",
                &[("authorization", &auth)],
                batch(events()),
            )
            .await
            .unwrap();
        assert_eq!(st, 200);
        // 4 alerts at Warning or above in the example log.
        for _ in 0..200 {
            if got.lock().unwrap().len() >= 8 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    });
    let got = got.lock().unwrap().clone();
    let hooks: Vec<&String> = got
        .iter()
        .filter(|(k, _)| k == "hook")
        .map(|(_, b)| b)
        .collect();
    let slack: Vec<&String> = got
        .iter()
        .filter(|(k, _)| k == "slack")
        .map(|(_, b)| b)
        .collect();
    assert_eq!(hooks.len(), 4, "{got:?}");
    assert_eq!(slack.len(), 4, "{got:?}");
    let first: Value = serde_json::from_str(hooks[0]).unwrap();
    assert_eq!(first["rule"], "Secret Read by a Person");
    let text: Value = serde_json::from_str(slack[0]).unwrap();
    assert!(
        text["text"]
            .as_str()
            .unwrap()
            .starts_with("[Warning] Secret Read by a Person:"),
        "{text}"
    );
    assert!(got.iter().all(|(_, b)| !b.contains("hunter2")));
    let lines = std::fs::read_to_string(dir.path().join("alerts.jsonl")).unwrap();
    assert_eq!(lines.lines().count(), 4);
    stop(&rt, running);
}

#[test]
fn windows_count_across_batches() {
    let s = setup(Auth::Token, OutputOptions::default());
    let rt = runtime();
    let token = s.opts.token.clone().unwrap();
    let db = s.opts.store.path.clone();
    let running = start(&rt, &s.opts, s.listener);
    let refused = |i: usize| {
        json!({
            "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata",
            "auditID": format!("r-{i}"), "stage": "ResponseComplete", "verb": "list",
            "user": {"username": "system:serviceaccount:shop:web"},
            "sourceIPs": ["10.0.0.9"], "requestURI": "/api/v1/namespaces/kube-system/secrets",
            "objectRef": {"resource": "secrets", "namespace": "kube-system"},
            "responseStatus": {"code": 403},
            "stageTimestamp": format!("2026-11-29T08:00:{:02}Z", i)
        })
    };
    rt.block_on(async {
        let ca = std::fs::read(s.dir.path().join("sink-ca.crt")).unwrap();
        let mut c = connect(s.addr, tls_config(&ca).unwrap()).await;
        let auth = format!("Bearer {token}");
        // two batches of 12 refusals: the window fills in the second
        for part in [0..12, 12..24] {
            let (st, _) = c
                .send_with(
                    "POST",
                    "/audit",
                    &[("authorization", &auth)],
                    batch(part.map(refused).collect()),
                )
                .await
                .unwrap();
            assert_eq!(st, 200);
        }
        let got = query(
            &db,
            &Query {
                rule: Some("Forbidden Requests Burst".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].event.audit_id.as_deref(), Some("r-19"));
    });
    stop(&rt, running);
}
