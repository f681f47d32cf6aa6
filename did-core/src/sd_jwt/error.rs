//! The one error type of the SD-JWT module.

use crate::jose::JwsError;
use crate::key::KeyError;
use crate::resolve::ResolutionError;

/// Why an SD-JWT could not be issued, presented, parsed or verified.
///
/// Strings that come from the token are cut to 64 characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SdJwtError {
    /// The input, or one of its parts, exceeds a size or count limit.
    #[error("SD-JWT exceeds a limit: {what} (limit {limit})")]
    TooLarge {
        /// What was too large or too many.
        what: &'static str,
        /// The limit.
        limit: usize,
    },
    /// The serialization is wrong (no `~`, an empty disclosure, a bad JSON serialization, ...).
    #[error("malformed SD-JWT: {0}")]
    Malformed(&'static str),
    /// A disclosure is not base64url of a JSON array `[salt, name, value]` or `[salt, value]`,
    /// or it discloses a reserved name (`_sd`, `...`, `_sd_alg`).
    #[error("invalid disclosure: {0}")]
    InvalidDisclosure(&'static str),
    /// The issuer-signed JWT was malformed, used a forbidden algorithm, or did not verify.
    #[error("issuer-signed JWT: {0}")]
    Jws(#[from] JwsError),
    /// The issuer JWT's `typ` is not one the caller accepts.
    #[error("unexpected SD-JWT typ {found:?}")]
    UnexpectedType {
        /// The header's `typ`, if any.
        found: Option<String>,
    },
    /// The issuer JWT's payload is not a JSON object, or a member has the wrong type.
    #[error("invalid SD-JWT payload: {0}")]
    InvalidPayload(&'static str),
    /// `_sd_alg` names a hash algorithm other than `sha-256`.
    #[error("unsupported _sd_alg {0:?}")]
    UnsupportedHashAlgorithm(String),
    /// The same disclosure appears twice.
    #[error("a disclosure appears more than once")]
    DuplicateDisclosure,
    /// A digest appears more than once in the payload (directly or through disclosures).
    #[error("a digest appears more than once in the payload")]
    DuplicateDigest,
    /// A disclosure is not referenced by any digest.
    #[error("a disclosure is not referenced by any digest")]
    UnreferencedDisclosure,
    /// A `[salt, value]` disclosure is referenced from an object's `_sd`, or a
    /// `[salt, name, value]` disclosure from an array element.
    #[error("disclosure of the wrong kind: {0}")]
    DisclosureKindMismatch(&'static str),
    /// A disclosed claim name is already present in the object it is disclosed into.
    #[error("disclosed claim {0:?} is already present")]
    ClaimConflict(String),
    /// Disclosures nest deeper than [`super::MAX_DEPTH`].
    #[error("SD-JWT nests deeper than {0} levels")]
    TooDeep(usize),
    /// `exp` is in the past (beyond the allowed skew).
    #[error("SD-JWT has expired")]
    Expired,
    /// `nbf` is in the future (beyond the allowed skew).
    #[error("SD-JWT is not yet valid")]
    NotYetValid,
    /// `iat` is in the future (beyond the allowed skew).
    #[error("SD-JWT is issued in the future")]
    IssuedInFuture,
    /// An SD-JWT VC rule is broken (`vct` not a string, `iss` missing, ...).
    #[error("not a valid SD-JWT VC: {0}")]
    InvalidVc(&'static str),
    /// Key binding is required but the presentation has no KB-JWT.
    #[error("key binding is required but missing")]
    KeyBindingRequired,
    /// The payload has no usable `cnf` to verify the KB-JWT with, the holder's key is not
    /// the one in `cnf.jwk`, or the DID key `cnf.kid` names is not (or no longer) one of
    /// the holder DID's authentication keys.
    #[error("holder key: {0}")]
    HolderKey(&'static str),
    /// The holder's DID, named by `cnf.kid`, could not be resolved.
    #[error("holder key resolution: {0}")]
    HolderKeyResolution(ResolutionError),
    /// The KB-JWT is malformed, has the wrong `typ`, or did not verify with the `cnf` key.
    #[error("KB-JWT: {0}")]
    KeyBindingJws(JwsError),
    /// The KB-JWT payload lacks a claim or has one of the wrong type.
    #[error("invalid KB-JWT payload: {0}")]
    InvalidKeyBinding(&'static str),
    /// The KB-JWT's `sd_hash` does not match the presentation.
    #[error("KB-JWT sd_hash does not match the presentation")]
    SdHashMismatch,
    /// The KB-JWT's `nonce` is not the expected one.
    #[error("KB-JWT nonce does not match")]
    NonceMismatch,
    /// The KB-JWT's `aud` is not the expected one.
    #[error("KB-JWT aud does not match")]
    AudienceMismatch,
    /// The KB-JWT's `iat` is older than the allowed maximum age.
    #[error("KB-JWT is too old")]
    KeyBindingStale,
    /// The KB-JWT's `iat` is in the future (beyond the allowed skew).
    #[error("KB-JWT is issued in the future")]
    KeyBindingInFuture,
    /// A JSON Pointer (RFC 6901) is malformed.
    #[error("invalid JSON pointer {0:?}")]
    InvalidPointer(String),
    /// A JSON Pointer names nothing in the claims.
    #[error("JSON pointer {0:?} names no claim")]
    PointerNotFound(String),
    /// A claim that must stay visible was chosen to be selectively disclosable
    /// (`_sd`, `...`, `_sd_alg`; for SD-JWT VC also `iss`, `nbf`, `exp`, `cnf`, `vct`, `status`).
    #[error("claim {0:?} cannot be selectively disclosable")]
    ReservedClaim(String),
    /// The claims to issue are not a JSON object, use the reserved names `_sd` or `...`,
    /// or already hold a member the issuer adds.
    #[error("invalid claims: {0}")]
    InvalidClaims(&'static str),
    /// Key material was invalid, signing failed, or the random number generator failed.
    #[error("key: {0}")]
    Key(#[from] KeyError),
    /// The issuer's key could not be resolved.
    #[error("issuer key resolution: {0}")]
    KeyResolution(#[from] ResolutionError),
    /// Neither `kid` nor `iss` names a key we can resolve, or `kid`'s DID is not `iss`.
    #[error("issuer key: {0}")]
    IssuerKey(&'static str),
}

impl SdJwtError {
    /// A stable, machine-readable code for reports (`SD_JWT_UNREFERENCED_DISCLOSURE`, ...);
    /// expiry and signature failures share the codes every format uses.
    pub fn code(&self) -> &'static str {
        match self {
            SdJwtError::TooLarge { .. } => "SD_JWT_TOO_LARGE",
            SdJwtError::Malformed(_) => "SD_JWT_MALFORMED",
            SdJwtError::InvalidDisclosure(_) => "SD_JWT_INVALID_DISCLOSURE",
            SdJwtError::Jws(JwsError::BadSignature) => "BAD_SIGNATURE",
            SdJwtError::Jws(_) => "INVALID_JWS",
            SdJwtError::UnexpectedType { .. } => "SD_JWT_UNEXPECTED_TYPE",
            SdJwtError::InvalidPayload(_) => "SD_JWT_INVALID_PAYLOAD",
            SdJwtError::UnsupportedHashAlgorithm(_) => "SD_JWT_UNSUPPORTED_HASH_ALGORITHM",
            SdJwtError::DuplicateDisclosure => "SD_JWT_DUPLICATE_DISCLOSURE",
            SdJwtError::DuplicateDigest => "SD_JWT_DUPLICATE_DIGEST",
            SdJwtError::UnreferencedDisclosure => "SD_JWT_UNREFERENCED_DISCLOSURE",
            SdJwtError::DisclosureKindMismatch(_) => "SD_JWT_DISCLOSURE_KIND_MISMATCH",
            SdJwtError::ClaimConflict(_) => "SD_JWT_CLAIM_CONFLICT",
            SdJwtError::TooDeep(_) => "SD_JWT_TOO_DEEP",
            SdJwtError::Expired => "EXPIRED",
            SdJwtError::NotYetValid => "NOT_YET_VALID",
            SdJwtError::IssuedInFuture => "SD_JWT_ISSUED_IN_FUTURE",
            SdJwtError::InvalidVc(_) => "SD_JWT_INVALID_VC",
            SdJwtError::KeyBindingRequired => "SD_JWT_KEY_BINDING_REQUIRED",
            SdJwtError::HolderKey(_) => "SD_JWT_HOLDER_KEY",
            SdJwtError::HolderKeyResolution(ResolutionError::Deactivated) => "deactivated",
            SdJwtError::HolderKeyResolution(_) => "SD_JWT_HOLDER_KEY_UNRESOLVED",
            SdJwtError::KeyBindingJws(_) => "SD_JWT_KEY_BINDING_JWS",
            SdJwtError::InvalidKeyBinding(_) => "SD_JWT_INVALID_KEY_BINDING",
            SdJwtError::SdHashMismatch => "SD_JWT_SD_HASH_MISMATCH",
            SdJwtError::NonceMismatch => "SD_JWT_NONCE_MISMATCH",
            SdJwtError::AudienceMismatch => "SD_JWT_AUDIENCE_MISMATCH",
            SdJwtError::KeyBindingStale => "SD_JWT_KEY_BINDING_STALE",
            SdJwtError::KeyBindingInFuture => "SD_JWT_KEY_BINDING_IN_FUTURE",
            SdJwtError::InvalidPointer(_) => "SD_JWT_INVALID_POINTER",
            SdJwtError::PointerNotFound(_) => "SD_JWT_POINTER_NOT_FOUND",
            SdJwtError::ReservedClaim(_) => "SD_JWT_RESERVED_CLAIM",
            SdJwtError::InvalidClaims(_) => "SD_JWT_INVALID_CLAIMS",
            SdJwtError::Key(_) => "SD_JWT_KEY",
            SdJwtError::KeyResolution(e) => e.code(),
            SdJwtError::IssuerKey(_) => "SD_JWT_ISSUER_KEY",
        }
    }
}
