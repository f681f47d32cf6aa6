//! `vc-issuer backup` and `restore`: everything the issuer needs to come back on a new disk,
//! taken while the service runs, and put back only after every file checks out.
//!
//! A backup is a folder (owner-only) holding:
//!
//! - `issuer.db`: the SQLite database, copied with `VACUUM INTO` from one read transaction
//!   (the service goes on issuing meanwhile); with PostgreSQL, `pg_dump` backs the database up
//!   and this folder holds the rest;
//! - `registry.redb`: the in-process did:dojang registry's log, copied from one read transaction
//!   ([`registry_anchor::store::backup`]);
//! - the key files as they are (a sealed file stays sealed): the issuer key and its rotated
//!   generations (`issuer-key-<n>.jwk`; not a PKCS#11 key: the token is backed up by its
//!   vendor's means), the PIN key, the issuer DID's update and next keys, the registry's
//!   operator key;
//! - `manifest.json`, written last: each file's role, length and SHA-256.
//!
//! A restore checks the manifest and every digest, checks the registry log against its operator
//! key and the database's integrity, refuses to overwrite anything, and only then moves the
//! files into place. It also closes every status list the backup holds to new credentials:
//! credentials issued after the backup was taken are not in it, but their holders still carry
//! them, so the restored issuer never hands their status slots to anyone else (new credentials
//! go to new lists). The audit log records the restore.

mod manifest;

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::config::Config;
use crate::keys::{DEFAULT_KEY_FILE, KeyConfig};
use crate::{Error, private_fs, store};

pub use manifest::{Entry, Manifest, ManifestError, Role};

/// Why a backup or a restore could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BackupError {
    /// The backup folder exists and is not empty.
    #[error("{0}: exists and is not empty: a backup goes to a new folder")]
    OutputExists(PathBuf),
    /// There is no database where the configuration says.
    #[error("there is no database at {0}: run this where `vc-issuer serve` runs, with its --config")]
    NoDatabase(PathBuf),
    /// The database is PostgreSQL, which this command does not copy.
    #[error(
        "the database is PostgreSQL: back it up with pg_dump (docs/operations.md, Backups); \
         --skip-database backs up the key files and the registry log"
    )]
    Postgres,
    /// The folder holds no finished backup of this kind.
    #[error("{folder}: not a finished issuer backup: {reason}")]
    NotABackup {
        /// The folder given.
        folder: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A file of the backup is missing or not what the manifest says.
    #[error("the backup is damaged: {file}: {reason}")]
    Damaged {
        /// The file.
        file: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A file the restore would write exists.
    #[error("{0} exists: a restore never overwrites; move it away first")]
    WouldOverwrite(PathBuf),
    /// The backup has no database and the configuration names a SQLite one.
    #[error("the backup holds no database (it was taken with --skip-database) and the configuration names SQLite")]
    NoDatabaseInBackup,
    /// The registry log in the backup does not check out against its operator key.
    #[error("the registry log in the backup was refused: {0}")]
    RegistryLog(#[source] registry_anchor::node::NodeError),
}

/// The key file of issuer key generation `generation` (a key file configuration only).
fn rotated_key_file(config: &Config, generation: i64) -> Option<PathBuf> {
    match config.key.generation(&config.data_dir, generation) {
        KeyConfig::File { path, .. } => path,
        KeyConfig::Pkcs11 { .. } => None,
    }
}

/// Where each role lives for the service `config` describes (`None`: not a file here).
fn targets(config: &Config) -> Vec<(Role, Option<PathBuf>)> {
    let dir = &config.data_dir;
    let issuer_key = match &config.key {
        KeyConfig::File { path, .. } => Some(path.clone().unwrap_or_else(|| dir.join(DEFAULT_KEY_FILE))),
        _ => None,
    };
    Role::ALL
        .iter()
        .map(|&role| {
            let path = match role {
                Role::Database => store::sqlite_file(&config.database_url()),
                Role::IssuerKey => issuer_key.clone(),
                Role::PinKey => Some(config.pin_key_path()),
                Role::DidUpdateKey => Some(dir.join("did-update-key.jwk")),
                Role::DidNextKey => Some(dir.join("did-next-key.jwk")),
                Role::RegistryOperatorKey => Some(dir.join("registry-operator.jwk")),
                Role::RegistryLog => Some(dir.join("registry.redb")),
            };
            (role, path)
        })
        .collect()
}

fn io(context: &Path, e: std::io::Error) -> Error {
    Error::io(context.display().to_string(), e)
}

/// Backs the service `config` describes up into the new folder `out`, while it runs. With
/// PostgreSQL, refused unless `skip_database` (then `pg_dump` is the database's backup).
pub async fn backup(config: &Config, out: &Path, skip_database: bool) -> Result<Manifest, Error> {
    let url = config.database_url();
    let postgres = url.starts_with("postgres");
    if postgres && !skip_database {
        return Err(BackupError::Postgres.into());
    }
    let database = store::sqlite_file(&url).filter(|_| !skip_database);
    if let Some(file) = &database
        && !file.exists()
    {
        return Err(BackupError::NoDatabase(file.clone()).into());
    }
    if std::fs::read_dir(out).is_ok_and(|mut entries| entries.next().is_some()) {
        return Err(BackupError::OutputExists(out.to_path_buf()).into());
    }
    private_fs::private_dir(out).map_err(|e| io(out, e))?;
    let created = now_rfc3339();
    let mut issuer_did = None;
    let mut files = Vec::new();
    for (role, source) in targets(config) {
        let Some(source) = source else { continue };
        let dest = out.join(role.file_name());
        match role {
            Role::Database => {
                if database.is_none() {
                    continue;
                }
                issuer_did = store::snapshot_sqlite(&url, &dest).await?;
            }
            // The database first, then the log: the log then holds every operation the
            // database knows of (the issuer's DID), and perhaps a few more.
            Role::RegistryLog => {
                if !source.exists() {
                    continue;
                }
                registry_anchor::store::backup(&source, &dest)
                    .map_err(|e| Error::Registry(format!("{}: {e}", source.display())))?;
            }
            _ => {
                if !source.exists() {
                    continue;
                }
                copy_private(&source, &dest)?;
            }
        }
        let (bytes, sha256) = manifest::digest(&dest).map_err(|e| io(&dest, e))?;
        files.push(Entry {
            role,
            generation: None,
            bytes,
            sha256,
        });
    }
    // The issuer key's later generations (crate::key_rotation), while their files exist.
    if matches!(config.key, KeyConfig::File { .. }) {
        for generation in 2..=manifest::MAX_GENERATION {
            let Some(source) = rotated_key_file(config, generation) else {
                break;
            };
            if !source.exists() {
                break;
            }
            let mut entry = Entry {
                role: Role::IssuerKey,
                generation: Some(generation),
                bytes: 0,
                sha256: String::new(),
            };
            let dest = out.join(entry.file_name());
            copy_private(&source, &dest)?;
            (entry.bytes, entry.sha256) = manifest::digest(&dest).map_err(|e| io(&dest, e))?;
            files.push(entry);
        }
    }
    if issuer_did.is_none() && postgres {
        // The database is pg_dump's to copy; the manifest still names whose backup this is.
        issuer_did = store::issuer_did_in(&url).await?;
    }
    let manifest = Manifest::new(created, issuer_did, database.is_some(), files);
    let text = serde_json::to_vec_pretty(&manifest).map_err(|e| Error::Io {
        context: "manifest".into(),
        source: std::io::Error::other(e),
    })?;
    write_new(&out.join(manifest::FILE), &text)?;
    Ok(manifest)
}

/// Restores the backup in `from` for the service `config` describes: checks it whole, then puts
/// every file in place (none may exist), closes the backed-up status lists to new credentials
/// and records the restore in the audit log. Returns a summary for the command line.
pub async fn restore(config: &Config, from: &Path) -> Result<Value, Error> {
    let manifest = Manifest::read(from)?;
    manifest.verify_files(from)?;
    let url = config.database_url();
    let postgres = url.starts_with("postgres");
    if !manifest.database_included && !postgres {
        return Err(BackupError::NoDatabaseInBackup.into());
    }
    let targets = targets(config);
    let target = |role: Role| targets.iter().find(|(r, _)| *r == role).and_then(|(_, p)| p.clone());
    let mut plan = Vec::new();
    for entry in &manifest.files {
        let dest = match entry.generation {
            Some(generation) => rotated_key_file(config, generation),
            None => target(entry.role),
        };
        let Some(dest) = dest else {
            // A key the configuration keeps elsewhere (PKCS#11), or a database on PostgreSQL.
            continue;
        };
        if dest.exists() {
            return Err(BackupError::WouldOverwrite(dest).into());
        }
        plan.push((entry.role, from.join(entry.file_name()), dest));
    }
    private_fs::private_dir(&config.data_dir).map_err(|e| io(&config.data_dir, e))?;
    let mut staged = Vec::new();
    let outcome = stage_all(&plan, &url, postgres, &manifest, &mut staged).await;
    let closed = match outcome {
        Ok(closed) => closed,
        Err(e) => {
            for (path, _) in &staged {
                let _ = std::fs::remove_file(path);
            }
            return Err(e);
        }
    };
    for (staged_path, dest) in &staged {
        std::fs::rename(staged_path, dest).map_err(|e| io(dest, e))?;
        sync_parent(dest)?;
    }
    Ok(json!({
        "ok": true,
        "restored": staged.iter().map(|(_, dest)| dest.display().to_string()).collect::<Vec<_>>(),
        "issuerDid": manifest.issuer_did,
        "backupCreated": manifest.created,
        "statusListsClosed": closed,
    }))
}

/// Copies each file of `plan` beside its destination (`<dest>.restoring`), checks the
/// registry log and the database there, and closes the status lists; `staged` collects what
/// was made (for the caller to move into place, or to remove on failure). Returns how many
/// status lists were closed.
async fn stage_all(
    plan: &[(Role, PathBuf, PathBuf)],
    url: &str,
    postgres: bool,
    manifest: &Manifest,
    staged: &mut Vec<(PathBuf, PathBuf)>,
) -> Result<u64, Error> {
    let staging = |dest: &Path| {
        let mut name = dest.as_os_str().to_owned();
        name.push(".restoring");
        PathBuf::from(name)
    };
    for (_, source, dest) in plan {
        if let Some(parent) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
            private_fs::create_dir(parent).map_err(|e| io(parent, e))?;
        }
        let path = staging(dest);
        let _ = std::fs::remove_file(&path);
        copy_private(source, &path)?;
        staged.push((path, dest.clone()));
    }
    let staged_for = |role: Role| {
        plan.iter()
            .position(|(r, _, _)| *r == role)
            .and_then(|i| staged.get(i))
            .map(|(path, _)| path.clone())
    };
    if let Some(log) = staged_for(Role::RegistryLog) {
        let key_file = staged_for(Role::RegistryOperatorKey).ok_or_else(|| BackupError::Damaged {
            file: PathBuf::from(Role::RegistryOperatorKey.file_name()),
            reason: "the backup holds a registry log but not its operator key".into(),
        })?;
        let operator = crate::keys::open_software_key(&key_file).await?;
        registry_anchor::node::check_store(&log, operator.verifying_key()).map_err(BackupError::RegistryLog)?;
    }
    let detail = format!("backup of {}", manifest.created);
    let closed = if postgres {
        // The database was restored with pg_restore before this command.
        let store = store::Store::open(url).await?;
        let closed = store
            .close_status_lists(&crate::operator::actor("restore"), &detail)
            .await;
        store.close().await;
        closed?
    } else {
        let path = staged_for(Role::Database).ok_or(BackupError::NoDatabaseInBackup)?;
        store::finish_restored_sqlite(&path, &crate::operator::actor("restore"), &detail).await?
    };
    Ok(closed)
}

/// Copies `from` to the new file `to`, owner-only, synced.
fn copy_private(from: &Path, to: &Path) -> Result<(), Error> {
    let mut out = private_fs::create_new(to).map_err(|e| io(to, e))?;
    let mut input = std::fs::File::open(from).map_err(|e| io(from, e))?;
    std::io::copy(&mut input, &mut out).map_err(|e| io(to, e))?;
    out.sync_all().map_err(|e| io(to, e))
}

/// Writes the new file `path` (owner-only) and syncs it and its folder.
fn write_new(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    use std::io::Write as _;
    let mut file = private_fs::create_new(path).map_err(|e| io(path, e))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| io(path, e))?;
    sync_parent(path)
}

/// Syncs the folder holding `path`, so that a file made or renamed there survives a crash.
fn sync_parent(path: &Path) -> Result<(), Error> {
    match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) => std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| io(dir, e)),
        None => Ok(()),
    }
}

/// Now, RFC 3339 in UTC to the second.
fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc();
    let now = now.replace_nanosecond(0).unwrap_or(now);
    now.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| now.unix_timestamp().to_string())
}
