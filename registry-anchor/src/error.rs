//! The crate's one error type.

/// Everything that can go wrong in registry-anchor, by category.
///
/// Each variant wraps the error enum of one module, so a caller can match on the
/// category first and on the precise rule second.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A Merkle proof was malformed or did not lead to the expected root.
    #[error(transparent)]
    Merkle(#[from] crate::merkle::MerkleError),
    /// A DID operation was malformed, badly signed, or did not continue its DID's chain.
    #[error(transparent)]
    Operation(#[from] crate::operation::OperationError),
    /// A signed tree head or witness co-signature was malformed or did not verify.
    #[error(transparent)]
    TreeHead(#[from] crate::tree_head::TreeHeadError),
    /// A node's answer did not check out against the trusted keys: the node is faulty or lying.
    #[error(transparent)]
    Verification(#[from] crate::resolution::VerificationError),
    /// The registry node refused or could not carry out a request.
    #[cfg(feature = "node")]
    #[error(transparent)]
    Node(#[from] crate::node::NodeError),
    /// The node's store could not be opened, read or written.
    #[cfg(feature = "node")]
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// Anchoring a tree head to an EVM chain, or reading anchors back, failed.
    #[cfg(feature = "anchor")]
    #[error(transparent)]
    Anchor(#[from] crate::anchor::AnchorError),
}
