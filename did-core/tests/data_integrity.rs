//! Data Integrity beyond the vectors: fresh keys for every suite, presentations,
//! proof sets and chains, the JSON-LD safe mode, the loader seam, and time.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use did_core::clock::FixedClock;
use did_core::data_integrity::{
    self, Cryptosuite, DataIntegrityError, DocumentLoader, ProofExpectations, ProofOptions, StaticLoader,
    VerifiedProof, canonicalize_rdfc,
};
use did_core::document::Relationship;
use did_core::key::{KeyType, SigningKey};
use did_core::resolve::KeyResolver;
use serde_json::{Value, json};

fn vector(rel: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors/data-integrity")
        .join(rel);
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn clock() -> FixedClock {
    FixedClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_750_000_000))
}

/// Verifies `document` through did:key resolution at the fixed clock.
async fn verify_did_key(
    document: &Value,
    expected: &ProofExpectations,
) -> Result<Vec<VerifiedProof>, DataIntegrityError> {
    data_integrity::verify(document, &KeyResolver, expected, &clock()).await
}

fn did_key(key: &SigningKey) -> (String, String) {
    let multikey = key.verifying_key().to_multikey();
    (format!("did:key:{multikey}"), format!("did:key:{multikey}#{multikey}"))
}

fn credential(issuer: &str) -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "id": "urn:uuid:1f6a2b3c-0000-4000-8000-000000000001",
        "type": ["VerifiableCredential", "AlumniCredential"],
        "issuer": issuer,
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:alice", "alumniOf": "Example University"}
    })
}

const COMBINATIONS: [(Cryptosuite, KeyType); 6] = [
    (Cryptosuite::EcdsaRdfc2019, KeyType::P256),
    (Cryptosuite::EcdsaRdfc2019, KeyType::P384),
    (Cryptosuite::EcdsaJcs2019, KeyType::P256),
    (Cryptosuite::EcdsaJcs2019, KeyType::P384),
    (Cryptosuite::EddsaRdfc2022, KeyType::Ed25519),
    (Cryptosuite::EddsaJcs2022, KeyType::Ed25519),
];

#[test]
fn round_trip_with_fresh_keys_for_every_suite_and_key_type() {
    for (suite, key_type) in COMBINATIONS {
        let key = SigningKey::generate(key_type).unwrap();
        let (did, vm) = did_key(&key);
        let options = ProofOptions::new(vm.clone()).with_created(clock().now_for_test());
        let signed = data_integrity::sign(&credential(&did), suite, &options, &key).unwrap();
        // Deterministic: signing again gives the same document.
        assert_eq!(
            data_integrity::sign(&credential(&did), suite, &options, &key).unwrap(),
            signed
        );
        let proof_value = signed["proof"]["proofValue"].as_str().unwrap();
        assert!(proof_value.starts_with('z'));
        let verified =
            data_integrity::verify_with_key(&signed, key.verifying_key(), &ProofExpectations::default(), &clock())
                .unwrap_or_else(|e| panic!("{suite} {key_type}: {e}"));
        assert_eq!(verified[0].cryptosuite, suite);
        assert_eq!(verified[0].verification_method, vm);
        let mut tampered = signed.clone();
        tampered["credentialSubject"]["alumniOf"] = "Other University".into();
        assert_eq!(
            data_integrity::verify_with_key(&tampered, key.verifying_key(), &ProofExpectations::default(), &clock())
                .unwrap_err(),
            DataIntegrityError::BadSignature,
            "{suite} {key_type}"
        );
    }
}

trait NowForTest {
    fn now_for_test(&self) -> SystemTime;
}

impl NowForTest for FixedClock {
    fn now_for_test(&self) -> SystemTime {
        did_core::clock::Clock::now(self)
    }
}

#[tokio::test]
async fn verify_resolves_did_key_verification_methods() {
    for (suite, key_type) in COMBINATIONS {
        let key = SigningKey::generate(key_type).unwrap();
        let (did, vm) = did_key(&key);
        let signed = data_integrity::sign(&credential(&did), suite, &ProofOptions::new(vm), &key).unwrap();
        let verified = verify_did_key(&signed, &ProofExpectations::default()).await.unwrap();
        assert_eq!(&verified[0].key, key.verifying_key());
        // The proof names another key than the one that signed.
        let other = SigningKey::generate(key_type).unwrap();
        let (_, other_vm) = did_key(&other);
        let signed = data_integrity::sign(&credential(&did), suite, &ProofOptions::new(other_vm), &key).unwrap();
        let err = verify_did_key(&signed, &ProofExpectations::default())
            .await
            .unwrap_err();
        assert_eq!(err, DataIntegrityError::BadSignature);
    }
}

#[tokio::test]
async fn verification_method_must_be_a_did_url() {
    let key = SigningKey::generate(KeyType::Ed25519).unwrap();
    let signed = data_integrity::sign(
        &credential("did:example:issuer"),
        Cryptosuite::EddsaJcs2022,
        &ProofOptions::new("https://example.com/keys/1"),
        &key,
    )
    .unwrap();
    let err = verify_did_key(&signed, &ProofExpectations::default())
        .await
        .unwrap_err();
    assert!(matches!(err, DataIntegrityError::InvalidVerificationMethod(_)));
}

#[tokio::test]
async fn verifiable_presentation_with_authentication_challenge_and_domain() {
    for (suite, key_type) in COMBINATIONS {
        let key = SigningKey::generate(key_type).unwrap();
        let (did, vm) = did_key(&key);
        let vc = data_integrity::sign(&credential(&did), suite, &ProofOptions::new(vm.clone()), &key).unwrap();
        let vp = json!({
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiablePresentation"],
            "holder": did,
            "verifiableCredential": [vc]
        });
        let options = ProofOptions::new(vm)
            .with_purpose(Relationship::Authentication)
            .with_challenge("nonce-123")
            .with_domain("https://verifier.example");
        let signed = data_integrity::sign(&vp, suite, &options, &key).unwrap();
        let expected = ProofExpectations::authentication("nonce-123", "https://verifier.example");
        verify_did_key(&signed, &expected).await.unwrap();
        // Replayed to another verifier, or with another nonce.
        let err = verify_did_key(
            &signed,
            &ProofExpectations::authentication("nonce-456", "https://verifier.example"),
        )
        .await
        .unwrap_err();
        assert_eq!(err, DataIntegrityError::ChallengeMismatch);
        let err = verify_did_key(
            &signed,
            &ProofExpectations::authentication("nonce-123", "https://evil.example"),
        )
        .await
        .unwrap_err();
        assert_eq!(err, DataIntegrityError::DomainMismatch);
        // An assertion proof is not an authentication proof.
        let err = verify_did_key(&signed, &ProofExpectations::default())
            .await
            .unwrap_err();
        assert!(matches!(err, DataIntegrityError::PurposeMismatch { .. }));
        // The challenge is signed: changing it in the proof breaks the signature.
        let mut tampered = signed.clone();
        tampered["proof"]["challenge"] = "nonce-456".into();
        let err = verify_did_key(
            &tampered,
            &ProofExpectations::authentication("nonce-456", "https://verifier.example"),
        )
        .await
        .unwrap_err();
        assert_eq!(err, DataIntegrityError::BadSignature);
    }
}

#[test]
fn unknown_context_is_refused_offline() {
    let key = SigningKey::generate(KeyType::Ed25519).unwrap();
    let mut doc = credential("did:example:issuer");
    doc["@context"] = json!([
        "https://www.w3.org/ns/credentials/v2",
        "https://example.com/my-context.jsonld"
    ]);
    let err = data_integrity::sign(
        &doc,
        Cryptosuite::EddsaRdfc2022,
        &ProofOptions::new("did:example:issuer#k"),
        &key,
    )
    .unwrap_err();
    assert_eq!(
        err,
        DataIntegrityError::UnknownContext("https://example.com/my-context.jsonld".into())
    );
    // JCS does not process contexts, so it signs.
    data_integrity::sign(
        &doc,
        Cryptosuite::EddsaJcs2022,
        &ProofOptions::new("did:example:issuer#k"),
        &key,
    )
    .unwrap();
}

/// A loader with one extra context, falling back to the static set.
struct ExtraLoader;

impl DocumentLoader for ExtraLoader {
    fn load(&self, url: &str) -> Result<Vec<u8>, DataIntegrityError> {
        if url == "https://example.com/my-context.jsonld" {
            Ok(br#"{"@context": {"nickname": "https://example.com/vocab#nickname"}}"#.to_vec())
        } else {
            StaticLoader.load(url)
        }
    }
}

#[test]
fn a_caller_supplied_loader_adds_contexts() {
    let key = SigningKey::generate(KeyType::P256).unwrap();
    let (did, vm) = did_key(&key);
    let mut doc = credential(&did);
    doc["@context"] = json!([
        "https://www.w3.org/ns/credentials/v2",
        "https://example.com/my-context.jsonld"
    ]);
    doc["type"] = json!(["VerifiableCredential"]);
    doc["credentialSubject"] = json!({"id": "did:example:alice", "nickname": "Al"});
    let signed = data_integrity::sign_with_loader(
        &doc,
        Cryptosuite::EcdsaRdfc2019,
        &ProofOptions::new(vm),
        &key,
        &ExtraLoader,
    )
    .unwrap();
    let canonical = canonicalize_rdfc(&doc, &ExtraLoader).unwrap();
    assert!(canonical.contains("<https://example.com/vocab#nickname> \"Al\""));
    let expected = ProofExpectations::default().with_loader(Arc::new(ExtraLoader));
    data_integrity::verify_with_key(&signed, key.verifying_key(), &expected, &clock()).unwrap();
    // The default (static) loader refuses the same document.
    let err = data_integrity::verify_with_key(&signed, key.verifying_key(), &ProofExpectations::default(), &clock())
        .unwrap_err();
    assert!(matches!(err, DataIntegrityError::UnknownContext(_)));
}

fn rdfc_refuses(doc: &Value) -> DataIntegrityError {
    canonicalize_rdfc(doc, &StaticLoader).unwrap_err()
}

#[test]
fn undefined_term_is_refused_not_dropped() {
    // credentials v2 has no @vocab, so an undefined property would vanish from the quads.
    let mut doc = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": {"id": "did:example:alice", "degree": "PhD"}
    });
    assert_eq!(rdfc_refuses(&doc), DataIntegrityError::UndefinedTerm("degree".into()));
    let key = SigningKey::generate(KeyType::Ed25519).unwrap();
    let err = data_integrity::sign(
        &doc,
        Cryptosuite::EddsaRdfc2022,
        &ProofOptions::new("did:example:issuer#k"),
        &key,
    )
    .unwrap_err();
    assert!(matches!(err, DataIntegrityError::UndefinedTerm(_)));
    // With a vocabulary for it (the undefined-terms context), it is signed.
    doc["@context"] = json!([
        "https://www.w3.org/ns/credentials/v2",
        "https://www.w3.org/ns/credentials/undefined-terms/v2"
    ]);
    let canonical = canonicalize_rdfc(&doc, &StaticLoader).unwrap();
    assert!(canonical.contains("undefined-term#degree"));
}

#[test]
fn undefined_type_with_vocab_null_is_refused() {
    let doc = vector("vc-model/credential-type-unmapped-fail.json");
    assert_eq!(
        rdfc_refuses(&doc),
        DataIntegrityError::UndefinedTerm("ExampleTestCredential".into())
    );
}

#[test]
fn undefined_term_in_a_v1_credential_is_refused() {
    let doc = json!({
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "issuanceDate": "2024-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:alice", "favouriteColour": "blue"}
    });
    assert_eq!(
        rdfc_refuses(&doc),
        DataIntegrityError::UndefinedTerm("favouriteColour".into())
    );
}

#[test]
fn relative_id_is_refused() {
    let doc = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "id": "not-an-absolute-iri",
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": {"id": "did:example:alice", "alumniOf": "X"}
    });
    assert!(matches!(rdfc_refuses(&doc), DataIntegrityError::UndefinedTerm(_)));
}

#[test]
fn keyword_like_keys_and_null_terms_are_refused() {
    let mut doc = credential("did:example:issuer");
    doc["credentialSubject"]["@secret"] = "ignored by JSON-LD".into();
    assert_eq!(rdfc_refuses(&doc), DataIntegrityError::UndefinedTerm("@secret".into()));
    let mut doc = credential("did:example:issuer");
    doc["@context"] = json!([
        "https://www.w3.org/ns/credentials/v2",
        "https://www.w3.org/ns/credentials/examples/v2",
        {"hidden": null}
    ]);
    doc["credentialSubject"]["hidden"] = "dropped by JSON-LD".into();
    assert_eq!(rdfc_refuses(&doc), DataIntegrityError::UndefinedTerm("hidden".into()));
}

#[test]
fn invalid_json_ld_is_a_typed_error() {
    let doc = json!({"@context": {"@version": 2.0}, "@id": "urn:x"});
    assert!(matches!(rdfc_refuses(&doc), DataIntegrityError::JsonLd(_)));
    assert!(matches!(
        rdfc_refuses(&json!({"@context": 5})),
        DataIntegrityError::JsonLd(_) | DataIntegrityError::InvalidJson(_)
    ));
}

#[test]
fn expiry_is_checked_against_the_injected_clock() {
    let key = SigningKey::generate(KeyType::Ed25519).unwrap();
    let (did, vm) = did_key(&key);
    let now = clock().now_for_test();
    let options = ProofOptions::new(vm)
        .with_created(now)
        .with_expires(now + Duration::from_secs(3600));
    let signed = data_integrity::sign(&credential(&did), Cryptosuite::EddsaRdfc2022, &options, &key).unwrap();
    let later = FixedClock::new(now + Duration::from_secs(1800));
    data_integrity::verify_with_key(&signed, key.verifying_key(), &ProofExpectations::default(), &later).unwrap();
    later.advance(Duration::from_secs(3600));
    assert_eq!(
        data_integrity::verify_with_key(&signed, key.verifying_key(), &ProofExpectations::default(), &later)
            .unwrap_err(),
        DataIntegrityError::Expired
    );
}

#[test]
fn created_and_expires_must_be_date_time_stamps() {
    let key = SigningKey::generate(KeyType::Ed25519).unwrap();
    let (did, vm) = did_key(&key);
    for bad in [
        "2024-01-01",
        "2024-01-01T00:00:00",
        "2024-01-01t00:00:00Z",
        "yesterday",
        "2024-13-01T00:00:00Z",
    ] {
        let mut options = ProofOptions::new(vm.clone());
        options.created = Some(bad.into());
        let err = data_integrity::sign(&credential(&did), Cryptosuite::EddsaJcs2022, &options, &key).unwrap_err();
        assert!(
            matches!(err, DataIntegrityError::InvalidDateTime { field: "created", .. }),
            "{bad}"
        );
        let mut signed = data_integrity::sign(
            &credential(&did),
            Cryptosuite::EddsaJcs2022,
            &ProofOptions::new(vm.clone()),
            &key,
        )
        .unwrap();
        signed["proof"]["expires"] = bad.into();
        let err =
            data_integrity::verify_with_key(&signed, key.verifying_key(), &ProofExpectations::default(), &clock())
                .unwrap_err();
        assert!(
            matches!(err, DataIntegrityError::InvalidDateTime { field: "expires", .. }),
            "{bad}"
        );
    }
    let mut options = ProofOptions::new(vm);
    options.created = Some("2024-01-01T00:00:00.123+02:00".into());
    data_integrity::sign(&credential(&did), Cryptosuite::EddsaJcs2022, &options, &key).unwrap();
}

#[test]
fn malformed_proofs_are_typed_errors() {
    let key = SigningKey::generate(KeyType::Ed25519).unwrap();
    let (did, vm) = did_key(&key);
    let signed = data_integrity::sign(
        &credential(&did),
        Cryptosuite::EddsaJcs2022,
        &ProofOptions::new(vm),
        &key,
    )
    .unwrap();
    let expect = |doc: &Value| {
        data_integrity::verify_with_key(doc, key.verifying_key(), &ProofExpectations::default(), &clock()).unwrap_err()
    };
    let mut doc = signed.clone();
    doc.as_object_mut().unwrap().remove("proof");
    assert_eq!(expect(&doc), DataIntegrityError::MissingProof);
    doc["proof"] = json!([]);
    assert_eq!(expect(&doc), DataIntegrityError::MissingProof);
    doc["proof"] = json!("z123");
    assert!(matches!(expect(&doc), DataIntegrityError::MalformedProof(_)));
    let mut doc = signed.clone();
    doc["proof"]["type"] = "Ed25519Signature2020".into();
    assert!(matches!(expect(&doc), DataIntegrityError::UnsupportedProofType(_)));
    let mut doc = signed.clone();
    doc["proof"]["cryptosuite"] = "ecdsa-sd-2023".into();
    assert!(matches!(expect(&doc), DataIntegrityError::UnsupportedCryptosuite(_)));
    let mut doc = signed.clone();
    doc["proof"]["proofValue"] = "uAAAA".into();
    assert!(matches!(expect(&doc), DataIntegrityError::InvalidProofValue(_)));
    let mut doc = signed.clone();
    doc["proof"]["proofValue"] = "z1111".into();
    assert_eq!(expect(&doc), DataIntegrityError::BadSignature);
    let mut doc = signed.clone();
    doc["proof"].as_object_mut().unwrap().remove("proofValue");
    assert_eq!(expect(&doc), DataIntegrityError::MalformedProof("proofValue"));
    let mut doc = signed.clone();
    doc["proof"]["verificationMethod"] = json!(5);
    assert_eq!(expect(&doc), DataIntegrityError::MalformedProof("verificationMethod"));
    assert!(matches!(expect(&json!([1, 2])), DataIntegrityError::InvalidDocument(_)));
}

#[test]
fn proof_sets_verify_each_proof() {
    let ed = SigningKey::generate(KeyType::Ed25519).unwrap();
    let p256 = SigningKey::generate(KeyType::P256).unwrap();
    let (did, ed_vm) = did_key(&ed);
    let (_, p_vm) = did_key(&p256);
    let once = data_integrity::sign(
        &credential(&did),
        Cryptosuite::EddsaRdfc2022,
        &ProofOptions::new(ed_vm),
        &ed,
    )
    .unwrap();
    let twice = data_integrity::sign(&once, Cryptosuite::EcdsaJcs2019, &ProofOptions::new(p_vm), &p256).unwrap();
    assert_eq!(twice["proof"].as_array().unwrap().len(), 2);
    let results =
        data_integrity::verify_each_with_key(&twice, ed.verifying_key(), &ProofExpectations::default(), &clock())
            .unwrap();
    assert!(results[0].is_ok());
    assert!(matches!(results[1], Err(DataIntegrityError::KeyTypeMismatch { .. })));
    let results =
        data_integrity::verify_each_with_key(&twice, p256.verifying_key(), &ProofExpectations::default(), &clock())
            .unwrap();
    assert!(results[0].is_err());
    assert!(results[1].is_ok());
    // Tampering with the document breaks both.
    let mut tampered = twice.clone();
    tampered["issuer"] = "did:example:mallory".into();
    let results =
        data_integrity::verify_each_with_key(&tampered, p256.verifying_key(), &ProofExpectations::default(), &clock())
            .unwrap();
    assert_eq!(results[1], Err(DataIntegrityError::BadSignature));
}

#[tokio::test]
async fn vc_di_eddsa_proof_sets_and_chains_verify() {
    for file in [
        "signedProofSet1.json",
        "signedProofSet2.json",
        "signedProofChain1.json",
        "signedProofChain2.json",
    ] {
        let doc = vector(&format!("vc-di-eddsa/proof-set-chain/{file}"));
        let verified = verify_did_key(&doc, &ProofExpectations::default())
            .await
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(!verified.is_empty());
    }
    // Dropping a proof that a later one chains to breaks the chain.
    let mut doc = vector("vc-di-eddsa/proof-set-chain/signedProofChain2.json");
    doc["proof"].as_array_mut().unwrap().remove(2);
    let results = data_integrity::verify_each(&doc, &KeyResolver, &ProofExpectations::default(), &clock())
        .await
        .unwrap();
    assert!(matches!(results[2], Err(DataIntegrityError::PreviousProofNotFound(_))));
    // Changing a proof that a later one covers breaks the later one only.
    let mut doc = vector("vc-di-eddsa/proof-set-chain/signedProofChain2.json");
    doc["proof"][2]["created"] = "2023-02-26T22:06:39Z".into();
    let results = data_integrity::verify_each(&doc, &KeyResolver, &ProofExpectations::default(), &clock())
        .await
        .unwrap();
    assert!(results[0].is_ok() && results[1].is_ok());
    assert_eq!(results[2], Err(DataIntegrityError::BadSignature));
    assert_eq!(results[3], Err(DataIntegrityError::BadSignature));
}

#[test]
fn signing_a_chain_reproduces_the_vector() {
    let pairs = vector("vc-di-eddsa/proof-set-chain/multiKeyPairs.json");
    let key = SigningKey::from_multikey(pairs["keyPair4"]["privateKeyMultibase"].as_str().unwrap()).unwrap();
    let config = vector("vc-di-eddsa/proof-set-chain/proofChainConfig2.json");
    let mut options = ProofOptions::new(config["verificationMethod"].as_str().unwrap());
    options.created = Some(config["created"].as_str().unwrap().into());
    options.previous_proof = vec![config["previousProof"].as_str().unwrap().into()];
    let mut input = vector("vc-di-eddsa/proof-set-chain/signedProofChain2.json");
    input["proof"].as_array_mut().unwrap().pop();
    let signed = data_integrity::sign(&input, Cryptosuite::EddsaRdfc2022, &options, &key).unwrap();
    assert_eq!(signed, vector("vc-di-eddsa/proof-set-chain/signedProofChain2.json"));
}

#[tokio::test]
async fn an_async_signer_signs() {
    let key = SigningKey::generate(KeyType::P384).unwrap();
    let (did, vm) = did_key(&key);
    let signed = data_integrity::sign_with_signer(
        &credential(&did),
        Cryptosuite::EcdsaRdfc2019,
        &ProofOptions::new(vm),
        &key,
        &StaticLoader,
    )
    .await
    .unwrap();
    verify_did_key(&signed, &ProofExpectations::default()).await.unwrap();
}

#[test]
fn parse_document_refuses_duplicates_and_oversize() {
    assert!(matches!(
        data_integrity::parse_document(br#"{"proof": 1, "proof": 2}"#),
        Err(DataIntegrityError::InvalidJson(_))
    ));
    let big = vec![b' '; data_integrity::MAX_DOCUMENT_BYTES + 1];
    assert!(matches!(
        data_integrity::parse_document(&big),
        Err(DataIntegrityError::TooLarge { .. })
    ));
    assert!(data_integrity::parse_document(br#"{"a": [1, {"b": null}]}"#).is_ok());
}

#[test]
fn too_many_contexts_are_refused() {
    /// Serves a chain of contexts, each importing the next.
    struct Endless;
    impl DocumentLoader for Endless {
        fn load(&self, url: &str) -> Result<Vec<u8>, DataIntegrityError> {
            let n: u32 = url.rsplit('/').next().unwrap().parse().unwrap();
            Ok(format!(r#"{{"@context": {{"@import": "https://example.com/{}"}}}}"#, n + 1).into_bytes())
        }
    }
    let doc = json!({"@context": "https://example.com/0", "@id": "urn:x"});
    assert!(matches!(
        canonicalize_rdfc(&doc, &Endless),
        Err(DataIntegrityError::TooLarge { .. })
    ));
}

/// Found by the `data_integrity` fuzz target: a percent-escape that decodes to invalid UTF-8
/// in an IRI made the JSON-LD processor's IRI library panic. It is a typed refusal now.
#[test]
fn an_iri_with_a_non_utf8_percent_escape_is_refused_not_a_panic() {
    let key = did_core::key::SigningKey::generate(did_core::key::KeyType::P256).unwrap();
    let mut document = serde_json::json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:58172aac-d8ba-11ed%83dd-0b3aef56cc33",
        "type": ["VerifiableCredential"],
        "issuer": "https://vc.example/issuers/5678",
        "credentialSubject": {"id": "did:example:abcdefgh", "name": "50% off %zz"}
    });
    let options = did_core::data_integrity::ProofOptions::new("did:example:issuer#key-1");
    let suite = did_core::data_integrity::Cryptosuite::EcdsaRdfc2019;
    let refused = did_core::data_integrity::sign(&document, suite, &options, &key);
    assert!(
        matches!(
            refused,
            Err(did_core::data_integrity::DataIntegrityError::InvalidDocument(_))
        ),
        "{refused:?}"
    );
    // Text with a '%' is fine.
    document["id"] = serde_json::json!("urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33");
    did_core::data_integrity::sign(&document, suite, &options, &key).unwrap();
}
