//! The crate's one error type.

/// Everything that can go wrong in did-core, by category.
///
/// Each variant wraps the error enum of one module, so a caller can match on the
/// category first and on the precise rule second.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A DID or DID URL string broke the DID Core 1.0 ABNF.
    #[error(transparent)]
    Did(#[from] crate::did::DidError),
    /// A DID document broke a DID Core rule.
    #[error(transparent)]
    Document(#[from] crate::document::DocumentError),
    /// Key material was malformed, of an unsupported type, or a signature did not verify.
    #[error(transparent)]
    Key(#[from] crate::key::KeyError),
    /// A multibase string could not be decoded.
    #[error(transparent)]
    Multibase(#[from] crate::multibase::MultibaseError),
    /// A JWS was malformed, used a forbidden algorithm, or did not verify.
    #[error(transparent)]
    Jws(#[from] crate::jose::JwsError),
    /// A Data Integrity proof could not be created or did not verify.
    #[error(transparent)]
    DataIntegrity(#[from] crate::data_integrity::DataIntegrityError),
    /// DID resolution failed.
    #[error(transparent)]
    Resolution(#[from] crate::resolve::ResolutionError),
    /// A credential or presentation broke a data-model rule, or its JWT did not verify.
    #[error(transparent)]
    Credential(#[from] crate::vc::CredentialError),
    /// A credential status list or status entry was malformed, too large, or did not check out.
    #[error(transparent)]
    Status(#[from] crate::status::StatusError),
    /// An SD-JWT could not be issued, presented or verified.
    #[error(transparent)]
    SdJwt(#[from] crate::sd_jwt::SdJwtError),
    /// Securing a credential in a format failed.
    #[error(transparent)]
    Secure(#[from] crate::secure::SecureError),
}
