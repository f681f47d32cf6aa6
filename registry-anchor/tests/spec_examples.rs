//! The examples of `docs/did-dojang.md` are the files under `tests/vectors/`: this test rebuilds
//! them from fixed keys with deterministic signatures, checks the files are exactly what the
//! code produces, replays them, and checks the spec quotes every file verbatim.
//!
//! Regenerate after a deliberate format change:
//! `DOJANG_REGENERATE_VECTORS=1 cargo test -p registry-anchor --test integration regenerate_vectors`
//! (an environment variable, not `#[ignore]`: `./scripts/test` runs the ignored system tests,
//! and must never rewrite the vectors).

use std::path::{Path, PathBuf};

use did_core::key::{KeyType, SigningKey};
use did_core::resolve::KeyResolver;
use registry_anchor::merkle::{self, Tree};
use registry_anchor::operation::{
    self, DidState, DocumentChange, KeyCommitment, Operation, OperationPayload, PatchOperation,
};
use registry_anchor::resolution::{
    Resolution, ResolutionMetadata, ResolutionVerifier, ResolvedOperation, parse_registry_key,
};
use registry_anchor::tree_head::{KeyTransition, SignedTreeHead, TreeHead};
use serde_json::{Value, json};
use sha2::{Digest, Sha512};

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

fn spec_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/did-dojang.md")
}

/// A fixed example key: the first bytes of SHA-512 of its label.
fn example_key(key_type: KeyType, label: &str) -> SigningKey {
    let digest = Sha512::digest(label.as_bytes());
    SigningKey::from_bytes(key_type, &digest[..key_type.scalar_len()]).unwrap()
}

fn object(value: Value) -> serde_json::Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => panic!("not an object"),
    }
}

fn pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap();
    text.push('\n');
    text
}

fn operation_vector(op: &Operation, state: &DidState) -> Value {
    let payload: Value = serde_json::from_slice(op.canonical_payload()).unwrap();
    json!({
        "payload": payload,
        "operation": op.as_str(),
        "operationHash": op.hash().to_string(),
        "did": state.did().as_str(),
        "didDocument": state.document().to_value(),
        "didDocumentMetadata": {
            "versionId": state.last_operation().to_string(),
            "deactivated": state.is_deactivated(),
        },
    })
}

/// Every example file, name and content, as the code produces them.
fn generate() -> Vec<(&'static str, String)> {
    let update0 = example_key(KeyType::P256, "did:dojang example update key 0");
    let update1 = example_key(KeyType::P256, "did:dojang example update key 1");
    let update2 = example_key(KeyType::Ed25519, "did:dojang example update key 2");
    let update3 = example_key(KeyType::P256, "did:dojang example update key 3");
    let signing1 = example_key(KeyType::P256, "did:dojang example document key 1");
    let signing2 = example_key(KeyType::Ed25519, "did:dojang example document key 2");

    let keys = json!({
        "updateKey0": serde_json::to_value(update0.to_jwk()).unwrap(),
        "updateKey1": serde_json::to_value(update1.to_jwk()).unwrap(),
        "updateKey2": serde_json::to_value(update2.to_jwk()).unwrap(),
        "updateKey3": serde_json::to_value(update3.to_jwk()).unwrap(),
        "documentKey1": serde_json::to_value(signing1.to_jwk()).unwrap(),
        "documentKey2": serde_json::to_value(signing2.to_jwk()).unwrap(),
    });

    let document = object(json!({
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "verificationMethod": [{
            "id": "#key-1",
            "type": "Multikey",
            "publicKeyMultibase": signing1.verifying_key().to_multikey(),
        }],
        "authentication": ["#key-1"],
        "assertionMethod": ["#key-1"],
    }));
    let create = operation::create(&update0, KeyCommitment::of(update1.verifying_key()), document).unwrap();
    let state0 = DidState::create(&create).unwrap();
    let did = state0.did().clone();

    let patch = PatchOperation::parse_patch(json!([
        {"op": "add", "path": "/service", "value": [{
            "id": "#registry",
            "type": "LinkedDomains",
            "serviceEndpoint": "https://registry.example.go.kr/",
        }]},
    ]))
    .unwrap();
    let update_patch = operation::update(
        &did,
        *state0.last_operation(),
        &update1,
        KeyCommitment::of(update2.verifying_key()),
        DocumentChange::Patch(patch),
    )
    .unwrap();
    let state1 = state0.apply(&update_patch).unwrap();

    let rotated = object(json!({
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/jwk/v1"],
        "verificationMethod": [{
            "id": "#key-2",
            "type": "JsonWebKey",
            "publicKeyJwk": serde_json::to_value(signing2.verifying_key().to_jwk()).unwrap(),
        }],
        "authentication": ["#key-2"],
        "assertionMethod": ["#key-2"],
        "service": state1.content()["service"].clone(),
    }));
    let update_replace = operation::update(
        &did,
        *state1.last_operation(),
        &update2,
        KeyCommitment::of(update3.verifying_key()),
        DocumentChange::Replace(rotated),
    )
    .unwrap();
    let state2 = state1.apply(&update_replace).unwrap();

    let deactivate = operation::deactivate(&did, *state2.last_operation(), &update3).unwrap();
    let state3 = state2.apply(&deactivate).unwrap();

    let chain = [&create, &update_patch, &update_replace, &deactivate];
    let resolution = resolution_vector(&chain, &state3);

    vec![
        ("keys.json", pretty(&keys)),
        ("create.json", pretty(&operation_vector(&create, &state0))),
        ("update-patch.json", pretty(&operation_vector(&update_patch, &state1))),
        (
            "update-replace.json",
            pretty(&operation_vector(&update_replace, &state2)),
        ),
        ("deactivate.json", pretty(&operation_vector(&deactivate, &state3))),
        ("resolution.json", pretty(&resolution)),
        ("key-transition.json", pretty(&key_transition_vector())),
    ]
}

/// The example log (four entries) handed from the example operator key to the next one: the
/// transition is entry 4, and the head of five entries is signed by the new key.
fn key_transition_vector() -> Value {
    let operator = example_key(KeyType::P256, "did:dojang example operator key");
    let next = example_key(KeyType::P256, "did:dojang example next operator key");
    let log_id = KeyResolver::did_for(operator.verifying_key())
        .unwrap()
        .as_str()
        .to_owned();
    let entry = KeyTransition::sign(&log_id, 4, &operator, &next).unwrap();
    let payload = entry.split('.').nth(1).unwrap();
    use base64::Engine as _;
    let payload: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    json!({
        "logId": log_id,
        "operatorKey": serde_json::to_value(operator.verifying_key().to_jwk()).unwrap(),
        "nextOperatorKey": serde_json::to_value(next.verifying_key().to_jwk()).unwrap(),
        "payload": payload,
        "entry": entry,
    })
}

/// A log holding exactly `chain` (indexes 0..), its head signed by the example operator key at
/// 2026-01-01T00:00:00Z, and the resolution answer a node gives for the DID.
fn resolution_vector(chain: &[&Operation], state: &DidState) -> Value {
    let operator = example_key(KeyType::P256, "did:dojang example operator key");
    let log_id = KeyResolver::did_for(operator.verifying_key())
        .unwrap()
        .as_str()
        .to_owned();
    let mut tree = Tree::new();
    for op in chain {
        tree.append(merkle::leaf_hash(op.as_str().as_bytes()));
    }
    let head = TreeHead::new(log_id.clone(), tree.size(), tree.root(), 1_767_225_600_000);
    let head = SignedTreeHead::sign(head, &operator).unwrap();
    let operations = chain
        .iter()
        .zip(0u64..)
        .map(|(op, index)| ResolvedOperation {
            index,
            operation: op.as_str().to_owned(),
            inclusion_proof: tree
                .inclusion_proof(index, tree.size())
                .unwrap()
                .iter()
                .map(merkle::encode_hash)
                .collect(),
        })
        .collect();
    let resolution = Resolution {
        did_document: serde_json::to_value(state.document()).unwrap(),
        did_document_metadata: ResolutionMetadata {
            version_id: state.last_operation().to_string(),
            updated: Some("2026-01-01T00:00:00Z".into()),
            deactivated: state.is_deactivated(),
        },
        operations,
        tree_head: head.as_compact().to_owned(),
        cosignatures: Vec::new(),
    };
    json!({
        "operatorKey": serde_json::to_value(operator.verifying_key().to_jwk()).unwrap(),
        "logId": log_id,
        "treeHead": serde_json::from_slice::<Value>(head.payload()).unwrap(),
        "resolution": resolution,
    })
}

/// The resolution example verifies the way §10 says a resolver checks it.
#[test]
fn resolution_vector_verifies() {
    let vector = read_vector("resolution.json");
    let operator = parse_registry_key(&vector["operatorKey"].to_string()).unwrap();
    let verifier = ResolutionVerifier::new(operator, vector["logId"].as_str().unwrap());
    let resolution: Resolution = serde_json::from_value(vector["resolution"].clone()).unwrap();
    let did = read_vector("create.json")["did"].as_str().unwrap().to_owned();
    let verified = verifier.verify(&did, resolution.clone()).unwrap();
    assert!(verified.state().is_deactivated());
    assert_eq!(verified.tree_head().head().size, 4);
    // One changed bit in one proof, and it no longer verifies.
    let mut tampered = resolution;
    let proof = &mut tampered.operations[2].inclusion_proof[0];
    let flipped = if proof.starts_with('A') { "B" } else { "A" };
    proof.replace_range(0..1, flipped);
    assert_eq!(verifier.verify(&did, tampered).unwrap_err().code(), "inclusion");
}

/// Writes `tests/vectors/` when `DOJANG_REGENERATE_VECTORS=1`; otherwise does nothing.
#[test]
fn regenerate_vectors() {
    if std::env::var("DOJANG_REGENERATE_VECTORS").as_deref() != Ok("1") {
        return;
    }
    std::fs::create_dir_all(vectors_dir()).unwrap();
    for (name, content) in generate() {
        std::fs::write(vectors_dir().join(name), content).unwrap();
    }
}

#[test]
fn vector_files_are_what_the_code_produces() {
    for (name, content) in generate() {
        let stored = std::fs::read_to_string(vectors_dir().join(name)).unwrap();
        assert_eq!(stored, content, "{name} differs from what the code produces");
    }
}

fn read_vector(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(vectors_dir().join(name)).unwrap()).unwrap()
}

/// Replays the stored operations with nothing but the verifier: DID, hashes, documents and
/// metadata in each file must be what replaying gives.
#[test]
fn vectors_replay() {
    let mut state: Option<DidState> = None;
    for name in [
        "create.json",
        "update-patch.json",
        "update-replace.json",
        "deactivate.json",
    ] {
        let vector = read_vector(name);
        let op = Operation::parse(vector["operation"].as_str().unwrap()).unwrap();
        assert_eq!(op.hash().to_string(), vector["operationHash"], "{name}");
        assert_eq!(op.payload().to_value(), vector["payload"], "{name}");
        assert_eq!(
            op.canonical_payload(),
            serde_json_canonicalizer::to_vec(&vector["payload"]).unwrap()
        );
        let next = match &state {
            None => DidState::create(&op).unwrap(),
            Some(state) => state.apply(&op).unwrap(),
        };
        assert_eq!(next.did().as_str(), vector["did"], "{name}");
        assert_eq!(next.document().to_value(), vector["didDocument"], "{name}");
        assert_eq!(
            next.last_operation().to_string(),
            vector["didDocumentMetadata"]["versionId"]
        );
        assert_eq!(next.is_deactivated(), vector["didDocumentMetadata"]["deactivated"]);
        state = Some(next);
    }
    let state = state.unwrap();
    assert!(state.is_deactivated());
    assert_eq!(state.version(), 4);
}

/// The create example's DID is the multihash of its canonical payload, and every revealed
/// update key hashes to the commitment made one operation earlier.
#[test]
fn vectors_show_derivation_and_pre_rotation() {
    let keys = read_vector("keys.json");
    let create = Operation::parse(read_vector("create.json")["operation"].as_str().unwrap()).unwrap();
    let did = operation::did_from_create_payload(create.canonical_payload()).unwrap();
    assert_eq!(did.as_str(), read_vector("create.json")["did"]);
    let mut previous_commitment = None;
    for (name, key) in [
        ("create.json", "updateKey0"),
        ("update-patch.json", "updateKey1"),
        ("update-replace.json", "updateKey2"),
        ("deactivate.json", "updateKey3"),
    ] {
        let op = Operation::parse(read_vector(name)["operation"].as_str().unwrap()).unwrap();
        let jwk = did_core::key::Jwk::from_json(&keys[key].to_string()).unwrap();
        let signing = SigningKey::from_jwk(&jwk).unwrap();
        assert_eq!(op.payload().update_key(), signing.verifying_key(), "{name}");
        if let Some(commitment) = previous_commitment {
            assert!(KeyCommitment::matches(&commitment, signing.verifying_key()), "{name}");
        }
        previous_commitment = match op.payload() {
            OperationPayload::Create(p) => Some(p.next_key_commitment),
            OperationPayload::Update(p) => Some(p.next_key_commitment),
            _ => None,
        };
    }
}

/// Every vector file appears verbatim in the spec (inside a code block).
#[test]
fn spec_quotes_every_vector_verbatim() {
    let spec = std::fs::read_to_string(spec_path()).unwrap();
    for (name, _) in generate() {
        let stored = std::fs::read_to_string(vectors_dir().join(name)).unwrap();
        assert!(
            spec.contains(stored.trim_end()),
            "docs/did-dojang.md does not quote tests/vectors/{name}"
        );
        assert!(
            spec.contains(&format!("tests/vectors/{name}")),
            "docs/did-dojang.md does not name {name}"
        );
    }
}
