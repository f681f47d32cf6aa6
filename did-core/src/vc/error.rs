//! Why a credential or presentation was refused, naming the rule it broke.

use std::fmt;

use crate::jose::JwsError;
use crate::resolve::ResolutionError;

/// A rule of the VC Data Model (2.0, or 1.1 where noted) or of a securing format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rule {
    /// `@context` is missing, does not start with the base context, or holds an entry that is
    /// neither a URL nor an object (VC DM 2.0 §4.3).
    Context,
    /// `type` is missing or lacks `VerifiableCredential` / `VerifiablePresentation` (§4.5).
    Type,
    /// `id` is not a URL (§4.4).
    Id,
    /// `issuer` is missing, null, not a URL, or an object without a URL `id` (§4.7).
    Issuer,
    /// `credentialSubject` is missing, empty, or not an object or array of objects (§4.8).
    CredentialSubject,
    /// `validFrom` is not an `xsd:dateTimeStamp` (§4.9).
    ValidFrom,
    /// `validUntil` is not an `xsd:dateTimeStamp` (§4.9).
    ValidUntil,
    /// `validUntil` is before `validFrom`: the credential can never be valid.
    ValidityPeriod,
    /// VC 1.1: `issuanceDate` is missing or not an `xsd:dateTime`.
    IssuanceDate,
    /// VC 1.1: `expirationDate` is not an `xsd:dateTime`.
    ExpirationDate,
    /// An entry of `credentialStatus` lacks `type` or has a non-URL `id` (§4.10).
    CredentialStatus,
    /// An entry of `credentialSchema` lacks a URL `id` or a `type` (§4.11).
    CredentialSchema,
    /// An entry of `evidence` lacks `type` (§5.6).
    Evidence,
    /// An entry of `termsOfUse` lacks `type` (§5.5).
    TermsOfUse,
    /// An entry of `refreshService` lacks `type` (§5.4).
    RefreshService,
    /// An entry of `relatedResource` lacks a URL `id`, repeats another's `id`, or has no
    /// well-formed `digestSRI` or `digestMultibase` (§5.3).
    RelatedResource,
    /// `name` or `description` is not a string, a language value object, or an array of them.
    LanguageValue,
    /// `holder` is not a URL or an object with a URL `id` (§4.13).
    Holder,
    /// `verifiableCredential` holds something that is not a credential (§4.13).
    VerifiableCredential,
    /// A JWT claim contradicts the credential or presentation it secures (`iss`, `sub`, `jti`,
    /// `nbf`, `exp`), or a required JWT claim is missing or of the wrong type.
    JwtClaims,
}

impl Rule {
    /// A stable, machine-readable code for reports (`VC_CONTEXT`, `VC_ISSUER`, ...).
    pub fn code(self) -> &'static str {
        match self {
            Rule::Context => "VC_CONTEXT",
            Rule::Type => "VC_TYPE",
            Rule::Id => "VC_ID",
            Rule::Issuer => "VC_ISSUER",
            Rule::CredentialSubject => "VC_CREDENTIAL_SUBJECT",
            Rule::ValidFrom => "VC_VALID_FROM",
            Rule::ValidUntil => "VC_VALID_UNTIL",
            Rule::ValidityPeriod => "VC_VALIDITY_PERIOD",
            Rule::IssuanceDate => "VC_ISSUANCE_DATE",
            Rule::ExpirationDate => "VC_EXPIRATION_DATE",
            Rule::CredentialStatus => "VC_CREDENTIAL_STATUS",
            Rule::CredentialSchema => "VC_CREDENTIAL_SCHEMA",
            Rule::Evidence => "VC_EVIDENCE",
            Rule::TermsOfUse => "VC_TERMS_OF_USE",
            Rule::RefreshService => "VC_REFRESH_SERVICE",
            Rule::RelatedResource => "VC_RELATED_RESOURCE",
            Rule::LanguageValue => "VC_LANGUAGE_VALUE",
            Rule::Holder => "VC_HOLDER",
            Rule::VerifiableCredential => "VC_VERIFIABLE_CREDENTIAL",
            Rule::JwtClaims => "VC_JWT_CLAIMS",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Why a credential or presentation was refused or could not be secured.
///
/// Strings taken from the input are truncated to 64 characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialError {
    /// The JSON text is over the size limit; it was not parsed.
    #[error("credential is {size} bytes, over the {limit}-byte limit")]
    TooLarge {
        /// Size of the input in bytes.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The text is not well-formed JSON, or repeats a member name.
    #[error("credential is not valid JSON: {0}")]
    InvalidJson(String),
    /// The JSON value is not an object.
    #[error("a credential or presentation must be a JSON object")]
    NotAnObject,
    /// A data-model rule was broken at `at` (a path such as `credentialSubject[1]`).
    #[error("{rule} at {at}: {reason}")]
    Invalid {
        /// The rule broken.
        rule: Rule,
        /// Where, as a path from the root (`$` is the root).
        at: String,
        /// What is wrong, in words.
        reason: String,
    },
    /// The current time (plus the allowed skew) is before `validFrom` / `nbf`.
    #[error("not valid before {valid_from} (now {now})")]
    NotYetValid {
        /// The start of the validity period, RFC 3339.
        valid_from: String,
        /// The clock's time, RFC 3339.
        now: String,
    },
    /// The current time (minus the allowed skew) is after `validUntil` / `exp`.
    #[error("expired at {valid_until} (now {now})")]
    Expired {
        /// The end of the validity period, RFC 3339.
        valid_until: String,
        /// The clock's time, RFC 3339.
        now: String,
    },
    /// A presentation's `nonce` / `challenge` or `aud` / `domain` is not the one the verifier
    /// asked for (or is missing), so it may be replayed from another exchange.
    #[error("presentation {what} mismatch: expected {expected:?}, found {found:?}")]
    Binding {
        /// `nonce` or `aud`.
        what: &'static str,
        /// The value the verifier expected.
        expected: String,
        /// The value in the presentation, if any.
        found: Option<String>,
    },
    /// The signing key does not belong to the issuer (or holder): its DID differs, or the
    /// issuer is not a DID we can resolve keys for.
    #[error("key {kid:?} is not controlled by {party:?}")]
    KeyNotControlled {
        /// The key ID used (the JWS `kid`), if any.
        kid: Option<String>,
        /// The issuer or holder identifier.
        party: String,
    },
    /// The signature envelope was malformed or did not verify.
    #[error(transparent)]
    Jws(#[from] JwsError),
    /// The issuer's or holder's key could not be resolved.
    #[error(transparent)]
    Resolution(ResolutionError),
}

impl From<ResolutionError> for CredentialError {
    /// A key the party does not control is named as such; any other failure is a resolution error.
    fn from(error: ResolutionError) -> CredentialError {
        match error {
            ResolutionError::KeyNotControlled { kid, party } => CredentialError::KeyNotControlled { kid, party },
            other => CredentialError::Resolution(other),
        }
    }
}

impl CredentialError {
    /// A stable, machine-readable code for reports.
    pub fn code(&self) -> &'static str {
        match self {
            CredentialError::TooLarge { .. } => "TOO_LARGE",
            CredentialError::InvalidJson(_) => "INVALID_JSON",
            CredentialError::NotAnObject => "NOT_AN_OBJECT",
            CredentialError::Invalid { rule, .. } => rule.code(),
            CredentialError::NotYetValid { .. } => "NOT_YET_VALID",
            CredentialError::Expired { .. } => "EXPIRED",
            CredentialError::Binding { .. } => "PRESENTATION_BINDING",
            CredentialError::KeyNotControlled { .. } => "KEY_NOT_CONTROLLED",
            CredentialError::Jws(JwsError::BadSignature) => "BAD_SIGNATURE",
            CredentialError::Jws(_) => "INVALID_JWS",
            CredentialError::Resolution(e) => e.code(),
        }
    }

    pub(crate) fn invalid(rule: Rule, at: impl Into<String>, reason: impl Into<String>) -> CredentialError {
        CredentialError::Invalid {
            rule,
            at: at.into(),
            reason: reason.into(),
        }
    }
}
