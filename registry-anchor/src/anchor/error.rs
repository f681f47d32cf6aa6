//! Errors of the anchoring client.

/// Anchoring to, or reading anchors from, an EVM chain failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AnchorError {
    /// The JSON-RPC URL could not be parsed.
    #[error("invalid JSON-RPC URL: {0}")]
    InvalidUrl(String),
    /// The anchoring key is not a 32-byte secp256k1 private key in hex.
    #[error("invalid anchoring key: expected 32 bytes of hex (an EVM private key)")]
    InvalidKey,
    /// The key file could not be read.
    #[error("cannot read the anchoring key file: {0}")]
    KeyFile(#[source] std::io::Error),
    /// The chain could not be reached or answered with a JSON-RPC error.
    #[error("JSON-RPC call failed: {0}")]
    Rpc(String),
    /// The contract refused the tree head: another account operates the log, the size
    /// shrinks, or the size is already anchored with another root (a fork).
    #[error("the anchor contract refused: {0}")]
    Refused(String),
    /// The transaction was mined but reverted.
    #[error("the anchoring transaction {tx_hash} reverted")]
    Reverted {
        /// The transaction hash, 0x-prefixed hex.
        tx_hash: String,
    },
    /// The client was connected read-only and cannot send transactions.
    #[error("connected without a key: cannot anchor")]
    ReadOnly,
    /// The address is not a 0x-prefixed 20-byte hex address, or holds no `DojangAnchor`
    /// contract code.
    #[error("no contract code at {0}")]
    NoContract(String),
}
