//! The RFC 9162 §2.1.1 hash functions and the base64url form of a hash.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest as _, Sha256};

use super::MerkleError;

/// Length in bytes of a SHA-256 hash.
pub const HASH_LEN: usize = 32;

/// A SHA-256 hash: a leaf hash, a node hash or a tree root.
pub type Hash = [u8; HASH_LEN];

/// The root of the empty tree: SHA-256 of the empty string.
pub const EMPTY_ROOT: Hash = [
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41,
    0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
];

/// The hash of a leaf: SHA-256(0x00 ‖ `data`).
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x00]);
    hasher.update(data);
    hasher.finalize().into()
}

/// The hash of an interior node: SHA-256(0x01 ‖ `left` ‖ `right`).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x01]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// The JSON form of a hash: base64url without padding (43 characters).
pub fn encode_hash(hash: &Hash) -> String {
    URL_SAFE_NO_PAD.encode(hash)
}

/// Reads the JSON form of a hash: canonical unpadded base64url of exactly 32 bytes.
pub fn decode_hash(text: &str) -> Result<Hash, MerkleError> {
    // 43 characters encode 32 bytes; refuse anything else before decoding.
    if text.len() != 43 {
        return Err(MerkleError::InvalidHashEncoding);
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| MerkleError::InvalidHashEncoding)?;
    Hash::try_from(bytes.as_slice()).map_err(|_| MerkleError::InvalidHashEncoding)
}
