//! Merkle proof verification on arbitrary sizes, indices and hashes: must never panic and
//! must agree with itself; and proofs a `Tree` produces always verify, while a flipped bit
//! never does.
use registry_anchor::merkle::{
    Hash, Tree, consistency_proof_len, inclusion_proof_len, leaf_hash, root_from_inclusion, verify_consistency,
    verify_inclusion,
};

/// Reads bytes off the front of the input, zero-filled past its end.
struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        let take = self.0.len().min(N);
        out[..take].copy_from_slice(&self.0[..take]);
        self.0 = &self.0[take..];
        out
    }

    fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.bytes())
    }

    fn hash(&mut self) -> Hash {
        self.bytes()
    }
}

fn arbitrary_proofs(input: &mut Input<'_>) {
    let (a, b) = (input.u64(), input.u64());
    let (leaf, root1, root2) = (input.hash(), input.hash(), input.hash());
    let proof: Vec<Hash> = input
        .0
        .chunks(32)
        .take(80)
        .map(|c| {
            let mut h = [0u8; 32];
            h[..c.len()].copy_from_slice(c);
            h
        })
        .collect();

    let inclusion = verify_inclusion(&leaf, a, b, &proof, &root1);
    match root_from_inclusion(&leaf, a, b, &proof) {
        Ok(root) => {
            assert_eq!(inclusion.is_ok(), root == root1);
            assert_eq!(inclusion_proof_len(a, b), Some(proof.len()));
        }
        Err(_) => assert!(inclusion.is_err()),
    }
    let consistency = verify_consistency(a, b, &root1, &root2, &proof);
    if consistency.is_ok() {
        assert_eq!(consistency_proof_len(a, b), Some(proof.len()));
    }
}

fn generated_proofs(input: &mut Input<'_>) {
    let [size_lo, size_hi, seed] = input.bytes::<3>();
    let size = 1 + u64::from(u16::from_le_bytes([size_lo, size_hi]) % 300);
    let tree = Tree::from_leaf_hashes((0..size).map(|i| leaf_hash(&[seed, (i >> 8) as u8, i as u8])));
    let (x, y, z, flip) = (input.u64(), input.u64(), input.u64(), input.u64());
    let new_size = 1 + x % size;
    let index = y % new_size;
    let old_size = z % (new_size + 1);
    let root = tree.root_at(new_size).unwrap();
    let leaf = tree.leaf_hash_at(index).unwrap();

    let mut proof = tree.inclusion_proof(index, new_size).unwrap();
    verify_inclusion(&leaf, index, new_size, &proof, &root).unwrap();
    if !proof.is_empty() {
        let bit = (flip % (proof.len() as u64 * 256)) as usize;
        proof[bit / 256][bit % 256 / 8] ^= 1 << (bit % 8);
        assert!(verify_inclusion(&leaf, index, new_size, &proof, &root).is_err());
    }

    let old_root = tree.root_at(old_size).unwrap();
    let mut proof = tree.consistency_proof(old_size, new_size).unwrap();
    verify_consistency(old_size, new_size, &old_root, &root, &proof).unwrap();
    if !proof.is_empty() {
        let bit = (flip % (proof.len() as u64 * 256)) as usize;
        proof[bit / 256][bit % 256 / 8] ^= 1 << (bit % 8);
        assert!(verify_consistency(old_size, new_size, &old_root, &root, &proof).is_err());
    }
}

/// Runs one input; the `merkle_proof` fuzz target and the corpus replay test call this.
pub fn run(data: &[u8]) {
    let Some((mode, rest)) = data.split_first() else {
        return;
    };
    let mut input = Input(rest);
    if mode % 2 == 0 {
        arbitrary_proofs(&mut input);
    } else {
        generated_proofs(&mut input);
    }
}
