//! Why an operation was refused: one variant per rule of `docs/did-dojang.md`.

use did_core::document::DocumentError;
use did_core::jose::JwsError;
use did_core::key::{Algorithm, KeyError};

/// Why a `did:dojang` operation was refused or could not be produced.
///
/// Every variant names the rule it enforces; [`OperationError::code`] gives a stable
/// machine-readable string for problem+json bodies and CLI output. Strings taken from the
/// input are truncated to 64 characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OperationError {
    /// The compact JWS is longer than [`super::MAX_OPERATION_LEN`] bytes.
    #[error("operation is {size} bytes, over the {limit}-byte limit")]
    TooLarge {
        /// Size of the input in bytes.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The compact JWS structure or base64url is broken (not three parts, padding, bad header JSON).
    #[error("operation is not a well-formed compact JWS: {0}")]
    MalformedJws(#[source] JwsError),
    /// `alg` is not ES256, ES384 or EdDSA (e.g. `none`, `HS256`).
    #[error("forbidden operation algorithm {0:?}: use ES256, ES384 or EdDSA")]
    ForbiddenAlgorithm(String),
    /// `alg` does not belong to the type of the revealed `updateKey`.
    #[error("operation alg {header} does not match the updateKey's algorithm {key}")]
    AlgorithmMismatch {
        /// The header's algorithm.
        header: Algorithm,
        /// The algorithm of `updateKey`.
        key: Algorithm,
    },
    /// The protected header is not exactly `{"alg", "typ": "dojang-op+jws"}`.
    #[error("invalid operation header: {0}")]
    InvalidHeader(&'static str),
    /// The payload is not a JSON object.
    #[error("operation payload is not a JSON object")]
    InvalidJson,
    /// The payload bytes are not the JCS (RFC 8785) serialization of the payload (this also
    /// catches duplicate member names and insignificant whitespace).
    #[error("operation payload is not in JCS (RFC 8785) canonical form")]
    NonCanonicalPayload,
    /// `type` is not `create`, `update` or `deactivate`.
    #[error("unknown operation type {0:?}")]
    UnknownOperationType(String),
    /// A member this operation type does not define is present.
    #[error("unknown member {member:?} in {at}")]
    UnknownMember {
        /// Where: `payload` or `patch[i]`.
        at: String,
        /// The member name.
        member: String,
    },
    /// A required member is absent.
    #[error("operation is missing required member {0:?}")]
    MissingMember(&'static str),
    /// A member has the wrong JSON type or an invalid value.
    #[error("operation member {member:?} must be {expected}")]
    InvalidMember {
        /// The member name.
        member: &'static str,
        /// What the rule requires.
        expected: &'static str,
    },
    /// `updateKey` is not a supported public JWK with exactly `kty`, `crv`, `x` (and `y`).
    #[error("invalid updateKey: {0}")]
    InvalidUpdateKey(#[source] KeyError),
    /// `nextKeyCommitment` commits to the key that signs this very operation (no rotation).
    #[error("nextKeyCommitment commits to the revealed updateKey; commit to a new key")]
    KeyReuse,
    /// The signature does not verify with the revealed `updateKey`.
    #[error("operation signature does not verify with its updateKey")]
    BadSignature,
    /// An ECDSA signature with S in the upper half of the group order (malleable; use low-S).
    #[error("ECDSA signature is not in low-S form")]
    MalleableSignature,
    /// A DID is not a well-formed `did:dojang` DID.
    #[error("invalid did:dojang DID {did:?}: {reason}")]
    InvalidDid {
        /// The offending value.
        did: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The operation is for another DID than the state it is applied to.
    #[error("operation is for {found}, not {expected}")]
    DidMismatch {
        /// The DID of the state.
        expected: String,
        /// The DID the operation names.
        found: String,
    },
    /// [`super::DidState::create`] was given an operation that is not a `create`.
    #[error("the first operation of a DID must be a create")]
    ExpectedCreate,
    /// A `create` was applied to a DID that already exists.
    #[error("the DID already exists; a create cannot be applied again")]
    DuplicateCreate,
    /// The revealed `updateKey` does not hash to the previous operation's `nextKeyCommitment`.
    #[error("updateKey does not match the committed key {expected} (its commitment is {found})")]
    KeyCommitmentMismatch {
        /// The commitment in force.
        expected: String,
        /// The commitment of the revealed key.
        found: String,
    },
    /// The exact operation is already in the DID's chain.
    #[error("operation {hash} is already operation #{index} of this DID")]
    Replay {
        /// The operation hash.
        hash: String,
        /// Its 0-based position in the DID's chain.
        index: usize,
    },
    /// `previous` names an earlier operation of the chain, which already has a successor: a fork.
    #[error("previous {previous} is operation #{index}, not the latest {latest}: the chain would fork")]
    ForkedChain {
        /// The `previous` of the operation.
        previous: String,
        /// Its 0-based position in the DID's chain.
        index: usize,
        /// The hash of the DID's latest operation.
        latest: String,
    },
    /// `previous` names no operation of this DID; resolve the DID again and rebuild the operation.
    #[error("previous {previous} names no operation of this DID; the latest is {latest}")]
    StalePrevious {
        /// The `previous` of the operation.
        previous: String,
        /// The hash of the DID's latest operation.
        latest: String,
    },
    /// The DID is deactivated; no operation may follow.
    #[error("the DID is deactivated; no operation may follow")]
    Deactivated,
    /// The resulting DID document breaks a DID Core rule.
    #[error("invalid DID document: {0}")]
    InvalidDocument(#[source] DocumentError),
    /// The resulting DID document breaks a rule of the did:dojang method.
    #[error("DID document not allowed: {0}")]
    DocumentRule(&'static str),
    /// A JSON Patch operation is malformed or cannot be applied.
    #[error("JSON Patch operation {index} failed: {reason}")]
    InvalidPatch {
        /// 0-based index in the patch.
        index: usize,
        /// What went wrong.
        reason: &'static str,
    },
    /// A JSON Patch `test` operation did not match the current document.
    #[error("JSON Patch test at operation {index} failed")]
    PatchTestFailed {
        /// 0-based index in the patch.
        index: usize,
    },
    /// Signing failed, or the signer's key is not the payload's `updateKey`.
    #[error("signing the operation failed: {0}")]
    Signing(#[source] KeyError),
}

impl OperationError {
    /// A stable, machine-readable name for the rule that was broken (snake_case), for
    /// problem+json `type` URIs and CLI output. Never changes once published.
    pub fn code(&self) -> &'static str {
        match self {
            OperationError::TooLarge { .. } => "too_large",
            OperationError::MalformedJws(_) => "malformed_jws",
            OperationError::ForbiddenAlgorithm(_) => "forbidden_algorithm",
            OperationError::AlgorithmMismatch { .. } => "algorithm_mismatch",
            OperationError::InvalidHeader(_) => "invalid_header",
            OperationError::InvalidJson => "invalid_json",
            OperationError::NonCanonicalPayload => "non_canonical_payload",
            OperationError::UnknownOperationType(_) => "unknown_operation_type",
            OperationError::UnknownMember { .. } => "unknown_member",
            OperationError::MissingMember(_) => "missing_member",
            OperationError::InvalidMember { .. } => "invalid_member",
            OperationError::InvalidUpdateKey(_) => "invalid_update_key",
            OperationError::KeyReuse => "key_reuse",
            OperationError::BadSignature => "bad_signature",
            OperationError::MalleableSignature => "malleable_signature",
            OperationError::InvalidDid { .. } => "invalid_did",
            OperationError::DidMismatch { .. } => "did_mismatch",
            OperationError::ExpectedCreate => "expected_create",
            OperationError::DuplicateCreate => "duplicate_create",
            OperationError::KeyCommitmentMismatch { .. } => "key_commitment_mismatch",
            OperationError::Replay { .. } => "replay",
            OperationError::ForkedChain { .. } => "forked_chain",
            OperationError::StalePrevious { .. } => "stale_previous",
            OperationError::Deactivated => "deactivated",
            OperationError::InvalidDocument(_) => "invalid_document",
            OperationError::DocumentRule(_) => "document_rule",
            OperationError::InvalidPatch { .. } => "invalid_patch",
            OperationError::PatchTestFailed { .. } => "patch_test_failed",
            OperationError::Signing(_) => "signing_failed",
        }
    }
}

/// Cuts a string from the input to 64 characters for an error message.
pub(crate) fn truncated(s: &str) -> String {
    const LIMIT: usize = 64;
    match s.char_indices().nth(LIMIT) {
        Some((end, _)) => format!("{}…", s.get(..end).unwrap_or_default()),
        None => s.to_owned(),
    }
}
