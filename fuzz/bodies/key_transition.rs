//! Operator key transitions (docs/did-dojang.md §7.1) on arbitrary strings: must never panic,
//! and whatever verifies is from the trusted key, to another, for this log.
use std::sync::OnceLock;

use did_core::key::{KeyType, SigningKey};
use registry_anchor::tree_head::KeyTransition;

/// The log of the seed corpus.
pub const LOG: &str = "did:web:registry.example";

/// The operator key of the seed corpus (P-256 scalar 0x07…07) and the next one (0x08…08).
pub fn keys() -> &'static (SigningKey, SigningKey) {
    static KEYS: OnceLock<(SigningKey, SigningKey)> = OnceLock::new();
    KEYS.get_or_init(|| {
        (
            SigningKey::from_bytes(KeyType::P256, &[7; 32]).unwrap(),
            SigningKey::from_bytes(KeyType::P256, &[8; 32]).unwrap(),
        )
    })
}

/// Runs one input; the `key_transition` fuzz target and the corpus replay test call this.
pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (old, _) = keys();
    if let Ok(transition) = KeyTransition::verify(text, old.verifying_key(), LOG) {
        assert_eq!(transition.from(), old.verifying_key());
        assert_ne!(transition.to(), old.verifying_key());
        assert_eq!(transition.log(), LOG);
    }
}
