//! Anchoring tree heads to an EVM chain (Hyperledger Besu, Quorum, Kaia, Ethereum) through the
//! small `DojangAnchor` contract in `registry-anchor/contracts/`.
//!
//! The contract records `(size, rootHash)` per log with the sender and the block time; the
//! first account to anchor a log becomes its operator and the only one who may anchor it again.
//! A log is named on chain by [`log_key`]: the SHA-256 of its log id string.
//!
//! [`AnchorClient`] deploys the contract, anchors a tree head and reads the anchors back. What
//! an anchor proves about a log (that a tree head is consistent with it) is checked by the
//! caller with a Merkle consistency proof; see `docs/did-dojang.md`.

mod client;
mod error;

pub use client::{AnchorClient, AnchorReceipt, Anchored, log_key, parse_contract, read_key_file};
pub use error::AnchorError;
