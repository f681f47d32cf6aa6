//! Tree head and co-signature parsing and verification on arbitrary strings: must never
//! panic, and whatever verifies must carry a canonical payload.
use std::sync::OnceLock;

use did_core::key::{KeyType, SigningKey, VerifyingKey};
use registry_anchor::merkle::EMPTY_ROOT;
use registry_anchor::tree_head::{Cosignature, SignedTreeHead, TreeHead, UnverifiedTreeHead};

/// The operator key of the seed corpus (P-256 scalar 0x07…07).
fn operator() -> &'static VerifyingKey {
    static KEY: OnceLock<VerifyingKey> = OnceLock::new();
    KEY.get_or_init(|| {
        SigningKey::from_bytes(KeyType::P256, &[7; 32])
            .unwrap()
            .verifying_key()
            .clone()
    })
}

/// The witness key of the seed corpus (Ed25519 seed 0x01…01).
fn witness() -> &'static VerifyingKey {
    static KEY: OnceLock<VerifyingKey> = OnceLock::new();
    KEY.get_or_init(|| {
        SigningKey::from_bytes(KeyType::Ed25519, &[1; 32])
            .unwrap()
            .verifying_key()
            .clone()
    })
}

/// The head the seed corpus's co-signature is over.
fn head() -> &'static SignedTreeHead {
    static HEAD: OnceLock<SignedTreeHead> = OnceLock::new();
    HEAD.get_or_init(|| {
        let key = SigningKey::from_bytes(KeyType::P256, &[7; 32]).unwrap();
        SignedTreeHead::sign(TreeHead::new("did:web:registry.example", 0, EMPTY_ROOT, 1), &key).unwrap()
    })
}

/// Runs one input; the `tree_head` fuzz target and the corpus replay test call this.
pub fn run(data: &[u8]) {
    // A payload that parses is canonical: it serializes back to exactly its bytes.
    if let Ok(parsed) = TreeHead::from_payload(data) {
        assert_eq!(parsed.to_payload().unwrap(), data);
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(unverified) = UnverifiedTreeHead::parse(text) {
        let _ = unverified.kid();
        if let Ok(verified) = unverified.verify(operator()) {
            assert_eq!(verified.head().to_payload().unwrap(), verified.payload());
            assert_eq!(verified.as_compact(), text);
        }
    }
    let _ = SignedTreeHead::verify(text, witness());
    if let Ok(cosignature) = Cosignature::parse(text) {
        let _ = cosignature.verify(head(), witness());
        let _ = cosignature.verify(head(), operator());
    }
}
