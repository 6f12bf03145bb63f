//! The admission webhook over HTTPS: `/validate`, `/mutate`, `/healthz`,
//! `/readyz`, `/metrics`.
//!
//! A thin adapter: every decision is [`palisade_admission::Admission::review`],
//! run off the async threads with a time limit. TLS is rustls with the ring
//! provider; the certificate files are watched and reloaded when they
//! change (cert-manager rotation). Bodies over the limit get 413, requests
//! that are not AdmissionReviews 400, decisions past the time limit 504
//! (the API server then applies the webhook's `failurePolicy`). On SIGTERM
//! or Ctrl-C the server stops accepting, answers `/readyz` with 503, and
//! drains the requests in flight.

pub mod client;
mod metrics;

pub use metrics::{Metrics, negotiate, text_format};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum_server::tls_rustls::RustlsConfig;
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
}

/// The routes, for the server and for tests.
pub fn router(state: Arc<AppState>) -> Router {
    let limit = state.current().config.limits.max_request_bytes;
    Router::new()
        .route("/validate", post(validate))
        .route("/mutate", post(mutate))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(state)
}

impl AppState {
    pub fn new(admission: Admission) -> Arc<AppState> {
        let timeout = Duration::from_secs(admission.config.limits.timeout_seconds.max(1));
        Arc::new(AppState {
            metrics: Metrics::new(timeout),
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

async fn validate(State(s): State<Arc<AppState>>, body: Bytes) -> Response {
    decide(s, body, Endpoint::Validate).await
}

async fn mutate(State(s): State<Arc<AppState>>, body: Bytes) -> Response {
    decide(s, body, Endpoint::Mutate).await
}

async fn decide(s: Arc<AppState>, body: Bytes, endpoint: Endpoint) -> Response {
    let started = Instant::now();
    let admission = s.current();
    let work = tokio::task::spawn_blocking(move || admission.review(&body, endpoint));
    let name = match endpoint {
        Endpoint::Validate => "validate",
        Endpoint::Mutate => "mutate",
    };
    let result = tokio::time::timeout(s.timeout, work).await;
    let response = match result {
        Ok(Ok(Ok(d))) => {
            s.metrics.record(name, &d);
            for (policy, fp, message) in &d.policy_errors {
                eprintln!("palisade: policy {policy} failed ({fp:?}): {message}");
            }
            (
                [(header::CONTENT_TYPE, "application/json")],
                serde_json::to_vec(&d.response).unwrap_or_default(),
            )
                .into_response()
        }
        Ok(Ok(Err(bad))) => {
            s.metrics.reject(name, "bad_request");
            (StatusCode::BAD_REQUEST, format!("palisade: {bad}\n")).into_response()
        }
        Ok(Err(join)) => {
            s.metrics.reject(name, "internal_error");
            eprintln!("palisade: the decision failed: {join}");
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
    };
    s.metrics.observe(started.elapsed());
    response
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
    serve_https(opts.addr, listener, tls, handle, router(state)).await
}

/// How long a client may take to send a request's headers once it has
/// connected (and finished the TLS handshake), and to send its first
/// request at all: a client that drips header bytes, or connects and says
/// nothing, is cut off instead of holding a connection and its memory.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves `app` over HTTPS on `addr` (or an already bound `listener`) until
/// `handle` shuts it down, with [`HEADER_READ_TIMEOUT`] on every
/// connection: the one server start-up of palisade's HTTPS servers (the
/// admission webhook, the audit sink).
pub async fn serve_https(
    addr: SocketAddr,
    listener: Option<std::net::TcpListener>,
    tls: RustlsConfig,
    handle: axum_server::Handle<SocketAddr>,
    app: Router,
) -> std::io::Result<()> {
    let mut server = match listener {
        Some(l) => {
            l.set_nonblocking(true)?;
            axum_server::from_tcp_rustls(l, tls)?
        }
        None => axum_server::bind_rustls(addr, tls),
    };
    server
        .http_builder()
        .http1()
        .header_read_timeout(Some(HEADER_READ_TIMEOUT));
    server
        .first_request_timeout(HEADER_READ_TIMEOUT)
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
