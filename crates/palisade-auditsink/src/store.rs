//! The alert store: SQLite in WAL mode, written by one thread. A batch is
//! acknowledged only after its transaction commits, so an alert the API
//! server got a 200 for survives `kill -9`. Batches waiting together are
//! committed together (group commit). Old rows are pruned on a timer.

use palisade_falco::AlertRecord;
use palisade_webhook::limits::{LOG_EVERY, LogLimiter};
use prometheus_client::metrics::counter::Counter;
use rusqlite::{Connection, params};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// One alert ready to store.
#[derive(Debug, Clone)]
pub struct StoredAlert {
    pub time_ns: i64,
    pub record: AlertRecord,
}

/// One event ready to store (already redacted).
#[derive(Debug, Clone)]
pub struct StoredEvent {
    pub time_ns: i64,
    pub audit_id: String,
    pub stage: String,
    pub json: String,
}

/// What one request hands the writer.
pub struct Batch {
    pub alerts: Vec<StoredAlert>,
    pub events: Vec<StoredEvent>,
    pub done: tokio::sync::oneshot::Sender<Result<(), String>>,
    /// The batch's place in the sink's budget, given back once it is
    /// committed (or refused), even when its request is gone by then.
    pub place: Option<tokio::sync::OwnedSemaphorePermit>,
}

/// How the store keeps data.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub path: PathBuf,
    pub retention: Duration,
    /// `synchronous=FULL` (survives power loss) instead of NORMAL (survives
    /// a killed process).
    pub fsync_every_commit: bool,
    /// Batches waiting for the writer before new ones are refused (429).
    pub queue: usize,
}

fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or(0)
}

/// The tables of the first release.
macro_rules! first_schema {
    () => {
        "
CREATE TABLE IF NOT EXISTS alerts (
  id INTEGER PRIMARY KEY,
  time_ns INTEGER NOT NULL,
  received_ns INTEGER NOT NULL,
  rule TEXT NOT NULL,
  priority TEXT NOT NULL,
  output TEXT NOT NULL,
  tags TEXT NOT NULL,
  audit_id TEXT,
  user TEXT,
  verb TEXT,
  object_ref TEXT
);
CREATE INDEX IF NOT EXISTS alerts_time ON alerts(time_ns);
CREATE INDEX IF NOT EXISTS alerts_rule ON alerts(rule, time_ns);
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY,
  time_ns INTEGER NOT NULL,
  audit_id TEXT NOT NULL,
  stage TEXT NOT NULL,
  event TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_time ON events(time_ns);
"
    };
}

/// The first release's tables (tests build a database of that release).
#[cfg(test)]
const SCHEMA: &str = first_schema!();

/// Opens (creating) the database: owner-only, as alerts name users and
/// objects, and events more.
pub fn open(path: &Path, full_sync: bool) -> Result<Connection, String> {
    let opts = palisade_sqlite::Options {
        owner_only: true,
        full_sync,
    };
    palisade_sqlite::open(path, "audit store", MIGRATIONS, opts)
}

/// The schema, by `user_version` (`palisade_sqlite`).
///
/// 1: the tables; a batch the API server sends again (its retry after a
/// timeout, or after the sink stopped between committing and answering) is
/// stored once: alerts are unique by event, rule and time, events by audit
/// ID and stage. A database of the first release (version 0, tables
/// present) has its duplicates removed first.
const MIGRATIONS: &[&str] = &[MIGRATION_1];

const MIGRATION_1: &str = concat!(
    first_schema!(),
    "
DELETE FROM alerts WHERE audit_id IS NOT NULL AND id NOT IN
  (SELECT MIN(id) FROM alerts WHERE audit_id IS NOT NULL GROUP BY audit_id, rule, time_ns);
DELETE FROM events WHERE id NOT IN (SELECT MIN(id) FROM events GROUP BY audit_id, stage);
CREATE UNIQUE INDEX IF NOT EXISTS alerts_once ON alerts(audit_id, rule, time_ns);
CREATE UNIQUE INDEX IF NOT EXISTS events_once ON events(audit_id, stage);
"
);

/// Deletes alerts and events older than `retention`; returns rows removed.
pub fn prune(c: &Connection, retention: Duration) -> Result<usize, String> {
    let cutoff = now_ns() - retention.as_nanos() as i64;
    let a = c
        .execute("DELETE FROM alerts WHERE time_ns < ?1", params![cutoff])
        .map_err(|e| e.to_string())?;
    let e = c
        .execute("DELETE FROM events WHERE time_ns < ?1", params![cutoff])
        .map_err(|e| e.to_string())?;
    Ok(a + e)
}

fn write(c: &mut Connection, batches: &[Batch]) -> Result<(), String> {
    let tx = c.transaction().map_err(|e| e.to_string())?;
    {
        let mut ins = tx
            .prepare_cached(
                "INSERT OR IGNORE INTO alerts (time_ns, received_ns, rule, priority, output, tags, audit_id, user, verb, object_ref) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )
            .map_err(|e| e.to_string())?;
        let mut ev = tx
            .prepare_cached(
                "INSERT OR IGNORE INTO events (time_ns, audit_id, stage, event) VALUES (?1, ?2, ?3, ?4)",
            )
            .map_err(|e| e.to_string())?;
        let received = now_ns();
        for b in batches {
            for a in &b.alerts {
                let r = &a.record;
                ins.execute(params![
                    a.time_ns,
                    received,
                    r.rule,
                    r.priority,
                    r.output,
                    serde_json::to_string(&r.tags).unwrap_or_default(),
                    r.event.audit_id,
                    r.event.user,
                    r.event.verb,
                    r.event.object_ref.as_ref().map(|v| v.to_string()),
                ])
                .map_err(|e| e.to_string())?;
            }
            for e in &b.events {
                ev.execute(params![e.time_ns, e.audit_id, e.stage, e.json])
                    .map_err(|e| e.to_string())?;
            }
        }
    }
    tx.commit().map_err(|e| e.to_string())
}

/// Whether the store can write: the outcome of its last commit. A full
/// disk (or any failed commit) turns the sink's `/healthz` to 503 until a
/// commit succeeds again.
#[derive(Debug, Default)]
pub struct StoreHealth {
    failing: AtomicBool,
    last_error: Mutex<Option<String>>,
    /// Failed commits (`palisade_audit_store_errors_total`).
    pub failures: Counter,
}

impl StoreHealth {
    /// Why the last commit failed; `None` when it succeeded (or none was tried).
    pub fn error(&self) -> Option<String> {
        if !self.failing.load(Ordering::Relaxed) {
            return None;
        }
        self.last_error
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Records a commit's outcome; `true` when it ended a run of failures.
    pub fn record(&self, r: &Result<(), String>) -> bool {
        match r {
            Ok(()) => self.failing.swap(false, Ordering::Relaxed),
            Err(e) => {
                *self.last_error.lock().unwrap_or_else(|e| e.into_inner()) = Some(e.clone());
                self.failing.store(true, Ordering::Relaxed);
                self.failures.inc();
                false
            }
        }
    }
}

/// The writer's handle: cheap to clone, refuses when the queue is full.
#[derive(Clone)]
pub struct Writer {
    tx: SyncSender<Batch>,
    health: Arc<StoreHealth>,
}

pub enum Submit {
    Queued,
    Full(Batch),
    Closed,
}

impl Writer {
    /// Whether the last commit succeeded.
    pub fn health(&self) -> Arc<StoreHealth> {
        self.health.clone()
    }

    pub fn submit(&self, b: Batch) -> Submit {
        match self.tx.try_send(b) {
            Ok(()) => Submit::Queued,
            Err(TrySendError::Full(b)) => Submit::Full(b),
            Err(TrySendError::Disconnected(_)) => Submit::Closed,
        }
    }
}

/// Starts the writer thread (pruning once at start and then hourly).
pub fn start(opts: &StoreOptions) -> Result<(Writer, std::thread::JoinHandle<()>), String> {
    let mut c = open(&opts.path, opts.fsync_every_commit)?;
    prune(&c, opts.retention)?;
    let (tx, rx) = sync_channel::<Batch>(opts.queue.max(1));
    let retention = opts.retention;
    let health = Arc::new(StoreHealth::default());
    let h2 = health.clone();
    let h = std::thread::Builder::new()
        .name("palisade-audit-store".into())
        .spawn(move || run(&mut c, rx, retention, &h2))
        .map_err(|e| e.to_string())?;
    Ok((Writer { tx, health }, h))
}

fn run(c: &mut Connection, rx: Receiver<Batch>, retention: Duration, health: &StoreHealth) {
    // a full disk fails every batch the API server sends (and sends again):
    // one line per interval, with the count of those left out
    let log = LogLimiter::new(LOG_EVERY);
    let mut failed_since_ok = 0u64;
    let mut last_prune = std::time::Instant::now();
    loop {
        let first = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(b) => b,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                if last_prune.elapsed() > Duration::from_secs(3600) {
                    if let Err(e) = prune(c, retention) {
                        log.log("prune", format!("pruning the audit store failed: {e}"));
                    }
                    last_prune = std::time::Instant::now();
                }
                continue;
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return,
        };
        let mut batches = vec![first];
        while batches.len() < 256 {
            match rx.try_recv() {
                Ok(b) => batches.push(b),
                Err(_) => break,
            }
        }
        let r = write(c, &batches);
        if let Err(e) = &r {
            failed_since_ok += 1;
            log.log(e, format!("writing alerts failed: {e}"));
        }
        if health.record(&r) {
            eprintln!(
                "palisade: the alert store writes again (after {failed_since_ok} failed commit(s))"
            );
            failed_since_ok = 0;
        }
        for b in batches {
            // the place first: the answer may bring the next batch at once
            drop(b.place);
            let _ = b.done.send(r.clone());
        }
        if last_prune.elapsed() > Duration::from_secs(3600) {
            let _ = prune(c, retention);
            last_prune = std::time::Instant::now();
        }
    }
}

/// A query over stored alerts.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub since_ns: Option<i64>,
    pub rule: Option<String>,
    pub limit: Option<usize>,
}

/// Stored alerts, oldest first.
pub fn query(path: &Path, q: &Query) -> Result<Vec<AlertRecord>, String> {
    let c = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let mut sql = String::from(
        "SELECT time_ns, rule, priority, output, tags, audit_id, user, verb, object_ref FROM alerts WHERE time_ns >= ?1",
    );
    if q.rule.is_some() {
        sql.push_str(" AND rule = ?2");
    }
    sql.push_str(" ORDER BY time_ns, id");
    if let Some(l) = q.limit {
        sql.push_str(&format!(" LIMIT {l}"));
    }
    let mut st = c
        .prepare(&sql)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let since = q.since_ns.unwrap_or(i64::MIN);
    let map = |r: &rusqlite::Row<'_>| -> rusqlite::Result<AlertRecord> {
        let t: i64 = r.get(0)?;
        let tags: String = r.get(4)?;
        let obj: Option<String> = r.get(8)?;
        Ok(AlertRecord {
            time: palisade_falco::event::format_time_ns(t.max(0) as u64),
            rule: r.get(1)?,
            priority: r.get(2)?,
            output: r.get(3)?,
            tags: serde_json::from_str(&tags).unwrap_or_default(),
            event: palisade_falco::EventRef {
                audit_id: r.get(5)?,
                user: r.get(6)?,
                verb: r.get(7)?,
                object_ref: obj.and_then(|o| serde_json::from_str(&o).ok()),
            },
        })
    };
    let rows = match &q.rule {
        Some(rule) => st.query_map(params![since, rule], map),
        None => st.query_map(params![since], map),
    }
    .map_err(|e| e.to_string())?;
    rows.collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(time_ns: i64, rule: &str) -> StoredAlert {
        StoredAlert {
            time_ns,
            record: AlertRecord {
                time: String::new(),
                rule: rule.into(),
                priority: "Warning".into(),
                output: "o".into(),
                tags: vec!["k8s".into()],
                event: palisade_falco::EventRef {
                    audit_id: Some("a".into()),
                    user: Some("u".into()),
                    verb: Some("get".into()),
                    object_ref: None,
                },
            },
        }
    }

    #[test]
    fn retention_prunes_old_rows_and_queries_filter() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.db");
        let mut c = open(&path, false).unwrap();
        let day = 86_400_000_000_000i64;
        let now = now_ns();
        let (done, _rx) = tokio::sync::oneshot::channel();
        let b = Batch {
            alerts: vec![
                alert(now - 200 * day, "old"),
                alert(now - day, "recent"),
                alert(now, "new"),
            ],
            events: vec![StoredEvent {
                time_ns: now - 200 * day,
                audit_id: "x".into(),
                stage: "ResponseComplete".into(),
                json: "{}".into(),
            }],
            done,
            place: None,
        };
        write(&mut c, &[b]).unwrap();
        assert_eq!(prune(&c, Duration::from_secs(183 * 86_400)).unwrap(), 2);
        let all = query(&path, &Query::default()).unwrap();
        assert_eq!(
            all.iter().map(|a| a.rule.as_str()).collect::<Vec<_>>(),
            ["recent", "new"]
        );
        let since = query(
            &path,
            &Query {
                since_ns: Some(now - day / 2),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(since.len(), 1);
        let by_rule = query(
            &path,
            &Query {
                rule: Some("recent".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(by_rule.len(), 1);
        assert_eq!(by_rule[0].tags, ["k8s"]);
    }

    fn batch(alerts: Vec<StoredAlert>, audit_id: &str) -> Batch {
        let (done, _rx) = tokio::sync::oneshot::channel();
        Batch {
            alerts,
            events: vec![StoredEvent {
                time_ns: 1,
                audit_id: audit_id.into(),
                stage: "ResponseComplete".into(),
                json: "{}".into(),
            }],
            done,
            place: None,
        }
    }

    fn count(c: &Connection, table: &str) -> i64 {
        c.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    }

    #[cfg(unix)]
    #[test]
    fn a_new_database_is_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.db");
        let mut c = open(&path, false).unwrap();
        write(&mut c, &[batch(vec![alert(5, "r")], "a")]).unwrap();
        for f in ["new.db", "new.db-wal"] {
            let mode = std::fs::metadata(dir.path().join(f))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{f}");
        }
    }

    #[test]
    fn a_batch_sent_again_is_stored_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = open(&dir.path().join("a.db"), false).unwrap();
        write(&mut c, &[batch(vec![alert(5, "r"), alert(5, "s")], "a")]).unwrap();
        // the API server's retry of the same batch
        write(&mut c, &[batch(vec![alert(5, "r"), alert(5, "s")], "a")]).unwrap();
        assert_eq!(count(&c, "alerts"), 2);
        assert_eq!(count(&c, "events"), 1);
        // another event of the same request at another time is new
        write(&mut c, &[batch(vec![alert(6, "r")], "b")]).unwrap();
        assert_eq!(count(&c, "alerts"), 3);
        assert_eq!(count(&c, "events"), 2);
    }

    /// A full disk (SQLite's "database or disk is full", here from a cap
    /// on the database's pages) marks the store unhealthy; the next commit
    /// that succeeds marks it healthy again.
    #[test]
    fn a_failed_commit_marks_the_store_unhealthy_until_one_succeeds() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = open(&dir.path().join("full.db"), false).unwrap();
        let pages: i64 = c
            .pragma_query_value(None, "page_count", |r| r.get(0))
            .unwrap();
        c.pragma_update(None, "max_page_count", pages + 4).unwrap();
        let (tx, rx) = sync_channel::<Batch>(4);
        let health = Arc::new(StoreHealth::default());
        let h2 = health.clone();
        let t = std::thread::spawn(move || run(&mut c, rx, Duration::from_secs(86_400), &h2));
        let send = |b: Batch| {
            let (done, wait) = tokio::sync::oneshot::channel();
            tx.send(Batch { done, ..b }).unwrap();
            wait.blocking_recv().unwrap()
        };
        assert_eq!(health.error(), None);
        let mut big = batch(vec![alert(1, "r")], "big");
        big.events[0].json = "x".repeat(1 << 20);
        let r = send(big);
        assert!(r.as_ref().is_err_and(|e| e.contains("full")), "{r:?}");
        let why = health.error().expect("unhealthy after a failed commit");
        assert!(why.contains("full"), "{why}");
        assert_eq!(health.failures.get(), 1);
        // a commit that fits: healthy again
        send(batch(vec![alert(2, "r")], "small")).unwrap();
        assert_eq!(health.error(), None);
        drop(tx);
        t.join().unwrap();
    }

    #[test]
    fn a_database_of_the_first_schema_is_migrated() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        {
            // the schema before user_version 1, with a stored duplicate
            let c = Connection::open(&path).unwrap();
            c.execute_batch(SCHEMA).unwrap();
            for _ in 0..2 {
                c.execute(
                    "INSERT INTO alerts (time_ns, received_ns, rule, priority, output, tags, audit_id) VALUES (5, 5, 'r', 'Warning', 'o', '[]', 'a')",
                    [],
                )
                .unwrap();
                c.execute(
                    "INSERT INTO events (time_ns, audit_id, stage, event) VALUES (5, 'a', 'ResponseComplete', '{}')",
                    [],
                )
                .unwrap();
            }
        }
        let c = open(&path, false).unwrap();
        assert_eq!(count(&c, "alerts"), 1);
        assert_eq!(count(&c, "events"), 1);
        let v: i64 = c
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, 1);
        assert_eq!(query(&path, &Query::default()).unwrap().len(), 1);
    }
}
