//! `manifest.json`, the list of what a backup holds: written last, so a folder without one is
//! an unfinished backup, and read first on restore, so a damaged file is found before anything
//! is put in place.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::BackupError;

/// The manifest's file name in a backup folder.
pub(super) const FILE: &str = "manifest.json";
/// The `format` a manifest names.
const FORMAT: &str = "dojang-issuer-backup";
/// The manifest version this code writes and reads.
const VERSION: u32 = 1;
/// The largest manifest read (a few hundred bytes in practice).
const MAX_LEN: u64 = 64 * 1024;

/// What a file in the backup is, and so where it goes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The SQLite database (a `VACUUM INTO` copy).
    Database,
    /// The issuer's signing key file (plain or sealed, as it was).
    IssuerKey,
    /// The key offer PINs are hashed with.
    PinKey,
    /// The key that signs the issuer DID's next did:dojang operation.
    DidUpdateKey,
    /// The key the issuer DID's operations commit to next.
    DidNextKey,
    /// The in-process registry's operator key.
    RegistryOperatorKey,
    /// The in-process registry's log (a copy from one read transaction).
    RegistryLog,
}

impl Role {
    /// Every role, in the order a backup writes them.
    pub(super) const ALL: [Role; 7] = [
        Role::Database,
        Role::RegistryLog,
        Role::IssuerKey,
        Role::PinKey,
        Role::DidUpdateKey,
        Role::DidNextKey,
        Role::RegistryOperatorKey,
    ];

    /// The file's name inside the backup folder.
    pub(super) fn file_name(self) -> &'static str {
        match self {
            Role::Database => "issuer.db",
            Role::IssuerKey => "issuer-key.jwk",
            Role::PinKey => "pin-key",
            Role::DidUpdateKey => "did-update-key.jwk",
            Role::DidNextKey => "did-next-key.jwk",
            Role::RegistryOperatorKey => "registry-operator.jwk",
            Role::RegistryLog => "registry.redb",
        }
    }
}

/// One file of a backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// What it is.
    pub role: Role,
    /// Its length in bytes.
    pub bytes: u64,
    /// The SHA-256 of its content, lowercase hex.
    pub sha256: String,
}

/// A backup's manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Manifest {
    /// Always `dojang-issuer-backup`.
    pub format: String,
    /// The manifest version (1).
    pub version: u32,
    /// When the backup was taken (RFC 3339, UTC).
    pub created: String,
    /// The issuer's DID, as the backed-up database names it.
    pub issuer_did: Option<String>,
    /// Whether the database is in the backup (not for PostgreSQL: `pg_dump` backs it up).
    pub database_included: bool,
    /// The files.
    pub files: Vec<Entry>,
}

impl Manifest {
    /// A manifest of this version.
    pub(super) fn new(
        created: String,
        issuer_did: Option<String>,
        database_included: bool,
        files: Vec<Entry>,
    ) -> Manifest {
        Manifest {
            format: FORMAT.to_owned(),
            version: VERSION,
            created,
            issuer_did,
            database_included,
            files,
        }
    }

    /// Reads and checks `<folder>/manifest.json`: the format and version, no role twice.
    pub(super) fn read(folder: &Path) -> Result<Manifest, BackupError> {
        let path = folder.join(FILE);
        let not_a_backup = |reason: String| BackupError::NotABackup {
            folder: folder.to_path_buf(),
            reason,
        };
        let file = std::fs::File::open(&path).map_err(|e| not_a_backup(format!("{}: {e}", path.display())))?;
        let mut text = Vec::new();
        file.take(MAX_LEN + 1)
            .read_to_end(&mut text)
            .map_err(|e| not_a_backup(format!("{}: {e}", path.display())))?;
        if text.len() as u64 > MAX_LEN {
            return Err(not_a_backup(format!("{FILE} is larger than {MAX_LEN} bytes")));
        }
        let manifest: Manifest = did_core::json::parse_value(&text)
            .map_err(|e| e.to_string())
            .and_then(|value| serde_json::from_value(value).map_err(|e| e.to_string()))
            .map_err(|e| not_a_backup(format!("{FILE}: {e}")))?;
        if manifest.format != FORMAT || manifest.version != VERSION {
            return Err(not_a_backup(format!(
                "{FILE} is {:?} version {}, this issuer reads {FORMAT:?} version {VERSION}",
                manifest.format, manifest.version
            )));
        }
        for (i, entry) in manifest.files.iter().enumerate() {
            if manifest.files.iter().skip(i + 1).any(|other| other.role == entry.role) {
                return Err(not_a_backup(format!("{FILE} lists {:?} twice", entry.role)));
            }
        }
        if manifest.database_included != manifest.files.iter().any(|e| e.role == Role::Database) {
            return Err(not_a_backup(format!(
                "{FILE}: databaseIncluded does not match its files"
            )));
        }
        Ok(manifest)
    }

    /// Checks every file the manifest lists against its length and digest.
    pub(super) fn verify_files(&self, folder: &Path) -> Result<(), BackupError> {
        for entry in &self.files {
            let path = folder.join(entry.role.file_name());
            let (bytes, sha256) = digest(&path).map_err(|e| BackupError::Damaged {
                file: path.clone(),
                reason: e.to_string(),
            })?;
            if bytes != entry.bytes || sha256 != entry.sha256 {
                return Err(BackupError::Damaged {
                    file: path,
                    reason: format!(
                        "{bytes} bytes with SHA-256 {sha256}, the manifest says {} bytes with {}",
                        entry.bytes, entry.sha256
                    ),
                });
            }
        }
        Ok(())
    }
}

/// A file's length and SHA-256 (lowercase hex), read in pieces.
pub(super) fn digest(path: &PathBuf) -> std::io::Result<(u64, String)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(buffer.get(..n).unwrap_or_default());
        total += n as u64;
    }
    let hex = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok((total, hex))
}
