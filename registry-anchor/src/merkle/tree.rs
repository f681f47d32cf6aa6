//! An append-only Merkle tree that keeps every complete subtree's hash.

use super::MerkleError;
use super::hash::{EMPTY_ROOT, Hash, node_hash};

/// An append-only RFC 9162 Merkle tree over leaf hashes.
///
/// Level 0 holds the leaf hashes; level `h` holds the hash of every *complete* subtree of
/// 2^h leaves (the one starting at leaf `i · 2^h` at position `i`). A tree of `n` leaves
/// therefore stores fewer than `2n` hashes (64 MB for a million leaves), appending is
/// amortized O(1), and the hash of any subtree the RFC's recursion names, including the
/// incomplete right edge of a past tree, is a fold of at most 64 stored nodes. So
/// [`Tree::root_at`], [`Tree::inclusion_proof`] and [`Tree::consistency_proof`] cost
/// O(log n) hash operations for any size up to the current one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tree {
    /// `levels[h][i]` = hash of leaves `[i·2^h, (i+1)·2^h)`.
    levels: Vec<Vec<Hash>>,
}

impl Tree {
    /// An empty tree.
    pub fn new() -> Tree {
        Tree::default()
    }

    /// Rebuilds a tree from its leaf hashes in log order (e.g. from storage at start-up).
    pub fn from_leaf_hashes<I: IntoIterator<Item = Hash>>(leaf_hashes: I) -> Tree {
        let leaf_hashes = leaf_hashes.into_iter();
        let mut tree = Tree::new();
        let (lower, _) = leaf_hashes.size_hint();
        tree.reserve(lower);
        for hash in leaf_hashes {
            tree.append(hash);
        }
        tree
    }

    /// Reserves room for `additional` more leaves (and their interior nodes).
    pub fn reserve(&mut self, additional: usize) {
        let mut level = 0;
        let mut count = additional;
        while count > 0 {
            if self.levels.len() <= level {
                self.levels.push(Vec::new());
            }
            if let Some(nodes) = self.levels.get_mut(level) {
                nodes.reserve(count);
            }
            count /= 2;
            level += 1;
        }
    }

    /// Appends a leaf hash (see [`super::leaf_hash`]) and returns its index.
    pub fn append(&mut self, leaf_hash: Hash) -> u64 {
        let index = self.size();
        let mut carry = leaf_hash;
        let mut level = 0;
        loop {
            if self.levels.len() <= level {
                self.levels.push(Vec::new());
            }
            let Some(nodes) = self.levels.get_mut(level) else {
                break;
            };
            nodes.push(carry);
            // A level of even length has just completed a pair: its parent is now complete.
            if nodes.len() % 2 != 0 {
                break;
            }
            let Some([left, right]) = nodes.last_chunk::<2>() else {
                break;
            };
            carry = node_hash(left, right);
            level += 1;
        }
        index
    }

    /// Hashes `data` as a leaf ([`super::leaf_hash`]), appends it and returns its index.
    pub fn append_data(&mut self, data: &[u8]) -> u64 {
        self.append(super::leaf_hash(data))
    }

    /// The number of leaves.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |leaves| leaves.len() as u64)
    }

    /// Whether the tree has no leaves.
    pub fn is_empty(&self) -> bool {
        self.size() == 0
    }

    /// The current root ([`super::EMPTY_ROOT`] for the empty tree).
    pub fn root(&self) -> Hash {
        // The current size is always within the tree, so this cannot fail unless the
        // tree's invariants are broken, which `append` maintains.
        self.root_at(self.size()).unwrap_or(EMPTY_ROOT)
    }

    /// The root the tree had when it held its first `size` leaves.
    pub fn root_at(&self, size: u64) -> Result<Hash, MerkleError> {
        self.check_size(size)?;
        if size == 0 {
            return Ok(EMPTY_ROOT);
        }
        self.subtree_hash(0, size)
    }

    /// The hash of leaf `index`.
    pub fn leaf_hash_at(&self, index: u64) -> Result<Hash, MerkleError> {
        self.node(0, index).map_err(|_| MerkleError::IndexOutOfRange {
            index,
            size: self.size(),
        })
    }

    /// The inclusion proof (audit path, RFC 9162 §2.1.3.1) of leaf `index` in the tree of
    /// the first `size` leaves, ordered from the leaf's sibling up to the root's child.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, MerkleError> {
        self.check_size(size)?;
        if index >= size {
            return Err(MerkleError::IndexOutOfRange { index, size });
        }
        // Walk PATH(m, D[start:end]) from the root down, collecting each sibling subtree.
        let mut proof = Vec::with_capacity(super::inclusion_proof_len(index, size).unwrap_or(0));
        let (mut start, mut end) = (0, size);
        while end - start > 1 {
            let split = start + largest_power_of_two_below(end - start);
            if index < split {
                proof.push(self.subtree_hash(split, end)?);
                end = split;
            } else {
                proof.push(self.subtree_hash(start, split)?);
                start = split;
            }
        }
        proof.reverse();
        Ok(proof)
    }

    /// The consistency proof (RFC 9162 §2.1.4.1) between the tree of the first `old_size`
    /// leaves and that of the first `new_size` leaves. Empty when `old_size` is 0 or equals
    /// `new_size`.
    pub fn consistency_proof(&self, old_size: u64, new_size: u64) -> Result<Vec<Hash>, MerkleError> {
        self.check_size(new_size)?;
        if old_size > new_size {
            return Err(MerkleError::SizeOrder { old_size, new_size });
        }
        if old_size == 0 || old_size == new_size {
            return Ok(Vec::new());
        }
        // Walk SUBPROOF(m, D[start:end], complete) from the root down.
        let mut proof = Vec::with_capacity(super::consistency_proof_len(old_size, new_size).unwrap_or(0));
        let (mut start, mut end) = (0, new_size);
        // Whether the subtree [start, end) is one the old tree's root is built from as a whole.
        let mut whole_old_tree = true;
        loop {
            if old_size == end {
                if !whole_old_tree {
                    proof.push(self.subtree_hash(start, end)?);
                }
                break;
            }
            let split = start + largest_power_of_two_below(end - start);
            if old_size <= split {
                proof.push(self.subtree_hash(split, end)?);
                end = split;
            } else {
                proof.push(self.subtree_hash(start, split)?);
                start = split;
                whole_old_tree = false;
            }
        }
        proof.reverse();
        Ok(proof)
    }

    fn check_size(&self, size: u64) -> Result<(), MerkleError> {
        let tree_size = self.size();
        if size > tree_size {
            return Err(MerkleError::SizeBeyondTree { size, tree_size });
        }
        Ok(())
    }

    /// The stored hash of the complete subtree at `level`, position `index`.
    fn node(&self, level: u32, index: u64) -> Result<Hash, MerkleError> {
        let missing = MerkleError::MissingNode { level, index };
        let level_nodes = usize::try_from(level)
            .ok()
            .and_then(|l| self.levels.get(l))
            .ok_or(missing.clone())?;
        let position = usize::try_from(index).map_err(|_| missing.clone())?;
        level_nodes.get(position).copied().ok_or(missing)
    }

    /// MTH(D[start:end]) for a subtree named by the RFC's recursion: `start` is a multiple
    /// of the largest power of two not above `end - start`, so the range splits into the
    /// complete subtrees given by the binary digits of its length, largest first. They are
    /// folded right to left, as MTH's split at the largest power of two below the length does.
    fn subtree_hash(&self, start: u64, end: u64) -> Result<Hash, MerkleError> {
        let mut remaining = end.saturating_sub(start);
        let mut position = end;
        let mut folded: Option<Hash> = None;
        while remaining != 0 {
            let level = remaining.trailing_zeros();
            let width = 1u64 << level;
            remaining &= remaining - 1;
            position -= width;
            if !position.is_multiple_of(width) {
                return Err(MerkleError::MissingNode {
                    level,
                    index: position >> level,
                });
            }
            let piece = self.node(level, position >> level)?;
            folded = Some(match folded {
                None => piece,
                Some(right) => node_hash(&piece, &right),
            });
        }
        folded.ok_or(MerkleError::MissingNode { level: 0, index: start })
    }
}

/// The largest power of two strictly below `n`, for `n >= 2` (the RFC's split point `k`).
/// Returns 1 for smaller `n` rather than overflow; callers never pass them.
fn largest_power_of_two_below(n: u64) -> u64 {
    1u64 << 63u32.saturating_sub(n.saturating_sub(1).leading_zeros())
}
