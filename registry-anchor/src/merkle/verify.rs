//! Proof verification (RFC 9162 §2.1.3.2 and §2.1.4.2), independent of any [`super::Tree`].
//!
//! The expected number of proof hashes follows from the sizes (and index) alone, so a proof
//! of the wrong length is refused before any hashing: the work is bounded by 64 hash
//! operations whatever the input.

use super::MerkleError;
use super::hash::{EMPTY_ROOT, Hash, node_hash};

/// Shifts `first` and `second` right together until `first` is odd or zero.
fn shift_while_even(first: &mut u64, second: &mut u64) {
    while *first != 0 && *first & 1 == 0 {
        *first >>= 1;
        *second >>= 1;
    }
}

/// The number of hashes in the inclusion proof of leaf `index` in a tree of `size` leaves,
/// or `None` if `index >= size`.
pub fn inclusion_proof_len(index: u64, size: u64) -> Option<usize> {
    if index >= size {
        return None;
    }
    // The RFC 9162 §2.1.3.2 loop, without the hashing: one proof hash per iteration.
    let (mut fn_, mut sn) = (index, size - 1);
    let mut count = 0;
    while sn != 0 {
        if fn_ & 1 == 1 || fn_ == sn {
            shift_while_even(&mut fn_, &mut sn);
        }
        fn_ >>= 1;
        sn >>= 1;
        count += 1;
    }
    Some(count)
}

/// The number of hashes in the consistency proof from a tree of `old_size` leaves to one of
/// `new_size` leaves, or `None` if `old_size > new_size`. Zero when `old_size` is 0 or
/// equals `new_size`.
pub fn consistency_proof_len(old_size: u64, new_size: u64) -> Option<usize> {
    if old_size > new_size {
        return None;
    }
    if old_size == 0 || old_size == new_size {
        return Some(0);
    }
    // The RFC 9162 §2.1.4.2 loop, without the hashing: the first hash (or the old root,
    // when the old size is a power of two) seeds both roots, then one hash per iteration.
    let (mut fn_, mut sn) = (old_size - 1, new_size - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let mut count = 1;
    while sn != 0 {
        if fn_ & 1 == 1 || fn_ == sn {
            shift_while_even(&mut fn_, &mut sn);
        }
        fn_ >>= 1;
        sn >>= 1;
        count += 1;
    }
    if old_size.is_power_of_two() {
        count -= 1;
    }
    Some(count)
}

/// The root an inclusion proof leads to (RFC 9162 §2.1.3.2, steps 1 to 5), for leaf
/// `index` with hash `leaf_hash` in a tree of `size` leaves.
///
/// Compare the result with a trusted root, or call [`verify_inclusion`].
pub fn root_from_inclusion(leaf_hash: &Hash, index: u64, size: u64, proof: &[Hash]) -> Result<Hash, MerkleError> {
    let expected = inclusion_proof_len(index, size).ok_or(MerkleError::IndexOutOfRange { index, size })?;
    if proof.len() != expected {
        return Err(MerkleError::WrongProofLength {
            expected,
            actual: proof.len(),
        });
    }
    let (mut fn_, mut sn) = (index, size - 1);
    let mut root = *leaf_hash;
    for sibling in proof {
        // Cannot happen once the length matched; kept so the loop is safe on its own.
        if sn == 0 {
            return Err(MerkleError::WrongProofLength {
                expected,
                actual: proof.len(),
            });
        }
        if fn_ & 1 == 1 || fn_ == sn {
            root = node_hash(sibling, &root);
            shift_while_even(&mut fn_, &mut sn);
        } else {
            root = node_hash(&root, sibling);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    Ok(root)
}

/// Verifies that leaf `index`, whose hash is `leaf_hash`, is in the tree of `size` leaves
/// whose root is `root` (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    leaf_hash: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), MerkleError> {
    let computed = root_from_inclusion(leaf_hash, index, size, proof)?;
    if computed != *root {
        return Err(MerkleError::RootMismatch {
            expected: *root,
            computed,
        });
    }
    Ok(())
}

/// Verifies that the tree of `new_size` leaves with root `new_root` extends the tree of
/// `old_size` leaves with root `old_root` (RFC 9162 §2.1.4.2).
///
/// Edge cases the RFC leaves to the caller: equal sizes need an empty proof and equal
/// roots; an old size of 0 needs an empty proof and `old_root` equal to [`EMPTY_ROOT`]
/// (every tree extends the empty one).
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), MerkleError> {
    let expected = consistency_proof_len(old_size, new_size).ok_or(MerkleError::SizeOrder { old_size, new_size })?;
    if proof.len() != expected {
        return Err(MerkleError::WrongProofLength {
            expected,
            actual: proof.len(),
        });
    }
    if old_size == 0 {
        if *old_root != EMPTY_ROOT {
            return Err(MerkleError::OldRootMismatch {
                expected: *old_root,
                computed: EMPTY_ROOT,
            });
        }
        return Ok(());
    }
    if old_size == new_size {
        if old_root != new_root {
            return Err(MerkleError::RootMismatch {
                expected: *new_root,
                computed: *old_root,
            });
        }
        return Ok(());
    }
    // Step 2: a power-of-two old tree is itself a node of the new one; its root seeds the walk.
    let mut hashes = proof.iter();
    let seed = if old_size.is_power_of_two() {
        *old_root
    } else {
        *hashes.next().ok_or(MerkleError::WrongProofLength {
            expected,
            actual: proof.len(),
        })?
    };
    // Steps 3 and 4.
    let (mut fn_, mut sn) = (old_size - 1, new_size - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    // Steps 5 and 6.
    let (mut old_computed, mut new_computed) = (seed, seed);
    for hash in hashes {
        if sn == 0 {
            return Err(MerkleError::WrongProofLength {
                expected,
                actual: proof.len(),
            });
        }
        if fn_ & 1 == 1 || fn_ == sn {
            old_computed = node_hash(hash, &old_computed);
            new_computed = node_hash(hash, &new_computed);
            shift_while_even(&mut fn_, &mut sn);
        } else {
            new_computed = node_hash(&new_computed, hash);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    // Step 7.
    if old_computed != *old_root {
        return Err(MerkleError::OldRootMismatch {
            expected: *old_root,
            computed: old_computed,
        });
    }
    if new_computed != *new_root {
        return Err(MerkleError::RootMismatch {
            expected: *new_root,
            computed: new_computed,
        });
    }
    Ok(())
}
