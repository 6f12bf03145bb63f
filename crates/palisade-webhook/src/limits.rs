//! The bounds both HTTPS servers (the admission webhook, the audit sink)
//! keep against hostile clients: connections in total and per client IP,
//! the time a client may take to send headers, a body, or nothing on a
//! kept-alive connection, the work in flight by count and by bytes
//! ([`Budget`]), and error lines that repeat ([`LogLimiter`]).

use axum::body::{Body, Bytes, HttpBody};
use axum_server::accept::Accept;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use std::collections::HashMap;
use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How long a client may take to send a request's headers once it has
/// connected (and finished the TLS handshake), to send its first request
/// at all, and to send the next one on a kept-alive connection (hyper
/// starts the same timer when it waits for the next request, so this is
/// also the idle timeout): a client that drips header bytes, or connects
/// and says nothing, is cut off instead of holding a connection and its
/// memory.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a client may take to send a request's body once its headers
/// are in; longer is answered 408 and counted (`rejected{reason="body_timeout"}`).
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections open at once, in total; more are closed at once. An idle
/// TLS connection costs ~45 KB (measured): 512 of them ~23 MB, what the
/// webhook's and the sink's memory arithmetic leaves for connections (the
/// API server speaks HTTP/2 to webhooks, a few connections each).
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;

/// Connections open at once from one client IP (the API server, or
/// whoever else can reach the port); more are closed at once.
pub const DEFAULT_MAX_CONNECTIONS_PER_CLIENT: usize = 64;

/// What a server allows its clients.
#[derive(Debug, Clone)]
pub struct ServerLimits {
    pub max_connections: usize,
    pub max_connections_per_client: usize,
    /// Headers, the first request, and the idle time between requests.
    pub header_timeout: Duration,
    pub body_timeout: Duration,
}

impl Default for ServerLimits {
    fn default() -> Self {
        ServerLimits {
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_connections_per_client: DEFAULT_MAX_CONNECTIONS_PER_CLIENT,
            header_timeout: HEADER_READ_TIMEOUT,
            body_timeout: BODY_READ_TIMEOUT,
        }
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    reason: &'static str,
}

/// The connection metrics a server's registry carries:
/// `connections_open`, `connections_refused_total{reason}` (`limit`,
/// `client_limit`) and `connection_errors_total{reason}`
/// (`handshake_timeout`, `handshake`).
#[derive(Clone, Debug, Default)]
pub struct ConnectionMetrics {
    open: Gauge,
    refused: Family<ReasonLabels, Counter>,
    errors: Family<ReasonLabels, Counter>,
}

impl ConnectionMetrics {
    /// Registers the metrics in `registry` (under its prefix).
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "connections_open",
            "Client connections open",
            self.open.clone(),
        );
        registry.register(
            "connections_refused",
            "Connections closed at once, by reason: limit (--max-connections), client_limit (--max-connections-per-client)",
            self.refused.clone(),
        );
        registry.register(
            "connection_errors",
            "Connections that failed before a request, by reason: handshake_timeout, handshake",
            self.errors.clone(),
        );
    }

    pub fn refused(&self, reason: &'static str) -> u64 {
        self.refused.get_or_create(&ReasonLabels { reason }).get()
    }
}

/// The connections open, by client.
pub struct Connections {
    max_total: usize,
    max_per_client: usize,
    open: Mutex<(usize, HashMap<IpAddr, usize>)>,
    metrics: ConnectionMetrics,
    log: LogLimiter,
}

/// One admitted connection; gives its place back when dropped.
pub struct Slot {
    conns: Arc<Connections>,
    ip: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.conns.open.lock().unwrap_or_else(|e| e.into_inner());
        open.0 = open.0.saturating_sub(1);
        if let Some(n) = open.1.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                open.1.remove(&self.ip);
            }
        }
        self.conns.metrics.open.dec();
    }
}

impl Connections {
    pub fn new(limits: &ServerLimits, metrics: ConnectionMetrics) -> Arc<Connections> {
        Arc::new(Connections {
            max_total: limits.max_connections.max(1),
            max_per_client: limits.max_connections_per_client.max(1),
            open: Mutex::new((0, HashMap::new())),
            metrics,
            log: LogLimiter::new(LOG_EVERY),
        })
    }

    /// A place for a connection from `ip`, or why there is none.
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Result<Slot, &'static str> {
        let ip = ip.to_canonical();
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let from_ip = open.1.get(&ip).copied().unwrap_or(0);
        let refused = if open.0 >= self.max_total {
            Some((
                "limit",
                format!(
                    "{} connections are open, the limit (--max-connections)",
                    open.0
                ),
            ))
        } else if from_ip >= self.max_per_client {
            Some((
                "client_limit",
                format!(
                    "{from_ip} connections are open from it, the limit (--max-connections-per-client)"
                ),
            ))
        } else {
            None
        };
        if let Some((reason, why)) = refused {
            drop(open);
            self.metrics
                .refused
                .get_or_create(&ReasonLabels { reason })
                .inc();
            self.log
                .log(reason, format!("refused a connection from {ip}: {why}"));
            return Err(reason);
        }
        open.0 += 1;
        *open.1.entry(ip).or_insert(0) += 1;
        drop(open);
        self.metrics.open.inc();
        Ok(Slot {
            conns: self.clone(),
            ip,
        })
    }

    /// Counts a connection that failed before its first request.
    pub fn failed(&self, e: &io::Error) {
        let reason = match e.kind() {
            io::ErrorKind::TimedOut => "handshake_timeout",
            io::ErrorKind::ConnectionRefused => return, // ours, counted in admit
            _ => "handshake",
        };
        self.metrics
            .errors
            .get_or_create(&ReasonLabels { reason })
            .inc();
    }
}

/// The acceptor that admits connections by [`Connections`] (before the
/// TLS handshake: a refused client costs nothing).
#[derive(Clone)]
pub struct LimitAcceptor {
    pub conns: Arc<Connections>,
}

/// A stream holding its connection's [`Slot`].
pub struct Limited<T> {
    inner: T,
    _slot: Slot,
}

impl<S> Accept<TcpStream, S> for LimitAcceptor {
    type Stream = Limited<TcpStream>;
    type Service = S;
    type Future = std::future::Ready<io::Result<(Self::Stream, S)>>;

    fn accept(&self, stream: TcpStream, service: S) -> Self::Future {
        let admitted = stream
            .peer_addr()
            .and_then(|a| {
                self.conns
                    .admit(a.ip())
                    .map_err(|why| io::Error::new(io::ErrorKind::ConnectionRefused, why))
            })
            .map(|slot| {
                (
                    Limited {
                        inner: stream,
                        _slot: slot,
                    },
                    service,
                )
            });
        std::future::ready(admitted)
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Limited<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Limited<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// Work in flight, bounded by count and by bytes: `slots` places, and a
/// request of `len` bytes takes `ceil(len × slots / max_bytes)` of them
/// (at least one, at most all). So at most `slots` requests run at once,
/// and the bodies of those running add up to at most `max_bytes`: eight
/// small requests at once, or one of the largest size alone. Waiting is
/// first come, first served.
pub struct Budget {
    sem: Arc<Semaphore>,
    slots: u32,
    max_bytes: usize,
}

impl Budget {
    pub fn new(slots: usize, max_bytes: usize) -> Budget {
        let slots = slots.clamp(1, 1 << 20) as u32;
        Budget {
            sem: Arc::new(Semaphore::new(slots as usize)),
            slots,
            max_bytes: max_bytes.max(1),
        }
    }

    /// The places a request of `len` bytes takes.
    pub fn slots_for(&self, len: usize) -> u32 {
        let n = (len as u128 * self.slots as u128).div_ceil(self.max_bytes as u128);
        n.clamp(1, self.slots as u128) as u32
    }

    /// Waits for the places of a request of `len` bytes.
    pub async fn acquire(&self, len: usize) -> OwnedSemaphorePermit {
        self.sem
            .clone()
            .acquire_many_owned(self.slots_for(len))
            .await
            .expect("the budget's semaphore is never closed")
    }

    /// The places of a request of `len` bytes, if they are free now.
    pub fn try_acquire(&self, len: usize) -> Option<OwnedSemaphorePermit> {
        self.sem
            .clone()
            .try_acquire_many_owned(self.slots_for(len))
            .ok()
    }

    /// Places free now.
    pub fn available(&self) -> usize {
        self.sem.available_permits()
    }
}

/// The `Content-Length` a request declares.
pub fn content_length(headers: &axum::http::HeaderMap) -> Option<u64> {
    headers
        .get(axum::http::header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// Why a body was not read whole.
#[derive(Debug)]
pub enum BodyError {
    /// Over the limit: the first `limit` bytes.
    TooLarge(Bytes),
    /// Not all there within the body timeout.
    TimedOut,
    /// The connection failed.
    Failed(String),
}

/// Reads `body` whole: at most `limit` bytes, within `timeout`
/// (`expected`: the declared length, to allocate once).
pub async fn read_body(
    body: &mut Body,
    limit: usize,
    timeout: Duration,
    expected: Option<u64>,
) -> Result<Bytes, BodyError> {
    let capacity = expected.map_or(0, |n| n.min(limit as u64) as usize);
    let read = async {
        let mut buf = Vec::with_capacity(capacity);
        while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut *body).poll_frame(cx)).await
        {
            let frame = frame.map_err(|e| BodyError::Failed(e.to_string()))?;
            if let Ok(data) = frame.into_data() {
                if buf.len() + data.len() > limit {
                    let room = limit - buf.len();
                    buf.extend_from_slice(&data[..room]);
                    return Err(BodyError::TooLarge(Bytes::from(buf)));
                }
                buf.extend_from_slice(&data);
            }
        }
        Ok(Bytes::from(buf))
    };
    match tokio::time::timeout(timeout, read).await {
        Ok(r) => r,
        Err(_) => Err(BodyError::TimedOut),
    }
}

/// Reads the rest of `body` for at most `timeout`, handing each piece to
/// `on` and keeping none, so that the client, still sending, gets to read
/// the answer; `true` when the body ended.
pub async fn drain(body: &mut Body, timeout: Duration, mut on: impl FnMut(&[u8])) -> bool {
    let all = async {
        while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut *body).poll_frame(cx)).await
        {
            match frame {
                Ok(f) => {
                    if let Some(data) = f.data_ref() {
                        on(data);
                    }
                }
                Err(_) => return false,
            }
        }
        true
    };
    tokio::time::timeout(timeout, all).await.unwrap_or(false)
}

/// How often one kind of error line is printed at most.
pub const LOG_EVERY: Duration = Duration::from_secs(10);

/// Distinct keys followed at once; past them, lines are printed as they come.
const LOG_KEYS: usize = 256;

/// Error lines that repeat (a full disk, a dead output, a client over its
/// connection limit) printed at most once per interval per key; the next
/// line printed says how many were left out.
pub struct LogLimiter {
    every: Duration,
    seen: Mutex<HashMap<String, (Instant, u64)>>,
}

impl LogLimiter {
    pub fn new(every: Duration) -> LogLimiter {
        LogLimiter {
            every,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// The line to print for `message` under `key` now, or `None` (and
    /// counted) when a line of that key was printed less than the interval
    /// ago.
    pub fn line(&self, key: &str, message: &str) -> Option<String> {
        let now = Instant::now();
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((last, left_out)) = seen.get_mut(key) {
            if now.duration_since(*last) < self.every {
                *left_out += 1;
                return None;
            }
            let n = std::mem::take(left_out);
            *last = now;
            return Some(if n == 0 {
                message.to_string()
            } else {
                format!(
                    "{message} ({n} more like it in the last {} s not shown)",
                    self.every.as_secs()
                )
            });
        }
        if seen.len() >= LOG_KEYS {
            let every = self.every;
            seen.retain(|_, (last, _)| now.duration_since(*last) < every);
        }
        if seen.len() < LOG_KEYS {
            seen.insert(key.to_string(), (now, 0));
        }
        Some(message.to_string())
    }

    /// Prints `palisade: <message>` on stderr unless [`LogLimiter::line`] says not.
    pub fn log(&self, key: &str, message: impl std::fmt::Display) {
        if let Some(l) = self.line(key, &message.to_string()) {
            eprintln!("palisade: {l}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_bounds_count_and_bytes() {
        let b = Budget::new(8, 8 << 20);
        assert_eq!(b.slots_for(0), 1);
        assert_eq!(b.slots_for(10_000), 1);
        assert_eq!(b.slots_for(1 << 20), 1);
        assert_eq!(b.slots_for((1 << 20) + 1), 2);
        assert_eq!(b.slots_for(8 << 20), 8);
        assert_eq!(b.slots_for(usize::MAX), 8);
        let small: Vec<_> = (0..8).filter_map(|_| b.try_acquire(100)).collect();
        assert_eq!(small.len(), 8);
        assert!(b.try_acquire(100).is_none(), "a ninth request at once");
        drop(small);
        let big = b.try_acquire(5 << 20).unwrap();
        assert_eq!(b.available(), 3);
        assert!(b.try_acquire(4 << 20).is_none(), "9 MiB of bodies at once");
        assert!(b.try_acquire(3 << 20).is_some());
        drop(big);
        assert_eq!(b.available(), 8);
    }

    #[test]
    fn repeated_lines_are_printed_once_per_interval_with_a_count() {
        let l = LogLimiter::new(Duration::from_millis(200));
        assert_eq!(l.line("disk", "disk full").as_deref(), Some("disk full"));
        for _ in 0..1000 {
            assert_eq!(l.line("disk", "disk full"), None);
        }
        // another key is not held back
        assert_eq!(l.line("other", "x").as_deref(), Some("x"));
        std::thread::sleep(Duration::from_millis(250));
        let next = l.line("disk", "disk full").unwrap();
        assert!(next.contains("1000 more like it"), "{next}");
        assert_eq!(l.line("disk", "disk full"), None);
        // the keys followed are bounded
        for i in 0..2 * LOG_KEYS {
            l.line(&format!("k{i}"), "m");
        }
        assert!(l.seen.lock().unwrap().len() <= LOG_KEYS);
    }

    #[test]
    fn connections_are_capped_in_total_and_per_client() {
        let limits = ServerLimits {
            max_connections: 3,
            max_connections_per_client: 2,
            ..Default::default()
        };
        let m = ConnectionMetrics::default();
        let c = Connections::new(&limits, m.clone());
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let a1 = c.admit(a).unwrap();
        let _a2 = c.admit(a).unwrap();
        // the same address as IPv4-mapped IPv6 is the same client
        assert_eq!(
            c.admit("::ffff:10.0.0.1".parse().unwrap()).err(),
            Some("client_limit")
        );
        let _b1 = c.admit(b).unwrap();
        assert_eq!(c.admit(b).err(), Some("limit"));
        drop(a1);
        assert!(c.admit(b).is_ok());
        assert_eq!(m.refused("client_limit"), 1);
        assert_eq!(m.refused("limit"), 1);
    }
}
