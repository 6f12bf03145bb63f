//! Where alerts go once stored (falcosidekick's common outputs): JSON lines
//! on stdout or to a file, a generic webhook (the alert JSON), a
//! Slack-compatible webhook (`{"text": …}`). Webhooks are retried with
//! exponential backoff; the queue is bounded and overflow is counted, never
//! waited on — the store already has the alert.

use crate::metrics::Metrics;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use palisade_falco::{AlertRecord, Priority};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// Which outputs are on.
#[derive(Debug, Clone, Default)]
pub struct OutputOptions {
    pub stdout: bool,
    pub file: Option<PathBuf>,
    pub webhook: Option<String>,
    pub slack: Option<String>,
    /// Extra CA certificates (PEM) for https webhooks, besides the system's.
    pub ca_file: Option<PathBuf>,
    /// Alerts below this priority are stored but not sent.
    pub min_priority: Option<Priority>,
    /// Attempts per webhook delivery.
    pub attempts: u32,
    /// First retry delay (doubles each time).
    pub backoff: Duration,
    /// Alerts waiting for delivery before new ones are dropped.
    pub queue: usize,
}

/// The sending side; `send` never blocks.
#[derive(Clone)]
pub struct Outputs {
    tx: Option<mpsc::Sender<AlertRecord>>,
    metrics: Arc<Metrics>,
    min: Priority,
}

impl Outputs {
    pub fn send(&self, a: AlertRecord) {
        let Some(tx) = &self.tx else { return };
        if Priority::parse(&a.priority).is_some_and(|p| p > self.min) {
            return;
        }
        if tx.try_send(a).is_err() {
            self.metrics.output("queue", false, true);
        }
    }
}

/// A parsed `http(s)://host[:port]/path` target.
#[derive(Debug, Clone)]
struct Target {
    https: bool,
    host: String,
    port: u16,
    path: String,
}

fn target(url: &str) -> Result<Target, String> {
    let uri: http::Uri = url.parse().map_err(|e| format!("{url}: {e}"))?;
    let https = match uri.scheme_str() {
        Some("https") => true,
        Some("http") => false,
        _ => return Err(format!("{url}: only http:// and https:// URLs")),
    };
    let host = uri
        .host()
        .ok_or_else(|| format!("{url}: no host"))?
        .to_string();
    Ok(Target {
        https,
        port: uri.port_u16().unwrap_or(if https { 443 } else { 80 }),
        path: uri
            .path_and_query()
            .map(|p| p.to_string())
            .unwrap_or_else(|| "/".into()),
        host,
    })
}

fn tls_roots(ca_file: Option<&PathBuf>) -> Result<Arc<rustls::ClientConfig>, String> {
    let mut roots = rustls::RootCertStore::empty();
    for c in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(c);
    }
    if let Some(f) = ca_file {
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject;
        let pem = std::fs::read(f).map_err(|e| format!("{}: {e}", f.display()))?;
        for c in CertificateDer::pem_slice_iter(&pem) {
            roots
                .add(c.map_err(|e| format!("{}: {e}", f.display()))?)
                .map_err(|e| format!("{}: {e}", f.display()))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(Arc::new(
        rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_root_certificates(roots)
            .with_no_client_auth(),
    ))
}

async fn post(t: &Target, tls: &Arc<rustls::ClientConfig>, body: Vec<u8>) -> Result<u16, String> {
    let e = |e: &dyn std::fmt::Display| e.to_string();
    let tcp = tokio::time::timeout(
        Duration::from_secs(5),
        tokio::net::TcpStream::connect((t.host.as_str(), t.port)),
    )
    .await
    .map_err(|_| "connect timed out".to_string())?
    .map_err(|x| e(&x))?;
    let req = http::Request::builder()
        .method("POST")
        .uri(&t.path)
        .header("host", &t.host)
        .header("content-type", "application/json")
        .header("user-agent", "palisade")
        .body(Full::new(Bytes::from(body)))
        .map_err(|x| e(&x))?;
    let status = if t.https {
        let name = rustls::pki_types::ServerName::try_from(t.host.clone()).map_err(|x| e(&x))?;
        let s = tokio_rustls::TlsConnector::from(tls.clone())
            .connect(name, tcp)
            .await
            .map_err(|x| e(&x))?;
        let (mut send, conn) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(s))
                .await
                .map_err(|x| e(&x))?;
        tokio::spawn(conn);
        let r = send.send_request(req).await.map_err(|x| e(&x))?;
        let st = r.status().as_u16();
        let _ = r.into_body().collect().await;
        st
    } else {
        let (mut send, conn) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tcp))
                .await
                .map_err(|x| e(&x))?;
        tokio::spawn(conn);
        let r = send.send_request(req).await.map_err(|x| e(&x))?;
        let st = r.status().as_u16();
        let _ = r.into_body().collect().await;
        st
    };
    Ok(status)
}

/// Posts with retries: 2xx is done; 4xx other than 408/429 is not retried.
async fn deliver(
    name: &'static str,
    t: &Target,
    tls: &Arc<rustls::ClientConfig>,
    body: Vec<u8>,
    o: &OutputOptions,
    m: &Metrics,
) {
    let mut delay = o.backoff;
    for attempt in 1..=o.attempts.max(1) {
        match post(t, tls, body.clone()).await {
            Ok(s) if (200..300).contains(&s) => {
                m.output(name, true, false);
                return;
            }
            Ok(s) if (400..500).contains(&s) && s != 408 && s != 429 => {
                eprintln!("palisade: {name} output refused the alert (HTTP {s}); not retried");
                break;
            }
            Ok(s) => eprintln!("palisade: {name} output answered HTTP {s} (attempt {attempt})"),
            Err(e) => eprintln!("palisade: {name} output failed: {e} (attempt {attempt})"),
        }
        if attempt < o.attempts {
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(60));
        }
    }
    m.output(name, false, false);
}

fn slack_text(a: &AlertRecord) -> String {
    format!("[{}] {}: {}", a.priority, a.rule, a.output)
}

/// Starts the delivery task on the current runtime; `None` outputs mean
/// alerts are only stored.
pub fn start(o: OutputOptions, metrics: Arc<Metrics>) -> Result<Outputs, String> {
    let min = o.min_priority.unwrap_or(Priority::Debug);
    let any = o.stdout || o.file.is_some() || o.webhook.is_some() || o.slack.is_some();
    if !any {
        return Ok(Outputs {
            tx: None,
            metrics,
            min,
        });
    }
    let webhook = o.webhook.as_deref().map(target).transpose()?;
    let slack = o.slack.as_deref().map(target).transpose()?;
    let tls = tls_roots(o.ca_file.as_ref())?;
    let mut file = match &o.file {
        Some(p) => Some(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(p)
                .map_err(|e| format!("{}: {e}", p.display()))?,
        ),
        None => None,
    };
    let (tx, mut rx) = mpsc::channel::<AlertRecord>(o.queue.max(1));
    let m = metrics.clone();
    tokio::spawn(async move {
        while let Some(a) = rx.recv().await {
            let line = serde_json::to_string(&a).unwrap_or_default();
            if o.stdout {
                let mut out = std::io::stdout().lock();
                let ok = writeln!(out, "{line}").and_then(|_| out.flush()).is_ok();
                m.output("stdout", ok, false);
            }
            if let Some(f) = file.as_mut() {
                let ok = writeln!(f, "{line}").is_ok();
                m.output("file", ok, false);
            }
            if let Some(t) = &webhook {
                deliver("webhook", t, &tls, line.clone().into_bytes(), &o, &m).await;
            }
            if let Some(t) = &slack {
                let body = serde_json::json!({"text": slack_text(&a)}).to_string();
                deliver("slack", t, &tls, body.into_bytes(), &o, &m).await;
            }
        }
    });
    Ok(Outputs {
        tx: Some(tx),
        metrics,
        min,
    })
}
