//! Registry proofs: an in-process did:dojang registry (a node on a temporary folder), a DID
//! registered on it, resolved with proofs (an inclusion proof for each of its operations and
//! a signed tree head), then its key rotated with the pre-committed next key and resolved
//! again. The second tree head is proven consistent with the first.
//!
//! Run it with:
//!
//! ```sh
//! cargo run -p examples --example registry_proofs
//! ```
//!
//! The resolver trusts only the registry operator's public key: every answer the node gives
//! is checked, so a node cannot lie about a DID's document without being caught.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, missing_docs)]

use did_core::key::{KeyType, SigningKey};
use registry_anchor::merkle::encode_hash;
use registry_anchor::node::{NodeConfig, Registry};
use registry_anchor::operation::{self, DocumentChange, KeyCommitment, OperationHash, key_document};
use registry_anchor::resolution::{ResolutionVerifier, VerifiedResolution, check_consistency, default_log_id};
use registry_anchor::tree_head::TreeHead;

fn key() -> SigningKey {
    SigningKey::generate(KeyType::P256).unwrap()
}

/// Prints what a verified resolution proved; returns its tree head and the document's key.
fn show(label: &str, verified: &VerifiedResolution) -> (TreeHead, String) {
    let head = verified.tree_head().head().clone();
    let document = verified.state().document().to_value();
    let key = document["verificationMethod"][0]["publicKeyMultibase"]
        .as_str()
        .unwrap()
        .to_owned();
    println!("  {label}: proofs verified");
    println!(
        "    signed tree head: size {}, root {}",
        head.size,
        encode_hash(&head.root_hash)
    );
    for op in &verified.response().operations {
        println!(
            "    operation at index {} with a {}-hash inclusion proof",
            op.index,
            op.inclusion_proof.len()
        );
    }
    println!("    document key: {key}");
    (head, key)
}

#[tokio::main]
async fn main() {
    println!("Step 1: start a registry node in-process, storing its log in a temporary folder.");
    let dir = std::env::temp_dir().join(format!("dojang-example-registry-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let operator = key();
    let log_id = default_log_id(operator.verifying_key());
    let operator_public = operator.verifying_key().clone();
    let registry = Registry::open(NodeConfig::new(dir.join("log.redb"), log_id.clone(), operator)).unwrap();
    println!("  log id (the operator's key): {log_id}");

    println!("Step 2: a resolver that trusts only the operator's public key and the log id.");
    let resolver = ResolutionVerifier::new(operator_public, log_id);

    println!("Step 3: register a DID. Its update key signs the operation and commits to the next one.");
    let (update_key, next_update_key, after_that) = (key(), key(), key());
    let phone_key = key();
    let create = operation::create(
        &update_key,
        KeyCommitment::of(next_update_key.verifying_key()),
        key_document(phone_key.verifying_key()),
    )
    .unwrap();
    let did = create.did().clone();
    let receipt = registry.submit(create).await.unwrap();
    println!("  DID: {}", did.as_str());

    println!("Step 4: resolve it and check the proofs.");
    // The node answers with the DID's operations, their inclusion proofs and a signed tree head.
    let answer = || registry.resolve(did.as_str()).unwrap();
    let first = resolver.verify(did.as_str(), answer()).unwrap();
    let (head1, _) = show("after create", &first);

    println!("Step 5: the phone is lost: rotate to a new key, signed with the pre-committed next key.");
    let new_phone_key = key();
    let rotate = operation::update(
        &did,
        OperationHash::parse(&receipt.operation_hash).unwrap(),
        &next_update_key,
        KeyCommitment::of(after_that.verifying_key()),
        DocumentChange::Replace(key_document(new_phone_key.verifying_key())),
    )
    .unwrap();
    registry.submit(rotate).await.unwrap();

    println!("Step 6: resolve again.");
    let second = resolver.verify(did.as_str(), answer()).unwrap();
    let (head2, document_key) = show("after rotation", &second);
    let rotated = document_key == new_phone_key.verifying_key().to_multikey();
    println!("  the document now holds the new key: {rotated}");

    println!("Step 7: the new tree head extends the old one (a consistency proof): no history rewritten.");
    let proof: Vec<String> = registry
        .consistency(head1.size, head2.size)
        .unwrap()
        .iter()
        .map(encode_hash)
        .collect();
    let consistent = check_consistency(&head1, &head2, &proof).is_ok();
    println!("  tree head {} -> {}: consistent: {consistent}", head1.size, head2.size);

    println!("Step 8: an answer checked against another operator's key is refused.");
    let stranger = ResolutionVerifier::new(key().verifying_key().clone(), "did:web:other.example");
    let refused = stranger.verify(did.as_str(), answer());
    let code = refused.as_ref().err().map(|e| e.code()).unwrap_or("accepted!");
    println!("  refused: {} ({code})", refused.is_err());

    drop(registry);
    let _ = std::fs::remove_dir_all(&dir);
    if rotated && consistent && refused.is_err() {
        println!("Result: every proof verified before and after the key rotation.");
    } else {
        println!("Result: FAILED");
        std::process::exit(1);
    }
}
