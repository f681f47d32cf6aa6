//! The one error enum of the Data Integrity module.

use crate::key::{KeyError, KeyType};
use crate::resolve::ResolutionError;

/// Why a Data Integrity proof could not be created or did not verify.
///
/// Variants name the rule that broke so a caller can act on it: a document problem
/// (fix the input), a policy mismatch (purpose, challenge, domain, expiry), or a
/// signature that does not verify ([`DataIntegrityError::BadSignature`], deliberately
/// without detail).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DataIntegrityError {
    /// The input is larger than the limit (bytes, JSON-LD quads, or loaded contexts).
    #[error("{what} exceeds the limit of {limit}")]
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// The limit that was exceeded.
        limit: usize,
    },
    /// The input is not acceptable JSON (syntax, duplicate member, not an object, ...).
    #[error("invalid JSON: {0}")]
    InvalidJson(String),
    /// The document is not one we can secure or verify (e.g. not a JSON object).
    #[error("invalid document: {0}")]
    InvalidDocument(&'static str),
    /// A JSON-LD context URL is not known to the document loader (the static loader
    /// knows only the shipped contexts and never fetches).
    #[error("unknown JSON-LD context {0}")]
    UnknownContext(String),
    /// A caller-supplied document loader failed.
    #[error("document loader failed for {url}: {reason}")]
    Loader {
        /// The URL being loaded.
        url: String,
        /// What the loader reported.
        reason: String,
    },
    /// JSON-LD processing failed (invalid context, invalid keyword use, ...).
    #[error("JSON-LD error: {0}")]
    JsonLd(String),
    /// A property, type or identifier does not expand to an absolute IRI, so JSON-LD
    /// processing would silently drop it and leave it unsigned. Rejected, as jsonld.js
    /// "safe mode" does.
    #[error("JSON-LD would drop {0}: it does not expand to an absolute IRI")]
    UndefinedTerm(String),
    /// RDF Dataset Canonicalization failed (e.g. a blank-node structure that exceeds
    /// the work limit).
    #[error("RDF canonicalization failed: {0}")]
    Canonicalization(String),
    /// JSON Canonicalization (RFC 8785) failed.
    #[error("JCS canonicalization failed: {0}")]
    Jcs(String),
    /// The secured document has no `proof`.
    #[error("document has no proof")]
    MissingProof,
    /// A proof member is missing or has the wrong JSON type.
    #[error("malformed proof: {0}")]
    MalformedProof(&'static str),
    /// The proof `type` is not `DataIntegrityProof`.
    #[error("unsupported proof type {0}")]
    UnsupportedProofType(String),
    /// The `cryptosuite` is not one we implement.
    #[error("unsupported cryptosuite {0}")]
    UnsupportedCryptosuite(String),
    /// The key's type cannot be used with the cryptosuite (eddsa needs Ed25519,
    /// ecdsa needs P-256 or P-384).
    #[error("key type {key_type} cannot be used with {cryptosuite}")]
    KeyTypeMismatch {
        /// The cryptosuite name.
        cryptosuite: &'static str,
        /// The key's type.
        key_type: KeyType,
    },
    /// The proof's `proofPurpose` is not the one the verifier expects.
    #[error("proof purpose {found} does not match the expected {expected}")]
    PurposeMismatch {
        /// The expected purpose.
        expected: String,
        /// The purpose in the proof.
        found: String,
    },
    /// The proof's `challenge` is missing or differs from the expected one.
    #[error("proof challenge does not match")]
    ChallengeMismatch,
    /// The proof's `domain` is missing or differs from the expected one.
    #[error("proof domain does not match")]
    DomainMismatch,
    /// `created` or `expires` is not a valid XML Schema dateTime.
    #[error("{field} is not a valid xsd:dateTime: {value}")]
    InvalidDateTime {
        /// `created` or `expires`.
        field: &'static str,
        /// The offending value (truncated).
        value: String,
    },
    /// The proof's `expires` is in the past according to the injected clock.
    #[error("proof expired")]
    Expired,
    /// The proof's `@context` does not agree with the document's `@context`.
    #[error("proof @context does not match the document @context")]
    ContextMismatch,
    /// A `previousProof` names a proof that is not in the proof set.
    #[error("previousProof {0} not found in the proof set")]
    PreviousProofNotFound(String),
    /// A `relatedResource` entry pins a context the proof's canonicalization uses, and the
    /// digest in `member` is not the digest of the context as loaded (VC DM 2.0 §5.3).
    #[error("relatedResource {url}: {member} is not the digest of the context used")]
    RelatedResourceMismatch {
        /// The context's URL (truncated).
        url: String,
        /// `digestSRI` or `digestMultibase`.
        member: &'static str,
    },
    /// A `relatedResource` entry pins a context the proof's canonicalization uses, but its
    /// digest cannot be computed: malformed, or a hash function other than SHA-2.
    #[error("relatedResource {url}: cannot check its digest: {reason}")]
    RelatedResourceUnchecked {
        /// The context's URL (truncated).
        url: String,
        /// Why.
        reason: &'static str,
    },
    /// `proofValue` is not base58btc multibase, or has the wrong length.
    #[error("invalid proofValue: {0}")]
    InvalidProofValue(&'static str),
    /// `verificationMethod` is not a DID URL we can dereference.
    #[error("invalid verificationMethod: {0}")]
    InvalidVerificationMethod(String),
    /// The verification method could not be resolved to a key authorized for the purpose.
    #[error(transparent)]
    Resolution(#[from] ResolutionError),
    /// Signing failed, or key material was unusable.
    #[error(transparent)]
    Key(KeyError),
    /// The signature did not verify. Deliberately carries no detail.
    #[error("signature verification failed")]
    BadSignature,
}

impl From<KeyError> for DataIntegrityError {
    fn from(error: KeyError) -> Self {
        match error {
            KeyError::BadSignature => DataIntegrityError::BadSignature,
            other => DataIntegrityError::Key(other),
        }
    }
}

impl DataIntegrityError {
    /// A stable, machine-readable code for reports (`DI_BAD_SIGNATURE`, `DI_UNDEFINED_TERM`, ...);
    /// resolution failures carry the DID Resolution code.
    pub fn code(&self) -> &'static str {
        match self {
            DataIntegrityError::TooLarge { .. } => "DI_TOO_LARGE",
            DataIntegrityError::InvalidJson(_) => "DI_INVALID_JSON",
            DataIntegrityError::InvalidDocument(_) => "DI_INVALID_DOCUMENT",
            DataIntegrityError::UnknownContext(_) => "DI_UNKNOWN_CONTEXT",
            DataIntegrityError::Loader { .. } => "DI_LOADER",
            DataIntegrityError::JsonLd(_) => "DI_JSON_LD",
            DataIntegrityError::UndefinedTerm(_) => "DI_UNDEFINED_TERM",
            DataIntegrityError::Canonicalization(_) => "DI_CANONICALIZATION",
            DataIntegrityError::Jcs(_) => "DI_JCS",
            DataIntegrityError::MissingProof => "DI_MISSING_PROOF",
            DataIntegrityError::MalformedProof(_) => "DI_MALFORMED_PROOF",
            DataIntegrityError::UnsupportedProofType(_) => "DI_UNSUPPORTED_PROOF_TYPE",
            DataIntegrityError::UnsupportedCryptosuite(_) => "DI_UNSUPPORTED_CRYPTOSUITE",
            DataIntegrityError::KeyTypeMismatch { .. } => "DI_KEY_TYPE_MISMATCH",
            DataIntegrityError::PurposeMismatch { .. } => "DI_PURPOSE_MISMATCH",
            DataIntegrityError::ChallengeMismatch => "DI_CHALLENGE_MISMATCH",
            DataIntegrityError::DomainMismatch => "DI_DOMAIN_MISMATCH",
            DataIntegrityError::InvalidDateTime { .. } => "DI_INVALID_DATE_TIME",
            DataIntegrityError::Expired => "EXPIRED",
            DataIntegrityError::ContextMismatch => "DI_CONTEXT_MISMATCH",
            DataIntegrityError::PreviousProofNotFound(_) => "DI_PREVIOUS_PROOF_NOT_FOUND",
            DataIntegrityError::RelatedResourceMismatch { .. } => "DI_RELATED_RESOURCE_MISMATCH",
            DataIntegrityError::RelatedResourceUnchecked { .. } => "DI_RELATED_RESOURCE_UNCHECKED",
            DataIntegrityError::InvalidProofValue(_) => "DI_INVALID_PROOF_VALUE",
            DataIntegrityError::InvalidVerificationMethod(_) => "DI_INVALID_VERIFICATION_METHOD",
            DataIntegrityError::Resolution(e) => e.code(),
            DataIntegrityError::Key(_) => "DI_KEY",
            DataIntegrityError::BadSignature => "BAD_SIGNATURE",
        }
    }
}
