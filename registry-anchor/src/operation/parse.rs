//! [`Operation`]: a compact JWS read, checked and signature-verified against the key its payload
//! reveals.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use did_core::did::Did;
use did_core::jose::{self, JwsError, VerifyOptions};

use super::canonical::did_from_create_payload;
use super::hash::OperationHash;
use super::model::{OperationPayload, OperationType};
use super::{MAX_OPERATION_LEN, OPERATION_TYP, OperationError, low_s};

/// A `did:dojang` operation whose form, canonical payload and signature were checked.
///
/// Holding one proves: the compact JWS is at most [`MAX_OPERATION_LEN`] bytes, its header is
/// exactly `alg` + `typ: dojang-op+jws`, its payload bytes are the JCS serialization of a
/// well-formed payload with no unknown members, and it is signed (low-S for ECDSA) by the
/// `updateKey` it reveals. Whether it continues a DID's chain is [`super::DidState`]'s job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    jws: String,
    payload: OperationPayload,
    canonical_payload: Vec<u8>,
    hash: OperationHash,
    did: Did,
}

impl Operation {
    /// Reads and verifies an operation from its compact JWS.
    ///
    /// Checks, in order: size, JWS structure, header, payload is a JSON object, payload bytes
    /// are canonical, payload members, `updateKey`, `alg` matches `updateKey`, low-S, signature.
    pub fn parse(compact: &str) -> Result<Operation, OperationError> {
        if compact.len() > MAX_OPERATION_LEN {
            return Err(OperationError::TooLarge {
                size: compact.len(),
                limit: MAX_OPERATION_LEN,
            });
        }
        let decoded = jose::decode(compact).map_err(jws_error)?;
        let header = decoded.header();
        if header.typ.as_deref() != Some(OPERATION_TYP) {
            return Err(OperationError::InvalidHeader("typ must be dojang-op+jws"));
        }
        if header.kid.is_some() {
            return Err(OperationError::InvalidHeader(
                "kid must be absent: the payload reveals the key",
            ));
        }
        if header.cty.is_some() || header.crit.is_some() || !header.extra.is_empty() {
            return Err(OperationError::InvalidHeader("only alg and typ are allowed"));
        }
        let canonical_payload = decoded.payload().to_vec();
        let payload = OperationPayload::from_canonical_bytes(&canonical_payload)?;
        let key = payload.update_key();
        if header.alg != key.algorithm() {
            return Err(OperationError::AlgorithmMismatch {
                header: header.alg,
                key: key.algorithm(),
            });
        }
        if low_s::is_high_s(key.key_type(), decoded.signature()) {
            return Err(OperationError::MalleableSignature);
        }
        decoded.verify(key, &VerifyOptions::default()).map_err(jws_error)?;
        let did = match &payload {
            OperationPayload::Create(_) => did_from_create_payload(&canonical_payload)?,
            OperationPayload::Update(p) => p.did.clone(),
            OperationPayload::Deactivate(p) => p.did.clone(),
        };
        Ok(Operation {
            jws: compact.to_owned(),
            hash: OperationHash::of(compact),
            payload,
            canonical_payload,
            did,
        })
    }

    /// The compact JWS, as received.
    pub fn as_str(&self) -> &str {
        &self.jws
    }

    /// The log's leaf data for this operation: the ASCII bytes of the compact JWS.
    pub fn leaf_data(&self) -> &[u8] {
        self.jws.as_bytes()
    }

    /// The operation hash (SHA-256 of the compact JWS), which the next operation's `previous` names.
    pub fn hash(&self) -> &OperationHash {
        &self.hash
    }

    /// The DID the operation is about: derived from the payload for `create`, `did` otherwise.
    pub fn did(&self) -> &Did {
        &self.did
    }

    /// The decoded payload.
    pub fn payload(&self) -> &OperationPayload {
        &self.payload
    }

    /// The payload bytes (its JCS serialization).
    pub fn canonical_payload(&self) -> &[u8] {
        &self.canonical_payload
    }

    /// The operation type.
    pub fn operation_type(&self) -> OperationType {
        self.payload.operation_type()
    }

    /// `previous`, absent for `create`.
    pub fn previous(&self) -> Option<&OperationHash> {
        self.payload.previous()
    }

    /// Consumes the operation and returns its compact JWS.
    pub fn into_string(self) -> String {
        self.jws
    }
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.jws)
    }
}

impl std::str::FromStr for Operation {
    type Err = OperationError;

    fn from_str(s: &str) -> Result<Operation, OperationError> {
        Operation::parse(s)
    }
}

impl serde::Serialize for Operation {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.jws)
    }
}

impl<'de> serde::Deserialize<'de> for Operation {
    /// Deserializes a compact JWS string and verifies it with [`Operation::parse`].
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Operation, D::Error> {
        let text = <String as serde::Deserialize>::deserialize(deserializer)?;
        Operation::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Maps the JWS layer's refusals onto operation errors.
fn jws_error(error: JwsError) -> OperationError {
    match error {
        JwsError::ForbiddenAlgorithm(alg) => OperationError::ForbiddenAlgorithm(alg),
        JwsError::AlgorithmMismatch { header, key } => OperationError::AlgorithmMismatch { header, key },
        JwsError::BadSignature => OperationError::BadSignature,
        JwsError::TooLarge { limit } => OperationError::TooLarge {
            size: limit.saturating_add(1),
            limit,
        },
        other => OperationError::MalformedJws(other),
    }
}

/// Builds the compact JWS from a signing input and a raw signature.
pub(crate) fn assemble(signing_input: &str, signature: &[u8]) -> String {
    let mut out = String::with_capacity(signing_input.len() + 1 + signature.len().div_ceil(3) * 4);
    out.push_str(signing_input);
    out.push('.');
    URL_SAFE_NO_PAD.encode_string(signature, &mut out);
    out
}
