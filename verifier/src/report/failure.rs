//! Why a check failed, as a type: the engine's own failures and did-core's typed errors. A
//! failure's report `code`, its decision [`ReasonCode`] and its VC-API [`ProblemType`] are all
//! derived from it by `match` (here and in [`super::core_errors`]), never parsed back from a
//! string.

use did_core::data_integrity::DataIntegrityError;
use did_core::sd_jwt::SdJwtError;
use did_core::status::StatusError;
use did_core::vc::CredentialError;

use super::core_errors;
use super::problem::ProblemType;
use crate::reason::ReasonCode;

/// The typed cause of a report error.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Failure {
    /// The input is larger than [`crate::verify::MAX_INPUT_LEN`] (`TOO_LARGE`).
    InputTooLarge,
    /// The input looks like JSON but is not acceptable JSON (`INVALID_JSON`).
    InvalidJson,
    /// The input is not a JWT, an SD-JWT or a JSON credential (`UNKNOWN_FORMAT`).
    UnknownFormat,
    /// A compact JWT whose JWS cannot be decoded at all (`INVALID_JWS`).
    UnreadableJwt,
    /// A presentation carries a credential in a form the verifier does not read
    /// (`UNSUPPORTED_FORMAT`).
    UnsupportedEmbedded,
    /// A JSON credential or presentation without a `proof` (`NO_PROOF`).
    NoProof,
    /// A presentation's credential is about someone other than its holder (`HOLDER_MISMATCH`).
    HolderMismatch,
    /// The signature was made with a key the issuer does not control for issuing
    /// (`KEY_NOT_CONTROLLED`): a Data Integrity proof by another DID's method, or made for
    /// another purpose than issuing; an SD-JWT whose `kid` is not one of its `iss`'s keys.
    KeyNotControlled,
    /// A presentation's Data Integrity proof was made for another purpose than
    /// authentication: it is no holder binding (`HOLDER_BINDING_INVALID`).
    HolderProofPurpose,
    /// The status list says the credential is revoked (`REVOKED`).
    Revoked,
    /// The status list says the credential is suspended (`SUSPENDED`).
    Suspended,
    /// The status list could not be fetched (`STATUS_RETRIEVAL_ERROR`).
    StatusUnreachable,
    /// The status reference, the status list or its issuer's key does not verify
    /// (`STATUS_VERIFICATION_ERROR`).
    StatusUnverified,
    /// A VC-JWT, VC 1.1 JWT or JSON credential or presentation was refused by did-core.
    Credential(CredentialError),
    /// An SD-JWT was refused by did-core.
    SdJwt(SdJwtError),
    /// A Data Integrity proof was refused by did-core.
    DataIntegrity(DataIntegrityError),
    /// A Bitstring Status List entry or list was refused by did-core.
    Status(StatusError),
}

/// What a failure means: its stable report code, the reason a decision gives for it, and the
/// VC Data Model problem type the VC-API answers with. Computed together, in one `match` arm
/// per failure, so the three cannot disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Meaning {
    pub(super) code: &'static str,
    pub(super) reason: ReasonCode,
    pub(super) problem: ProblemType,
}

impl Meaning {
    pub(super) const fn new(code: &'static str, reason: ReasonCode, problem: ProblemType) -> Meaning {
        Meaning { code, reason, problem }
    }
}

impl Failure {
    /// The stable machine-readable code the report prints, e.g. `BAD_SIGNATURE`, `EXPIRED`,
    /// `VC_ISSUER`, `REVOKED`.
    pub fn code(&self) -> &'static str {
        self.meaning().code
    }

    /// The reason a decision gives for this failure.
    pub fn reason(&self) -> ReasonCode {
        self.meaning().reason
    }

    /// The VC Data Model problem type of this failure.
    pub fn problem_type(&self) -> ProblemType {
        self.meaning().problem
    }

    fn meaning(&self) -> Meaning {
        use ProblemType as P;
        use ReasonCode as R;
        match self {
            Failure::InputTooLarge => Meaning::new("TOO_LARGE", R::TooLarge, P::Parsing),
            Failure::InvalidJson => Meaning::new("INVALID_JSON", R::Malformed, P::Parsing),
            Failure::UnknownFormat => Meaning::new("UNKNOWN_FORMAT", R::Malformed, P::Parsing),
            Failure::UnreadableJwt => Meaning::new("INVALID_JWS", R::Malformed, P::Parsing),
            Failure::UnsupportedEmbedded => Meaning::new("UNSUPPORTED_FORMAT", R::Malformed, P::MalformedValue),
            Failure::NoProof => Meaning::new("NO_PROOF", R::InvalidCredential, P::MalformedValue),
            Failure::HolderMismatch => Meaning::new("HOLDER_MISMATCH", R::HolderMismatch, P::MalformedValue),
            Failure::KeyNotControlled => Meaning::new("KEY_NOT_CONTROLLED", R::WrongKey, P::CryptographicSecurity),
            Failure::HolderProofPurpose => {
                Meaning::new("HOLDER_BINDING_INVALID", R::HolderBindingInvalid, P::MalformedValue)
            }
            Failure::Revoked => Meaning::new("REVOKED", R::Revoked, P::MalformedValue),
            Failure::Suspended => Meaning::new("SUSPENDED", R::Suspended, P::MalformedValue),
            Failure::StatusUnreachable => {
                Meaning::new("STATUS_RETRIEVAL_ERROR", R::StatusUnavailable, P::StatusRetrieval)
            }
            Failure::StatusUnverified => {
                Meaning::new("STATUS_VERIFICATION_ERROR", R::StatusInvalid, P::StatusVerification)
            }
            Failure::Credential(e) => core_errors::credential(e),
            Failure::SdJwt(e) => core_errors::sd_jwt(e),
            Failure::DataIntegrity(e) => core_errors::data_integrity(e),
            Failure::Status(e) => core_errors::status(e),
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.code())
    }
}
