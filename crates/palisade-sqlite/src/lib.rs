//! One way to open a palisade SQLite store.
//!
//! A store names its schema as a list of migrations: SQL that takes the
//! database from `user_version` *n* to *n + 1*, the first one creating the
//! tables. [`open`] applies the ones a database lacks, each in its own
//! transaction with the version it reaches, and refuses a database that a
//! newer palisade has already migrated further than this one knows. A
//! database written before a store kept a version (version 0 with its
//! tables present) is handled by a first migration written with
//! `IF NOT EXISTS`.

use rusqlite::Connection;
use std::path::Path;
use std::time::Duration;

/// How a store is opened.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Create the file readable and writable by its owner only (SQLite gives
    /// its `-wal` and `-shm` files the database's mode): for stores that
    /// name users, objects and findings.
    pub owner_only: bool,
    /// `synchronous = FULL` rather than `NORMAL`: nothing acknowledged is
    /// lost on power failure, at the cost of an fsync a commit.
    pub full_sync: bool,
}

/// The schema version `migrations` bring a database to.
pub fn latest(migrations: &[&str]) -> i64 {
    migrations.len() as i64
}

/// Opens (creating) the store `what` at `path` and migrates it. Errors
/// name the file.
pub fn open(
    path: &Path,
    what: &str,
    migrations: &[&str],
    opts: Options,
) -> Result<Connection, String> {
    let err = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| err(&e))?;
    }
    #[cfg(unix)]
    if opts.owner_only && !path.exists() {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| err(&e))?;
    }
    let mut c = Connection::open(path).map_err(|e| err(&e))?;
    c.pragma_update(None, "journal_mode", "WAL")
        .map_err(|e| err(&e))?;
    c.pragma_update(
        None,
        "synchronous",
        if opts.full_sync { "FULL" } else { "NORMAL" },
    )
    .map_err(|e| err(&e))?;
    c.busy_timeout(Duration::from_secs(5))
        .map_err(|e| err(&e))?;
    c.pragma_update(None, "foreign_keys", "ON")
        .map_err(|e| err(&e))?;
    migrate(&mut c, what, migrations).map_err(|e| err(&e))?;
    Ok(c)
}

/// Applies the migrations `c` lacks.
pub fn migrate(c: &mut Connection, what: &str, migrations: &[&str]) -> Result<(), String> {
    let version: i64 = c
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(|e| e.to_string())?;
    let known = latest(migrations);
    if version > known {
        return Err(format!(
            "{what} schema version {version} is newer than this palisade knows ({known}): upgrade palisade"
        ));
    }
    for (i, sql) in migrations.iter().enumerate().skip(version.max(0) as usize) {
        let to = i as i64 + 1;
        let tx = c.transaction().map_err(|e| e.to_string())?;
        tx.execute_batch(sql)
            .map_err(|e| format!("{what} schema migration to version {to}: {e}"))?;
        tx.pragma_update(None, "user_version", to)
            .map_err(|e| e.to_string())?;
        tx.commit().map_err(|e| e.to_string())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1: &str = "CREATE TABLE IF NOT EXISTS t (a TEXT NOT NULL);";
    const V2: &str = "ALTER TABLE t ADD COLUMN b TEXT NOT NULL DEFAULT 'x';";

    fn version(c: &Connection) -> i64 {
        c.pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn a_new_database_gets_every_migration() {
        let dir = tempfile::tempdir().unwrap();
        let c = open(
            &dir.path().join("a/b.sqlite"),
            "test",
            &[V1, V2],
            Options::default(),
        )
        .unwrap();
        assert_eq!(version(&c), 2);
        c.execute("INSERT INTO t (a) VALUES ('1')", []).unwrap();
        let b: String = c.query_row("SELECT b FROM t", [], |r| r.get(0)).unwrap();
        assert_eq!(b, "x");
    }

    #[test]
    fn an_older_database_gets_the_rest_and_keeps_its_rows() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.sqlite");
        // written before the store kept a version: tables, version 0
        {
            let c = Connection::open(&p).unwrap();
            c.execute_batch("CREATE TABLE t (a TEXT NOT NULL); INSERT INTO t VALUES ('old');")
                .unwrap();
        }
        let c = open(&p, "test", &[V1, V2], Options::default()).unwrap();
        assert_eq!(version(&c), 2);
        let row: (String, String) = c
            .query_row("SELECT a, b FROM t", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap();
        assert_eq!(row, ("old".to_string(), "x".to_string()));
        drop(c);
        // opening again changes nothing
        let c = open(&p, "test", &[V1, V2], Options::default()).unwrap();
        assert_eq!(version(&c), 2);
    }

    #[test]
    fn a_newer_database_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.sqlite");
        open(&p, "history", &[V1, V2], Options::default()).unwrap();
        let e = open(&p, "history", &[V1], Options::default()).unwrap_err();
        assert!(
            e.contains("history schema version 2 is newer than this palisade knows (1)"),
            "{e}"
        );
        assert!(e.starts_with(&p.display().to_string()), "{e}");
    }

    #[test]
    fn a_failing_migration_leaves_the_version_where_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.sqlite");
        open(&p, "test", &[V1], Options::default()).unwrap();
        let e = open(
            &p,
            "test",
            &[V1, "ALTER TABLE nope ADD COLUMN c TEXT;"],
            Options::default(),
        )
        .unwrap_err();
        assert!(e.contains("migration to version 2"), "{e}");
        let c = Connection::open(&p).unwrap();
        assert_eq!(version(&c), 1);
    }

    #[cfg(unix)]
    #[test]
    fn owner_only_files() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.sqlite");
        let opts = Options {
            owner_only: true,
            ..Default::default()
        };
        open(&p, "test", &[V1], opts).unwrap();
        let mode = std::fs::metadata(&p).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
