//! The VC Data Model 2.0 problem types (§7.1 "Verification") a report error belongs to, as the
//! VC-API answers name them.

/// A VC Data Model 2.0 error `type` (and the two the Bitstring Status List adds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProblemType {
    /// The input could not be parsed (`PARSING_ERROR`).
    Parsing,
    /// A value is out of range: a validity period, a status index (`RANGE_ERROR`).
    Range,
    /// A signature, key or digest check failed (`CRYPTOGRAPHIC_SECURITY_ERROR`).
    CryptographicSecurity,
    /// A status list could not be fetched (`STATUS_RETRIEVAL_ERROR`).
    StatusRetrieval,
    /// A status list did not verify (`STATUS_VERIFICATION_ERROR`).
    StatusVerification,
    /// Anything else wrong with the input (`MALFORMED_VALUE_ERROR`).
    MalformedValue,
}

impl ProblemType {
    /// The type's name, the fragment of its URL in the VC Data Model.
    pub fn name(self) -> &'static str {
        match self {
            ProblemType::Parsing => "PARSING_ERROR",
            ProblemType::Range => "RANGE_ERROR",
            ProblemType::CryptographicSecurity => "CRYPTOGRAPHIC_SECURITY_ERROR",
            ProblemType::StatusRetrieval => "STATUS_RETRIEVAL_ERROR",
            ProblemType::StatusVerification => "STATUS_VERIFICATION_ERROR",
            ProblemType::MalformedValue => "MALFORMED_VALUE_ERROR",
        }
    }
}

impl std::fmt::Display for ProblemType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.name())
    }
}
