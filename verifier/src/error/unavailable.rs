//! What the verifier could not reach, when that keeps it from deciding.

/// Why a decision cannot be made now: something it needs could not be fetched, and nothing
/// usable is cached or bundled. A door shows "cannot check", never "allowed".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Unavailable {
    /// A DID (the issuer's or the holder's) could not be resolved, and the trust bundle has
    /// no document for it: add it to the bundle, or bring the door online.
    #[error("{did} could not be resolved and is not in the trust bundle")]
    Did {
        /// The DID.
        did: String,
    },
    /// A status list could not be fetched, and the trust bundle does not carry it.
    #[error("status list {url} could not be fetched and is not in the trust bundle")]
    StatusList {
        /// The status list's URL.
        url: String,
    },
    /// The operating system gave no randomness for a nonce.
    #[error("no randomness from the operating system: {0}")]
    Randomness(String),
}
