//! Placeholder.

/// Errors of this module.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JwsError {
    /// Placeholder.
    #[error("not implemented")]
    Unimplemented,
}
