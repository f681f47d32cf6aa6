//! The operation module: a full chain and every rejection rule, each with the error code a
//! node would return.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use did_core::key::{KeyType, SigningKey};
use registry_anchor::operation::{
    self, DidState, DocumentChange, KeyCommitment, MAX_OPERATION_LEN, Operation, OperationError, OperationHash,
    OperationPayload, PatchOperation,
};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256, Sha512};

fn key(key_type: KeyType, label: &str) -> SigningKey {
    let digest = Sha512::digest(label.as_bytes());
    SigningKey::from_bytes(key_type, &digest[..key_type.scalar_len()]).unwrap()
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => panic!("not an object"),
    }
}

fn doc(signing: &SigningKey) -> Map<String, Value> {
    object(json!({
        "verificationMethod": [{
            "id": "#key-1",
            "type": "Multikey",
            "publicKeyMultibase": signing.verifying_key().to_multikey(),
        }],
        "authentication": ["#key-1"],
    }))
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn jwk(key: &SigningKey) -> Value {
    serde_json::to_value(key.verifying_key().to_jwk()).unwrap()
}

fn commit(key: &SigningKey) -> String {
    KeyCommitment::of(key.verifying_key()).to_string()
}

/// Signs arbitrary header and payload bytes (low-S for P-256), for hand-made operations.
fn forge(header: &str, payload: &[u8], key: &SigningKey) -> String {
    let input = format!("{}.{}", b64(header.as_bytes()), b64(payload));
    let mut signature = key.sign_deterministic(input.as_bytes()).unwrap();
    if key.key_type() == KeyType::P256 {
        let sig = p256::ecdsa::Signature::from_slice(&signature).unwrap();
        if let Some(low) = sig.normalize_s() {
            signature = low.to_bytes().to_vec();
        }
    }
    format!("{input}.{}", b64(&signature))
}

fn jcs(value: &Value) -> Vec<u8> {
    serde_json_canonicalizer::to_vec(value).unwrap()
}

const ES256: &str = r#"{"alg":"ES256","typ":"dojang-op+jws"}"#;
const EDDSA: &str = r#"{"alg":"EdDSA","typ":"dojang-op+jws"}"#;

struct Fixture {
    k0: SigningKey,
    k1: SigningKey,
    k2: SigningKey,
    create: Operation,
    state: DidState,
}

fn fixture() -> Fixture {
    let k0 = key(KeyType::P256, "k0");
    let k1 = key(KeyType::P256, "k1");
    let k2 = key(KeyType::Ed25519, "k2");
    let create = operation::create(&k0, KeyCommitment::of(k1.verifying_key()), doc(&k0)).unwrap();
    let state = DidState::create(&create).unwrap();
    Fixture {
        k0,
        k1,
        k2,
        create,
        state,
    }
}

fn patch(value: Value) -> DocumentChange {
    DocumentChange::Patch(PatchOperation::parse_patch(value).unwrap())
}

fn code(result: Result<impl std::fmt::Debug, OperationError>) -> &'static str {
    result.unwrap_err().code()
}

#[test]
fn full_chain_patch_replace_rotate_deactivate() {
    let f = fixture();
    let did = f.state.did().clone();
    assert_eq!(f.state.version(), 1);
    assert_eq!(f.state.document().id, did);
    assert_eq!(f.state.document().verification_method[0].controller, did);
    assert_eq!(f.create.did(), &did);
    assert_eq!(f.create.hash(), &OperationHash::of(f.create.as_str()));
    assert_eq!(
        *f.create.hash().as_bytes(),
        <[u8; 32]>::from(Sha256::digest(f.create.leaf_data()))
    );

    // update 1: JSON Patch adding a service.
    let u1 = operation::update(
        &did,
        *f.state.last_operation(),
        &f.k1,
        KeyCommitment::of(f.k2.verifying_key()),
        patch(json!([
            {"op": "test", "path": "/authentication/0", "value": "#key-1"},
            {"op": "add", "path": "/service", "value": [
                {"id": "#svc", "type": "LinkedDomains", "serviceEndpoint": "https://example.com/"}
            ]},
        ])),
    )
    .unwrap();
    let s1 = f.state.apply(&u1).unwrap();
    assert_eq!(s1.document().service.len(), 1);
    assert_eq!(s1.version(), 2);

    // update 2: whole-document replacement that rotates the document key (signed by Ed25519 k2).
    let k3 = key(KeyType::P384, "k3");
    let new_doc_key = key(KeyType::Ed25519, "doc2");
    let replacement = object(json!({
        "verificationMethod": [{
            "id": "#key-2", "type": "JsonWebKey",
            "publicKeyJwk": jwk(&new_doc_key),
        }],
        "assertionMethod": ["#key-2"],
    }));
    let u2 = operation::update(
        &did,
        *s1.last_operation(),
        &f.k2,
        KeyCommitment::of(k3.verifying_key()),
        DocumentChange::Replace(replacement),
    )
    .unwrap();
    let s2 = s1.apply(&u2).unwrap();
    assert!(s2.document().service.is_empty());
    assert_eq!(
        s2.document().verification_method[0].verifying_key().unwrap(),
        *new_doc_key.verifying_key()
    );

    // update 3: a rotation signed by P-384 k3, then deactivate by k4.
    let k4 = key(KeyType::P256, "k4");
    let u3 = operation::update(
        &did,
        *s2.last_operation(),
        &k3,
        KeyCommitment::of(k4.verifying_key()),
        DocumentChange::Replace(doc(&k4)),
    )
    .unwrap();
    let s3 = s2.apply(&u3).unwrap();
    let d = operation::deactivate(&did, *s3.last_operation(), &k4).unwrap();
    let s4 = s3.apply(&d).unwrap();
    assert!(s4.is_deactivated());
    assert!(s4.document().verification_method.is_empty());
    assert_eq!(s4.next_key_commitment(), None);
    assert_eq!(s4.version(), 5);
    assert_eq!(s4.last_operation(), d.hash());
    assert_eq!(
        s4.operation_hashes(),
        &[*f.create.hash(), *u1.hash(), *u2.hash(), *u3.hash(), *d.hash()]
    );

    // Replaying the whole chain from the wire gives the same state.
    let wire: Vec<Operation> = [&f.create, &u1, &u2, &u3, &d]
        .iter()
        .map(|op| Operation::parse(op.as_str()).unwrap())
        .collect();
    assert_eq!(DidState::replay(&wire).unwrap(), s4);

    // Nothing after deactivate, even signed by a fresh key.
    let after = operation::update(
        &did,
        *s4.last_operation(),
        &key(KeyType::P256, "k5"),
        KeyCommitment::of(f.k0.verifying_key()),
        DocumentChange::Replace(doc(&f.k0)),
    )
    .unwrap();
    assert_eq!(code(s4.apply(&after)), "deactivated");
}

#[test]
fn replay_is_refused() {
    let f = fixture();
    assert_eq!(code(f.state.apply(&f.create)), "replay");
    let u1 = operation::update(
        f.state.did(),
        *f.state.last_operation(),
        &f.k1,
        KeyCommitment::of(f.k2.verifying_key()),
        DocumentChange::Replace(doc(&f.k1)),
    )
    .unwrap();
    let s1 = f.state.apply(&u1).unwrap();
    let err = s1.apply(&u1).unwrap_err();
    assert!(matches!(err, OperationError::Replay { index: 1, .. }), "{err:?}");
}

#[test]
fn fork_and_stale_previous_are_refused() {
    let f = fixture();
    let did = f.state.did().clone();
    let u1 = operation::update(
        &did,
        *f.state.last_operation(),
        &f.k1,
        KeyCommitment::of(f.k2.verifying_key()),
        DocumentChange::Replace(doc(&f.k1)),
    )
    .unwrap();
    let s1 = f.state.apply(&u1).unwrap();
    // A second successor of the create (even validly signed with the committed key): a fork.
    let fork = operation::update(
        &did,
        *f.create.hash(),
        &f.k1,
        KeyCommitment::of(f.k0.verifying_key()),
        DocumentChange::Replace(doc(&f.k0)),
    )
    .unwrap();
    let err = s1.apply(&fork).unwrap_err();
    assert!(matches!(err, OperationError::ForkedChain { index: 0, .. }), "{err:?}");
    // A previous this DID never had.
    let stale = operation::update(
        &did,
        OperationHash::from_bytes([7; 32]),
        &f.k2,
        KeyCommitment::of(f.k0.verifying_key()),
        DocumentChange::Replace(doc(&f.k0)),
    )
    .unwrap();
    assert_eq!(code(s1.apply(&stale)), "stale_previous");
}

#[test]
fn uncommitted_key_is_refused() {
    let f = fixture();
    // k0 signed the create; only k1 is committed to.
    let wrong = operation::update(
        f.state.did(),
        *f.state.last_operation(),
        &f.k2,
        KeyCommitment::of(f.k1.verifying_key()),
        DocumentChange::Replace(doc(&f.k2)),
    )
    .unwrap();
    let err = f.state.apply(&wrong).unwrap_err();
    assert_eq!(err.code(), "key_commitment_mismatch");
    // The document key (k0 is also the document key here) cannot deactivate either.
    let stolen = operation::deactivate(f.state.did(), *f.state.last_operation(), &f.k0).unwrap();
    assert_eq!(code(f.state.apply(&stolen)), "key_commitment_mismatch");
}

#[test]
fn committing_to_the_signing_key_is_refused() {
    let f = fixture();
    let reuse = operation::update(
        f.state.did(),
        *f.state.last_operation(),
        &f.k1,
        KeyCommitment::of(f.k1.verifying_key()),
        DocumentChange::Replace(doc(&f.k1)),
    );
    assert_eq!(code(reuse), "key_reuse");
    assert_eq!(
        code(operation::create(
            &f.k0,
            KeyCommitment::of(f.k0.verifying_key()),
            doc(&f.k0)
        )),
        "key_reuse"
    );
}

#[test]
fn did_mismatch_and_create_rules() {
    let f = fixture();
    let other_key = key(KeyType::P256, "other");
    let other = operation::create(&other_key, KeyCommitment::of(f.k1.verifying_key()), doc(&other_key)).unwrap();
    assert_eq!(code(f.state.apply(&other)), "did_mismatch");
    let other_state = DidState::create(&other).unwrap();
    let u = operation::update(
        other_state.did(),
        *f.state.last_operation(),
        &f.k1,
        KeyCommitment::of(f.k2.verifying_key()),
        DocumentChange::Replace(doc(&f.k1)),
    )
    .unwrap();
    assert_eq!(code(f.state.apply(&u)), "did_mismatch");
    assert_eq!(code(DidState::create(&u)), "expected_create");
    // Same DID, different JWS bytes of the same create payload: not possible for a third
    // party (low-S, canonical), but the signer could; it is a duplicate create.
    let payload = f.create.canonical_payload().to_vec();
    let header = r#"{"typ":"dojang-op+jws","alg":"ES256"}"#;
    let again = Operation::parse(&forge(header, &payload, &f.k0)).unwrap();
    assert_eq!(again.did(), f.state.did());
    assert_eq!(code(f.state.apply(&again)), "duplicate_create");
}

#[test]
fn bad_signatures_are_refused() {
    let f = fixture();
    let jws = f.create.as_str();
    let (input, signature) = jws.rsplit_once('.').unwrap();
    let mut sig = URL_SAFE_NO_PAD.decode(signature).unwrap();
    sig[10] ^= 1;
    assert_eq!(
        code(Operation::parse(&format!("{input}.{}", b64(&sig)))),
        "bad_signature"
    );
    // Signed by another key than the revealed updateKey.
    let payload = f.create.canonical_payload();
    assert_eq!(code(Operation::parse(&forge(ES256, payload, &f.k1))), "bad_signature");
    // Empty and truncated signatures.
    assert_eq!(code(Operation::parse(&format!("{input}."))), "bad_signature");
}

#[test]
fn high_s_signatures_are_refused() {
    let f = fixture();
    let (input, signature) = f.create.as_str().rsplit_once('.').unwrap();
    let sig = p256::ecdsa::Signature::from_slice(&URL_SAFE_NO_PAD.decode(signature).unwrap()).unwrap();
    assert!(sig.normalize_s().is_none(), "the builder signs low-S");
    let (r, s) = sig.split_scalars();
    let high = p256::ecdsa::Signature::from_scalars(r, -*s).unwrap();
    let malleated = format!("{input}.{}", b64(&high.to_bytes()));
    // The malleated signature is mathematically valid...
    f.k0.verifying_key().verify(input.as_bytes(), &high.to_bytes()).unwrap();
    // ...but operations must be low-S.
    assert_eq!(code(Operation::parse(&malleated)), "malleable_signature");
}

#[test]
fn algorithms_are_checked() {
    let f = fixture();
    let payload = f.create.canonical_payload();
    let none = format!("{}.{}.", b64(br#"{"alg":"none","typ":"dojang-op+jws"}"#), b64(payload));
    assert_eq!(code(Operation::parse(&none)), "forbidden_algorithm");
    let hs = forge(r#"{"alg":"HS256","typ":"dojang-op+jws"}"#, payload, &f.k0);
    assert_eq!(code(Operation::parse(&hs)), "forbidden_algorithm");
    // EdDSA header over a P-256 updateKey.
    let mismatch = forge(EDDSA, payload, &f.k2);
    assert_eq!(code(Operation::parse(&mismatch)), "algorithm_mismatch");
    let es384 = forge(
        r#"{"alg":"ES384","typ":"dojang-op+jws"}"#,
        payload,
        &key(KeyType::P384, "x"),
    );
    assert_eq!(code(Operation::parse(&es384)), "algorithm_mismatch");
}

#[test]
fn headers_are_strict() {
    let f = fixture();
    let payload = f.create.canonical_payload();
    for header in [
        r#"{"alg":"ES256"}"#,
        r#"{"alg":"ES256","typ":"JWT"}"#,
        r#"{"alg":"ES256","typ":"application/dojang-op+jws"}"#,
        r#"{"alg":"ES256","typ":"dojang-op+jws","kid":"did:key:z#z"}"#,
        r#"{"alg":"ES256","typ":"dojang-op+jws","jwk":{}}"#,
        r#"{"alg":"ES256","typ":"dojang-op+jws","cty":"json"}"#,
    ] {
        assert_eq!(
            code(Operation::parse(&forge(header, payload, &f.k0))),
            "invalid_header",
            "{header}"
        );
    }
    let duplicate = r#"{"alg":"ES256","typ":"dojang-op+jws","typ":"dojang-op+jws"}"#;
    assert_eq!(
        code(Operation::parse(&forge(duplicate, payload, &f.k0))),
        "malformed_jws"
    );
    assert_eq!(code(Operation::parse("a.b")), "malformed_jws");
}

#[test]
fn non_canonical_payloads_are_refused() {
    let f = fixture();
    let value: Value = serde_json::from_slice(f.create.canonical_payload()).unwrap();
    let pretty = serde_json::to_vec_pretty(&value).unwrap();
    assert_eq!(
        code(Operation::parse(&forge(ES256, &pretty, &f.k0))),
        "non_canonical_payload"
    );
    // Members out of JCS order.
    let mut reordered = String::from("{\"updateKey\":");
    reordered.push_str(&String::from_utf8(jcs(&value["updateKey"])).unwrap());
    for member in ["document", "nextKeyCommitment", "type"] {
        reordered.push_str(&format!(
            ",\"{member}\":{}",
            String::from_utf8(jcs(&value[member])).unwrap()
        ));
    }
    reordered.push('}');
    assert_eq!(
        code(Operation::parse(&forge(ES256, reordered.as_bytes(), &f.k0))),
        "non_canonical_payload"
    );
    // A duplicate member (the last one wins in most parsers).
    let canonical = String::from_utf8(f.create.canonical_payload().to_vec()).unwrap();
    let duplicate = canonical.replacen("{\"document\"", "{\"document\":{},\"document\"", 1);
    assert_eq!(
        code(Operation::parse(&forge(ES256, duplicate.as_bytes(), &f.k0))),
        "non_canonical_payload"
    );
    // Not an object, not JSON.
    assert_eq!(code(Operation::parse(&forge(ES256, b"[1]", &f.k0))), "invalid_json");
    assert_eq!(code(Operation::parse(&forge(ES256, b"{", &f.k0))), "invalid_json");
}

/// Signs a hand-built payload object (JCS) with the key its updateKey names.
fn forge_payload(payload: &Value, key: &SigningKey) -> Result<Operation, OperationError> {
    let header = match key.key_type() {
        KeyType::Ed25519 => EDDSA,
        _ => ES256,
    };
    Operation::parse(&forge(header, &jcs(payload), key))
}

fn create_payload(f: &Fixture) -> Value {
    json!({
        "type": "create",
        "updateKey": jwk(&f.k0),
        "nextKeyCommitment": commit(&f.k1),
        "document": Value::Object(doc(&f.k0)),
    })
}

#[test]
fn payload_members_are_strict() {
    let f = fixture();
    assert!(forge_payload(&create_payload(&f), &f.k0).is_ok());

    let mut unknown_type = create_payload(&f);
    unknown_type["type"] = json!("recover");
    assert_eq!(code(forge_payload(&unknown_type, &f.k0)), "unknown_operation_type");

    let mut extra = create_payload(&f);
    extra["created"] = json!("2026-01-01");
    assert_eq!(code(forge_payload(&extra, &f.k0)), "unknown_member");

    // A create may not carry update members.
    let mut previous = create_payload(&f);
    previous["previous"] = json!(f.create.hash().to_string());
    assert_eq!(code(forge_payload(&previous, &f.k0)), "unknown_member");

    let mut missing = create_payload(&f);
    missing.as_object_mut().unwrap().remove("nextKeyCommitment");
    assert_eq!(code(forge_payload(&missing, &f.k0)), "missing_member");

    let mut short = create_payload(&f);
    short["nextKeyCommitment"] = json!("AAAA");
    assert_eq!(code(forge_payload(&short, &f.k0)), "invalid_member");

    // updateKey with extra members, or a private key.
    let mut kid = create_payload(&f);
    kid["updateKey"]["kid"] = json!("key-0");
    assert_eq!(code(forge_payload(&kid, &f.k0)), "invalid_update_key");
    let mut private = create_payload(&f);
    private["updateKey"] = serde_json::to_value(f.k0.to_jwk()).unwrap();
    assert_eq!(code(forge_payload(&private, &f.k0)), "invalid_update_key");

    // update: both document and patch; neither; a bad DID; a patch op member.
    let update = |extra: Value| {
        let mut value = json!({
            "type": "update",
            "did": f.state.did().as_str(),
            "previous": f.create.hash().to_string(),
            "updateKey": jwk(&f.k1),
            "nextKeyCommitment": commit(&f.k2),
        });
        for (k, v) in extra.as_object().unwrap() {
            value[k] = v.clone();
        }
        forge_payload(&value, &f.k1)
    };
    assert!(update(json!({"document": {}})).is_ok());
    assert_eq!(
        code(update(
            json!({"document": {}, "patch": [{"op": "remove", "path": "/a"}]})
        )),
        "invalid_member"
    );
    assert_eq!(code(update(json!({}))), "missing_member");
    assert_eq!(
        code(update(json!({"document": {}, "did": "did:web:example.com"}))),
        "invalid_did"
    );
    assert_eq!(
        code(update(
            json!({"document": {}, "did": "did:dojang:zQmeqiD2XcYyuNMVGYN2hSPGH2zXhLxQvPqS5K5pb49XY3"})
        )),
        "invalid_did"
    );
    assert_eq!(
        code(update(json!({"patch": [{"op": "remove", "path": "/a", "from": "/b"}]}))),
        "unknown_member"
    );
    assert_eq!(
        code(update(json!({"patch": [{"op": "copy", "path": "/a", "from": "/b"}]}))),
        "unknown_member"
    );
    assert_eq!(
        code(update(json!({"patch": [{"op": "move", "path": "/a"}]}))),
        "invalid_patch"
    );
    assert_eq!(
        code(update(json!({"patch": [{"op": "add", "path": "a", "value": 1}]}))),
        "invalid_patch"
    );
    assert_eq!(
        code(update(json!({"patch": [{"op": "remove", "path": "/a", "value": 1}]}))),
        "invalid_patch"
    );
    assert_eq!(code(update(json!({"patch": []}))), "invalid_member");
}

#[test]
fn oversized_operations_are_refused() {
    let f = fixture();
    let mut big = create_payload(&f);
    big["document"]["alsoKnownAs"] = json!(["https://example.com/".to_owned() + &"a".repeat(MAX_OPERATION_LEN)]);
    let err = forge_payload(&big, &f.k0).unwrap_err();
    assert!(
        matches!(
            err,
            OperationError::TooLarge {
                limit: MAX_OPERATION_LEN,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(code(Operation::parse(&"a".repeat(MAX_OPERATION_LEN + 1))), "too_large");
}

#[test]
fn invalid_documents_are_refused() {
    let f = fixture();
    let create_with = |document: Value| {
        let op = operation::create(&f.k0, KeyCommitment::of(f.k1.verifying_key()), object(document)).unwrap();
        DidState::create(&op)
    };
    let mk = f.k0.verifying_key().to_multikey();
    assert!(create_with(json!({})).is_ok());
    assert_eq!(code(create_with(json!({"id": "did:dojang:zQmx"}))), "document_rule");
    assert_eq!(
        code(create_with(json!({"authentication": ["#nowhere"]}))),
        "invalid_document"
    );
    assert_eq!(
        code(create_with(
            json!({"verificationMethod": [{"id": "#k", "type": "Ed25519VerificationKey2018", "publicKeyBase58": "abc"}]})
        )),
        "document_rule"
    );
    assert_eq!(
        code(create_with(
            json!({"verificationMethod": [{"id": "#k", "type": "JsonWebKey", "publicKeyMultibase": mk}]})
        )),
        "document_rule"
    );
    assert_eq!(
        code(create_with(
            json!({"verificationMethod": [{"id": "did:example:other#k", "type": "Multikey", "publicKeyMultibase": mk}]})
        )),
        "document_rule"
    );
    assert_eq!(
        code(create_with(
            json!({"verificationMethod": [{"id": "#k", "type": "Multikey", "publicKeyMultibase": "zBAD"}]})
        )),
        "invalid_document"
    );
    let private = serde_json::to_value(f.k0.to_jwk()).unwrap();
    assert_eq!(
        code(create_with(
            json!({"verificationMethod": [{"id": "#k", "type": "JsonWebKey", "publicKeyJwk": private}]})
        )),
        "invalid_document"
    );
    assert_eq!(
        code(create_with(json!({"verificationMethod": [
            {"id": "#k", "type": "Multikey", "publicKeyMultibase": mk},
            {"id": "#k", "type": "Multikey", "publicKeyMultibase": mk},
        ]}))),
        "invalid_document"
    );
    assert_eq!(
        code(create_with(json!({"@context": "https://example.com/"}))),
        "invalid_document"
    );
    assert_eq!(
        code(create_with(
            json!({"service": [{"id": "#s", "type": "X", "serviceEndpoint": "not a uri"}]})
        )),
        "invalid_document"
    );

    // An update whose patch breaks the document is refused and leaves the state as it was.
    let broken = operation::update(
        f.state.did(),
        *f.state.last_operation(),
        &f.k1,
        KeyCommitment::of(f.k2.verifying_key()),
        patch(json!([{"op": "remove", "path": "/verificationMethod/0"}])),
    )
    .unwrap();
    let mut state = f.state.clone();
    assert_eq!(code(state.apply_in_place(&broken)), "invalid_document");
    assert_eq!(state, f.state);
}

#[test]
fn patch_semantics() {
    let base = object(json!({"a": [1, 2], "b": {"c~/": true}}));
    let apply = |p: Value| operation::apply_patch(&base, &PatchOperation::parse_patch(p).unwrap());
    assert_eq!(
        Value::Object(apply(json!([{"op": "add", "path": "/a/-", "value": 3}])).unwrap()),
        json!({"a": [1, 2, 3], "b": {"c~/": true}})
    );
    assert_eq!(
        Value::Object(apply(json!([{"op": "add", "path": "/a/0", "value": 0}])).unwrap()),
        json!({"a": [0, 1, 2], "b": {"c~/": true}})
    );
    assert_eq!(
        Value::Object(apply(json!([{"op": "replace", "path": "/b/c~0~1", "value": false}])).unwrap()),
        json!({"a": [1, 2], "b": {"c~/": false}})
    );
    assert_eq!(
        Value::Object(apply(json!([{"op": "remove", "path": "/a/1"}])).unwrap()),
        json!({"a": [1], "b": {"c~/": true}})
    );
    let failed = apply(json!([{"op": "add", "path": "/x", "value": 1}, {"op": "test", "path": "/a/0", "value": 2}]));
    assert!(matches!(failed, Err(OperationError::PatchTestFailed { index: 1 })));
    for bad in [
        json!([{"op": "remove", "path": "/nope"}]),
        json!([{"op": "replace", "path": "/a/2", "value": 1}]),
        json!([{"op": "add", "path": "/a/3", "value": 1}]),
        json!([{"op": "add", "path": "/a/01", "value": 1}]),
        json!([{"op": "add", "path": "/nope/x", "value": 1}]),
        json!([{"op": "remove", "path": ""}]),
        json!([{"op": "remove", "path": "/a/-"}]),
    ] {
        assert_eq!(code(apply(bad.clone())), "invalid_patch", "{bad}");
    }
    assert_eq!(
        code(apply(json!([{"op": "replace", "path": "", "value": []}]))),
        "document_rule"
    );
    assert!(PatchOperation::parse_patch(json!([{"op": "add", "path": "/a~2", "value": 1}])).is_err());
}

#[test]
fn did_syntax() {
    let f = fixture();
    let did = f.state.did().as_str();
    assert!(did.starts_with("did:dojang:zQm"));
    assert_eq!(operation::parse_did(did).unwrap().as_str(), did);
    assert_eq!(
        operation::did_from_create_payload(f.create.canonical_payload())
            .unwrap()
            .as_str(),
        did
    );
    for bad in [
        "did:dojang:",
        "did:dojang:Qm",
        "did:example:zQmeqiD2XcYyuNMVGYN2hSPGH2zXhLxQvPqS5K5pb49XY3q",
        "did:dojang:zQmeqiD2XcYyuNMVGYN2hSPGH2zXhLxQvPqS5K5pb49XY3q#key-1",
        "did:dojang:z0OIl",
        // A sha2-512 (0x13) multihash prefix.
        "did:dojang:z8tZ",
    ] {
        assert_eq!(code(operation::parse_did(bad)), "invalid_did", "{bad}");
    }
}

#[test]
fn commitment_is_the_jwk_thumbprint() {
    for key_type in [KeyType::P256, KeyType::P384, KeyType::Ed25519] {
        let k = key(key_type, "thumb");
        assert_eq!(
            KeyCommitment::of(k.verifying_key()).to_string(),
            k.verifying_key().thumbprint()
        );
    }
}

#[test]
fn builders_need_the_update_key_and_signer_path_works() {
    let f = fixture();
    let payload = f.create.payload().clone();
    assert_eq!(code(operation::sign(&payload, &f.k1)), "signing_failed");
    let op = futures::executor::block_on(operation::sign_with(&payload, &f.k0)).unwrap();
    assert_eq!(op.did(), f.state.did());
    assert!(matches!(op.payload(), OperationPayload::Create(_)));
    // Deterministic: the same inputs give the same bytes.
    assert_eq!(operation::sign(&payload, &f.k0).unwrap(), f.create);
}

#[test]
fn serde_round_trip_verifies() {
    let f = fixture();
    let text = serde_json::to_string(&f.create).unwrap();
    let back: Operation = serde_json::from_str(&text).unwrap();
    assert_eq!(back, f.create);
    let mut tampered = text.clone();
    tampered.insert(tampered.len() - 5, 'A');
    assert!(serde_json::from_str::<Operation>(&tampered).is_err());
}

#[test]
fn error_codes_are_unique() {
    let errors = [
        OperationError::TooLarge { size: 0, limit: 0 },
        OperationError::InvalidHeader(""),
        OperationError::InvalidJson,
        OperationError::NonCanonicalPayload,
        OperationError::UnknownOperationType(String::new()),
        OperationError::MissingMember(""),
        OperationError::KeyReuse,
        OperationError::BadSignature,
        OperationError::MalleableSignature,
        OperationError::ExpectedCreate,
        OperationError::DuplicateCreate,
        OperationError::Deactivated,
        OperationError::DocumentRule(""),
        OperationError::PatchTestFailed { index: 0 },
        OperationError::Replay {
            hash: String::new(),
            index: 0,
        },
        OperationError::StalePrevious {
            previous: String::new(),
            latest: String::new(),
        },
    ];
    let codes: std::collections::HashSet<_> = errors.iter().map(OperationError::code).collect();
    assert_eq!(codes.len(), errors.len());
}
