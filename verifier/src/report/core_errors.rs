//! What each of did-core's typed errors means in a report: its code (did-core's own `code()`,
//! or a finer one the engine reports), the decision's reason, and the VC-API problem type.
//!
//! did-core's error enums are `#[non_exhaustive]`: every variant known today is named, and
//! the last arm of each match gives a variant added later the meaning of an invalid
//! credential under did-core's own code, until it is named here.

use did_core::data_integrity::DataIntegrityError;
use did_core::jose::JwsError;
use did_core::resolve::ResolutionError;
use did_core::sd_jwt::SdJwtError;
use did_core::status::StatusError;
use did_core::vc::CredentialError;

use super::failure::Meaning;
use super::problem::ProblemType as P;
use crate::reason::ReasonCode as R;

/// What is wrong with a JWS, finer than did-core's one `INVALID_JWS`, so a door can tell an
/// attack (`alg: none`, algorithm confusion, a `crit` bypass) from a garbled scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum JwsFault {
    BadSignature,
    ForbiddenAlgorithm,
    AlgorithmMismatch,
    UnsupportedCritical,
    InvalidHeader,
    TooLarge,
    /// Anything else: not a JWS the verifier can read.
    Invalid,
}

impl JwsFault {
    fn of(error: &JwsError) -> JwsFault {
        match error {
            JwsError::BadSignature => JwsFault::BadSignature,
            JwsError::ForbiddenAlgorithm(_) => JwsFault::ForbiddenAlgorithm,
            JwsError::AlgorithmMismatch { .. } => JwsFault::AlgorithmMismatch,
            JwsError::UnsupportedCritical(_) | JwsError::InvalidCritical(_) => JwsFault::UnsupportedCritical,
            JwsError::UnencodedPayload | JwsError::InvalidHeader(_) => JwsFault::InvalidHeader,
            JwsError::TooLarge { .. } => JwsFault::TooLarge,
            JwsError::Malformed(_)
            | JwsError::InvalidBase64 { .. }
            | JwsError::UnexpectedType { .. }
            | JwsError::InvalidPayload(_)
            | JwsError::Key(_) => JwsFault::Invalid,
            _ => JwsFault::Invalid,
        }
    }

    fn meaning(self) -> Meaning {
        match self {
            JwsFault::BadSignature => Meaning::new("BAD_SIGNATURE", R::BadSignature, P::CryptographicSecurity),
            JwsFault::ForbiddenAlgorithm => {
                Meaning::new("FORBIDDEN_ALGORITHM", R::AlgorithmNotAllowed, P::CryptographicSecurity)
            }
            JwsFault::AlgorithmMismatch => {
                Meaning::new("ALGORITHM_MISMATCH", R::AlgorithmNotAllowed, P::CryptographicSecurity)
            }
            JwsFault::UnsupportedCritical => {
                Meaning::new("UNSUPPORTED_CRITICAL", R::UnsupportedHeader, P::MalformedValue)
            }
            JwsFault::InvalidHeader => Meaning::new("INVALID_HEADER", R::UnsupportedHeader, P::MalformedValue),
            JwsFault::TooLarge => Meaning::new("TOO_LARGE", R::TooLarge, P::Parsing),
            JwsFault::Invalid => Meaning::new("INVALID_JWS", R::Malformed, P::Parsing),
        }
    }
}

/// A DID resolution failure, of the issuer's (or, for a presentation, the holder's) DID;
/// reported under its DID Resolution code.
fn resolution(error: &ResolutionError) -> Meaning {
    let reason = match error {
        ResolutionError::InvalidDid(_)
        | ResolutionError::InvalidMethodSpecificId { .. }
        | ResolutionError::NotFound
        | ResolutionError::MethodNotFound(_)
        | ResolutionError::InvalidPublicKey { .. }
        | ResolutionError::InvalidPublicKeyLength { .. } => R::IssuerKeyUnresolved,
        ResolutionError::Deactivated => R::DidDeactivated,
        ResolutionError::MethodNotSupported(_)
        | ResolutionError::UnsupportedPublicKeyType(_)
        | ResolutionError::RepresentationNotSupported(_)
        | ResolutionError::InvalidDocument(_)
        | ResolutionError::DocumentIdMismatch { .. }
        | ResolutionError::TooLarge { .. }
        | ResolutionError::NotAuthorized { .. }
        | ResolutionError::KeyNotControlled { .. }
        | ResolutionError::Transport(_)
        | ResolutionError::InvalidProof(_) => R::InvalidCredential,
        _ => R::InvalidCredential,
    };
    Meaning::new(error.code(), reason, P::MalformedValue)
}

/// A VC-JWT, VC 1.1 JWT or JSON credential or presentation refused.
pub(super) fn credential(error: &CredentialError) -> Meaning {
    let code = error.code();
    match error {
        CredentialError::TooLarge { .. } => Meaning::new(code, R::TooLarge, P::Parsing),
        CredentialError::InvalidJson(_) => Meaning::new(code, R::Malformed, P::Parsing),
        CredentialError::NotAnObject => Meaning::new(code, R::Malformed, P::MalformedValue),
        CredentialError::Invalid { .. } => Meaning::new(code, R::InvalidCredential, P::MalformedValue),
        CredentialError::NotYetValid { .. } => Meaning::new(code, R::NotYetValid, P::Range),
        CredentialError::Expired { .. } => Meaning::new(code, R::Expired, P::Range),
        // did-core's one `PRESENTATION_BINDING`, told apart by what did not match.
        CredentialError::Binding {
            what: "aud" | "domain", ..
        } => Meaning::new("AUDIENCE_MISMATCH", R::AudienceMismatch, P::MalformedValue),
        CredentialError::Binding { .. } => Meaning::new("NONCE_MISMATCH", R::NonceMismatch, P::MalformedValue),
        CredentialError::KeyNotControlled { .. } => Meaning::new(code, R::WrongKey, P::CryptographicSecurity),
        CredentialError::Jws(e) => JwsFault::of(e).meaning(),
        CredentialError::Resolution(e) => resolution(e),
        _ => Meaning::new(code, R::InvalidCredential, P::MalformedValue),
    }
}

/// An SD-JWT refused.
pub(super) fn sd_jwt(error: &SdJwtError) -> Meaning {
    let code = error.code();
    let mv = |reason| Meaning::new(code, reason, P::MalformedValue);
    match error {
        SdJwtError::TooLarge { .. } => mv(R::TooLarge),
        SdJwtError::Malformed(_) => Meaning::new(code, R::Malformed, P::Parsing),
        SdJwtError::InvalidDisclosure(_) => mv(R::DisclosureInvalid),
        SdJwtError::Jws(e) => JwsFault::of(e).meaning(),
        SdJwtError::UnexpectedType { .. } | SdJwtError::InvalidPayload(_) => mv(R::Malformed),
        SdJwtError::UnsupportedHashAlgorithm(_) => mv(R::AlgorithmNotAllowed),
        SdJwtError::DuplicateDisclosure | SdJwtError::DuplicateDigest => mv(R::DisclosureDuplicate),
        SdJwtError::UnreferencedDisclosure | SdJwtError::DisclosureKindMismatch(_) | SdJwtError::ClaimConflict(_) => {
            mv(R::DisclosureInvalid)
        }
        SdJwtError::TooDeep(_) => mv(R::Malformed),
        SdJwtError::Expired => Meaning::new(code, R::Expired, P::Range),
        SdJwtError::NotYetValid => Meaning::new(code, R::NotYetValid, P::Range),
        SdJwtError::IssuedInFuture => mv(R::NotYetValid),
        SdJwtError::InvalidVc(_) => mv(R::InvalidCredential),
        SdJwtError::KeyBindingRequired => mv(R::HolderBindingMissing),
        SdJwtError::HolderKey(_) => mv(R::HolderBindingInvalid),
        // did-core reports a deactivated holder DID as `deactivated`.
        SdJwtError::HolderKeyResolution(ResolutionError::Deactivated) => mv(R::DidDeactivated),
        SdJwtError::HolderKeyResolution(_) => mv(R::HolderKeyUnresolved),
        // A KB-JWT that is not a well-formed `kb+jwt` (wrong `typ`, bad base64url) or does not
        // verify is an invalid holder proof, not an unreadable credential; an attack on its
        // header or algorithm is reported as such.
        SdJwtError::KeyBindingJws(e) => match JwsFault::of(e) {
            JwsFault::Invalid | JwsFault::BadSignature => {
                Meaning::new(code, R::HolderBindingInvalid, P::CryptographicSecurity)
            }
            fault => fault.meaning(),
        },
        SdJwtError::InvalidKeyBinding(_) | SdJwtError::KeyBindingStale | SdJwtError::KeyBindingInFuture => {
            mv(R::HolderBindingInvalid)
        }
        SdJwtError::SdHashMismatch => Meaning::new(code, R::HolderBindingInvalid, P::CryptographicSecurity),
        SdJwtError::NonceMismatch => mv(R::NonceMismatch),
        SdJwtError::AudienceMismatch => mv(R::AudienceMismatch),
        SdJwtError::InvalidPointer(_) | SdJwtError::PointerNotFound(_) => mv(R::Malformed),
        SdJwtError::ReservedClaim(_) => mv(R::DisclosureInvalid),
        SdJwtError::InvalidClaims(_) => mv(R::InvalidCredential),
        SdJwtError::Key(_) => mv(R::WrongKey),
        SdJwtError::KeyResolution(e) => resolution(e),
        SdJwtError::IssuerKey(_) => mv(R::IssuerKeyUnresolved),
        _ => mv(R::InvalidCredential),
    }
}

/// A Data Integrity proof refused.
pub(super) fn data_integrity(error: &DataIntegrityError) -> Meaning {
    let code = error.code();
    let mv = |reason| Meaning::new(code, reason, P::MalformedValue);
    match error {
        DataIntegrityError::UnsupportedCryptosuite(_) | DataIntegrityError::KeyTypeMismatch { .. } => {
            mv(R::AlgorithmNotAllowed)
        }
        DataIntegrityError::ChallengeMismatch => mv(R::NonceMismatch),
        DataIntegrityError::DomainMismatch => mv(R::AudienceMismatch),
        DataIntegrityError::Expired => Meaning::new(code, R::Expired, P::Range),
        DataIntegrityError::BadSignature => Meaning::new(code, R::BadSignature, P::CryptographicSecurity),
        DataIntegrityError::RelatedResourceMismatch { .. } => {
            Meaning::new(code, R::InvalidCredential, P::CryptographicSecurity)
        }
        DataIntegrityError::Resolution(e) => resolution(e),
        DataIntegrityError::TooLarge { .. }
        | DataIntegrityError::InvalidJson(_)
        | DataIntegrityError::InvalidDocument(_)
        | DataIntegrityError::UnknownContext(_)
        | DataIntegrityError::Loader { .. }
        | DataIntegrityError::JsonLd(_)
        | DataIntegrityError::UndefinedTerm(_)
        | DataIntegrityError::Canonicalization(_)
        | DataIntegrityError::Jcs(_)
        | DataIntegrityError::MissingProof
        | DataIntegrityError::MalformedProof(_)
        | DataIntegrityError::UnsupportedProofType(_)
        | DataIntegrityError::PurposeMismatch { .. }
        | DataIntegrityError::InvalidDateTime { .. }
        | DataIntegrityError::ContextMismatch
        | DataIntegrityError::PreviousProofNotFound(_)
        | DataIntegrityError::RelatedResourceUnchecked { .. }
        | DataIntegrityError::InvalidProofValue(_)
        | DataIntegrityError::InvalidVerificationMethod(_)
        | DataIntegrityError::Key(_) => mv(R::InvalidCredential),
        _ => mv(R::InvalidCredential),
    }
}

/// A Bitstring Status List entry or list refused: reported under the W3C error type it
/// corresponds to, `STATUS_VERIFICATION_ERROR` when it has none.
pub(super) fn status(error: &StatusError) -> Meaning {
    let code = error.w3c_code().unwrap_or("STATUS_VERIFICATION_ERROR");
    match error {
        StatusError::ListTooShort { .. } | StatusError::IndexOutOfRange { .. } => {
            Meaning::new(code, R::StatusInvalid, P::Range)
        }
        StatusError::Retrieval(_) | StatusError::NotFound(_) => {
            Meaning::new(code, R::StatusUnavailable, P::StatusRetrieval)
        }
        // `MALFORMED_VALUE_ERROR`: the credential's status entry (or the list) is malformed.
        StatusError::WrongMultibasePrefix { .. }
        | StatusError::InvalidBase64
        | StatusError::Decompression { .. }
        | StatusError::InvalidEntry(_)
        | StatusError::InvalidList(_)
        | StatusError::InvalidStatusSize(_)
        | StatusError::UnknownPurpose(_) => Meaning::new(code, R::InvalidCredential, P::MalformedValue),
        StatusError::PurposeMismatch { .. }
        | StatusError::ListUrlMismatch { .. }
        | StatusError::WrongType { .. }
        | StatusError::EncodedTooLarge { .. }
        | StatusError::InflatedTooLarge { .. }
        | StatusError::InvalidBits(_)
        | StatusError::ValueTooLarge { .. }
        | StatusError::Expired
        | StatusError::NotYetValid
        | StatusError::Jws(_) => Meaning::new(code, R::StatusInvalid, P::StatusVerification),
        _ => Meaning::new(code, R::StatusInvalid, P::StatusVerification),
    }
}
