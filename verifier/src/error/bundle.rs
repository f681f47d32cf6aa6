//! Why a trust bundle could not be made or used.

/// A trust bundle's failure, by what the operator does about it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BundleError {
    /// The signature does not verify with the operator key given, or was made with another
    /// algorithm: another operator's bundle, a changed one, or the wrong `--bundle-key`.
    #[error("{0}")]
    WrongKey(String),
    /// The bundle is not one this door can read (size, JWS form, content, a DID document or
    /// registry answer inside it); the message says where.
    #[error("{0}")]
    Malformed(String),
    /// Building: more issuers, holders or status lists than a bundle holds.
    #[error("more than {limit} issuers, holders or status lists")]
    TooManyEntries {
        /// The limit per list.
        limit: usize,
    },
    /// Building: a DID, the registry or a status list could not be fetched or checked.
    #[error("{what}: {source}")]
    Fetch {
        /// What was being fetched (`DID did:web:…`, `registry`, `status list https://…`).
        what: String,
        /// The resolver's, registry client's or status source's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Building: a did:dojang DID is named, but no registry was given.
    #[error("{did} is a did:dojang DID, but no registry is configured")]
    NoRegistry {
        /// The DID.
        did: String,
    },
    /// Building: the operator key could not sign, or signed wrongly.
    #[error("the operator key cannot sign: {0}")]
    Signing(String),
}

impl BundleError {
    /// A fetch failure of `what`, keeping its cause.
    pub fn fetch(what: impl Into<String>, source: impl std::error::Error + Send + Sync + 'static) -> BundleError {
        BundleError::Fetch {
            what: what.into(),
            source: Box::new(source),
        }
    }
}
