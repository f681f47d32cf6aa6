//! The verifier crate's one error type, and the typed errors it wraps (here, not in the
//! modules that raise them, so that no module cycle runs through `error`).
//!
//! An [`Error`] means "could not check" or "could not set up": a missing resolver answer with
//! nothing cached, an unreadable policy or trust bundle. A checked credential that fails is not
//! an error but a [`crate::decision::Decision`] that is not
//! [`allowed`](crate::decision::Decision::allowed), with its reasons.

mod bundle;
mod policy;
mod trust_anchor;
mod unavailable;

pub use bundle::BundleError;
pub use policy::PolicyError;
pub use trust_anchor::TrustAnchorError;
pub use unavailable::Unavailable;

/// Why the verifier could not do what was asked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A policy document is not valid; the [`PolicyError`](crate::policy::PolicyError)
    /// names the line or the field.
    #[error("invalid policy: {0}")]
    Policy(#[from] PolicyError),
    /// A DID or status list needed for the decision could not be fetched, and nothing usable
    /// is cached: the verifier cannot decide.
    #[error("cannot check: {0}")]
    Unavailable(#[from] Unavailable),
    /// A trust bundle could not be made or read, or its signature does not verify; the
    /// [`BundleError`](crate::bundle::BundleError) variant says which.
    #[error("invalid trust bundle: {0}")]
    Bundle(#[from] BundleError),
    /// A trusted root certificate could not be read.
    #[error("invalid trust anchor: {0}")]
    TrustAnchor(#[from] TrustAnchorError),
    /// A protocol message (OpenID4VP request or response, QR payload) is malformed.
    #[error("invalid {what}: {message}")]
    Protocol {
        /// Which message.
        what: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The service could not start or serve: the socket failed.
    #[error("service: {doing}: {source}")]
    Service {
        /// What was being done (`listening on 127.0.0.1:8090`, `serving`).
        doing: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The door's request-signing certificate or key (given, or kept in its data folder) is
    /// unusable; the message says which and why.
    #[error("request signer: {0}")]
    RequestSigner(String),
}
