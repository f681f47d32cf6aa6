//! Errors of the registry node.

use crate::merkle::MerkleError;
use crate::operation::OperationError;
use crate::store::StoreError;
use crate::tree_head::TreeHeadError;

/// A request to the node could not be carried out.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NodeError {
    /// The operation broke a rule of the method (its `code()` says which).
    #[error(transparent)]
    Operation(#[from] OperationError),
    /// The write queue is full: try again after the given number of seconds.
    #[error("the write queue is full; retry after {retry_after_secs} s")]
    Pushback {
        /// Seconds to wait before retrying.
        retry_after_secs: u64,
    },
    /// The node stopped accepting writes after a storage failure (restart it).
    #[error("the node is not accepting writes: {0}")]
    Unavailable(String),
    /// This node is a mirror: it does not accept operations (submit them upstream).
    #[error("this node is a read-only mirror; submit operations to its upstream")]
    ReadOnly,
    /// The upstream a mirror follows could not be reached or answered nonsense; retrying may help.
    #[error("upstream unavailable: {0}")]
    Upstream(String),
    /// The upstream a mirror follows forked or rewrote its log (or lost its key): its new tree
    /// head is not consistent with what the mirror verified before, or its entries do not
    /// lead to its signed root. The mirror stops; a human must look.
    #[error("UPSTREAM LOG FORKED OR REWRITTEN: {0}")]
    Forked(String),
    /// A witness co-signature was refused (malformed, bad signature, or not over the latest head).
    #[error("co-signature refused: {0}")]
    Cosignature(String),
    /// The DID has no operation in the log.
    #[error("no such DID in the log")]
    NotFound,
    /// A requested range or size is not within the log.
    #[error("{0}")]
    BadRange(String),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A proof could not be computed (sizes beyond the tree).
    #[error(transparent)]
    Merkle(#[from] MerkleError),
    /// A tree head could not be signed.
    #[error(transparent)]
    TreeHead(#[from] TreeHeadError),
    /// The store holds an entry that no longer parses: it was altered on disk.
    #[error("the store holds an invalid entry at {index}: {reason}")]
    CorruptEntry {
        /// The entry's index.
        index: u64,
        /// Why it does not parse.
        reason: String,
    },
}

impl NodeError {
    /// A stable, machine-readable code: the operation's own code, or the node's.
    pub fn code(&self) -> &'static str {
        match self {
            NodeError::Operation(e) => e.code(),
            NodeError::Pushback { .. } => "pushback",
            NodeError::Unavailable(_) => "unavailable",
            NodeError::NotFound => "not_found",
            NodeError::ReadOnly => "read_only",
            NodeError::Cosignature(_) => "cosignature_refused",
            NodeError::Upstream(_) => "upstream_unavailable",
            NodeError::Forked(_) => "upstream_forked",
            NodeError::BadRange(_) => "bad_range",
            NodeError::Store(_) => "storage",
            NodeError::Merkle(_) => "bad_range",
            NodeError::TreeHead(_) => "tree_head",
            NodeError::CorruptEntry { .. } => "corrupt_store",
        }
    }
}
