//! The operator key transition of `docs/did-dojang.md` §7.1: the example verifies; a resolver
//! pinned to the old key follows a transition in the log and then verifies heads (and DIDs
//! written after) signed by the new key; one signature, two payloads, another key's or
//! another log's statement, a wrong index or a missing inclusion are refused.

use did_core::key::{Jwk, KeyType, SigningKey, VerifyingKey};
use registry_anchor::merkle::{self, Tree};
use registry_anchor::resolution::{ResolutionVerifier, VerificationError};
use registry_anchor::tree_head::{KeyTransition, SignedTreeHead, TreeHead, TreeHeadError};
use serde_json::Value;

fn vector() -> Value {
    let path = format!("{}/tests/vectors/key-transition.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn public(value: &Value) -> VerifyingKey {
    VerifyingKey::from_jwk(&Jwk::from_json(&value.to_string()).unwrap()).unwrap()
}

#[test]
fn the_spec_example_verifies() {
    let v = vector();
    let (old, new) = (public(&v["operatorKey"]), public(&v["nextOperatorKey"]));
    let log = v["logId"].as_str().unwrap();
    let transition = KeyTransition::verify(v["entry"].as_str().unwrap(), &old, log).unwrap();
    assert_eq!(transition.to(), &new);
    assert_eq!(transition.from(), &old);
    assert_eq!(transition.size(), 4);
    // Checked against the new key as the trusted one, it is refused: it is not from it.
    let refused = KeyTransition::verify(v["entry"].as_str().unwrap(), &new, log);
    assert!(
        matches!(refused, Err(TreeHeadError::WrongOperator { .. })),
        "{refused:?}"
    );
}

#[test]
fn a_statement_short_of_either_signature_or_for_another_log_is_refused() {
    let old = SigningKey::generate(KeyType::P256).unwrap();
    let new = SigningKey::generate(KeyType::P256).unwrap();
    let stranger = SigningKey::generate(KeyType::P256).unwrap();
    let log = "did:web:registry.example";
    let entry = KeyTransition::sign(log, 7, &old, &new).unwrap();
    let (by_old, by_new) = entry.split_once('~').unwrap();
    let verify = |text: &str| KeyTransition::verify(text, old.verifying_key(), log);
    assert!(verify(&entry).is_ok());
    // One signature only: the old key's, or the new key's.
    assert!(matches!(verify(by_old), Err(TreeHeadError::InvalidPayload(_))));
    assert!(matches!(verify(by_new), Err(TreeHeadError::InvalidPayload(_))));
    // The old key twice: the second signature must be the new key's.
    assert!(matches!(
        verify(&format!("{by_old}~{by_old}")),
        Err(TreeHeadError::KidMismatch { .. })
    ));
    // The new key's signature over another payload (another size).
    let other = KeyTransition::sign(log, 8, &old, &new).unwrap();
    let (_, other_new) = other.split_once('~').unwrap();
    assert!(matches!(
        verify(&format!("{by_old}~{other_new}")),
        Err(TreeHeadError::PayloadMismatch)
    ));
    // From a key that is not the one trusted, to the stranger's.
    let forged = KeyTransition::sign(log, 7, &stranger, &new).unwrap();
    assert!(matches!(verify(&forged), Err(TreeHeadError::WrongOperator { .. })));
    // Another log's.
    assert!(matches!(
        KeyTransition::verify(&entry, old.verifying_key(), "did:web:other.example"),
        Err(TreeHeadError::LogMismatch { .. })
    ));
    // The new signature replaced by the stranger's over the same payload.
    let swapped = KeyTransition::sign(log, 7, &old, &stranger).unwrap();
    let (_, stranger_sig) = swapped.split_once('~').unwrap();
    assert!(verify(&format!("{by_old}~{stranger_sig}")).is_err());
    assert!(
        KeyTransition::sign(log, 7, &old, &old).is_err(),
        "a transition needs a new key"
    );
}

#[test]
fn a_resolver_pinned_to_the_old_key_follows_the_transition_and_verifies_the_new_heads() {
    let old = SigningKey::generate(KeyType::P256).unwrap();
    let new = SigningKey::generate(KeyType::P256).unwrap();
    let log = "did:web:registry.example";
    let mut tree = Tree::new();
    for i in 0..4 {
        tree.append_data(format!("operation {i}").as_bytes());
    }
    let before = SignedTreeHead::sign(TreeHead::new(log, tree.size(), tree.root(), 1), &old).unwrap();
    let entry = KeyTransition::sign(log, 4, &old, &new).unwrap();
    tree.append_data(entry.as_bytes());
    tree.append_data(b"operation 5, written after the rotation");
    let after = SignedTreeHead::sign(TreeHead::new(log, tree.size(), tree.root(), 2), &new).unwrap();
    let proof = |index: u64| -> Vec<String> {
        tree.inclusion_proof(index, tree.size())
            .unwrap()
            .iter()
            .map(merkle::encode_hash)
            .collect()
    };

    let pinned = ResolutionVerifier::new(old.verifying_key().clone(), log);
    pinned.verify_tree_head(before.as_compact(), &[]).unwrap();
    // Pinned to the old key, the new head alone is refused ...
    assert!(pinned.verify_tree_head(after.as_compact(), &[]).is_err());
    // ... and accepted after following the transition, proven in it.
    let (followed, transition) = pinned
        .follow_transition(&entry, 4, &proof(4), after.as_compact(), &[])
        .unwrap();
    assert_eq!(transition.to(), new.verifying_key());
    assert_eq!(followed.operator(), new.verifying_key());
    assert_eq!(followed.log_id(), log);
    followed.verify_tree_head(after.as_compact(), &[]).unwrap();
    // The entry written after the rotation is proven against the new head.
    merkle::verify_inclusion(
        &merkle::leaf_hash(b"operation 5, written after the rotation"),
        5,
        tree.size(),
        &tree.inclusion_proof(5, tree.size()).unwrap(),
        &after.head().root_hash,
    )
    .unwrap();

    // At another index than its size, or with another entry's proof, it is refused.
    let misplaced = pinned.follow_transition(&entry, 3, &proof(3), after.as_compact(), &[]);
    assert!(matches!(misplaced, Err(VerificationError::Order(_))), "{misplaced:?}");
    let unproven = pinned.follow_transition(&entry, 4, &proof(3), after.as_compact(), &[]);
    assert!(
        matches!(unproven, Err(VerificationError::Inclusion { .. })),
        "{unproven:?}"
    );
    // A head signed by the old key cannot stand in for the new key's.
    let stale = SignedTreeHead::sign(TreeHead::new(log, tree.size(), tree.root(), 2), &old).unwrap();
    assert!(
        pinned
            .follow_transition(&entry, 4, &proof(4), stale.as_compact(), &[])
            .is_err()
    );
    // A forged transition (the new key's signature only, twice) is refused.
    let (_, by_new) = entry.split_once('~').unwrap();
    let forged = format!("{by_new}~{by_new}");
    assert!(
        pinned
            .follow_transition(&forged, 4, &proof(4), after.as_compact(), &[])
            .is_err()
    );
}
