//! Placeholder: filled by its helper.

/// Placeholder error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TreeHeadError {
    /// Placeholder.
    #[error("not implemented")]
    Unimplemented,
}
