//! The merkle module against published RFC 6962 / RFC 9162 vectors, a naive reference
//! written straight from the RFC's recursive definitions, and generated negative mutations.

use registry_anchor::merkle::{
    EMPTY_ROOT, Hash, MerkleError, Tree, consistency_proof_len, decode_hash, encode_hash, inclusion_proof_len,
    leaf_hash, node_hash, root_from_inclusion, verify_consistency, verify_inclusion,
};
use sha2::{Digest as _, Sha256};

// ---------------------------------------------------------------------------------------
// Known answers. Source: the RFC 6962 test tree used by Google's certificate-transparency
// and trillian code and, today, transparency-dev/merkle `proof/verify_test.go` (Apache-2.0):
// eight leaves, the roots of their prefixes, and inclusion / consistency proofs.
// ---------------------------------------------------------------------------------------

const LEAVES: [&str; 8] = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
];

/// Roots of the trees of the first 1..=8 leaves.
const ROOTS: [&str; 8] = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

/// (leaf index, tree size, audit path). The source numbers leaves from 1; these are 0-based.
const INCLUSION_VECTORS: [(u64, u64, &[&str]); 4] = [
    (
        0,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        &[
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        3,
        &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
    ),
    (
        1,
        5,
        &[
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
];

/// (old size, new size, consistency proof), same source.
const CONSISTENCY_VECTORS: [(u64, u64, &[&str]); 5] = [
    (1, 1, &[]),
    (
        1,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        &[
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
];

fn unhex(text: &str) -> Vec<u8> {
    assert!(text.len().is_multiple_of(2));
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn h(text: &str) -> Hash {
    unhex(text).try_into().unwrap()
}

fn vector_tree(size: usize) -> Tree {
    Tree::from_leaf_hashes(LEAVES[..size].iter().map(|leaf| leaf_hash(&unhex(leaf))))
}

// ---------------------------------------------------------------------------------------
// The naive reference, from the RFC 9162 §2.1 definitions (MTH, PATH, PROOF/SUBPROOF).
// ---------------------------------------------------------------------------------------

fn split(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

fn mth(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => Sha256::digest(b"").into(),
        1 => leaves[0],
        n => {
            let k = split(n);
            node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
        }
    }
}

fn path(m: usize, leaves: &[Hash]) -> Vec<Hash> {
    let n = leaves.len();
    if n <= 1 {
        return Vec::new();
    }
    let k = split(n);
    if m < k {
        let mut p = path(m, &leaves[..k]);
        p.push(mth(&leaves[k..]));
        p
    } else {
        let mut p = path(m - k, &leaves[k..]);
        p.push(mth(&leaves[..k]));
        p
    }
}

fn subproof(m: usize, leaves: &[Hash], whole: bool) -> Vec<Hash> {
    let n = leaves.len();
    if m == n {
        return if whole { Vec::new() } else { vec![mth(leaves)] };
    }
    let k = split(n);
    if m <= k {
        let mut p = subproof(m, &leaves[..k], whole);
        p.push(mth(&leaves[k..]));
        p
    } else {
        let mut p = subproof(m - k, &leaves[k..], false);
        p.push(mth(&leaves[..k]));
        p
    }
}

fn consistency(m: usize, leaves: &[Hash]) -> Vec<Hash> {
    if m == 0 || m == leaves.len() {
        return Vec::new();
    }
    subproof(m, leaves, true)
}

/// The side of each audit-path sibling, leaf upwards (true = the sibling is on the left).
/// A verifier's computation depends on nothing else, so two (index, size) pairs with the
/// same shape accept the same proofs (a root does not commit to its size: that is what the
/// signed tree head is for).
fn path_shape(m: usize, n: usize) -> Vec<bool> {
    if n <= 1 {
        return Vec::new();
    }
    let k = split(n);
    let (mut shape, side) = if m < k {
        (path_shape(m, k), false)
    } else {
        (path_shape(m - k, n - k), true)
    };
    shape.push(side);
    shape
}

/// The shape of a consistency proof: whether the walk starts from the old root (old tree a
/// complete subtree), then per proof hash whether it is a left sibling of both roots (true)
/// or a right sibling of the new root only (false).
fn consistency_shape(m: usize, n: usize) -> (bool, Vec<bool>) {
    fn sub(m: usize, n: usize, whole: bool) -> (bool, Vec<bool>) {
        if m == n {
            return (whole, Vec::new());
        }
        let k = split(n);
        let (seed, mut ops) = if m <= k {
            sub(m, k, whole)
        } else {
            sub(m - k, n - k, false)
        };
        ops.push(m > k);
        (seed, ops)
    }
    sub(m, n, true)
}

/// Leaves distinct from one another and from any interior node.
fn test_leaves(n: usize) -> Vec<Hash> {
    (0..n).map(|i| leaf_hash(format!("leaf {i}").as_bytes())).collect()
}

// ---------------------------------------------------------------------------------------
// Known answers.
// ---------------------------------------------------------------------------------------

#[test]
fn empty_root_is_sha256_of_the_empty_string() {
    let expected: Hash = Sha256::digest(b"").into();
    assert_eq!(EMPTY_ROOT, expected);
    assert_eq!(Tree::new().root(), EMPTY_ROOT);
    assert_eq!(Tree::new().root_at(0).unwrap(), EMPTY_ROOT);
    assert_eq!(
        EMPTY_ROOT,
        h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    );
}

#[test]
fn leaf_and_node_hashes_are_domain_separated() {
    // RFC 9162 §2.1.1: 0x00 prefix for leaves, 0x01 for nodes.
    let mut leaf_input = vec![0x00];
    leaf_input.extend_from_slice(b"abc");
    assert_eq!(leaf_hash(b"abc"), <Hash>::from(Sha256::digest(&leaf_input)));
    let (a, b) = (leaf_hash(b"a"), leaf_hash(b"b"));
    let mut node_input = vec![0x01];
    node_input.extend_from_slice(&a);
    node_input.extend_from_slice(&b);
    assert_eq!(node_hash(&a, &b), <Hash>::from(Sha256::digest(&node_input)));
    assert_ne!(node_hash(&a, &b), node_hash(&b, &a));
}

#[test]
fn roots_of_the_rfc6962_test_tree() {
    for size in 1..=8 {
        let expected = h(ROOTS[size - 1]);
        assert_eq!(vector_tree(size).root(), expected, "size {size}");
        assert_eq!(
            vector_tree(8).root_at(size as u64).unwrap(),
            expected,
            "past size {size}"
        );
    }
}

#[test]
fn inclusion_proofs_of_the_rfc6962_test_tree() {
    let tree = vector_tree(8);
    for (index, size, proof) in INCLUSION_VECTORS {
        let expected: Vec<Hash> = proof.iter().map(|x| h(x)).collect();
        assert_eq!(
            tree.inclusion_proof(index, size).unwrap(),
            expected,
            "({index}, {size})"
        );
        let leaf = leaf_hash(&unhex(LEAVES[index as usize]));
        let root = h(ROOTS[size as usize - 1]);
        verify_inclusion(&leaf, index, size, &expected, &root).unwrap();
        assert_eq!(root_from_inclusion(&leaf, index, size, &expected).unwrap(), root);
    }
}

#[test]
fn consistency_proofs_of_the_rfc6962_test_tree() {
    let tree = vector_tree(8);
    for (old, new, proof) in CONSISTENCY_VECTORS {
        let expected: Vec<Hash> = proof.iter().map(|x| h(x)).collect();
        assert_eq!(tree.consistency_proof(old, new).unwrap(), expected, "({old}, {new})");
        let old_root = h(ROOTS[old as usize - 1]);
        let new_root = h(ROOTS[new as usize - 1]);
        verify_consistency(old, new, &old_root, &new_root, &expected).unwrap();
    }
}

#[test]
fn single_leaf_tree_root_is_the_leaf_hash() {
    let leaf = leaf_hash(b"data");
    let tree = Tree::from_leaf_hashes([leaf]);
    assert_eq!(tree.root(), leaf);
    assert_eq!(tree.inclusion_proof(0, 1).unwrap(), Vec::<Hash>::new());
    verify_inclusion(&leaf, 0, 1, &[], &leaf).unwrap();
    assert!(verify_inclusion(&leaf, 0, 1, &[], &EMPTY_ROOT).is_err());
    assert!(verify_inclusion(&EMPTY_ROOT, 0, 1, &[], &leaf).is_err());
}

// ---------------------------------------------------------------------------------------
// Exhaustive comparison with the reference.
// ---------------------------------------------------------------------------------------

const MAX_EXHAUSTIVE: usize = 64;

#[test]
fn every_root_and_proof_up_to_64_leaves_matches_the_reference() {
    let leaves = test_leaves(MAX_EXHAUSTIVE);
    let full = Tree::from_leaf_hashes(leaves.iter().copied());
    let mut growing = Tree::new();
    assert_eq!(growing.root(), mth(&[]));
    for n in 1..=MAX_EXHAUSTIVE {
        assert_eq!(growing.append(leaves[n - 1]), n as u64 - 1);
        let prefix = &leaves[..n];
        let root = mth(prefix);
        assert_eq!(growing.size(), n as u64);
        assert_eq!(growing.root(), root, "root of {n}");
        assert_eq!(full.root_at(n as u64).unwrap(), root, "past root of {n}");
        for (m, leaf) in prefix.iter().enumerate() {
            let expected = path(m, prefix);
            let proof = full.inclusion_proof(m as u64, n as u64).unwrap();
            assert_eq!(proof, expected, "inclusion ({m}, {n})");
            assert_eq!(inclusion_proof_len(m as u64, n as u64), Some(expected.len()));
            verify_inclusion(leaf, m as u64, n as u64, &proof, &root).unwrap();
        }
        for m in 0..=n {
            let expected = consistency(m, prefix);
            let proof = full.consistency_proof(m as u64, n as u64).unwrap();
            assert_eq!(proof, expected, "consistency ({m}, {n})");
            assert_eq!(consistency_proof_len(m as u64, n as u64), Some(expected.len()));
            verify_consistency(m as u64, n as u64, &mth(&leaves[..m]), &root, &proof).unwrap();
        }
    }
    for (i, leaf) in leaves.iter().enumerate() {
        assert_eq!(full.leaf_hash_at(i as u64).unwrap(), *leaf);
    }
}

// ---------------------------------------------------------------------------------------
// Negative mutations: every valid proof, changed in every way we can think of, is refused.
// ---------------------------------------------------------------------------------------

/// What was changed: a description, a hash position and a bit or extra-hash number.
type Mutation = (&'static str, usize, usize);

/// Every proof derived from `proof` by changing its hashes: one bit flipped (every bit, or
/// one bit per byte when `every_bit` is false), a hash dropped, duplicated, replaced,
/// inserted, appended or prepended, neighbours swapped, the whole proof reversed.
fn mutated_proofs(proof: &[Hash], extra: &[Hash], every_bit: bool) -> Vec<(Mutation, Vec<Hash>)> {
    let mut out = Vec::new();
    for i in 0..proof.len() {
        for byte in 0..32 {
            let bits: Vec<u8> = if every_bit {
                (0..8).collect()
            } else {
                vec![(byte % 8) as u8]
            };
            for bit in bits {
                let mut p = proof.to_vec();
                p[i][byte] ^= 1 << bit;
                out.push((("bit flip", i, byte * 8 + bit as usize), p));
            }
        }
        let mut p = proof.to_vec();
        p.remove(i);
        out.push((("dropped hash", i, 0), p));
        let mut p = proof.to_vec();
        p.insert(i, proof[i]);
        out.push((("duplicated hash", i, 0), p));
        for (j, x) in extra.iter().enumerate() {
            let mut p = proof.to_vec();
            p[i] = *x;
            if p != proof {
                out.push((("replaced by extra", i, j), p));
            }
        }
        if i + 1 < proof.len() && proof[i] != proof[i + 1] {
            let mut p = proof.to_vec();
            p.swap(i, i + 1);
            out.push((("swapped with next", i, 0), p));
        }
    }
    for (j, x) in extra.iter().enumerate() {
        let mut p = proof.to_vec();
        p.push(*x);
        out.push((("appended extra", j, 0), p));
        let mut p = vec![*x];
        p.extend_from_slice(proof);
        out.push((("prepended extra", j, 0), p));
    }
    if proof.len() > 1 {
        let reversed: Vec<Hash> = proof.iter().rev().copied().collect();
        if reversed != proof {
            out.push((("reversed", 0, 0), reversed));
        }
    }
    out
}

fn index_size_mutations(m: u64, n: u64) -> Vec<(u64, u64)> {
    let mut out = vec![
        (m.wrapping_sub(1), n),
        (m + 1, n),
        (m ^ 1, n),
        (m ^ 2, n),
        (m, n + 1),
        (m, n.wrapping_sub(1)),
        (m, n * 2),
        (m, n / 2),
        (m + 1, n + 1),
        (n, n),
        (m, 0),
        (u64::MAX, n),
        (m, u64::MAX),
        (u64::MAX - 1, u64::MAX),
    ];
    out.retain(|pair| *pair != (m, n));
    out
}

#[test]
fn mutated_inclusion_proofs_are_refused() {
    let leaves = test_leaves(MAX_EXHAUSTIVE);
    let tree = Tree::from_leaf_hashes(leaves.iter().copied());
    let mut checked = 0usize;
    for n in 1..=MAX_EXHAUSTIVE as u64 {
        let root = tree.root_at(n).unwrap();
        for m in 0..n {
            let leaf = leaves[m as usize];
            let proof = tree.inclusion_proof(m, n).unwrap();
            let extra = [EMPTY_ROOT, root, leaf, [0u8; 32]];
            for (what, bad) in mutated_proofs(&proof, &extra, n <= 8) {
                let result = verify_inclusion(&leaf, m, n, &bad, &root);
                assert!(result.is_err(), "({m}, {n}) accepted with {what:?}");
                checked += 1;
            }
            // Wrong leaf, wrong root.
            for wrong_leaf in [
                EMPTY_ROOT,
                root,
                leaf_hash(b"other"),
                leaves[(m as usize + 1) % leaves.len()],
            ] {
                if wrong_leaf != leaf {
                    assert!(
                        verify_inclusion(&wrong_leaf, m, n, &proof, &root).is_err(),
                        "({m}, {n}) wrong leaf"
                    );
                }
            }
            for bit in (0..256).filter(|bit| n <= 8 || bit % 9 == 0) {
                let mut bad_root = root;
                bad_root[bit / 8] ^= 1 << (bit % 8);
                match verify_inclusion(&leaf, m, n, &proof, &bad_root) {
                    Err(MerkleError::RootMismatch { expected, computed }) => {
                        assert_eq!(expected, bad_root);
                        assert_eq!(computed, root);
                    }
                    other => panic!("({m}, {n}) flipped root bit {bit}: {other:?}"),
                }
            }
            // Other index or size with the same proof: refused unless the verifier cannot tell
            // them apart (the same sibling sides), which the reference computes independently.
            for (m2, n2) in index_size_mutations(m, n) {
                let result = verify_inclusion(&leaf, m2, n2, &proof, &root);
                let same_shape = m2 < n2
                    && n2 <= 1 << 20
                    && path_shape(m2 as usize, n2 as usize) == path_shape(m as usize, n as usize);
                assert_eq!(result.is_ok(), same_shape, "({m}, {n}) as ({m2}, {n2}): {result:?}");
                checked += 1;
            }
        }
    }
    assert!(checked > 100_000, "{checked}");
}

#[test]
fn mutated_consistency_proofs_are_refused() {
    let leaves = test_leaves(MAX_EXHAUSTIVE);
    let tree = Tree::from_leaf_hashes(leaves.iter().copied());
    let mut checked = 0usize;
    for n in 1..=MAX_EXHAUSTIVE as u64 {
        let new_root = tree.root_at(n).unwrap();
        for m in 0..=n {
            let old_root = tree.root_at(m).unwrap();
            let proof = tree.consistency_proof(m, n).unwrap();
            let extra = [EMPTY_ROOT, old_root, new_root, [0u8; 32]];
            for (what, bad) in mutated_proofs(&proof, &extra, n <= 8) {
                let result = verify_consistency(m, n, &old_root, &new_root, &bad);
                assert!(result.is_err(), "({m}, {n}) accepted with {what:?}");
                checked += 1;
            }
            for bit in (0..256).filter(|bit| n <= 8 || bit % 9 == 0) {
                let mut bad_old = old_root;
                bad_old[bit / 8] ^= 1 << (bit % 8);
                assert!(
                    verify_consistency(m, n, &bad_old, &new_root, &proof).is_err(),
                    "({m}, {n}) flipped old root bit {bit}"
                );
                let mut bad_new = new_root;
                bad_new[bit / 8] ^= 1 << (bit % 8);
                let result = verify_consistency(m, n, &old_root, &bad_new, &proof);
                if m == 0 {
                    // Every tree extends the empty tree: nothing binds the new root.
                    assert!(result.is_ok());
                } else {
                    assert!(result.is_err(), "({m}, {n}) flipped new root bit {bit}");
                }
            }
            if old_root != new_root {
                assert!(
                    verify_consistency(m, n, &new_root, &old_root, &proof).is_err(),
                    "({m}, {n}) swapped roots"
                );
            }
            if m > 0 && m < n {
                assert!(
                    verify_consistency(m, n, &old_root, &new_root, &[]).is_err(),
                    "({m}, {n}) empty proof"
                );
            }
            for (m2, n2) in index_size_mutations(m, n) {
                let result = verify_consistency(m2, n2, &old_root, &new_root, &proof);
                // Refused unless the verifier cannot tell the sizes apart, as the reference
                // computes independently: from the empty tree any new size is consistent; equal
                // roots of equal sizes say nothing about the size; otherwise the same shape.
                let indistinguishable = if m == 0 {
                    m2 == 0
                } else if m == n {
                    m2 == n2 && m2 != 0
                } else {
                    m2 > 0
                        && m2 < n2
                        && n2 <= 1 << 20
                        && consistency_shape(m2 as usize, n2 as usize) == consistency_shape(m as usize, n as usize)
                };
                assert_eq!(
                    result.is_ok(),
                    indistinguishable,
                    "({m}, {n}) as ({m2}, {n2}): {result:?}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 100_000, "{checked}");
}

// ---------------------------------------------------------------------------------------
// Errors a caller acts on.
// ---------------------------------------------------------------------------------------

#[test]
fn typed_errors() {
    let tree = Tree::from_leaf_hashes(test_leaves(5));
    assert_eq!(
        tree.inclusion_proof(5, 5),
        Err(MerkleError::IndexOutOfRange { index: 5, size: 5 })
    );
    assert_eq!(
        tree.inclusion_proof(0, 6),
        Err(MerkleError::SizeBeyondTree { size: 6, tree_size: 5 })
    );
    assert_eq!(
        tree.consistency_proof(4, 3),
        Err(MerkleError::SizeOrder {
            old_size: 4,
            new_size: 3
        })
    );
    assert_eq!(
        tree.consistency_proof(3, 9),
        Err(MerkleError::SizeBeyondTree { size: 9, tree_size: 5 })
    );
    assert_eq!(
        tree.root_at(6),
        Err(MerkleError::SizeBeyondTree { size: 6, tree_size: 5 })
    );
    assert_eq!(
        tree.leaf_hash_at(5),
        Err(MerkleError::IndexOutOfRange { index: 5, size: 5 })
    );

    let root = tree.root();
    let leaf = tree.leaf_hash_at(0).unwrap();
    let proof = tree.inclusion_proof(0, 5).unwrap();
    assert_eq!(
        verify_inclusion(&leaf, 0, 5, &proof[..2], &root),
        Err(MerkleError::WrongProofLength { expected: 3, actual: 2 })
    );
    assert_eq!(
        verify_inclusion(&leaf, 7, 5, &proof, &root),
        Err(MerkleError::IndexOutOfRange { index: 7, size: 5 })
    );
    assert_eq!(
        verify_inclusion(&leaf, 0, 0, &[], &EMPTY_ROOT),
        Err(MerkleError::IndexOutOfRange { index: 0, size: 0 })
    );
    assert_eq!(
        verify_consistency(5, 3, &root, &root, &[]),
        Err(MerkleError::SizeOrder {
            old_size: 5,
            new_size: 3
        })
    );
    // Equal sizes: an empty proof and equal roots.
    verify_consistency(5, 5, &root, &root, &[]).unwrap();
    assert!(matches!(
        verify_consistency(5, 5, &root, &EMPTY_ROOT, &[]),
        Err(MerkleError::RootMismatch { .. })
    ));
    assert_eq!(
        verify_consistency(5, 5, &root, &root, &[root]),
        Err(MerkleError::WrongProofLength { expected: 0, actual: 1 })
    );
    // From the empty tree: an empty proof, and the old root must be the empty root.
    verify_consistency(0, 5, &EMPTY_ROOT, &root, &[]).unwrap();
    verify_consistency(0, 0, &EMPTY_ROOT, &EMPTY_ROOT, &[]).unwrap();
    assert!(matches!(
        verify_consistency(0, 5, &root, &root, &[]),
        Err(MerkleError::OldRootMismatch { .. })
    ));
    let old_root = tree.root_at(3).unwrap();
    let proof = tree.consistency_proof(3, 5).unwrap();
    assert!(matches!(
        verify_consistency(3, 5, &root, &root, &proof),
        Err(MerkleError::OldRootMismatch { .. })
    ));
    assert!(matches!(
        verify_consistency(3, 5, &old_root, &old_root, &proof),
        Err(MerkleError::RootMismatch { .. })
    ));
}

#[test]
fn root_mismatch_shows_both_hashes_in_base64url() {
    let error = MerkleError::RootMismatch {
        expected: EMPTY_ROOT,
        computed: [0xff; 32],
    };
    let text = error.to_string();
    assert!(text.contains("47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"), "{text}");
    assert!(text.contains(&encode_hash(&[0xff; 32])), "{text}");
}

#[test]
fn hash_json_form_round_trips_and_is_strict() {
    let hash = leaf_hash(b"x");
    let text = encode_hash(&hash);
    assert_eq!(text.len(), 43);
    assert_eq!(decode_hash(&text), Ok(hash));
    for bad in [
        "",
        "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU=",
        "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU",
        "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFV",
        "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuF",
        "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFUA",
    ] {
        assert_eq!(decode_hash(bad), Err(MerkleError::InvalidHashEncoding), "{bad}");
    }
}

// ---------------------------------------------------------------------------------------
// Randomized sizes (a fixed-seed generator keeps failures reproducible).
// ---------------------------------------------------------------------------------------

struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[test]
fn random_sizes_against_the_reference() {
    let mut rng = SplitMix(0x646f_6a61_6e67);
    let leaves = test_leaves(700);
    let tree = Tree::from_leaf_hashes(leaves.iter().copied());
    for _ in 0..300 {
        let n = 1 + rng.below(700);
        let m = rng.below(n);
        let prefix = &leaves[..n as usize];
        let root = mth(prefix);
        assert_eq!(tree.root_at(n).unwrap(), root);
        let proof = tree.inclusion_proof(m, n).unwrap();
        assert_eq!(proof, path(m as usize, prefix));
        verify_inclusion(&leaves[m as usize], m, n, &proof, &root).unwrap();
        let old = rng.below(n + 1);
        let proof = tree.consistency_proof(old, n).unwrap();
        assert_eq!(proof, consistency(old as usize, prefix));
        verify_consistency(old, n, &mth(&leaves[..old as usize]), &root, &proof).unwrap();
    }
}

#[test]
fn random_proofs_in_a_large_tree_verify() {
    let mut rng = SplitMix(7);
    let count = 100_003u64;
    let tree = Tree::from_leaf_hashes((0..count).map(|i| leaf_hash(&i.to_be_bytes())));
    for _ in 0..500 {
        let n = 1 + rng.below(count);
        let m = rng.below(n);
        let root = tree.root_at(n).unwrap();
        let proof = tree.inclusion_proof(m, n).unwrap();
        assert!(proof.len() <= 17);
        verify_inclusion(&leaf_hash(&m.to_be_bytes()), m, n, &proof, &root).unwrap();
        let old = rng.below(n + 1);
        let proof = tree.consistency_proof(old, n).unwrap();
        verify_consistency(old, n, &tree.root_at(old).unwrap(), &root, &proof).unwrap();
    }
}

#[test]
fn verifiers_refuse_hostile_sizes_without_panicking() {
    let hash = leaf_hash(b"x");
    let long: Vec<Hash> = vec![hash; 200];
    for size in [0, 1, 2, u64::MAX - 1, u64::MAX, 1 << 63, (1 << 63) + 1] {
        for index in [0, 1, size.wrapping_sub(1), size, u64::MAX] {
            for len in [0, 1, 63, 64, 65, 200] {
                let _ = verify_inclusion(&hash, index, size, &long[..len], &hash);
                let _ = verify_consistency(index, size, &hash, &hash, &long[..len]);
            }
        }
    }
    assert_eq!(inclusion_proof_len(0, u64::MAX), Some(64));
    assert_eq!(inclusion_proof_len(u64::MAX - 1, u64::MAX), Some(63));
    assert!(consistency_proof_len(u64::MAX - 1, u64::MAX).unwrap() <= 65);
}
