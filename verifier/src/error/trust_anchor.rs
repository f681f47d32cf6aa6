//! Why a set of trusted root certificates was refused.

/// A trust-anchor file or list that cannot be used, with which block or root is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TrustAnchorError {
    /// The PEM input is over the size allowed.
    #[error("PEM input over {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// More roots than a door takes.
    #[error("more than {limit} roots")]
    TooMany {
        /// The most roots taken.
        limit: usize,
    },
    /// The input has no `CERTIFICATE` block.
    #[error("no PEM CERTIFICATE block")]
    Empty,
    /// PEM block `index` (0-based) does not parse or is not a `CERTIFICATE`.
    #[error("PEM block {index}: {problem}")]
    Pem {
        /// The block's position.
        index: usize,
        /// What is wrong with it.
        problem: String,
    },
    /// Root `index` (0-based) is not a usable root certificate (not a CA, expired, not
    /// self-signed, an unsupported key).
    #[error("root {index}: {problem}")]
    Root {
        /// The root's position.
        index: usize,
        /// What is wrong with it.
        problem: String,
    },
}
