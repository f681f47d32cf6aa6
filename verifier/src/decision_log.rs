//! The door's append-only decision log: one JSON line per decision with the time, the door,
//! the outcome, the reason codes and a salted hash of the holder; never a name, a birth date
//! or any other claim.
//!
//! The salt is the door's own secret (32 random bytes in a file beside the log, made on first
//! use), so the hash lets an auditor link one holder's visits at this door without learning
//! who they are, and cannot be matched against a list of known keys by anyone else.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use serde::Serialize;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::decision::Decision;
use crate::error::Error;
use crate::reason::ReasonCode;

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogEntry {
    /// When, RFC 3339 UTC.
    pub time: String,
    /// Which door.
    pub door: String,
    /// Allowed or not.
    pub allow: bool,
    /// The reason codes.
    pub reasons: Vec<ReasonCode>,
    /// The credential type, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential_type: Option<String>,
    /// The issuer DID, when known (an organisation, not a person).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// Hex SHA-256 of the door's salt and the holder identifier, cut to 128 bits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holder: Option<String>,
}

/// An append-only JSON-lines file.
pub struct DecisionLog {
    path: PathBuf,
    file: Mutex<std::fs::File>,
    salt: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for DecisionLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecisionLog")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Opens `path` for appending, owner-only where the platform has permissions.
fn open_append(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Reads the salt at `path`, or makes one (32 random bytes, owner-only) if there is none.
fn load_salt(path: &Path) -> Result<Zeroizing<Vec<u8>>, Error> {
    match std::fs::read(path) {
        Ok(bytes) if bytes.len() >= 16 => return Ok(Zeroizing::new(bytes)),
        Ok(_) => {
            return Err(io_error(path)(std::io::Error::other(
                "the salt file is shorter than 16 bytes",
            )));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_error(path)(e)),
    }
    let mut salt = Zeroizing::new(vec![0u8; 32]);
    rand_core::RngCore::try_fill_bytes(&mut rand_core::OsRng, &mut salt)
        .map_err(|e| io_error(path)(std::io::Error::other(e.to_string())))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(io_error(path))?;
    file.write_all(&salt)
        .and_then(|()| file.sync_all())
        .map_err(io_error(path))?;
    Ok(salt)
}

impl DecisionLog {
    /// Opens (or creates) the log at `path`, with its salt in `<path>.salt`.
    pub fn open(path: &Path) -> Result<DecisionLog, Error> {
        let mut salt_path = path.as_os_str().to_owned();
        salt_path.push(".salt");
        let salt = load_salt(Path::new(&salt_path))?;
        let file = open_append(path).map_err(io_error(path))?;
        Ok(DecisionLog {
            path: path.to_owned(),
            file: Mutex::new(file),
            salt,
        })
    }

    /// The salted hash of a holder identifier, as the log writes it.
    pub fn holder_hash(&self, holder: &str) -> String {
        let digest = Sha256::new()
            .chain_update(self.salt.as_slice())
            .chain_update(holder.as_bytes())
            .finalize();
        digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
    }

    /// The entry `decision` makes at `at` for `door`.
    pub fn entry(&self, decision: &Decision, door: &str, at: SystemTime) -> LogEntry {
        LogEntry {
            time: time::OffsetDateTime::from(at)
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            door: door.to_owned(),
            allow: decision.allowed(),
            reasons: decision.codes(),
            credential_type: decision.credential_type().map(str::to_owned),
            issuer: decision.issuer().map(str::to_owned),
            holder: decision.holder().map(|h| self.holder_hash(h)),
        }
    }

    /// Appends one line and flushes it to disk; a line is written whole or not at all (one
    /// `write` of the full line on an append-only file).
    pub fn append(&self, decision: &Decision, door: &str, at: SystemTime) -> Result<LogEntry, Error> {
        let entry = self.entry(decision, door, at);
        let mut line = serde_json::to_vec(&entry).map_err(|e| io_error(&self.path)(std::io::Error::other(e)))?;
        line.push(b'\n');
        let mut file = self.file.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        file.write_all(&line)
            .and_then(|()| file.sync_data())
            .map_err(io_error(&self.path))?;
        Ok(entry)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;
    use crate::reason::Reason;

    #[test]
    fn lines_carry_codes_and_a_salted_hash_only() {
        let dir = std::env::temp_dir().join(format!("dojang-log-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("decisions.jsonl");
        let log = DecisionLog::open(&path).unwrap();
        let decision = Decision::deny(vec![Reason::new(ReasonCode::Revoked)])
            .about_for_test("did:key:zHolder", serde_json::json!({"name": "Kim Minji"}));
        let at = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_780_272_000);
        log.append(&decision, "east", at).unwrap();
        log.append(&decision, "east", at).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["reasons"], serde_json::json!(["REVOKED"]));
        assert_eq!(lines[0]["time"], "2026-06-01T00:00:00Z");
        assert_eq!(lines[0]["holder"], lines[1]["holder"], "the same holder links");
        assert!(!text.contains("zHolder") && !text.contains("Kim"), "{text}");
        // Another door (another salt) hashes the same holder differently.
        let other = DecisionLog::open(&dir.join("other.jsonl")).unwrap();
        assert_ne!(other.holder_hash("did:key:zHolder"), log.holder_hash("did:key:zHolder"));
        // Reopening keeps the salt.
        let again = DecisionLog::open(&path).unwrap();
        assert_eq!(again.holder_hash("did:key:zHolder"), log.holder_hash("did:key:zHolder"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
