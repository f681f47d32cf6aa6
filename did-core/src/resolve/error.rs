//! Why resolution failed, with the standard DID Resolution error codes.

use crate::did::DidError;
use crate::document::{DocumentError, Relationship};
use crate::key::KeyError;

/// A failed resolution or dereference.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResolutionError {
    /// The input is not a DID (code `invalidDid`).
    #[error("invalid DID: {0}")]
    InvalidDid(#[source] DidError),
    /// The DID is syntactically valid but its method-specific id is not valid for
    /// its method, e.g. a did:key that is not a supported Multikey (code `invalidDid`).
    #[error("invalid {method} DID: {reason}")]
    InvalidMethodSpecificId {
        /// The DID method.
        method: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The DID encodes a key of a supported type whose bytes are not a valid, canonical
    /// public key: a point off the curve, a coordinate not below the field prime, a SEC1
    /// tag other than the compressed or uncompressed ones (code `invalidPublicKey`).
    #[error("invalid public key in {method} DID: {source}")]
    InvalidPublicKey {
        /// The DID method.
        method: &'static str,
        /// Why the key was refused.
        #[source]
        source: KeyError,
    },
    /// The DID encodes a key whose length is wrong for its type, e.g. a P-256 did:key that
    /// is not 33 bytes (code `invalidPublicKeyLength`).
    #[error("invalid public key length in {method} DID: {source}")]
    InvalidPublicKeyLength {
        /// The DID method.
        method: &'static str,
        /// The length error, with the expected and found lengths.
        #[source]
        source: KeyError,
    },
    /// The DID encodes a public key of a type we do not support, such as secp256k1
    /// or P-521 (code `unsupportedPublicKeyType`).
    #[error("unsupported public key type: {0}")]
    UnsupportedPublicKeyType(String),
    /// No DID document exists for this DID (code `notFound`).
    #[error("DID not found")]
    NotFound,
    /// No resolver is configured for this DID method (code `methodNotSupported`).
    #[error("DID method \"{0}\" is not supported")]
    MethodNotSupported(String),
    /// The requested representation (media type) is not supported (code `representationNotSupported`).
    #[error("representation {0:?} is not supported")]
    RepresentationNotSupported(String),
    /// The DID document that was found is invalid, or does not describe the DID
    /// that was asked for (code `invalidDidDocument`).
    #[error("invalid DID document: {0}")]
    InvalidDocument(#[source] DocumentError),
    /// The document's `id` is not the DID that was resolved (code `invalidDidDocument`).
    #[error("DID document id {found} does not match the resolved DID")]
    DocumentIdMismatch {
        /// The id the document claims.
        found: String,
    },
    /// A DID URL named a verification method the document does not contain (code `notFound`).
    #[error("verification method {0} not found in the DID document")]
    MethodNotFound(String),
    /// The verification method exists but is not authorized for the relationship
    /// (code `notAllowedVerificationMethod`).
    #[error("verification method {method} is not authorized for {relationship:?}")]
    NotAuthorized {
        /// The method's DID URL.
        method: String,
        /// The relationship it was needed for.
        relationship: Relationship,
    },
    /// A signer's key is not controlled by the party it signs for: the key's DID is not the
    /// issuer's (or holder's), the party is not a DID, or it has no single key to pick
    /// (code `notAllowedVerificationMethod`).
    #[error("key {kid:?} is not controlled by {party:?}")]
    KeyNotControlled {
        /// The key ID used (the JWS `kid`), if any.
        kid: Option<String>,
        /// The issuer or holder identifier.
        party: String,
    },
    /// The DID has been deactivated (code `deactivated`).
    #[error("DID is deactivated")]
    Deactivated,
    /// The remote document is larger than the resolver accepts (code `invalidDidDocument`).
    #[error("DID document larger than {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// Transport failure: connection refused, TLS error, timeout, unexpected HTTP
    /// status (code `internalError`). Retrying may help.
    #[error("could not fetch the DID document: {0}")]
    Transport(String),
    /// The answer of a verifiable registry (did:dojang) did not prove itself: a signature,
    /// inclusion or consistency proof failed, so the node is faulty or lying (code `invalidProof`).
    #[error("the registry's answer failed verification: {0}")]
    InvalidProof(String),
}

impl ResolutionError {
    /// The DID Resolution error code for `didResolutionMetadata.error`.
    pub fn code(&self) -> &'static str {
        match self {
            ResolutionError::InvalidDid(_) | ResolutionError::InvalidMethodSpecificId { .. } => "invalidDid",
            ResolutionError::NotFound | ResolutionError::MethodNotFound(_) => "notFound",
            ResolutionError::MethodNotSupported(_) => "methodNotSupported",
            ResolutionError::UnsupportedPublicKeyType(_) => "unsupportedPublicKeyType",
            ResolutionError::InvalidPublicKey { .. } => "invalidPublicKey",
            ResolutionError::InvalidPublicKeyLength { .. } => "invalidPublicKeyLength",
            ResolutionError::RepresentationNotSupported(_) => "representationNotSupported",
            ResolutionError::InvalidDocument(_)
            | ResolutionError::DocumentIdMismatch { .. }
            | ResolutionError::TooLarge { .. } => "invalidDidDocument",
            ResolutionError::NotAuthorized { .. } | ResolutionError::KeyNotControlled { .. } => {
                "notAllowedVerificationMethod"
            }
            ResolutionError::Deactivated => "deactivated",
            ResolutionError::Transport(_) => "internalError",
            ResolutionError::InvalidProof(_) => "invalidProof",
        }
    }

    /// A key decoded from a DID itself (did:key, did:jwk) was refused: an unsupported
    /// type is `unsupportedPublicKeyType`, a key of the wrong length `invalidPublicKeyLength`,
    /// bytes that are no canonical key `invalidPublicKey`, anything else (bad multibase, a
    /// malformed JWK) makes the DID invalid.
    pub(crate) fn from_key_in_did(method: &'static str, error: KeyError) -> ResolutionError {
        match error {
            KeyError::UnsupportedKeyType(key_type) => ResolutionError::UnsupportedPublicKeyType(key_type),
            source @ KeyError::WrongKeyLength { .. } => ResolutionError::InvalidPublicKeyLength { method, source },
            source @ KeyError::InvalidKey { .. } => ResolutionError::InvalidPublicKey { method, source },
            other => ResolutionError::InvalidMethodSpecificId {
                method,
                reason: other.to_string(),
            },
        }
    }

    /// Whether trying again later may succeed (transport failures only).
    pub fn is_transient(&self) -> bool {
        matches!(self, ResolutionError::Transport(_))
    }
}
