//! Offline snapshots: verified answers for a set of DIDs, carried to a device without network.

use std::time::{Duration, UNIX_EPOCH};

use did_core::resolve::ResolutionError;
use serde::{Deserialize, Serialize};

use super::RegistryResolver;
use super::cache::Entry;
use crate::resolution::{Resolution, VerificationError};

/// The `format` a snapshot names.
pub const SNAPSHOT_FORMAT: &str = "dojang-registry-snapshot/1";

/// The largest snapshot (JSON bytes) [`Snapshot::from_json`] reads (64 MiB).
pub const MAX_SNAPSHOT_LEN: usize = 64 * 1024 * 1024;

/// Resolution answers, exactly as the nodes sent them, for a set of DIDs of one log.
///
/// A snapshot proves itself: importing it re-verifies every answer against the importer's own
/// configured keys, so it can travel over any channel (USB stick, MDM push, QR bundles).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Always [`SNAPSHOT_FORMAT`].
    pub format: String,
    /// The log id the answers belong to.
    pub log: String,
    /// When it was exported (milliseconds since the Unix epoch; informational).
    pub exported: u64,
    /// One answer per DID.
    pub resolutions: Vec<Resolution>,
}

impl Snapshot {
    /// Reads a snapshot (at most [`MAX_SNAPSHOT_LEN`] bytes) without verifying it.
    pub fn from_json(json: &[u8]) -> Result<Snapshot, VerificationError> {
        if json.len() > MAX_SNAPSHOT_LEN {
            return Err(VerificationError::TooLarge {
                what: "bytes",
                limit: MAX_SNAPSHOT_LEN,
            });
        }
        let snapshot: Snapshot =
            serde_json::from_slice(json).map_err(|e| VerificationError::Malformed(e.to_string()))?;
        if snapshot.format != SNAPSHOT_FORMAT {
            return Err(VerificationError::Malformed(format!(
                "snapshot format is not {SNAPSHOT_FORMAT}"
            )));
        }
        Ok(snapshot)
    }

    /// The snapshot as JSON.
    pub fn to_json(&self) -> String {
        // Only strings, numbers and JSON values: serialization cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl RegistryResolver {
    /// Resolves each DID (from the cache when fresh, else from a node, every proof checked)
    /// and returns their answers as a snapshot. Fails if any DID fails.
    pub async fn export_snapshot<S: AsRef<str>>(&self, dids: &[S]) -> Result<Snapshot, ResolutionError> {
        let mut resolutions = Vec::with_capacity(dids.len());
        for did in dids {
            let verified = self.resolve_verified(did.as_ref(), false).await?;
            resolutions.push(verified.response().clone());
        }
        let exported = self
            .now()
            .duration_since(UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or_default();
        Ok(Snapshot {
            format: SNAPSHOT_FORMAT.to_owned(),
            log: self.verifier().log_id().to_owned(),
            exported,
            resolutions,
        })
    }

    /// Verifies every answer of `snapshot` against this resolver's keys and, only if all of
    /// them check out, holds them (an answer from a smaller tree than one already held is
    /// skipped). Returns how many answers were verified.
    ///
    /// Imported answers count as fetched at their tree head's time: a node is asked again
    /// when one can be reached, and without network they are served within the offline grace.
    pub fn import_snapshot(&self, snapshot: &Snapshot) -> Result<usize, VerificationError> {
        if snapshot.log != self.verifier().log_id() {
            return Err(VerificationError::Malformed(format!(
                "the snapshot is of another log ({})",
                snapshot.log.chars().take(64).collect::<String>()
            )));
        }
        let mut verified = Vec::with_capacity(snapshot.resolutions.len());
        for resolution in &snapshot.resolutions {
            let did = resolution
                .did_document
                .get("id")
                .and_then(|id| id.as_str())
                .ok_or_else(|| VerificationError::Malformed("an answer's document has no id".into()))?
                .to_owned();
            let checked = self.verifier().verify(&did, resolution.clone())?;
            verified.push((did, checked));
        }
        let count = verified.len();
        let mut cache = self.lock();
        for (did, checked) in verified {
            let fetched = UNIX_EPOCH + Duration::from_millis(checked.tree_head().head().timestamp_ms);
            cache.keep(
                &did,
                Entry {
                    fetched,
                    verified: checked,
                },
                self.max_entries(),
            );
        }
        Ok(count)
    }
}
