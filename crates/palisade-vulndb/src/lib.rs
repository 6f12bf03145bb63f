//! The local OSV index: records in SQLite, looked up by ecosystem and
//! package name. [`Db::import`] reads OSV records from files, directories
//! and the per-ecosystem `all.zip` exports; it is idempotent (a record is
//! replaced only by one with a later `modified`). [`fetch`] downloads the
//! exports over HTTPS for `palisade db update`; scans read the index and
//! never touch the network.

pub mod fetch;

use std::io::Read;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};

pub use palisade_osv::Record;

/// The index.
pub struct Db {
    conn: Connection,
}

/// What an import did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Imported {
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Records that could not be read, with where and why.
    pub errors: Vec<String>,
}

/// Records per ecosystem and the newest `modified`.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Status {
    pub records: usize,
    pub by_ecosystem: Vec<(String, usize)>,
    pub newest_modified: Option<String>,
    pub imported_at: Option<String>,
    /// Days since the last import (or update), fractional.
    pub age_days: Option<f64>,
    /// When each ecosystem was last downloaded by `db update`.
    pub updated: Vec<(String, String)>,
}

impl Status {
    /// Whether the data is older than `max_days` (or was never imported).
    pub fn stale(&self, max_days: f64) -> bool {
        self.freshness().stale(max_days)
    }

    pub fn freshness(&self) -> Freshness {
        Freshness {
            imported_at: self.imported_at.clone(),
            age_days: self.age_days,
        }
    }
}

/// When the data was last imported: all a scan needs to warn about stale
/// data, read from the metadata alone (no pass over the records).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Freshness {
    pub imported_at: Option<String>,
    /// Days since the last import (or update), fractional.
    pub age_days: Option<f64>,
}

impl Freshness {
    /// Whether the data is older than `max_days` (or was never imported).
    pub fn stale(&self, max_days: f64) -> bool {
        self.age_days.is_none_or(|a| a > max_days)
    }
}

/// The key a package is looked up by: the ecosystem without its release,
/// and the name (PyPI names normalised as PEP 503 says).
fn key(ecosystem: &str, name: &str) -> (String, String) {
    let base = ecosystem.split(':').next().unwrap_or(ecosystem).to_string();
    let name = if base == "PyPI" {
        palisade_osv::pep503(name)
    } else {
        name.to_string()
    };
    (base, name)
}

/// The default location: `$XDG_DATA_HOME/palisade/osv.sqlite`, else
/// `~/.local/share/palisade/osv.sqlite`.
pub fn default_path() -> PathBuf {
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("palisade").join("osv.sqlite")
}

/// The schema, by `user_version` (`palisade_sqlite`): 1 is the first
/// (databases written before it kept a version are at 0 with these tables).
const MIGRATIONS: &[&str] = &["
CREATE TABLE IF NOT EXISTS records (id TEXT PRIMARY KEY, modified TEXT NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS affected (ecosystem TEXT NOT NULL, name TEXT NOT NULL, id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS affected_key ON affected (ecosystem, name);
CREATE INDEX IF NOT EXISTS affected_id ON affected (id);
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
"];

impl Db {
    /// Opens (creating) the index at `path`.
    pub fn open(path: &Path) -> Result<Db, String> {
        let conn = palisade_sqlite::open(
            path,
            "vulnerability database",
            MIGRATIONS,
            palisade_sqlite::Options::default(),
        )?;
        Ok(Db { conn })
    }

    /// Imports every record under `paths` (files, directories, zips).
    pub fn import(&mut self, paths: &[PathBuf]) -> Result<Imported, String> {
        let items: Vec<(PathBuf, String)> = paths
            .iter()
            .map(|p| (p.clone(), p.display().to_string()))
            .collect();
        self.import_named(&items)
    }

    /// As [`Db::import`], each path named in messages as given (a URL for
    /// a download).
    pub fn import_named(&mut self, items: &[(PathBuf, String)]) -> Result<Imported, String> {
        let mut out = Imported::default();
        let tx = self.conn.transaction().map_err(|e| e.to_string())?;
        let add = |origin: &str, text: &str, out: &mut Imported| -> Result<(), String> {
            let parsed = palisade_osv::to_json(text).and_then(|v| {
                let r: Record = serde_json::from_value(v.clone())
                    .map_err(|e| format!("not an OSV record: {e}"))?;
                r.validate().map_err(|e| format!("{}: {e}", r.id))?;
                Ok((v, r))
            });
            let (value, record) = match parsed {
                Ok(x) => x,
                Err(e) => {
                    out.errors.push(format!("{origin}: {e}"));
                    return Ok(());
                }
            };
            let old: Option<String> = tx
                .query_row(
                    "SELECT modified FROM records WHERE id = ?1",
                    [&record.id],
                    |r| r.get(0),
                )
                .optional()
                .map_err(|e| e.to_string())?;
            match &old {
                Some(m) if *m >= record.modified => {
                    out.unchanged += 1;
                    return Ok(());
                }
                Some(_) => out.updated += 1,
                None => out.added += 1,
            }
            let body = value.to_string();
            tx.execute(
                "INSERT OR REPLACE INTO records (id, modified, body) VALUES (?1, ?2, ?3)",
                params![record.id, record.modified, body],
            )
            .map_err(|e| e.to_string())?;
            tx.execute("DELETE FROM affected WHERE id = ?1", [&record.id])
                .map_err(|e| e.to_string())?;
            for a in &record.affected {
                if let Some(p) = &a.package {
                    let (e, n) = key(&p.ecosystem, &p.name);
                    tx.execute(
                        "INSERT INTO affected (ecosystem, name, id) VALUES (?1, ?2, ?3)",
                        params![e, n, record.id],
                    )
                    .map_err(|e| e.to_string())?;
                }
            }
            Ok(())
        };
        let mut stack: Vec<(PathBuf, String)> = items.to_vec();
        while let Some((p, shown)) = stack.pop() {
            if p.is_dir() {
                match std::fs::read_dir(&p) {
                    Ok(rd) => stack.extend(rd.flatten().map(|e| {
                        let shown = format!("{shown}/{}", e.file_name().to_string_lossy());
                        (e.path(), shown)
                    })),
                    Err(e) => out.errors.push(format!("{shown}: {e}")),
                }
                continue;
            }
            let ext = p.extension().and_then(|e| e.to_str()).unwrap_or_default();
            match ext {
                "json" | "yaml" | "yml" => match std::fs::read_to_string(&p) {
                    Ok(t) => add(&shown, &t, &mut out)?,
                    Err(e) => out.errors.push(format!("{shown}: {e}")),
                },
                "zip" => {
                    let file = std::fs::File::open(&p).map_err(|e| format!("{shown}: {e}"))?;
                    let mut z = match zip::ZipArchive::new(std::io::BufReader::new(file)) {
                        Ok(z) => z,
                        Err(e) => {
                            out.errors.push(format!("{shown}: not a readable zip: {e}"));
                            continue;
                        }
                    };
                    for i in 0..z.len() {
                        let mut f = match z.by_index(i) {
                            Ok(f) => f,
                            Err(e) => {
                                out.errors.push(format!("{shown}: entry {i}: {e}"));
                                continue;
                            }
                        };
                        let name = String::from_utf8_lossy(f.name_raw()).into_owned();
                        if !name.ends_with(".json") {
                            continue;
                        }
                        let mut text = String::new();
                        if let Err(e) = (&mut f).take(64 << 20).read_to_string(&mut text) {
                            out.errors.push(format!("{shown}:{name}: {e}"));
                            continue;
                        }
                        add(&format!("{shown}:{name}"), &text, &mut out)?;
                    }
                }
                _ => {}
            }
        }
        tx.execute("INSERT OR REPLACE INTO meta (k, v) VALUES ('imported_at', strftime('%Y-%m-%dT%H:%M:%fZ','now'))", []).map_err(|e| e.to_string())?;
        tx.commit().map_err(|e| e.to_string())?;
        Ok(out)
    }

    /// Counts and freshness.
    /// When the data was last imported.
    pub fn freshness(&self) -> Result<Freshness, String> {
        let q = |e: rusqlite::Error| e.to_string();
        self.conn
            .query_row(
                "SELECT v, julianday('now') - julianday(v) FROM meta WHERE k = 'imported_at'",
                [],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<f64>>(1)?)),
            )
            .optional()
            .map_err(q)
            .map(|row| match row {
                Some((at, age)) => Freshness {
                    imported_at: Some(at),
                    age_days: age,
                },
                None => Freshness::default(),
            })
    }

    pub fn status(&self) -> Result<Status, String> {
        let q = |e: rusqlite::Error| e.to_string();
        let records: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM records", [], |r| r.get(0))
            .map_err(q)?;
        let mut stmt = self.conn.prepare("SELECT ecosystem, COUNT(DISTINCT id) FROM affected GROUP BY ecosystem ORDER BY ecosystem").map_err(q)?;
        let by_ecosystem = stmt
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as usize))
            })
            .map_err(q)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(q)?;
        let newest_modified = self
            .conn
            .query_row("SELECT MAX(modified) FROM records", [], |r| r.get(0))
            .map_err(q)?;
        let Freshness {
            imported_at,
            age_days,
        } = self.freshness()?;
        let mut stmt = self
            .conn
            .prepare("SELECT substr(k, 9), v FROM meta WHERE k LIKE 'updated:%' ORDER BY k")
            .map_err(q)?;
        let updated = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(q)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(q)?;
        Ok(Status {
            records: records as usize,
            by_ecosystem,
            newest_modified,
            imported_at,
            age_days,
            updated,
        })
    }

    /// A value kept beside the records (`etag:PyPI`, …).
    pub fn meta(&self, key: &str) -> Result<Option<String>, String> {
        self.conn
            .query_row("SELECT v FROM meta WHERE k = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(|e| e.to_string())
    }

    /// Sets a value kept beside the records.
    pub fn set_meta(&self, key: &str, value: &str) -> Result<(), String> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO meta (k, v) VALUES (?1, ?2)",
                params![key, value],
            )
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// Records that `ecosystem` was downloaded now.
    pub fn mark_updated(&self, ecosystem: &str) -> Result<(), String> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO meta (k, v) VALUES (?1, strftime('%Y-%m-%dT%H:%M:%SZ','now'))",
                [format!("updated:{ecosystem}")],
            )
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// The records that name `name` in `ecosystem` (release ignored).
    pub fn lookup(&self, ecosystem: &str, name: &str) -> Result<Vec<Record>, String> {
        let (e, n) = key(ecosystem, name);
        let mut stmt = self.conn.prepare_cached("SELECT DISTINCT r.body FROM affected a JOIN records r ON r.id = a.id WHERE a.ecosystem = ?1 AND a.name = ?2").map_err(|e| e.to_string())?;
        let bodies = stmt
            .query_map(params![e, n], |r| r.get::<_, String>(0))
            .map_err(|e| e.to_string())?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())?;
        Ok(bodies
            .iter()
            .filter_map(|b| palisade_osv::parse(b).ok())
            .collect())
    }
}
