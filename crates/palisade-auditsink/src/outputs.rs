//! Where alerts go once stored (falcosidekick's common outputs): JSON lines
//! on stdout or to a file, a generic webhook (the alert JSON), a
//! Slack-compatible webhook (`{"text": …}`). Webhooks are retried with
//! exponential backoff; the queue is bounded and overflow is counted, never
//! waited on — the store already has the alert.

use crate::metrics::Metrics;
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

/// A webhook URL: `http://` or `https://` with a host.
fn target(url: &str) -> Result<String, String> {
    let uri: http::Uri = url.parse().map_err(|e| format!("{url}: {e}"))?;
    match uri.scheme_str() {
        Some("https" | "http") => {}
        _ => return Err(format!("{url}: only http:// and https:// URLs")),
    }
    if uri.host().is_none() {
        return Err(format!("{url}: no host"));
    }
    Ok(url.to_string())
}

/// The client webhooks are posted with: the system's roots and `ca_file`;
/// plain http allowed (an in-cluster receiver); no redirects followed.
fn client(ca_file: Option<&std::path::Path>) -> Result<palisade_http::Client, String> {
    palisade_http::client(
        &palisade_http::Trust::system_and(ca_file)?,
        &palisade_http::Options {
            https_only: false,
            connect_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_secs(10),
            timeout: Some(Duration::from_secs(15)),
            redirects: 0,
            ..Default::default()
        },
    )
}

async fn post(client: &palisade_http::Client, url: &str, body: Vec<u8>) -> Result<u16, String> {
    let r = client
        .post(url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| palisade_http::describe(&e))?;
    let status = r.status().as_u16();
    let _ = r.bytes().await;
    Ok(status)
}

/// Posts with retries: 2xx is done; 4xx other than 408/429 is not retried.
async fn deliver(
    name: &'static str,
    client: &palisade_http::Client,
    url: &str,
    body: Vec<u8>,
    o: &OutputOptions,
    m: &Metrics,
    log: &palisade_webhook::limits::LogLimiter,
) {
    let mut delay = o.backoff;
    for attempt in 1..=o.attempts.max(1) {
        match post(client, url, body.clone()).await {
            Ok(s) if (200..300).contains(&s) => {
                m.output(name, true, false);
                return;
            }
            Ok(s) if (400..500).contains(&s) && s != 408 && s != 429 => {
                let m = format!("{name} output refused the alert (HTTP {s}); not retried");
                log.log(&m, &m);
                break;
            }
            // a receiver that is down fails every alert: one line per
            // interval, with the count of those left out
            Ok(s) => {
                let m = format!("{name} output answered HTTP {s}");
                log.log(&m, format!("{m} (attempt {attempt})"));
            }
            Err(e) => {
                let m = format!("{name} output failed: {e}");
                log.log(&m, format!("{m} (attempt {attempt})"));
            }
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
    let client = client(o.ca_file.as_deref())?;
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
    let log = palisade_webhook::limits::LogLimiter::new(palisade_webhook::limits::LOG_EVERY);
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
                deliver(
                    "webhook",
                    &client,
                    t,
                    line.clone().into_bytes(),
                    &o,
                    &m,
                    &log,
                )
                .await;
            }
            if let Some(t) = &slack {
                let body = serde_json::json!({"text": slack_text(&a)}).to_string();
                deliver("slack", &client, t, body.into_bytes(), &o, &m, &log).await;
            }
        }
    });
    Ok(Outputs {
        tx: Some(tx),
        metrics,
        min,
    })
}
