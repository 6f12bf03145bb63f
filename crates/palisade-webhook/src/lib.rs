//! The admission webhook over HTTPS: `/validate`, `/mutate`, `/healthz`,
//! `/readyz`, `/metrics`.
//!
//! A thin adapter: every decision is [`palisade_admission::Admission::review`],
//! run off the async threads with a time limit. TLS is rustls with the ring
//! provider; the certificate files are watched and reloaded when they
//! change (cert-manager rotation). What one request may cost is bounded
//! ([`limits`], `limits:` in the configuration): a review over the byte or
//! container limit is refused with an AdmissionReview naming the limit
//! (not an HTTP error, which `failurePolicy: Ignore` would turn into
//! "admitted unchecked"); reviews in flight are bounded by count and by
//! bytes; connections in total and per client, and the time to send
//! headers and a body, are bounded. Requests that are not AdmissionReviews
//! get 400, decisions past the time limit 504 (the API server then applies
//! the webhook's `failurePolicy`). On SIGTERM or Ctrl-C the server stops
//! accepting, answers `/readyz` with 503, and drains the requests in
//! flight.

pub mod client;
pub mod limits;
mod metrics;

pub use limits::{HEADER_READ_TIMEOUT, ServerLimits};
pub use metrics::{Metrics, negotiate, text_format};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum_server::tls_rustls::RustlsConfig;
use limits::{BodyError, Budget, LogLimiter};
use palisade_admission::{Admission, Endpoint};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

/// Shared by every request.
pub struct AppState {
    /// Swapped whole when the cluster inventory is read again.
    admission: std::sync::RwLock<Arc<Admission>>,
    pub metrics: Metrics,
    pub timeout: Duration,
    pub shutting_down: AtomicBool,
    /// Reviews in flight, by count and by bytes (`limits.maxConcurrentReviews`,
    /// `limits.maxRequestBytes`).
    pub budget: Budget,
    /// The largest AdmissionReview read.
    pub max_request_bytes: usize,
    pub body_timeout: Duration,
    log: LogLimiter,
}

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub addr: SocketAddr,
    pub tls_cert: PathBuf,
    pub tls_key: PathBuf,
    /// How often the certificate files are checked for changes.
    pub reload_every: Duration,
    /// How long in-flight requests may take to finish on shutdown.
    pub drain: Duration,
    /// Connections and the time to send headers.
    pub limits: ServerLimits,
}

/// The routes, for the server and for tests. The review endpoints read
/// their bodies themselves, within the limits, once the review has its
/// place in the budget.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/validate", post(validate))
        .route("/mutate", post(mutate))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics))
        .with_state(state)
}

impl AppState {
    /// With the default server limits.
    pub fn new(admission: Admission) -> Arc<AppState> {
        Self::with_limits(admission, &ServerLimits::default())
    }

    /// The review limits come from `admission.config.limits`; the body
    /// timeout from `server`.
    pub fn with_limits(admission: Admission, server: &ServerLimits) -> Arc<AppState> {
        let l = &admission.config.limits;
        let timeout = Duration::from_secs(l.timeout_seconds.max(1));
        Arc::new(AppState {
            metrics: Metrics::with_namespace_labels(timeout, l.max_namespace_labels),
            budget: Budget::new(l.max_concurrent_reviews, l.max_request_bytes),
            max_request_bytes: l.max_request_bytes,
            body_timeout: server.body_timeout,
            log: LogLimiter::new(limits::LOG_EVERY),
            admission: std::sync::RwLock::new(Arc::new(admission)),
            timeout,
            shutting_down: AtomicBool::new(false),
        })
    }
}

impl AppState {
    /// The admission in force.
    pub fn current(&self) -> Arc<Admission> {
        self.admission
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Puts a rebuilt admission in force.
    pub fn replace(&self, a: Admission) {
        *self.admission.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(a);
    }

    /// Reads the cluster and rebuilds the inventory, once.
    pub fn refresh_from_cluster(&self, opts: &palisade_live::LiveOptions) -> Result<usize, String> {
        let fetched = palisade_live::fetch(opts).map_err(|e| e.to_string())?;
        let n = fetched.objects.len();
        let (a, errors) = self.current().with_cluster_objects(fetched.objects);
        if let Some(e) = errors.first() {
            return Err(format!("the cluster inventory was not applied: {e}"));
        }
        self.replace(a);
        Ok(n)
    }
}

/// Reads the cluster inventory now and then every `refreshSeconds`, on a
/// thread of its own (the decision threads never wait for the API server).
pub fn spawn_cluster_inventory(state: Arc<AppState>) -> Option<std::thread::JoinHandle<()>> {
    let c = state.current().config.cluster.clone()?;
    let opts = palisade_live::LiveOptions {
        kubeconfig: c.kubeconfig.clone(),
        context: c.context.clone(),
        ..Default::default()
    };
    let every = Duration::from_secs(c.refresh_seconds.max(5));
    Some(std::thread::spawn(move || {
        loop {
            match state.refresh_from_cluster(&opts) {
                Ok(n) => eprintln!("palisade: inventory: {n} objects read from the cluster"),
                Err(e) => eprintln!("palisade: inventory: {e}; keeping the previous one"),
            }
            if state.shutting_down.load(Ordering::Relaxed) {
                return;
            }
            std::thread::sleep(every);
        }
    }))
}

async fn ready(State(s): State<Arc<AppState>>) -> Response {
    if s.shutting_down.load(Ordering::Relaxed) {
        (StatusCode::SERVICE_UNAVAILABLE, "shutting down").into_response()
    } else {
        "ok".into_response()
    }
}

async fn metrics(State(s): State<Arc<AppState>>, headers: axum::http::HeaderMap) -> Response {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let (content_type, body) = negotiate(accept, s.metrics.encode());
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

async fn validate(State(s): State<Arc<AppState>>, headers: HeaderMap, body: Body) -> Response {
    decide(s, headers, body, Endpoint::Validate).await
}

async fn mutate(State(s): State<Arc<AppState>>, headers: HeaderMap, body: Body) -> Response {
    decide(s, headers, body, Endpoint::Mutate).await
}

fn review_response(d: &palisade_admission::Decision) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::to_vec(&d.response).unwrap_or_default(),
    )
        .into_response()
}

async fn decide(
    s: Arc<AppState>,
    headers: HeaderMap,
    mut body: Body,
    endpoint: Endpoint,
) -> Response {
    let started = Instant::now();
    let name = match endpoint {
        Endpoint::Validate => "validate",
        Endpoint::Mutate => "mutate",
    };
    let response = answer(&s, &headers, &mut body, endpoint, name).await;
    s.metrics.observe(started.elapsed());
    response
}

async fn answer(
    s: &Arc<AppState>,
    headers: &HeaderMap,
    body: &mut Body,
    endpoint: Endpoint,
    name: &'static str,
) -> Response {
    let limit = s.max_request_bytes;
    let declared = limits::content_length(headers);
    // over the limit by its own account: scanned for its uid, not kept
    if let Some(n) = declared.filter(|&n| n > limit as u64) {
        return too_large(s, name, Bytes::new(), Some(n), body).await;
    }
    // a place in the budget before the body is read: waiting requests
    // hold their connection, not their body
    let wanted = declared.map_or(limit, |n| n as usize);
    let Ok(permit) = tokio::time::timeout(s.timeout, s.budget.acquire(wanted)).await else {
        s.metrics.reject(name, "overloaded");
        s.log.log(
            "overloaded",
            format!(
                "no review slot free within {:?}: requests are answered 503",
                s.timeout
            ),
        );
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "palisade: overloaded: no review slot free within {:?}\n",
                s.timeout
            ),
        )
            .into_response();
    };
    let bytes = match limits::read_body(body, limit, s.body_timeout, declared).await {
        Ok(b) => b,
        Err(BodyError::TooLarge(prefix)) => {
            drop(permit);
            return too_large(s, name, prefix, None, body).await;
        }
        Err(e) => return body_error(s, name, e),
    };
    let admission = s.current();
    // the place is given back when the decision ends, not when its wait does
    let work = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        admission.review(&bytes, endpoint)
    });
    match tokio::time::timeout(s.timeout, work).await {
        Ok(Ok(Ok(d))) => {
            s.metrics.record(name, &d);
            for (policy, fp, message) in &d.policy_errors {
                s.log.log(
                    &format!("policy {policy}"),
                    format!("policy {policy} failed ({fp:?}): {message}"),
                );
            }
            review_response(&d)
        }
        Ok(Ok(Err(bad))) => {
            s.metrics.reject(name, "bad_request");
            (StatusCode::BAD_REQUEST, format!("palisade: {bad}\n")).into_response()
        }
        Ok(Err(join)) => {
            s.metrics.reject(name, "internal_error");
            s.log
                .log("decision", format!("the decision failed: {join}"));
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "palisade: the decision failed\n",
            )
                .into_response()
        }
        Err(_) => {
            s.metrics.reject(name, "timeout");
            (
                StatusCode::GATEWAY_TIMEOUT,
                format!("palisade: no decision within {:?}\n", s.timeout),
            )
                .into_response()
        }
    }
}

/// An AdmissionReview over the limit: refused by its uid (scanned for in
/// `read`, what was read of it, and in the rest as it arrives), or a plain
/// 413 when the body does not name it.
async fn too_large(
    s: &AppState,
    name: &'static str,
    read: Bytes,
    size: Option<u64>,
    body: &mut Body,
) -> Response {
    let mut scan = palisade_admission::limits::IdentityScanner::new();
    scan.feed(&read);
    drop(read);
    // the client is still sending: take the rest (kept only as long as
    // the scan looks at it), so that it reads the answer rather than a
    // reset connection
    limits::drain(body, s.body_timeout, |piece| scan.feed(piece)).await;
    let refusal =
        palisade_admission::limits::refuse_too_large(scan.identity(), size, s.max_request_bytes);
    match refusal {
        Some(d) => {
            s.metrics.record(name, &d);
            review_response(&d)
        }
        None => {
            s.metrics.reject(name, "too_large");
            (
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "palisade: the request is over the limit of {} bytes (--max-request-bytes)\n",
                    s.max_request_bytes
                ),
            )
                .into_response()
        }
    }
}

fn body_error(s: &AppState, name: &'static str, e: BodyError) -> Response {
    let why = match e {
        BodyError::TimedOut => {
            s.metrics.reject(name, "body_timeout");
            return (
                StatusCode::REQUEST_TIMEOUT,
                format!(
                    "palisade: the body did not arrive within {:?}\n",
                    s.body_timeout
                ),
            )
                .into_response();
        }
        BodyError::Failed(e) => e,
        BodyError::TooLarge(_) => "over the limit".into(),
    };
    s.metrics.reject(name, "bad_request");
    (
        StatusCode::BAD_REQUEST,
        format!("palisade: reading the body failed: {why}\n"),
    )
        .into_response()
}

fn modified(p: &PathBuf) -> Option<SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

/// Polls `files` every `every` and calls `reload` when one of them changed
/// since the last successful reload (a failed reload — half-written files
/// during a rotation — is tried again at the next change or poll).
pub fn watch_files<F, Fut>(files: Vec<PathBuf>, every: Duration, mut reload: F)
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<String, String>> + Send,
{
    tokio::spawn(async move {
        let stamp = |fs: &[PathBuf]| fs.iter().map(modified).collect::<Vec<_>>();
        let mut seen = stamp(&files);
        loop {
            tokio::time::sleep(every).await;
            let now = stamp(&files);
            if now != seen {
                match reload().await {
                    Ok(what) => {
                        eprintln!("palisade: reloaded {what}");
                        seen = now;
                    }
                    Err(e) => eprintln!("palisade: TLS not reloaded: {e}"),
                }
            }
        }
    });
}

/// Serves until SIGTERM/Ctrl-C (or `handle.graceful_shutdown`), then
/// drains. The ring crypto provider is installed here.
pub async fn serve(
    state: Arc<AppState>,
    opts: ServeOptions,
    listener: Option<std::net::TcpListener>,
    handle: axum_server::Handle<SocketAddr>,
) -> std::io::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let tls = RustlsConfig::from_pem_file(&opts.tls_cert, &opts.tls_key).await?;
    // certificate reload
    {
        let tls = tls.clone();
        let (cert, key) = (opts.tls_cert.clone(), opts.tls_key.clone());
        watch_files(
            vec![cert.clone(), key.clone()],
            opts.reload_every,
            move || {
                let (tls, cert, key) = (tls.clone(), cert.clone(), key.clone());
                async move {
                    tls.reload_from_pem_file(&cert, &key)
                        .await
                        .map(|()| format!("the TLS certificate from {}", cert.display()))
                        .map_err(|e| e.to_string())
                }
            },
        );
    }
    // graceful shutdown on signals
    {
        let handle = handle.clone();
        let state = state.clone();
        let drain = opts.drain;
        tokio::spawn(async move {
            shutdown_signal().await;
            eprintln!("palisade: shutting down, draining requests for up to {drain:?}");
            state.shutting_down.store(true, Ordering::Relaxed);
            handle.graceful_shutdown(Some(drain));
        });
    }
    spawn_cluster_inventory(state.clone());
    let connections = state.metrics.connections();
    serve_https(
        opts.addr,
        listener,
        tls,
        handle,
        router(state),
        &opts.limits,
        connections,
    )
    .await
}

/// Serves `app` over HTTPS on `addr` (or an already bound `listener`) until
/// `handle` shuts it down, within `limits`: connections in total and per
/// client (refused before the TLS handshake, counted in `metrics`), and
/// the time a client may take to send headers, its first request, or the
/// next one on a kept-alive connection. The one server start-up of
/// palisade's HTTPS servers (the admission webhook, the audit sink).
pub async fn serve_https(
    addr: SocketAddr,
    listener: Option<std::net::TcpListener>,
    tls: RustlsConfig,
    handle: axum_server::Handle<SocketAddr>,
    app: Router,
    limits: &ServerLimits,
    metrics: limits::ConnectionMetrics,
) -> std::io::Result<()> {
    let conns = limits::Connections::new(limits, metrics);
    let server = match listener {
        Some(l) => {
            l.set_nonblocking(true)?;
            axum_server::from_tcp_rustls(l, tls)?
        }
        None => axum_server::bind_rustls(addr, tls),
    };
    let failed = conns.clone();
    let mut server = server
        .map(|tls| {
            tls.acceptor(limits::LimitAcceptor {
                conns: conns.clone(),
            })
        })
        .accept_error_handler(move |_, e| failed.failed(e));
    server
        .http_builder()
        .http1()
        .header_read_timeout(Some(limits.header_timeout));
    server
        .first_request_timeout(limits.header_timeout)
        .handle(handle)
        .serve(app.into_make_service())
        .await
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(t) => t,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
