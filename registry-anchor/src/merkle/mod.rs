//! RFC 9162 (Certificate Transparency 2.0) Merkle trees: hashing, an append-only [`Tree`]
//! that serves inclusion and consistency proofs for any past size, and the verifiers a
//! resolver runs without trusting the log.
//!
//! Everything here is pure computation: no I/O, no panics, and bounded work for any input
//! (proofs are refused by length before any hashing).
//!
//! - [`leaf_hash`] = SHA-256(0x00 ‖ data), [`node_hash`] = SHA-256(0x01 ‖ left ‖ right),
//!   and the empty tree's root is [`EMPTY_ROOT`] = SHA-256("") (RFC 9162 §2.1.1).
//! - [`Tree`] keeps every complete subtree's hash, level by level, so appending is amortized
//!   O(1) and any root, inclusion proof or consistency proof costs O(log n) hash operations.
//! - [`verify_inclusion`] and [`verify_consistency`] follow RFC 9162 §2.1.3.2 and §2.1.4.2.
//!
//! # Example
//!
//! ```
//! use registry_anchor::merkle::{Tree, leaf_hash, verify_consistency, verify_inclusion};
//!
//! # fn main() -> Result<(), registry_anchor::merkle::MerkleError> {
//! let mut tree = Tree::new();
//! for entry in ["a", "b", "c", "d", "e"] {
//!     tree.append(leaf_hash(entry.as_bytes()));
//! }
//! let root = tree.root();
//! let proof = tree.inclusion_proof(2, 5)?;
//! verify_inclusion(&leaf_hash(b"c"), 2, 5, &proof, &root)?;
//!
//! let old_root = tree.root_at(3)?;
//! let proof = tree.consistency_proof(3, 5)?;
//! verify_consistency(3, 5, &old_root, &root, &proof)?;
//! # Ok(())
//! # }
//! ```

mod error;
mod hash;
mod tree;
mod verify;

pub use error::MerkleError;
pub use hash::{EMPTY_ROOT, HASH_LEN, Hash, decode_hash, encode_hash, leaf_hash, node_hash};
pub use tree::Tree;
pub use verify::{
    consistency_proof_len, inclusion_proof_len, root_from_inclusion, verify_consistency, verify_inclusion,
};
