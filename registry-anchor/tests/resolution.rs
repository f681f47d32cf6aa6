//! Checking resolution answers (`docs/did-dojang.md` §10) and the did:dojang client: honest
//! answers verify, every kind of tampering is refused with its reason, forks are caught by
//! consistency with the head seen before, and offline snapshots verify on import.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use did_core::clock::FixedClock;
use did_core::did::Did;
use did_core::key::{KeyType, SigningKey};
use did_core::resolve::{ResolutionError, ResolutionOptions, Resolver};
use registry_anchor::client::{RegistryResolver, Snapshot};
use registry_anchor::merkle;
use registry_anchor::node::{NodeConfig, Registry};
use registry_anchor::operation::{self, DocumentChange, KeyCommitment, Operation, PatchOperation};
use registry_anchor::resolution::{Resolution, ResolutionVerifier, VerificationError};
use registry_anchor::tree_head::{Cosignature, SignedTreeHead, Witness, WitnessPolicy};
use serde_json::{Value, json};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn temp_store(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("dojang-resolution-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("log.redb")
}

fn key() -> SigningKey {
    SigningKey::generate(KeyType::P256).unwrap()
}

fn copy(key: &SigningKey) -> SigningKey {
    SigningKey::from_jwk(&key.to_jwk()).unwrap()
}

fn document(key: &SigningKey) -> serde_json::Map<String, Value> {
    match json!({
        "verificationMethod": [{"id": "#key-1", "type": "Multikey", "publicKeyMultibase": key.verifying_key().to_multikey()}],
        "assertionMethod": ["#key-1"],
    }) {
        Value::Object(map) => map,
        _ => unreachable!(),
    }
}

/// An in-process node holding: `alice` (created, patched, updated), `bob` (created) and
/// `carol` (created, deactivated), plus `extra` unrelated DIDs.
struct Log {
    registry: Arc<Registry>,
    operator: SigningKey,
    log_id: String,
    alice: String,
    bob: String,
    carol: String,
}

async fn submit(registry: &Registry, op: Operation) -> String {
    registry.submit(op).await.unwrap().operation_hash
}

async fn build_log(name: &str, operator: SigningKey, extra: usize) -> Log {
    let log_id = "did:web:registry.example".to_owned();
    let registry =
        Arc::new(Registry::open(NodeConfig::new(temp_store(name), log_id.clone(), copy(&operator))).unwrap());
    for _ in 0..extra {
        let k = key();
        registry
            .submit(operation::create(&k, KeyCommitment::of(key().verifying_key()), document(&k)).unwrap())
            .await
            .unwrap();
    }
    let keys: Vec<SigningKey> = (0..3).map(|_| key()).collect();
    let create = operation::create(&keys[0], KeyCommitment::of(keys[1].verifying_key()), document(&keys[0])).unwrap();
    let alice = create.did().clone();
    let mut previous = operation::OperationHash::parse(&submit(&registry, create).await).unwrap();
    let patch = PatchOperation::parse_patch(json!([{"op": "add", "path": "/service", "value": [{"id": "#hr", "type": "LinkedDomains", "serviceEndpoint": "https://hr.example"}]}])).unwrap();
    let op = operation::update(
        &alice,
        previous,
        &keys[1],
        KeyCommitment::of(keys[2].verifying_key()),
        DocumentChange::Patch(patch),
    )
    .unwrap();
    previous = operation::OperationHash::parse(&submit(&registry, op).await).unwrap();
    let op = operation::update(
        &alice,
        previous,
        &keys[2],
        KeyCommitment::of(key().verifying_key()),
        DocumentChange::Replace(document(&keys[2])),
    )
    .unwrap();
    submit(&registry, op).await;

    let b = key();
    let bob = operation::create(&b, KeyCommitment::of(key().verifying_key()), document(&b)).unwrap();
    let bob_did = bob.did().as_str().to_owned();
    submit(&registry, bob).await;

    let (c0, c1) = (key(), key());
    let carol = operation::create(&c0, KeyCommitment::of(c1.verifying_key()), document(&c0)).unwrap();
    let carol_did = carol.did().clone();
    let previous = operation::OperationHash::parse(&submit(&registry, carol).await).unwrap();
    submit(&registry, operation::deactivate(&carol_did, previous, &c1).unwrap()).await;
    Log {
        registry,
        operator,
        log_id,
        alice: alice.as_str().to_owned(),
        bob: bob_did,
        carol: carol_did.as_str().to_owned(),
    }
}

impl Log {
    fn verifier(&self) -> ResolutionVerifier {
        ResolutionVerifier::new(self.operator.verifying_key().clone(), self.log_id.clone())
    }

    fn answer(&self, did: &str) -> Resolution {
        self.registry.resolve(did).unwrap()
    }
}

fn refused(log: &Log, did: &str, answer: Resolution) -> VerificationError {
    log.verifier()
        .verify(did, answer)
        .expect_err("a tampered answer must be refused")
}

#[test]
fn honest_answers_verify_and_replay_to_the_served_document() {
    let rt = runtime();
    let log = rt.block_on(build_log("honest", key(), 3));
    let verified = log.verifier().verify(&log.alice, log.answer(&log.alice)).unwrap();
    assert_eq!(verified.state().version(), 3);
    assert_eq!(verified.tree_head().head().size, 3 + 6);
    let carol = log.verifier().verify(&log.carol, log.answer(&log.carol)).unwrap();
    assert!(carol.state().is_deactivated());
    let json = serde_json::to_vec(&log.answer(&log.bob)).unwrap();
    log.verifier().verify_json(&log.bob, &json).unwrap();
    // `updated` is the time of the head that first covered the latest operation.
    assert!(
        log.answer(&log.alice)
            .did_document_metadata
            .updated
            .unwrap()
            .ends_with('Z')
    );
}

#[test]
fn every_kind_of_tampering_is_refused_with_its_reason() {
    let rt = runtime();
    let log = rt.block_on(build_log("tamper", key(), 2));
    let honest = log.answer(&log.alice);
    let code = |did: &str, answer: Resolution| refused(&log, did, answer).code();

    let mut a = honest.clone();
    let hash = &mut a.operations[1].inclusion_proof[0];
    *hash = merkle::encode_hash(&[7u8; 32]);
    assert_eq!(code(&log.alice, a), "inclusion");

    let mut a = honest.clone();
    a.operations[0].index += 1;
    assert_eq!(code(&log.alice, a), "inclusion");

    let mut a = honest.clone();
    let first = a.operations[2].inclusion_proof[0].clone();
    a.operations[2].inclusion_proof.push(first);
    assert_eq!(code(&log.alice, a), "inclusion");

    let mut a = honest.clone();
    a.operations.remove(1);
    assert_eq!(code(&log.alice, a), "operation", "a gap in the chain");

    let mut a = honest.clone();
    a.operations.swap(0, 1);
    assert_eq!(code(&log.alice, a), "order");

    let mut a = honest.clone();
    a.operations.clear();
    assert_eq!(code(&log.alice, a), "order");

    let mut a = honest.clone();
    a.did_document["service"] = json!([{"id": format!("{}#evil", log.alice), "type": "LinkedDomains", "serviceEndpoint": "https://evil.example"}]);
    assert_eq!(code(&log.alice, a), "mismatch");

    let mut a = honest.clone();
    a.did_document_metadata.version_id = honest.operations[0].operation.clone();
    assert_eq!(code(&log.alice, a), "mismatch");

    let mut a = log.answer(&log.carol);
    a.did_document_metadata.deactivated = false;
    assert_eq!(code(&log.carol, a), "mismatch");

    assert_eq!(code(&log.bob, honest.clone()), "wrong_did");

    // A head signed by another key, or naming another log.
    let mut a = honest.clone();
    let head = SignedTreeHead::verify(&a.tree_head, log.operator.verifying_key()).unwrap();
    a.tree_head = SignedTreeHead::sign(head.head().clone(), &key())
        .unwrap()
        .as_compact()
        .to_owned();
    assert_eq!(code(&log.alice, a), "tree_head");
    let other_log = ResolutionVerifier::new(log.operator.verifying_key().clone(), "did:web:other.example");
    assert_eq!(
        other_log.verify(&log.alice, honest.clone()).unwrap_err().code(),
        "tree_head"
    );

    // Hostile sizes and shapes.
    let mut a = honest.clone();
    a.operations[0].inclusion_proof = vec![merkle::encode_hash(&[0u8; 32]); 65];
    assert_eq!(code(&log.alice, a), "too_large");
    let mut a = honest.clone();
    a.operations[0].inclusion_proof[0] = "not base64url!".into();
    assert_eq!(code(&log.alice, a), "malformed");
    assert_eq!(
        log.verifier()
            .verify_json(&log.alice, b"{\"didDocument\": 1}")
            .unwrap_err()
            .code(),
        "malformed"
    );
    assert_eq!(
        log.verifier()
            .verify_json(&log.alice, &vec![b' '; 9 * 1024 * 1024])
            .unwrap_err()
            .code(),
        "too_large"
    );
}

#[test]
fn a_witness_policy_needs_its_co_signatures() {
    let rt = runtime();
    let log = rt.block_on(build_log("witness", key(), 0));
    let witness = Witness::new(key(), log.operator.verifying_key().clone(), log.log_id.clone());
    let policy = WitnessPolicy::new([witness.verifying_key().clone()], 1).unwrap();
    let verifier = log.verifier().with_witnesses(policy);
    let mut answer = log.answer(&log.bob);
    let error = verifier.verify(&log.bob, answer.clone()).unwrap_err();
    assert_eq!(error.code(), "tree_head", "{error}");
    let head = SignedTreeHead::verify(&answer.tree_head, log.operator.verifying_key()).unwrap();
    let cosignature: Cosignature = witness.cosign(None, &head, &[]).unwrap();
    answer.cosignatures = vec!["garbage".into(), cosignature.as_compact().to_owned()];
    verifier.verify(&log.bob, answer).unwrap();
}

/// A node whose answers a test can replace: resolution from `answers` when present, else from
/// the registry; tree heads and consistency proofs from the registry.
#[derive(Clone)]
struct Fake {
    registry: Arc<Registry>,
    answers: Arc<Mutex<HashMap<String, Option<Value>>>>,
}

async fn fake_did(State(fake): State<Fake>, Path(did): Path<String>) -> axum::response::Response {
    let replaced = fake.answers.lock().unwrap().get(&did).cloned();
    match replaced {
        Some(Some(answer)) => Json(answer).into_response(),
        Some(None) => StatusCode::NOT_FOUND.into_response(),
        None => match fake.registry.resolve(&did) {
            Ok(answer) => Json(answer).into_response(),
            Err(_) => StatusCode::NOT_FOUND.into_response(),
        },
    }
}

async fn fake_head(State(fake): State<Fake>) -> axum::response::Response {
    Json(fake.registry.tree_head().unwrap()).into_response()
}

async fn fake_consistency(
    State(fake): State<Fake>,
    Query(range): Query<HashMap<String, u64>>,
) -> axum::response::Response {
    let (from, to) = (range["from"], range["to"]);
    match fake.registry.consistency(from, to) {
        Ok(proof) => {
            let proof: Vec<String> = proof.iter().map(merkle::encode_hash).collect();
            Json(json!({"from": from, "to": to, "proof": proof})).into_response()
        }
        Err(_) => StatusCode::BAD_REQUEST.into_response(),
    }
}

async fn serve_fake(fake: Fake) -> String {
    let app = Router::new()
        .route("/dids/{did}", get(fake_did))
        .route("/tree-head", get(fake_head))
        .route("/consistency", get(fake_consistency))
        .with_state(fake);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

fn fake(log: &Log) -> Fake {
    Fake {
        registry: Arc::clone(&log.registry),
        answers: Arc::default(),
    }
}

#[test]
fn the_client_resolves_through_the_resolver_trait_and_refuses_lies() {
    let rt = runtime();
    rt.block_on(async {
        let log = build_log("client", key(), 1).await;
        let node = fake(&log);
        let url = serve_fake(node.clone()).await;
        let client = RegistryResolver::new([url.as_str()], log.verifier())
            .unwrap()
            .with_ttl(Duration::ZERO);

        let alice = Did::parse(&log.alice).unwrap();
        let resolution = client.resolve(&alice, &ResolutionOptions::default()).await.unwrap();
        assert_eq!(resolution.document.id.as_str(), log.alice);
        let metadata = &resolution.document_metadata;
        assert_eq!(metadata.deactivated, Some(false));
        assert_eq!(metadata.extra["treeHead"]["size"], 7);
        let result = client.resolve_to_result(&log.carol).await;
        assert_eq!(result.did_document_metadata.deactivated, Some(true));
        let other = client
            .resolve_to_result("did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169")
            .await;
        assert_eq!(
            other.did_resolution_metadata.error.as_deref(),
            Some("methodNotSupported")
        );
        let unknown = client.resolve_to_result("did:dojang:zQmUnknownUnknownUnknown").await;
        assert_eq!(unknown.did_resolution_metadata.error.as_deref(), Some("notFound"));

        // A lie: another service slipped into the document.
        let mut lie = serde_json::to_value(log.answer(&log.bob)).unwrap();
        lie["didDocument"]["service"] =
            json!([{"id": format!("{}#x", log.bob), "type": "LinkedDomains", "serviceEndpoint": "https://x.example"}]);
        node.answers.lock().unwrap().insert(log.bob.clone(), Some(lie));
        let result = client.resolve_to_result(&log.bob).await;
        assert_eq!(
            result.did_resolution_metadata.error.as_deref(),
            Some("invalidProof"),
            "{result:?}"
        );

        // Denying a DID the client has seen proven is a lie too.
        node.answers.lock().unwrap().insert(log.alice.clone(), None);
        let error = client.resolve_verified(&log.alice, true).await.unwrap_err();
        assert!(matches!(error, ResolutionError::InvalidProof(_)), "{error}");
    });
}

#[test]
fn a_forked_log_is_caught_by_consistency_with_the_head_seen_before() {
    let rt = runtime();
    rt.block_on(async {
        let operator = key();
        let honest = build_log("fork-a", copy(&operator), 0).await;
        // Same operator and log id, other histories: a longer one and one of the same size.
        let longer = build_log("fork-b", copy(&operator), 2).await;
        let same_size = build_log("fork-c", operator, 0).await;
        let honest_url = serve_fake(fake(&honest)).await;
        for (fork, name) in [(&longer, "longer"), (&same_size, "same size")] {
            let fork_url = serve_fake(fake(fork)).await;
            // Each fork is consistent with itself: a newcomer cannot tell (witnesses and
            // anchors are for that).
            let newcomer = RegistryResolver::new([fork_url.as_str()], honest.verifier()).unwrap();
            newcomer.resolve_verified(&fork.alice, false).await.unwrap();
            // A client that saw the honest head refuses every answer of the fork.
            let client = RegistryResolver::new([honest_url.as_str(), fork_url.as_str()], honest.verifier()).unwrap();
            client.resolve_verified(&honest.bob, false).await.unwrap();
            assert_eq!(client.seen_tree_head().unwrap().size, 6);
            // The honest node does not know the fork's DID; the fork's proof of it fails.
            let error = client.resolve_verified(&fork.alice, false).await.unwrap_err();
            assert!(matches!(error, ResolutionError::InvalidProof(_)), "{name}: {error}");
            assert_eq!(client.seen_tree_head().unwrap().size, 6, "{name}");
        }
    });
}

#[test]
fn offline_snapshots_verify_on_import_and_resolve_without_a_network() {
    let rt = runtime();
    rt.block_on(async {
        let log = build_log("snapshot", key(), 0).await;
        let url = serve_fake(fake(&log)).await;
        let online = RegistryResolver::new([url.as_str()], log.verifier()).unwrap();
        let dids = [log.alice.as_str(), log.bob.as_str(), log.carol.as_str()];
        let snapshot = online.export_snapshot(&dids).await.unwrap();
        let json = snapshot.to_json();

        // A door with no node configured at all.
        let clock = Arc::new(FixedClock::new(SystemTime::now()));
        let door = RegistryResolver::new(Vec::<String>::new(), log.verifier())
            .unwrap()
            .with_clock(clock.clone());
        assert_eq!(
            door.import_snapshot(&Snapshot::from_json(json.as_bytes()).unwrap())
                .unwrap(),
            3
        );
        let result = door.resolve_to_result(&log.alice).await;
        assert!(result.did_resolution_metadata.error.is_none(), "{result:?}");
        assert_eq!(
            door.resolve_to_result(&log.carol)
                .await
                .did_document_metadata
                .deactivated,
            Some(true)
        );
        // Past the offline grace the held answers are no longer served.
        clock.advance(Duration::from_secs(8 * 24 * 3600));
        let stale = door.resolve_to_result(&log.alice).await;
        assert_eq!(stale.did_resolution_metadata.error.as_deref(), Some("internalError"));

        // One tampered answer spoils the whole snapshot, and nothing is held from it.
        let mut tampered: Value = serde_json::from_str(&json).unwrap();
        tampered["resolutions"][1]["didDocumentMetadata"]["deactivated"] = json!(true);
        let fresh = RegistryResolver::new(Vec::<String>::new(), log.verifier()).unwrap();
        let tampered = Snapshot::from_json(tampered.to_string().as_bytes()).unwrap();
        assert_eq!(fresh.import_snapshot(&tampered).unwrap_err().code(), "mismatch");
        assert!(fresh.is_empty());
        // Another log's snapshot, another format, or an oversized file are refused.
        let other = RegistryResolver::new(
            Vec::<String>::new(),
            ResolutionVerifier::new(log.operator.verifying_key().clone(), "did:web:other.example"),
        )
        .unwrap();
        assert_eq!(other.import_snapshot(&snapshot).unwrap_err().code(), "malformed");
        let mut wrong_format: Value = serde_json::from_str(&json).unwrap();
        wrong_format["format"] = json!("something-else/1");
        assert!(Snapshot::from_json(wrong_format.to_string().as_bytes()).is_err());
        assert_eq!(
            Snapshot::from_json(&vec![b' '; 65 * 1024 * 1024]).unwrap_err().code(),
            "too_large"
        );
    });
}
