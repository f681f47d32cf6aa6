//! JCS canonicalization and the `did:dojang` identifier: derivation and parsing.

use did_core::did::Did;
use did_core::multibase::{self, Base};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::OperationError;
use super::error::truncated;

/// The method name.
pub const METHOD: &str = "dojang";

/// The multihash prefix of a sha2-256 digest: code 0x12, length 0x20.
const MULTIHASH_SHA256: [u8; 2] = [0x12, 0x20];

/// The JCS (RFC 8785) serialization of `value`.
pub(crate) fn jcs(value: &Value) -> Result<Vec<u8>, OperationError> {
    serde_json_canonicalizer::to_vec(value).map_err(|_| OperationError::NonCanonicalPayload)
}

/// The DID named by a create payload whose JCS bytes are `canonical_create_payload`:
/// `did:dojang:` + base58btc multibase of the sha2-256 multihash of those bytes.
///
/// The result always has DID syntax; the `Result` only avoids a panic path.
pub fn did_from_create_payload(canonical_create_payload: &[u8]) -> Result<Did, OperationError> {
    let mut multihash = Vec::with_capacity(34);
    multihash.extend_from_slice(&MULTIHASH_SHA256);
    multihash.extend_from_slice(&Sha256::digest(canonical_create_payload));
    let did = format!("did:{METHOD}:{}", multibase::encode(Base::Base58Btc, &multihash));
    Did::parse(&did).map_err(|_| OperationError::InvalidDid {
        did: truncated(&did),
        reason: "derived DID is not a DID",
    })
}

/// Parses a `did:dojang` DID: DID syntax, method `dojang`, and a method-specific id that is the
/// base58btc multibase of a 34-byte sha2-256 multihash.
pub fn parse_did(text: &str) -> Result<Did, OperationError> {
    let invalid = |reason| OperationError::InvalidDid {
        did: truncated(text),
        reason,
    };
    let did = Did::parse(text).map_err(|_| invalid("not a DID"))?;
    if did.method() != METHOD {
        return Err(invalid("method is not dojang"));
    }
    let msid = did.method_specific_id();
    if !msid.starts_with('z') || msid.len() > 64 {
        return Err(invalid("the method-specific id is not base58btc multibase ('z')"));
    }
    let (_, bytes) = multibase::decode(msid).map_err(|_| invalid("the method-specific id is not base58btc"))?;
    if bytes.len() != 34 || bytes.get(..2) != Some(MULTIHASH_SHA256.as_slice()) {
        return Err(invalid("the method-specific id is not a sha2-256 multihash"));
    }
    if multibase::encode(Base::Base58Btc, &bytes) != msid {
        return Err(invalid("the method-specific id is not in canonical base58btc"));
    }
    Ok(did)
}
