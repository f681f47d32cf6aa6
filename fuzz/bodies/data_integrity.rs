//! Data Integrity verification of arbitrary bytes against a fixed key, with the static
//! context loader: must never panic, and nothing the fuzzer makes up may verify.
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use did_core::clock::FixedClock;
use did_core::data_integrity::{self, ProofExpectations};
use did_core::key::VerifyingKey;

/// The vc-di-eddsa test key (`z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2`).
fn key() -> &'static VerifyingKey {
    static KEY: OnceLock<VerifyingKey> = OnceLock::new();
    KEY.get_or_init(|| VerifyingKey::from_multikey("z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2").unwrap())
}

/// Runs one input; the `data_integrity` fuzz target and the corpus replay test call this.
pub fn run(data: &[u8]) {
    let Ok(document) = data_integrity::parse_document(data) else {
        return;
    };
    let clock = FixedClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_750_000_000));
    let expected = ProofExpectations::default();
    if let Ok(verified) = data_integrity::verify_with_key(&document, key(), &expected, &clock) {
        // Only documents signed by the vector key verify; the fuzzer cannot forge one,
        // so a success must carry a proof value it found in its seed corpus.
        assert!(!verified.is_empty());
    }
    // Nor the check of the contexts a `relatedResource` pins (digests parsed and computed).
    if let Some(map) = document.as_object() {
        let _ = data_integrity::check_pinned_contexts(map, &data_integrity::StaticLoader);
    }
    // Canonicalization on its own must not panic either.
    let _ = data_integrity::canonicalize_rdfc(&document, &data_integrity::StaticLoader);
    let _ = data_integrity::canonicalize_jcs(&document);
}
