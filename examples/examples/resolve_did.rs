//! Resolve a DID: make a did:key and a did:jwk from fresh keys and resolve both with
//! did-core's resolver, printing each DID document.
//!
//! Run it with:
//!
//! ```sh
//! cargo run -p examples --example resolve_did
//! ```
//!
//! did:key and did:jwk need no network: the DID itself carries the public key, so the
//! resolver builds the document from the DID alone.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use did_core::did::DidUrl;
use did_core::document::Relationship;
use did_core::key::{KeyType, SigningKey};
use did_core::resolve::{CompositeResolver, JwkResolver, KeyResolver, Resolver};

#[tokio::main]
async fn main() {
    // One resolver that knows did:key, did:jwk and did:web.
    let resolver = CompositeResolver::with_default_methods();

    println!("Step 1: generate a fresh P-256 key pair.");
    let key = SigningKey::generate(KeyType::P256).unwrap();

    println!("Step 2: turn its public key into a did:key.");
    let did = KeyResolver::did_for(key.verifying_key()).unwrap();
    println!("  DID: {}", did.as_str());

    println!("Step 3: resolve the did:key to its DID document.");
    let result = resolver.resolve_to_result(did.as_str()).await;
    assert!(result.did_resolution_metadata.error.is_none());
    let document = result.did_document.unwrap();
    println!("{}", serde_json::to_string_pretty(&document).unwrap());

    println!("Step 4: find the key a verifier would use for a signature (kid) from this DID.");
    let kid = KeyResolver::key_id_for(key.verifying_key());
    let public = resolver
        .resolve_verifying_key(&DidUrl::parse(&kid).unwrap(), Relationship::AssertionMethod)
        .await
        .unwrap();
    println!("  kid: {kid}");
    println!(
        "  the resolved key is the one we generated: {}",
        public == *key.verifying_key()
    );

    println!("Step 5: do the same with a did:jwk (an Ed25519 key this time).");
    let ed_key = SigningKey::generate(KeyType::Ed25519).unwrap();
    let jwk_did = JwkResolver::did_for(ed_key.verifying_key()).unwrap();
    println!("  DID: {}", jwk_did.as_str());
    let result = resolver.resolve_to_result(jwk_did.as_str()).await;
    assert!(result.did_resolution_metadata.error.is_none());
    println!(
        "{}",
        serde_json::to_string_pretty(&result.did_document.unwrap()).unwrap()
    );

    println!("Step 6: an unknown method is an error with a standard code, not a crash.");
    let result = resolver.resolve_to_result("did:example:123").await;
    println!(
        "  did:example:123 -> error {}",
        result.did_resolution_metadata.error.unwrap_or_default()
    );

    println!("Result: resolved a did:key and a did:jwk.");
}
