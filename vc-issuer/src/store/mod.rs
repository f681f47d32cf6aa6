//! Durable records in SQLite (the embedded default) or PostgreSQL (shared by replicas),
//! through one code path: sqlx's `Any` driver with SQL both accept.
//!
//! - [`credentials`]: issued-credential records with their status-list slot, allocated at
//!   random (herd privacy) and unique per list, committed before a credential is returned.
//! - [`tokens`]: bearer tokens with scopes, stored as SHA-256 digests.
//! - [`audit`]: the append-only audit log (the database refuses updates and deletes).
//! - [`offers`]: OpenID4VCI credential offers and single-use nonces.
//! - [`issuer_keys`]: the generations of the issuer's signing key (public keys only).
//!
//! SQLite runs in WAL mode with one writer connection (writes queue in the pool instead
//! of failing with `SQLITE_BUSY`) and several readers. Issuance records, the busiest
//! writes, go through `group_commit`: one task per store commits all the insertions waiting
//! at a time in one transaction, answering each caller after the COMMIT.

pub mod audit;
pub mod credentials;
mod group_commit;
pub mod issuer_keys;
pub mod offers;
mod schema;
pub mod tokens;

use std::path::{Path, PathBuf};
use std::str::FromStr as _;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor as _};

use crate::{Error, StorageError, private_fs};

pub use audit::AuditEntry;
pub use credentials::{CredentialRecord, NewCredential, RecordStatus};
pub use issuer_keys::IssuerKey;
pub use offers::{
    AccessToken, CodeRefusal, CreatedOffer, MAX_TX_CODE_ATTEMPTS, NewOffer, OfferCreation, OfferRecord, OfferState,
};
pub use tokens::{Scope, TokenInfo};

/// The database.
#[derive(Debug, Clone)]
pub struct Store {
    /// Connections that write (one for SQLite).
    writer: AnyPool,
    /// Connections that only read.
    reader: AnyPool,
    postgres: bool,
    /// The task that commits issuance records in batches.
    inserts: group_commit::Writer,
    /// The key offer PINs are hashed with (HMAC-SHA-256); without one (a tool that makes no
    /// offers) new PINs would get the plain SHA-256 older versions stored.
    pin_key: Option<std::sync::Arc<crate::pin_key::PinKey>>,
}

impl Store {
    /// This store, hashing offer PINs with `key` (see [`crate::pin_key`]).
    #[must_use]
    pub fn with_pin_key(mut self, key: crate::pin_key::PinKey) -> Store {
        self.pin_key = Some(std::sync::Arc::new(key));
        self
    }

    /// Opens (and creates, for SQLite) the database at `url` and brings its tables up to date.
    /// A database that cannot be written (a read-only file, folder or connection) is refused
    /// here, with an error naming it, rather than at the first issuance.
    pub async fn open(url: &str) -> Result<Store, Error> {
        Store::open_url(url).await.map_err(|e| match e {
            Error::Storage(source) => Error::Storage(StorageError::Open {
                database: describe(url),
                source: Box::new(source),
            }),
            other => other,
        })
    }

    async fn open_url(url: &str) -> Result<Store, Error> {
        sqlx::any::install_default_drivers();
        let postgres = url.starts_with("postgres");
        let (url, sqlite_file) = if postgres {
            (url.to_owned(), None)
        } else {
            sqlite_url(url)?
        };
        let options = AnyConnectOptions::from_str(&url).map_err(|e| Error::config("database_url", e.to_string()))?;
        let pool = |max: u32| {
            AnyPoolOptions::new()
                .max_connections(max)
                .acquire_timeout(Duration::from_secs(30))
                // A SQLite connection is a file handle in this process: it cannot break the
                // way a network connection can, so checking it with a ping on every
                // acquire (a round trip to its worker thread) buys nothing.
                .test_before_acquire(postgres)
                // A COMMIT that fails on SQLite (full disk, I/O error) leaves sqlx's
                // transaction depth at 1 for good: every later BEGIN on that connection
                // fails ("non-zero transaction depth"), and the single writer connection
                // would refuse every write until a restart. Such a connection is closed
                // (SQLite rolls back what it held) and the pool opens a fresh one. Only a
                // connection that still looks in a transaction is pinged (the common release
                // costs nothing): the ping lets a rollback queued by a dropped transaction run.
                .after_release(move |conn, _| {
                    Box::pin(async move {
                        if postgres || !sqlx::Connection::is_in_transaction(conn) {
                            return Ok(true);
                        }
                        sqlx::Connection::ping(conn).await?;
                        Ok(!sqlx::Connection::is_in_transaction(conn))
                    })
                })
                .after_connect(move |conn, _| {
                    Box::pin(async move {
                        if !postgres {
                            // FULL: a commit is on disk (the WAL synced) before it returns,
                            // so a returned credential's record survives a power cut; with
                            // group commit the sync is paid once per batch. temp_store
                            // MEMORY keeps the statement journal of a multi-row INSERT in
                            // memory instead of spilling it to a temporary file.
                            conn.execute(
                                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                                 PRAGMA temp_store = MEMORY; PRAGMA busy_timeout = 10000; \
                                 PRAGMA foreign_keys = ON",
                            )
                            .await?;
                        }
                        Ok(())
                    })
                })
        };
        let (writer, reader) = if postgres {
            let shared = pool(16).connect_with(options).await?;
            (shared.clone(), shared)
        } else {
            let writer = pool(1).connect_with(options.clone()).await?;
            let reader = pool(4).connect_with(options).await?;
            (writer, reader)
        };
        let store = Store {
            inserts: group_commit::Writer::spawn(writer.clone(), postgres),
            writer,
            reader,
            postgres,
            pin_key: None,
        };
        store.migrate().await?;
        // SQLite gives its `-wal`, `-shm` and `-journal` files the database file's mode; made
        // by another SQLite build, or left by an earlier version, they are restricted here.
        if let Some(file) = &sqlite_file {
            restrict_sqlite_files(file, false)?;
        }
        Ok(store)
    }

    /// Creates what is missing, in one transaction. On PostgreSQL replicas starting together
    /// take turns through a transaction-scoped advisory lock (released by COMMIT or ROLLBACK,
    /// even when a statement fails), and the audit trigger is replaced atomically: no other
    /// session ever sees the log without it.
    async fn migrate(&self) -> Result<(), Error> {
        let mut tx = self.writer.begin_with(self.begin_statement()).await?;
        if self.postgres {
            sqlx::query("SELECT pg_advisory_xact_lock(7468617)")
                .execute(&mut *tx)
                .await?;
        }
        for statement in schema::statements(self.postgres) {
            // The statements are the fixed text of `schema`, with no input in them.
            sqlx::raw_sql(sqlx::AssertSqlSafe(statement))
                .execute(&mut *tx)
                .await
                .map_err(|source| {
                    Error::Storage(StorageError::Database {
                        doing: Some("creating the tables"),
                        source,
                    })
                })?;
        }
        // A write even when every table exists: a read-only database fails here, at start.
        sqlx::query(
            "INSERT INTO meta (name, value) VALUES ('opened_at', $1) \
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        )
        .bind(unix_now().to_string())
        .execute(&mut *tx)
        .await
        .map_err(|source| {
            Error::Storage(StorageError::Database {
                doing: Some("cannot write (is it read-only?)"),
                source,
            })
        })?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether this is PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.postgres
    }

    /// The pool that writes.
    pub(crate) fn writer(&self) -> &AnyPool {
        &self.writer
    }

    /// The pool that reads.
    pub(crate) fn reader(&self) -> &AnyPool {
        &self.reader
    }

    /// The `BEGIN` that takes the write lock at once on SQLite.
    pub(crate) fn begin_statement(&self) -> &'static str {
        if self.postgres { "BEGIN" } else { "BEGIN IMMEDIATE" }
    }

    /// The `BEGIN` of a read-only transaction that sees one snapshot throughout (PostgreSQL's
    /// default, READ COMMITTED, takes a new snapshot per statement; SQLite in WAL mode keeps
    /// the first read's snapshot).
    pub(crate) fn snapshot_statement(&self) -> &'static str {
        if self.postgres {
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
        } else {
            "BEGIN"
        }
    }

    /// A value from the `meta` table.
    pub async fn meta(&self, name: &str) -> Result<Option<String>, Error> {
        let row: Option<(String,)> = sqlx::query_as("SELECT value FROM meta WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.reader)
            .await?;
        Ok(row.map(|(v,)| v))
    }

    /// Sets a `meta` value if it is not set yet; returns the value now stored.
    pub async fn meta_init(&self, name: &str, value: &str) -> Result<String, Error> {
        sqlx::query("INSERT INTO meta (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .bind(value)
            .execute(&self.writer)
            .await?;
        let row: (String,) = sqlx::query_as("SELECT value FROM meta WHERE name = $1")
            .bind(name)
            .fetch_one(&self.writer)
            .await?;
        Ok(row.0)
    }

    /// Checks the database answers (for `/health`).
    pub async fn ping(&self) -> Result<(), Error> {
        sqlx::query("SELECT 1").execute(&self.reader).await?;
        Ok(())
    }

    /// Closes every connection.
    pub async fn close(&self) {
        self.writer.close().await;
        self.reader.close().await;
    }
}

/// Copies the SQLite database at `url` into the new file `dest` (owner-only) with
/// `VACUUM INTO`, from one read transaction, while the service goes on writing; returns the
/// issuer DID the copy names. The live database is opened without creating or migrating it.
pub async fn snapshot_sqlite(url: &str, dest: &Path) -> Result<Option<String>, Error> {
    use sqlx::Connection as _;
    let (path, _, _) = sqlite_parts(url)?;
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false)
        .busy_timeout(Duration::from_secs(10));
    let mut conn = sqlx::SqliteConnection::connect_with(&options)
        .await
        .map_err(|source| database_error("opening the database to back it up", source))?;
    drop(private_fs::create_new(dest).map_err(|e| Error::io(format!("cannot create {}", dest.display()), e))?);
    let copied = async {
        let did: Option<(String,)> = sqlx::query_as("SELECT value FROM meta WHERE name = 'issuer_did'")
            .fetch_optional(&mut conn)
            .await?;
        let dest_text = dest
            .to_str()
            .ok_or_else(|| Error::config("--out", "the backup folder's path is not UTF-8"))?;
        sqlx::query("VACUUM INTO ?1")
            .bind(dest_text)
            .execute(&mut conn)
            .await
            .map_err(|source| database_error("copying the database", source))?;
        Ok::<_, Error>(did.map(|(did,)| did))
    }
    .await;
    let _ = conn.close().await;
    if copied.is_err() {
        let _ = std::fs::remove_file(dest);
    }
    copied
}

/// The issuer DID the database at `url` names, read with one query (nothing created, migrated
/// or written): for a backup's manifest when the database itself is backed up by other means.
pub async fn issuer_did_in(url: &str) -> Result<Option<String>, Error> {
    use sqlx::Connection as _;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url)
        .await
        .map_err(|source| database_error("reading the issuer DID", source))?;
    let did: Option<(String,)> = sqlx::query_as("SELECT value FROM meta WHERE name = 'issuer_did'")
        .fetch_optional(&mut conn)
        .await?;
    let _ = conn.close().await;
    Ok(did.map(|(did,)| did))
}

/// Readies a restored SQLite database copy at `path` (not yet in place): checks its integrity,
/// brings its tables up to date, closes its status lists to new credentials with an audit entry
/// (see [`Store::close_status_lists`]) and folds its write-ahead log back into the file, so
/// that the one file can be moved into place. Returns how many lists were closed.
pub async fn finish_restored_sqlite(path: &Path, actor: &str, detail: &str) -> Result<u64, Error> {
    let text = path
        .to_str()
        .ok_or_else(|| Error::config("data_dir", "the database's path is not UTF-8"))?;
    let store = Store::open(&format!("sqlite://{text}")).await?;
    let finished = async {
        let (check,): (String,) = sqlx::query_as("PRAGMA integrity_check")
            .fetch_one(store.writer())
            .await
            .map_err(|source| database_error("checking the restored database", source))?;
        if check != "ok" {
            return Err(Error::corrupt(format!(
                "the restored database fails its integrity check: {check}"
            )));
        }
        let closed = store.close_status_lists(actor, detail).await?;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(store.writer())
            .await?;
        Ok(closed)
    }
    .await;
    store.close().await;
    for suffix in ["-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
    finished
}

fn database_error(doing: &'static str, source: sqlx::Error) -> Error {
    Error::Storage(StorageError::Database {
        doing: Some(doing),
        source,
    })
}

/// The database for messages: a SQLite file's path, or a server URL without its user and
/// password.
fn describe(url: &str) -> String {
    if let Some(rest) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
        return rest.split('?').next().unwrap_or(rest).to_owned();
    }
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => format!(
            "{}{}",
            url.get(..scheme + 3).unwrap_or_default(),
            url.get(at + 1..).unwrap_or_default()
        ),
        _ => url.to_owned(),
    }
}

/// A SQLite URL's path and query, and the file it names (`None` for an in-memory database).
fn sqlite_parts(url: &str) -> Result<(&str, &str, Option<PathBuf>), Error> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .ok_or_else(|| Error::config("database_url", "expected sqlite://<path>"))?;
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let in_memory = path.is_empty() || path == ":memory:" || query.split('&').any(|o| o == "mode=memory");
    Ok((path, query, (!in_memory).then(|| PathBuf::from(path))))
}

/// The SQLite file a database URL names, if it names one (not PostgreSQL, not in memory).
pub fn sqlite_file(url: &str) -> Option<PathBuf> {
    if url.starts_with("postgres") {
        return None;
    }
    sqlite_parts(url).ok().and_then(|(_, _, file)| file)
}

/// `sqlite://path` with the file created when missing, and the file's path. Missing folders
/// on the way are made owner-only (0700), and the database file is made owner-only (0600)
/// before SQLite opens it, so that SQLite gives the same mode to the `-wal`, `-shm` and
/// `-journal` files it makes beside it: they hold the same records (and the digests of offer
/// codes and PINs). A file made by an earlier version (0644 under the usual umask) is
/// restricted; a database opened read-only (`mode=ro`) is not created.
fn sqlite_url(url: &str) -> Result<(String, Option<PathBuf>), Error> {
    let (path, query, file) = sqlite_parts(url)?;
    if let Some(file) = &file {
        if let Some(parent) = file.parent()
            && !parent.as_os_str().is_empty()
        {
            private_fs::create_dir(parent).map_err(|e| Error::io(format!("cannot create {}", parent.display()), e))?;
        }
        restrict_sqlite_files(file, !query.split('&').any(|o| o == "mode=ro"))?;
    }
    let mode = if query.contains("mode=") {
        String::new()
    } else {
        "mode=rwc".to_owned()
    };
    let query = [query, mode.as_str()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("&");
    Ok((format!("sqlite://{path}?{query}"), file))
}

/// Makes the SQLite database `file` (created empty when `create`) and the files SQLite keeps
/// beside it owner-only.
fn restrict_sqlite_files(file: &Path, create: bool) -> Result<(), Error> {
    let restricted = |path: &Path, result: std::io::Result<()>| {
        result.map_err(|e| Error::io(format!("cannot make {} owner-only (chmod 600 it)", path.display()), e))
    };
    if create {
        restricted(file, private_fs::private_file(file))?;
    } else {
        restricted(file, private_fs::restrict(file))?;
    }
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut name = file.as_os_str().to_owned();
        name.push(suffix);
        let path = PathBuf::from(name);
        restricted(&path, private_fs::restrict(&path))?;
    }
    Ok(())
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}
