//! Signed tree heads (STH) of the `did:dojang` log and witness co-signatures.
//!
//! A tree head names the log, its size, its root hash and a timestamp. Its payload is the
//! JCS (RFC 8785) serialization of
//! `{"log": <log id>, "rootHash": <base64url>, "size": <u64>, "timestamp": <ms since epoch>}`
//! and nothing else: a payload that is not exactly those canonical bytes is refused.
//!
//! - [`SignedTreeHead`]: the operator's compact JWS over that payload (`typ`
//!   `dojang-sth+jws`, `kid` = the operator key's `did:key` DID URL). Only [`SignedTreeHead::sign`]
//!   and [`SignedTreeHead::verify`] make one, so holding one means its signature checked out.
//!   [`UnverifiedTreeHead`] reads a head (e.g. its `kid`) before choosing a key.
//! - [`Cosignature`]: a witness's compact JWS over the *same payload bytes* (`typ`
//!   `dojang-cosig+jws`, `kid` = the witness key's `did:key` DID URL).
//! - [`Witness`]: co-signs a head only if it is consistent with the last head it co-signed
//!   (same log, size not smaller, timestamp not earlier, consistency proof verifies).
//! - [`WitnessPolicy`]: k of n known witnesses must have co-signed a head.
//! - [`KeyTransition`]: the log entry, signed by the old and the new operator key, that hands
//!   the log to the new key (docs/did-dojang.md §7.1).
//!
//! Signing uses deterministic nonces (RFC 6979 for ECDSA), so a head signed twice with the
//! same key gives the same bytes, which keeps the specification's examples reproducible.
//!
//! # Example
//!
//! ```
//! use did_core::key::{KeyType, SigningKey};
//! use registry_anchor::merkle::Tree;
//! use registry_anchor::tree_head::{SignedTreeHead, TreeHead, Witness, WitnessPolicy};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let operator = SigningKey::generate(KeyType::P256)?;
//! let mut tree = Tree::new();
//! tree.append_data(b"first operation");
//! let head = TreeHead::new("did:web:registry.example", tree.size(), tree.root(), 1_700_000_000_000);
//! let sth = SignedTreeHead::sign(head, &operator)?;
//!
//! // A resolver checks the head with the operator key it was configured with.
//! let checked = SignedTreeHead::verify(sth.as_compact(), operator.verifying_key())?;
//! assert_eq!(checked.head().size, 1);
//!
//! // A witness co-signs it (this is its first head, so there is nothing to be consistent with).
//! let witness = Witness::new(SigningKey::generate(KeyType::Ed25519)?, operator.verifying_key().clone(), "did:web:registry.example");
//! let cosignature = witness.cosign(None, &checked, &[])?;
//! let policy = WitnessPolicy::new([witness.verifying_key().clone()], 1)?;
//! policy.check(&checked, &[cosignature])?;
//! # Ok(())
//! # }
//! ```

mod cosign;
mod error;
mod head;
mod jws;
mod policy;
mod signed;
mod transition;

pub use cosign::{Cosignature, Witness};
pub use error::TreeHeadError;
pub use head::{MAX_JSON_INTEGER, MAX_LOG_ID_LEN, TreeHead};
pub use jws::{COSIGNATURE_TYP, MAX_TREE_HEAD_JWS_LEN, TREE_HEAD_TYP};
pub use policy::{MAX_COSIGNATURES, WitnessPolicy, WitnessReport};
pub use signed::{SignedTreeHead, UnverifiedTreeHead};
pub use transition::{KEY_TRANSITION_TYP, KeyTransition, MAX_KEY_TRANSITION_LEN};
