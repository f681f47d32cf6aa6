//! What can go wrong with a Merkle proof or a tree query.

use super::hash::{Hash, encode_hash};

/// Why a Merkle proof was refused, or a tree could not answer.
///
/// Hashes are shown in base64url, the form they take in JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MerkleError {
    /// A leaf index is not below the tree size it was asked about.
    #[error("leaf index {index} is out of range for a tree of size {size}")]
    IndexOutOfRange {
        /// The leaf index.
        index: u64,
        /// The tree size.
        size: u64,
    },
    /// A consistency proof was asked for, or presented, from a larger tree to a smaller one.
    #[error("old tree size {old_size} is larger than new tree size {new_size}")]
    SizeOrder {
        /// The size of the older tree.
        old_size: u64,
        /// The size of the newer tree.
        new_size: u64,
    },
    /// A tree was asked about a size it has not reached.
    #[error("tree size {size} is beyond the tree's current size {tree_size}")]
    SizeBeyondTree {
        /// The size asked about.
        size: u64,
        /// The tree's current size.
        tree_size: u64,
    },
    /// The proof does not have the number of hashes the sizes (and index) dictate.
    #[error("proof has {actual} hashes, expected {expected}")]
    WrongProofLength {
        /// The number of hashes this proof must have.
        expected: usize,
        /// The number of hashes it has.
        actual: usize,
    },
    /// The proof leads to a different root than the one expected (for a consistency proof:
    /// the new tree's root).
    #[error("root mismatch: expected {}, computed {}", encode_hash(.expected), encode_hash(.computed))]
    RootMismatch {
        /// The root the caller trusts (e.g. from a signed tree head).
        expected: Hash,
        /// The root the proof leads to.
        computed: Hash,
    },
    /// A consistency proof leads to a different root for the old tree than the one expected.
    #[error("old root mismatch: expected {}, computed {}", encode_hash(.expected), encode_hash(.computed))]
    OldRootMismatch {
        /// The old root the caller trusts.
        expected: Hash,
        /// The old root the proof leads to.
        computed: Hash,
    },
    /// A hash in JSON is not canonical unpadded base64url of 32 bytes.
    #[error("a hash must be 43 characters of unpadded base64url encoding 32 bytes")]
    InvalidHashEncoding,
    /// The tree lacks a node its own invariants promise; it was built or restored wrongly.
    #[error("tree is missing the node at level {level}, index {index}")]
    MissingNode {
        /// The level (0 for leaves).
        level: u32,
        /// The node's index within its level.
        index: u64,
    },
}
