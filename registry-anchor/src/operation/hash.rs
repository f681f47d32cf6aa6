//! The two 32-byte hashes operations carry: the operation hash (what `previous` names) and the
//! key commitment (what `nextKeyCommitment` holds). Both travel as unpadded base64url.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use did_core::key::VerifyingKey;
use sha2::{Digest, Sha256};

use super::OperationError;
use super::canonical::jcs;

/// Decodes unpadded canonical base64url of exactly 32 bytes.
fn decode_32(text: &str) -> Option<[u8; 32]> {
    if text.len() != 43 {
        return None;
    }
    URL_SAFE_NO_PAD.decode(text).ok()?.try_into().ok()
}

/// The hash of an operation: SHA-256 of the ASCII bytes of its compact JWS. `previous` names
/// an operation by this hash; it is also the DID document's `versionId`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OperationHash([u8; 32]);

impl OperationHash {
    /// The hash of a compact JWS (the log's leaf data).
    pub fn of(compact_jws: &str) -> OperationHash {
        OperationHash(Sha256::digest(compact_jws.as_bytes()).into())
    }

    /// Wraps 32 hash bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> OperationHash {
        OperationHash(bytes)
    }

    /// The 32 hash bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Parses the unpadded base64url form (43 characters).
    pub fn parse(text: &str) -> Result<OperationHash, OperationError> {
        decode_32(text).map(OperationHash).ok_or(OperationError::InvalidMember {
            member: "previous",
            expected: "the base64url (no padding) of a 32-byte SHA-256 hash",
        })
    }
}

impl fmt::Display for OperationHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&URL_SAFE_NO_PAD.encode(self.0))
    }
}

impl fmt::Debug for OperationHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OperationHash({self})")
    }
}

/// A commitment to a future update key: SHA-256 of the JCS serialization of its public JWK
/// (`kty`, `crv`, `x`, and `y` for EC keys), which is also its RFC 7638 JWK thumbprint.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyCommitment([u8; 32]);

impl KeyCommitment {
    /// The commitment to `key`.
    pub fn of(key: &VerifyingKey) -> KeyCommitment {
        let jwk = serde_json::to_value(key.to_jwk()).unwrap_or_default();
        // A public JWK of string members always canonicalizes.
        let bytes = jcs(&jwk).unwrap_or_default();
        KeyCommitment(Sha256::digest(bytes).into())
    }

    /// Wraps 32 hash bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> KeyCommitment {
        KeyCommitment(bytes)
    }

    /// The 32 hash bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Parses the unpadded base64url form (43 characters).
    pub fn parse(text: &str) -> Result<KeyCommitment, OperationError> {
        decode_32(text).map(KeyCommitment).ok_or(OperationError::InvalidMember {
            member: "nextKeyCommitment",
            expected: "the base64url (no padding) of a 32-byte SHA-256 hash",
        })
    }

    /// Whether `key` is the key this commits to.
    pub fn matches(&self, key: &VerifyingKey) -> bool {
        KeyCommitment::of(key) == *self
    }
}

impl fmt::Display for KeyCommitment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&URL_SAFE_NO_PAD.encode(self.0))
    }
}

impl fmt::Debug for KeyCommitment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyCommitment({self})")
    }
}

impl serde::Serialize for OperationHash {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for OperationHash {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<OperationHash, D::Error> {
        let text = <String as serde::Deserialize>::deserialize(deserializer)?;
        OperationHash::parse(&text).map_err(serde::de::Error::custom)
    }
}
