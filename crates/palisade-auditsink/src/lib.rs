//! The audit sink: the API server's audit webhook backend (`POST` of an
//! `EventList`, batch mode) over HTTPS.
//!
//! A thin adapter over [`palisade_falco`]: each batch is checked against
//! the loaded rules off the async threads, its alerts (and, optionally, its
//! events, secret data blanked) are committed to SQLite, and only then is
//! the request answered 200 — an acknowledged alert is never lost. It never
//! holds the API server hostage (kubernetes#85489): bodies are size-limited
//! (413), batches in flight and batches waiting for the disk are bounded,
//! and overload is answered at once with 429, which the API server's batch
//! backend retries. Authentication: a bearer token, a client certificate
//! signed by a given CA, or both.

pub mod install;
pub mod metrics;
pub mod outputs;
pub mod store;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum_server::tls_rustls::RustlsConfig;
use metrics::Metrics;
use outputs::{OutputOptions, Outputs};
use palisade_falco::{Matching, RuleSet, Scratch, Windows};
use palisade_webhook::ServerLimits;
use palisade_webhook::limits::{BodyError, Budget};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::{Batch, StoreHealth, StoreOptions, StoredAlert, StoredEvent, Submit, Writer};

/// The default `max_body_bytes`: 5 MiB. A batch costs up to ~25 times its
/// size while it is checked (its parsed events; measured with arrays of
/// small numbers, the worst shape), and the bodies in flight add up to at
/// most `max_body_bytes` ([`Budget`]), so: ~37 MB idle + 25 × 5 MiB
/// (131 MB) + ~23 MB for 512 idle connections + ~10 MB of alerts queued
/// for the outputs ≈ 200 MB, inside a 256 MiB (268 MB) limit.
/// `audit install` has the API server split batches at 4 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 5 << 20;

/// How to serve.
#[derive(Debug, Clone)]
pub struct SinkOptions {
    pub addr: SocketAddr,
    pub tls_cert: PathBuf,
    pub tls_key: PathBuf,
    /// Require client certificates signed by this CA (PEM).
    pub client_ca: Option<PathBuf>,
    /// Require `Authorization: Bearer <token>`.
    pub token: Option<String>,
    /// The largest batch; larger are answered 413. Also the most bytes of
    /// batches in flight at once (see [`Budget`]): a batch costs up to ~25
    /// times its size while it is checked, so this bounds the sink's memory.
    pub max_body_bytes: usize,
    /// Batches being checked at once; more are answered 429.
    pub max_inflight: usize,
    /// Connections, and the time to send headers and a body.
    pub limits: ServerLimits,
    /// Require the bearer token on `/metrics` as well (with a client CA,
    /// every path already needs a client certificate).
    pub metrics_auth: bool,
    pub store: StoreOptions,
    /// Also keep the events themselves (secret data blanked).
    pub store_events: bool,
    pub outputs: OutputOptions,
    pub matching: Matching,
    /// How long in-flight requests may take to finish on shutdown.
    pub drain: Duration,
    /// How often the certificate files are checked for changes.
    pub reload_every: Duration,
}

/// Shared by every request.
pub struct Sink {
    rules: Arc<RuleSet>,
    writer: Writer,
    outputs: Outputs,
    pub metrics: Arc<Metrics>,
    token: Option<String>,
    /// Batches in flight, by count and by bytes.
    inflight: Budget,
    max_body_bytes: usize,
    body_timeout: Duration,
    metrics_auth: bool,
    health: Arc<StoreHealth>,
    store_events: bool,
    matching: Matching,
    /// The windowed rules' state, kept across batches.
    windows: std::sync::Mutex<Windows>,
}

fn text(code: StatusCode, msg: &str) -> Response {
    (
        code,
        [(header::CONTENT_TYPE, "text/plain")],
        format!("{msg}\n"),
    )
        .into_response()
}

fn authorized(s: &Sink, headers: &HeaderMap) -> bool {
    let Some(want) = &s.token else { return true };
    let Some(got) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let Some(got) = got.strip_prefix("Bearer ") else {
        return false;
    };
    use subtle::ConstantTimeEq;
    got.len() == want.len() && bool::from(got.as_bytes().ct_eq(want.as_bytes()))
}

/// What a batch became: alerts to store and send, events to store.
struct Checked {
    alerts: Vec<StoredAlert>,
    events: Vec<StoredEvent>,
    count: u64,
}

fn check(s: &Sink, body: &[u8]) -> Result<Checked, String> {
    let doc: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("invalid JSON: {e}"))?;
    let events = palisade_falco::event::events_of(doc)?;
    let mut alerts = Vec::new();
    let mut stored = Vec::new();
    // one batch at a time through the windows, so that their counts see
    // the events in the order the API server sent them
    {
        let mut windows = s.windows.lock().unwrap_or_else(|p| p.into_inner());
        for ev in &events {
            let mut scratch = Scratch::new();
            for a in s.rules.evaluate(ev, s.matching, &mut scratch, &mut windows) {
                alerts.push(StoredAlert {
                    time_ns: ev.time_ns() as i64,
                    record: palisade_falco::alert_record(&a, ev),
                });
            }
        }
    }
    for ev in &events {
        if s.store_events {
            let mut j = ev.json.clone();
            palisade_redact::json::blank_objects(&mut j);
            stored.push(StoredEvent {
                time_ns: ev.time_ns() as i64,
                audit_id: ev.audit_id().unwrap_or("").to_string(),
                stage: ev.str_at(&["stage"]).unwrap_or("").to_string(),
                json: j.to_string(),
            });
        }
    }
    Ok(Checked {
        alerts,
        events: stored,
        count: events.len() as u64,
    })
}

async fn ingest(State(s): State<Arc<Sink>>, headers: HeaderMap, mut body: Body) -> Response {
    let started = Instant::now();
    if !authorized(&s, &headers) {
        s.metrics.reject("unauthorized");
        s.metrics.request(401);
        return text(StatusCode::UNAUTHORIZED, "a valid bearer token is required");
    }
    let declared = palisade_webhook::limits::content_length(&headers);
    if declared.is_some_and(|n| n > s.max_body_bytes as u64) {
        palisade_webhook::limits::drain(&mut body, s.body_timeout, |_| {}).await;
        return too_large(&s);
    }
    // a place (by count and bytes) before the body is read: a refused
    // batch costs nothing but its headers
    let Some(permit) = s
        .inflight
        .try_acquire(declared.map_or(s.max_body_bytes, |n| n as usize))
    else {
        s.metrics.reject("busy");
        s.metrics.request(429);
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, "1")],
            "busy\n",
        )
            .into_response();
    };
    let body = match palisade_webhook::limits::read_body(
        &mut body,
        s.max_body_bytes,
        s.body_timeout,
        declared,
    )
    .await
    {
        Ok(b) => b,
        Err(BodyError::TooLarge(_)) => {
            drop(permit);
            palisade_webhook::limits::drain(&mut body, s.body_timeout, |_| {}).await;
            return too_large(&s);
        }
        Err(BodyError::TimedOut) => {
            s.metrics.reject("body_timeout");
            s.metrics.request(408);
            return text(
                StatusCode::REQUEST_TIMEOUT,
                &format!("the batch did not arrive within {:?}", s.body_timeout),
            );
        }
        Err(BodyError::Failed(e)) => {
            s.metrics.reject("bad_request");
            s.metrics.request(400);
            return text(
                StatusCode::BAD_REQUEST,
                &format!("reading the batch failed: {e}"),
            );
        }
    };
    let s2 = s.clone();
    // the place goes with the work: a request gone meanwhile (the API
    // server timed out) does not free it while its batch is still checked
    let checked = tokio::task::spawn_blocking(move || (check(&s2, &body), permit)).await;
    let (checked, permit) = match checked {
        Ok((r, permit)) => (r, permit),
        Err(_) => {
            s.metrics.request(500);
            return text(
                StatusCode::INTERNAL_SERVER_ERROR,
                "checking the batch failed",
            );
        }
    };
    let checked = match checked {
        Ok(c) => c,
        Err(e) => {
            s.metrics.reject("bad_request");
            s.metrics.request(400);
            return text(StatusCode::BAD_REQUEST, &e);
        }
    };
    s.metrics.events(checked.count);
    let (done, wait) = tokio::sync::oneshot::channel();
    let records: Vec<_> = checked.alerts.iter().map(|a| a.record.clone()).collect();
    match s.writer.submit(Batch {
        alerts: checked.alerts,
        events: checked.events,
        done,
        place: Some(permit),
    }) {
        Submit::Queued => {}
        Submit::Full(_) => {
            s.metrics.reject("store_busy");
            s.metrics.request(429);
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, "1")],
                "store busy\n",
            )
                .into_response();
        }
        Submit::Closed => {
            s.metrics.request(503);
            return text(StatusCode::SERVICE_UNAVAILABLE, "shutting down");
        }
    }
    let committed = wait.await;
    match committed {
        Ok(Ok(())) => {
            for r in records {
                s.metrics.alert(&r.rule, &r.priority);
                s.outputs.send(r);
            }
            s.metrics.observe(started.elapsed().as_secs_f64());
            s.metrics.request(200);
            text(StatusCode::OK, "ok")
        }
        _ => {
            s.metrics.request(500);
            text(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the alerts could not be stored",
            )
        }
    }
}

fn too_large(s: &Sink) -> Response {
    s.metrics.reject("too_large");
    s.metrics.request(413);
    text(
        StatusCode::PAYLOAD_TOO_LARGE,
        &format!(
            "the batch is over the limit of {} bytes (--max-body-bytes)",
            s.max_body_bytes
        ),
    )
}

/// 200 while the store's last commit succeeded, else 503 with why.
pub fn health(h: &StoreHealth) -> Response {
    match h.error() {
        None => text(StatusCode::OK, "ok"),
        Some(e) => text(
            StatusCode::SERVICE_UNAVAILABLE,
            &format!("the alert store cannot write: {e}"),
        ),
    }
}

async fn healthz(State(s): State<Arc<Sink>>) -> Response {
    health(&s.health)
}

async fn metrics_handler(State(s): State<Arc<Sink>>, headers: HeaderMap) -> Response {
    if s.metrics_auth && !authorized(&s, &headers) {
        return text(StatusCode::UNAUTHORIZED, "a valid bearer token is required");
    }
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let (content_type, body) = palisade_webhook::negotiate(accept, s.metrics.encode());
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// The routes, for the server and for tests. `/audit` reads its body
/// itself, within the limits, once the batch has its place.
pub fn router(s: Arc<Sink>) -> Router {
    Router::new()
        .route("/audit", post(ingest))
        .route("/", post(ingest))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_handler))
        .with_state(s)
}

fn server_config(opts: &SinkOptions) -> std::io::Result<Arc<rustls::ServerConfig>> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let err = |e: &dyn std::fmt::Display| std::io::Error::other(e.to_string());
    let cert_pem = std::fs::read(&opts.tls_cert)?;
    let key_pem = std::fs::read(&opts.tls_key)?;
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| err(&e))?;
    let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| err(&e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| err(&e))?;
    let mut cfg = match &opts.client_ca {
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            for c in CertificateDer::pem_slice_iter(&std::fs::read(ca)?) {
                roots.add(c.map_err(|e| err(&e))?).map_err(|e| err(&e))?;
            }
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            )
            .build()
            .map_err(|e| err(&e))?;
            builder
                .with_client_cert_verifier(verifier)
                .with_single_cert(chain, key)
        }
        None => builder.with_no_client_auth().with_single_cert(chain, key),
    }
    .map_err(|e| err(&e))?;
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(cfg))
}

/// Loads everything, then serves until SIGTERM/Ctrl-C (or
/// `handle.graceful_shutdown`), then drains and lets the store finish.
pub async fn serve(
    rules: RuleSet,
    opts: SinkOptions,
    listener: Option<std::net::TcpListener>,
    handle: axum_server::Handle<SocketAddr>,
) -> std::io::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let tls = RustlsConfig::from_config(server_config(&opts)?);
    let (writer, store_thread) = store::start(&opts.store).map_err(std::io::Error::other)?;
    let health = writer.health();
    let mut metrics = Metrics::new();
    metrics.register_store(&health);
    let metrics = Arc::new(metrics);
    let outputs =
        outputs::start(opts.outputs.clone(), metrics.clone()).map_err(std::io::Error::other)?;
    let sink = Arc::new(Sink {
        rules: Arc::new(rules),
        writer,
        outputs,
        metrics,
        token: opts.token.clone(),
        inflight: Budget::new(opts.max_inflight, opts.max_body_bytes),
        max_body_bytes: opts.max_body_bytes,
        body_timeout: opts.limits.body_timeout,
        metrics_auth: opts.metrics_auth,
        health,
        store_events: opts.store_events,
        matching: opts.matching,
        windows: std::sync::Mutex::new(Windows::new()),
    });
    {
        let tls = tls.clone();
        let o = opts.clone();
        let files = [
            Some(o.tls_cert.clone()),
            Some(o.tls_key.clone()),
            o.client_ca.clone(),
        ]
        .into_iter()
        .flatten()
        .collect();
        palisade_webhook::watch_files(files, o.reload_every, move || {
            let r = server_config(&o).map(|c| {
                tls.reload_from_config(c);
                "the TLS configuration".to_string()
            });
            async move { r.map_err(|e| e.to_string()) }
        });
    }
    {
        let handle = handle.clone();
        let drain = opts.drain;
        tokio::spawn(async move {
            palisade_webhook::shutdown_signal().await;
            eprintln!("palisade: shutting down, draining requests for up to {drain:?}");
            handle.graceful_shutdown(Some(drain));
        });
    }
    let app = router(sink.clone());
    let connections = sink.metrics.connections();
    let served = palisade_webhook::serve_https(
        opts.addr,
        listener,
        tls,
        handle,
        app,
        &opts.limits,
        connections,
    )
    .await;
    // Let the writer finish what was acknowledged-in-progress.
    drop(sink);
    let _ = tokio::task::spawn_blocking(move || store_thread.join()).await;
    served
}
