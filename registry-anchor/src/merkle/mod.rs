//! Placeholder: filled by its helper.

/// Placeholder error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MerkleError {
    /// Placeholder.
    #[error("not implemented")]
    Unimplemented,
}
