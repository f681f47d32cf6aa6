//! The crate's one error type.

/// Why a key could not be made or read, or a credential could not be issued.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The key file is not a private JWK of a supported type.
    #[error("unusable key: {0}")]
    Key(#[from] did_core::key::KeyError),
    /// The credential JSON was refused (data-model rule, or not JSON).
    #[error(transparent)]
    Credential(#[from] did_core::vc::CredentialError),
    /// The credential names an issuer the key does not speak for.
    #[error("the credential's issuer {issuer:?} is not controlled by the key (its DID is {key_did:?})")]
    IssuerNotControlled {
        /// The issuer the credential names.
        issuer: String,
        /// The DID the key belongs to.
        key_did: String,
    },
    /// The format cannot secure this input (e.g. `--disclose` with a JWT format).
    #[error("{0}")]
    Unsupported(String),
    /// Signing or securing failed in did-core.
    #[error(transparent)]
    Core(#[from] did_core::Error),
}

impl Error {
    /// [`Error::IssuerNotControlled`], with the credential's issuer cut to 64 characters.
    pub(crate) fn issuer_not_controlled(issuer: &str, key_did: &str) -> Error {
        Error::IssuerNotControlled {
            issuer: issuer.chars().take(64).collect(),
            key_did: key_did.to_owned(),
        }
    }
}
