//! The tree head and its canonical payload.

use serde::{Deserialize, Serialize};

use super::TreeHeadError;
use crate::merkle::{Hash, decode_hash, encode_hash};

/// The longest log id accepted, in bytes.
pub const MAX_LOG_ID_LEN: usize = 256;

/// The largest `size` or `timestamp` accepted: 2^53 - 1, the largest integer JSON (I-JSON,
/// RFC 7493) and JCS number serialization carry exactly.
pub const MAX_JSON_INTEGER: u64 = (1 << 53) - 1;

/// The longest payload read: a maximal log id plus the other members, with room to spare.
const MAX_PAYLOAD_LEN: usize = 1024;

/// What a log operator states about its log at a point in time.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TreeHead {
    /// The log id (`log`): 1 to [`MAX_LOG_ID_LEN`] printable ASCII characters, no spaces
    /// (e.g. the registry's `did:web` DID or URL).
    pub log: String,
    /// The number of leaves (`size`), at most [`MAX_JSON_INTEGER`].
    pub size: u64,
    /// The Merkle root of the first `size` leaves (`rootHash`, base64url in JSON).
    pub root_hash: Hash,
    /// Milliseconds since the Unix epoch (`timestamp`), at most [`MAX_JSON_INTEGER`].
    pub timestamp_ms: u64,
}

#[derive(Serialize)]
struct WireOut<'a> {
    log: &'a str,
    #[serde(rename = "rootHash")]
    root_hash: String,
    size: u64,
    timestamp: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireIn {
    log: String,
    #[serde(rename = "rootHash")]
    root_hash: String,
    size: u64,
    timestamp: u64,
}

impl TreeHead {
    /// A tree head.
    pub fn new(log: impl Into<String>, size: u64, root_hash: Hash, timestamp_ms: u64) -> TreeHead {
        TreeHead {
            log: log.into(),
            size,
            root_hash,
            timestamp_ms,
        }
    }

    /// Checks the value ranges: the log id's length and characters, and that `size` and
    /// `timestamp_ms` are at most [`MAX_JSON_INTEGER`].
    pub fn validate(&self) -> Result<(), TreeHeadError> {
        if self.log.is_empty() {
            return Err(TreeHeadError::InvalidTreeHead("log id is empty"));
        }
        if self.log.len() > MAX_LOG_ID_LEN {
            return Err(TreeHeadError::InvalidTreeHead("log id is too long"));
        }
        if !self.log.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(TreeHeadError::InvalidTreeHead(
                "log id must be printable ASCII without spaces",
            ));
        }
        if self.size > MAX_JSON_INTEGER {
            return Err(TreeHeadError::InvalidTreeHead("size exceeds 2^53 - 1"));
        }
        if self.timestamp_ms > MAX_JSON_INTEGER {
            return Err(TreeHeadError::InvalidTreeHead("timestamp exceeds 2^53 - 1"));
        }
        Ok(())
    }

    /// The payload that is signed: the JCS serialization of the tree head.
    pub fn to_payload(&self) -> Result<Vec<u8>, TreeHeadError> {
        self.validate()?;
        let wire = WireOut {
            log: &self.log,
            root_hash: encode_hash(&self.root_hash),
            size: self.size,
            timestamp: self.timestamp_ms,
        };
        serde_json_canonicalizer::to_vec(&wire)
            .map_err(|_| TreeHeadError::InvalidTreeHead("tree head cannot be serialized"))
    }

    /// Reads a payload, which must be exactly the canonical JCS bytes of a valid tree head
    /// (no other members, no repeated ones, no whitespace, members in JCS order).
    pub fn from_payload(payload: &[u8]) -> Result<TreeHead, TreeHeadError> {
        if payload.len() > MAX_PAYLOAD_LEN {
            return Err(TreeHeadError::InvalidPayload("payload is too long"));
        }
        // A struct with `deny_unknown_fields` refuses unknown and repeated members.
        let wire: WireIn = serde_json::from_slice(payload)
            .map_err(|_| TreeHeadError::InvalidPayload("not a JSON object with log, rootHash, size and timestamp"))?;
        let root_hash = decode_hash(&wire.root_hash)
            .map_err(|_| TreeHeadError::InvalidPayload("rootHash is not base64url of 32 bytes"))?;
        let head = TreeHead {
            log: wire.log,
            size: wire.size,
            root_hash,
            timestamp_ms: wire.timestamp,
        };
        if head.to_payload()? != payload {
            return Err(TreeHeadError::NonCanonicalPayload);
        }
        Ok(head)
    }
}
