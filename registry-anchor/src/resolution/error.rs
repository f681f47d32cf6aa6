//! Why a resolution response (or a tree-head answer) was refused.

use crate::merkle::MerkleError;
use crate::operation::OperationError;
use crate::tree_head::TreeHeadError;

/// Why a node's answer could not be trusted. Every variant but [`Malformed`](Self::Malformed)
/// and [`TooLarge`](Self::TooLarge) means the node is faulty or lying.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerificationError {
    /// The answer is not the JSON shape of `docs/did-dojang.md` §10–11.
    #[error("malformed registry answer: {0}")]
    Malformed(String),
    /// The answer (or a part of it) is larger than a resolver accepts.
    #[error("registry answer exceeds the limit of {limit} {what}")]
    TooLarge {
        /// What was counted (bytes, operations).
        what: &'static str,
        /// The limit.
        limit: usize,
    },
    /// The configured registry key is not a `did:key`, Multikey or public JWK.
    #[error("invalid registry key: {0}")]
    InvalidKey(String),
    /// The tree head's signature, log id or witness co-signatures did not check out.
    #[error("tree head refused: {0}")]
    TreeHead(#[source] TreeHeadError),
    /// The head is not consistent with one this resolver saw earlier: the log was forked
    /// or rewritten.
    #[error("the log is not consistent with the tree head seen earlier (size {seen_size}): {reason}")]
    Inconsistent {
        /// The size of the head seen earlier.
        seen_size: u64,
        /// What did not match.
        reason: String,
    },
    /// An operation's inclusion proof does not lead to the tree head's root.
    #[error("operation at index {index} is not proven to be in the log: {source}")]
    Inclusion {
        /// The entry's index.
        index: u64,
        /// Why the proof failed.
        #[source]
        source: MerkleError,
    },
    /// An operation does not parse or verify, or the chain breaks a rule of the method.
    #[error("operation at index {index} refused: {source}")]
    Operation {
        /// The entry's index.
        index: u64,
        /// The rule it broke.
        #[source]
        source: OperationError,
    },
    /// The operations are not in log order, or none was given.
    #[error("operations are not a chain in log order: {0}")]
    Order(String),
    /// The chain belongs to another DID than the one asked for.
    #[error("the chain creates {found}, not the DID asked for")]
    WrongDid {
        /// The DID the create operation derives.
        found: String,
    },
    /// The node's document or metadata differ from what its own chain yields.
    #[error("the answer's {0} differs from the one its operations yield")]
    Mismatch(&'static str),
}

impl VerificationError {
    /// A stable, machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            VerificationError::Malformed(_) => "malformed",
            VerificationError::TooLarge { .. } => "too_large",
            VerificationError::InvalidKey(_) => "invalid_key",
            VerificationError::TreeHead(_) => "tree_head",
            VerificationError::Inconsistent { .. } => "inconsistent",
            VerificationError::Inclusion { .. } => "inclusion",
            VerificationError::Operation { .. } => "operation",
            VerificationError::Order(_) => "order",
            VerificationError::WrongDid { .. } => "wrong_did",
            VerificationError::Mismatch(_) => "mismatch",
        }
    }
}
