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
/// The most key generations a backup holds.
pub(super) const MAX_GENERATION: i64 = 1000;

/// Why a manifest was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ManifestError(String);

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

impl Entry {
    /// The file's name inside the backup folder.
    pub(super) fn file_name(&self) -> String {
        match self.generation {
            Some(generation) => format!("issuer-key-{generation}.jwk"),
            None => self.role.file_name().to_owned(),
        }
    }
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
    /// For a rotated issuer key, its generation (2 or more); absent for everything else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation: Option<i64>,
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

    /// Reads and checks `<folder>/manifest.json` (see [`Manifest::parse`]).
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
        Manifest::parse(&text).map_err(|e| not_a_backup(format!("{FILE}: {e}")))
    }

    /// Parses a manifest: strict JSON (no duplicate member), no unknown member, this format
    /// and version, no role twice, digests of 64 lowercase hex digits, and `databaseIncluded`
    /// saying whether a database file is listed.
    pub fn parse(bytes: &[u8]) -> Result<Manifest, ManifestError> {
        if bytes.len() as u64 > MAX_LEN {
            return Err(ManifestError(format!("larger than {MAX_LEN} bytes")));
        }
        let value = did_core::json::parse_value(bytes).map_err(|e| ManifestError(e.to_string()))?;
        let manifest: Manifest = serde_json::from_value(value).map_err(|e| ManifestError(e.to_string()))?;
        if manifest.format != FORMAT || manifest.version != VERSION {
            return Err(ManifestError(format!(
                "{:?} version {}, this issuer reads {FORMAT:?} version {VERSION}",
                manifest.format, manifest.version
            )));
        }
        for (i, entry) in manifest.files.iter().enumerate() {
            let same = |other: &Entry| other.role == entry.role && other.generation == entry.generation;
            if manifest.files.iter().skip(i + 1).any(same) {
                return Err(ManifestError(format!("{:?} is listed twice", entry.role)));
            }
            if let Some(generation) = entry.generation
                && (entry.role != Role::IssuerKey || !(2..=MAX_GENERATION).contains(&generation))
            {
                return Err(ManifestError(format!(
                    "{:?}: a generation (2 to {MAX_GENERATION}) belongs to a rotated issuer key only",
                    entry.role
                )));
            }
            if entry.sha256.len() != 64 || !entry.sha256.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
                return Err(ManifestError(format!(
                    "{:?}: sha256 is not 64 lowercase hex digits",
                    entry.role
                )));
            }
        }
        if manifest.database_included != manifest.files.iter().any(|e| e.role == Role::Database) {
            return Err(ManifestError("databaseIncluded does not match the files listed".into()));
        }
        Ok(manifest)
    }

    /// Checks every file the manifest lists against its length and digest.
    pub(super) fn verify_files(&self, folder: &Path) -> Result<(), BackupError> {
        for entry in &self.files {
            let path = folder.join(entry.file_name());
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn manifest(files: &str, database: bool) -> String {
        format!(
            r#"{{"format":"dojang-issuer-backup","version":1,"created":"2026-12-08T00:00:00Z","issuerDid":null,"databaseIncluded":{database},"files":[{files}]}}"#
        )
    }

    fn file(role: &str, sha256: &str) -> String {
        format!(r#"{{"role":"{role}","bytes":1,"sha256":"{sha256}"}}"#)
    }

    #[test]
    fn a_manifest_is_refused_unless_every_rule_holds() {
        let hex = "0123456789abcdef".repeat(4);
        let good = manifest(&[file("database", &hex), file("pin_key", &hex)].join(","), true);
        let parsed = Manifest::parse(good.as_bytes()).unwrap();
        assert_eq!(parsed.files.len(), 2);
        let refused = |text: String, why: &str| {
            let error = Manifest::parse(text.as_bytes()).unwrap_err().to_string();
            assert!(error.contains(why), "{error}");
        };
        refused(
            manifest(&[file("pin_key", &hex), file("pin_key", &hex)].join(","), false),
            "twice",
        );
        refused(manifest(&file("pin_key", &hex.to_uppercase()), false), "hex");
        refused(manifest(&file("pin_key", &hex[1..]), false), "hex");
        refused(manifest(&file("pin_key", &hex), true), "databaseIncluded");
        refused(manifest(&file("database", &hex), false), "databaseIncluded");
        refused(manifest(&file("wallet", &hex), false), "unknown variant");
        refused(good.replace("\"version\":1", "\"version\":2"), "version 2");
        refused(
            good.replace("\"version\":1", "\"version\":1,\"version\":1"),
            "duplicate",
        );
        refused(good.replace("\"files\"", "\"extra\":1,\"files\""), "unknown field");
        let rotated = |role: &str, generation: i64| {
            format!(r#"{{"role":"{role}","generation":{generation},"bytes":1,"sha256":"{hex}"}}"#)
        };
        let two = manifest(&[file("issuer_key", &hex), rotated("issuer_key", 2)].join(","), false);
        assert_eq!(
            Manifest::parse(two.as_bytes()).unwrap().files[1].file_name(),
            "issuer-key-2.jwk"
        );
        refused(manifest(&rotated("pin_key", 2), false), "generation");
        refused(manifest(&rotated("issuer_key", 1), false), "generation");
        refused(
            manifest(&[rotated("issuer_key", 3), rotated("issuer_key", 3)].join(","), false),
            "twice",
        );
    }
}
