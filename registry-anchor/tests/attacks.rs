//! The registry's negative suite: crafted attacks on DID operations, on the log's tree heads,
//! Merkle proofs and witness co-signatures, and on the resolution answers a malicious node
//! sends. Each case differs from a passing control in exactly the attacked way and must be
//! refused with the typed error the product gives for it.
//!
//! One table ([`all_cases`]) drives one test; controls (expected `ACCEPTED`) come first, so the
//! suite proves its builders make inputs that pass when nothing is attacked. The expected code
//! is read from the error's type: `OperationError::code` and `VerificationError::code`, and for
//! `TreeHeadError`, `MerkleError` and did-core's `JwsError` (which have no `code`) the variant,
//! matched by [`tree_head_code`], [`merkle_code`] and [`jws_code`] below.
//!
//! A case whose attack the method cannot detect by design (documented in
//! `docs/did-dojang.md` §12) is marked a known limit: it must be accepted, and is printed apart.
//!
//! Everything here is pure (no node, no network): a log is an in-memory `Tree` the case signs
//! heads over, as a node or a malicious operator would.
//!
//! Run with `cargo test -p registry-anchor --test integration every_crafted_registry -- --nocapture` to see the table.

#[path = "attacks/log.rs"]
mod log;
#[path = "attacks/operations.rs"]
mod operations;
#[path = "attacks/resolution.rs"]
mod resolution;

use std::collections::HashSet;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use did_core::jose::JwsError;
use did_core::key::{KeyType, SigningKey};
use did_core::resolve::KeyResolver;
use registry_anchor::Error;
use registry_anchor::merkle::{self, MerkleError, Tree};
use registry_anchor::operation::{self, DidState, DocumentChange, KeyCommitment, Operation};
use registry_anchor::resolution::{
    Resolution, ResolutionMetadata, ResolutionVerifier, ResolvedOperation, VerificationError,
};
use registry_anchor::tree_head::{SignedTreeHead, TreeHead, TreeHeadError};
use serde_json::{Map, Value, json};
use sha2::{Digest as _, Sha512};

/// The log id the fixture's operator signs heads for.
pub const LOG: &str = "did:web:registry.example";
/// The fixture's head timestamp (ms).
pub const T: u64 = 1_780_272_000_000;

/// What a case must end in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// A control: nothing attacked, accepted.
    Accepted,
    /// Refused with this code (see [`code`]).
    Refused(&'static str),
    /// Accepted although it is an attack: a limit of the method, documented where the
    /// string points.
    KnownLimit(&'static str),
}

/// One row of the table.
pub struct Case {
    /// Unique, snake_case.
    pub name: &'static str,
    /// What is attacked, in a few words.
    pub attacks: &'static str,
    /// The outcome the product must give.
    pub expect: Expect,
    /// Runs the attempt against the shared fixture.
    pub run: fn(&Fixture) -> Result<(), Error>,
}

/// A row.
pub const fn case(
    name: &'static str,
    attacks: &'static str,
    expect: Expect,
    run: fn(&Fixture) -> Result<(), Error>,
) -> Case {
    Case {
        name,
        attacks,
        expect,
        run,
    }
}

/// A deterministic key named by `label`.
pub fn key(key_type: KeyType, label: &str) -> SigningKey {
    let digest = Sha512::digest(label.as_bytes());
    SigningKey::from_bytes(key_type, &digest[..key_type.scalar_len()]).unwrap()
}

/// Unpadded base64url.
pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A JSON object.
pub fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => panic!("not an object"),
    }
}

/// A DID document (without `id`) whose `#key-1` is `key`.
pub fn doc(key: &SigningKey) -> Map<String, Value> {
    object(json!({
        "verificationMethod": [{
            "id": "#key-1",
            "type": "Multikey",
            "publicKeyMultibase": key.verifying_key().to_multikey(),
        }],
        "assertionMethod": ["#key-1"],
    }))
}

/// The JCS bytes of `value`.
pub fn jcs(value: &Value) -> Vec<u8> {
    serde_json_canonicalizer::to_vec(value).unwrap()
}

/// A compact JWS with exactly these header and payload bytes, signed by `key` (low-S for
/// P-256, as an honest signer makes it).
pub fn forge(header: &str, payload: &[u8], key: &SigningKey) -> String {
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

/// The decoded payload of a compact JWS.
pub fn payload_of(compact: &str) -> Value {
    let part = compact.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

/// The fixture every case starts from: two DIDs and a four-entry log.
///
/// - alice: `create` (k0 reveals, commits k1), `update` (k1 reveals, commits k2);
/// - bob: `create` (b0, commits b1), `deactivate` (b1);
/// - the log: `[alice create, bob create, alice update, bob deactivate]`, head signed by
///   `operator` at [`T`]; a witness key `witness` the resolver may require.
pub struct Fixture {
    pub k0: SigningKey,
    pub k1: SigningKey,
    pub k2: SigningKey,
    pub attacker: SigningKey,
    pub operator: SigningKey,
    pub witness: SigningKey,
    pub create: Operation,
    pub update: Operation,
    pub bob_create: Operation,
    pub bob_deactivate: Operation,
    /// alice after `create`.
    pub state0: DidState,
    /// alice after `update`.
    pub state1: DidState,
    /// bob after `deactivate`.
    pub bob_state: DidState,
    pub alice: String,
    pub bob: String,
    pub entries: Vec<Operation>,
    pub tree: Tree,
    pub head: SignedTreeHead,
}

impl Fixture {
    pub fn build() -> Fixture {
        let k0 = key(KeyType::P256, "alice k0");
        let k1 = key(KeyType::P256, "alice k1");
        let k2 = key(KeyType::Ed25519, "alice k2");
        let b0 = key(KeyType::Ed25519, "bob b0");
        let b1 = key(KeyType::P256, "bob b1");
        let create = operation::create(&k0, KeyCommitment::of(k1.verifying_key()), doc(&k0)).unwrap();
        let state0 = DidState::create(&create).unwrap();
        let update = operation::update(
            state0.did(),
            *state0.last_operation(),
            &k1,
            KeyCommitment::of(k2.verifying_key()),
            DocumentChange::Replace(doc(&k1)),
        )
        .unwrap();
        let state1 = state0.apply(&update).unwrap();
        let bob_create = operation::create(&b0, KeyCommitment::of(b1.verifying_key()), doc(&b0)).unwrap();
        let bob0 = DidState::create(&bob_create).unwrap();
        let bob_deactivate = operation::deactivate(bob0.did(), *bob0.last_operation(), &b1).unwrap();
        let bob_state = bob0.apply(&bob_deactivate).unwrap();
        let entries = vec![
            create.clone(),
            bob_create.clone(),
            update.clone(),
            bob_deactivate.clone(),
        ];
        let mut tree = Tree::new();
        for entry in &entries {
            tree.append_data(entry.leaf_data());
        }
        let operator = key(KeyType::P256, "operator");
        let head = SignedTreeHead::sign(TreeHead::new(LOG, tree.size(), tree.root(), T), &operator).unwrap();
        Fixture {
            alice: state0.did().to_string(),
            bob: bob0.did().to_string(),
            k0,
            k1,
            k2,
            attacker: key(KeyType::P256, "attacker"),
            operator,
            witness: key(KeyType::Ed25519, "witness"),
            create,
            update,
            bob_create,
            bob_deactivate,
            state0,
            state1,
            bob_state,
            entries,
            tree,
            head,
        }
    }

    /// What a resolver trusts: the operator key and the log id, no witness.
    pub fn verifier(&self) -> ResolutionVerifier {
        ResolutionVerifier::new(self.operator.verifying_key().clone(), LOG)
    }

    /// The honest answer for the DID whose entries are at `indices` of the fixture's log.
    pub fn answer(&self, indices: &[u64]) -> Resolution {
        answer_from(&self.tree, &self.entries, indices, self.head.as_compact())
    }
}

/// The answer a node holding `tree` (of `entries`) gives for the entries at `indices`, proven
/// against `head` (whose size must be the tree's), with the document and metadata the chain
/// yields.
pub fn answer_from(tree: &Tree, entries: &[Operation], indices: &[u64], head: &str) -> Resolution {
    let chain: Vec<&Operation> = indices.iter().map(|&i| &entries[i as usize]).collect();
    let state = DidState::replay(chain.iter().copied()).unwrap();
    Resolution {
        did_document: serde_json::to_value(state.document()).unwrap(),
        did_document_metadata: ResolutionMetadata {
            version_id: state.last_operation().to_string(),
            updated: None,
            deactivated: state.is_deactivated(),
        },
        operations: indices
            .iter()
            .map(|&index| ResolvedOperation {
                index,
                operation: entries[index as usize].as_str().to_owned(),
                inclusion_proof: tree
                    .inclusion_proof(index, tree.size())
                    .unwrap()
                    .iter()
                    .map(merkle::encode_hash)
                    .collect(),
            })
            .collect(),
        tree_head: head.to_owned(),
        cosignatures: Vec::new(),
    }
}

/// The `kid` of a key: its `did:key` DID URL.
pub fn kid(key: &SigningKey) -> String {
    KeyResolver::key_id_for(key.verifying_key())
}

/// The code of a refusal, read from the error's type.
pub fn code(error: &Error) -> String {
    match error {
        Error::Operation(e) => format!("operation/{}", e.code()),
        Error::TreeHead(e) => format!("tree_head/{}", tree_head_code(e)),
        Error::Merkle(e) => format!("merkle/{}", merkle_code(e)),
        Error::Verification(e) => match e {
            VerificationError::Operation { source, .. } => format!("resolution/operation/{}", source.code()),
            VerificationError::TreeHead(source) => format!("resolution/tree_head/{}", tree_head_code(source)),
            VerificationError::Inclusion { source, .. } => format!("resolution/inclusion/{}", merkle_code(source)),
            other => format!("resolution/{}", other.code()),
        },
        other => format!("other: {other}"),
    }
}

/// The variant of a `TreeHeadError`, snake_case (`jws/<variant>` for the JWS layer's).
pub fn tree_head_code(error: &TreeHeadError) -> String {
    let name = match error {
        TreeHeadError::TooLarge { .. } => "too_large",
        TreeHeadError::Jws(jws) => return format!("jws/{}", jws_code(jws)),
        TreeHeadError::WrongType { .. } => "wrong_type",
        TreeHeadError::MissingKid => "missing_kid",
        TreeHeadError::KidMismatch { .. } => "kid_mismatch",
        TreeHeadError::InvalidPayload(_) => "invalid_payload",
        TreeHeadError::NonCanonicalPayload => "non_canonical_payload",
        TreeHeadError::InvalidTreeHead(_) => "invalid_tree_head",
        TreeHeadError::Key(_) => "key",
        TreeHeadError::PayloadMismatch => "payload_mismatch",
        TreeHeadError::WrongOperator { .. } => "wrong_operator",
        TreeHeadError::LogMismatch { .. } => "log_mismatch",
        TreeHeadError::SizeShrank { .. } => "size_shrank",
        TreeHeadError::TimestampRegressed { .. } => "timestamp_regressed",
        TreeHeadError::Inconsistent(_) => "inconsistent",
        TreeHeadError::InvalidPolicy(_) => "invalid_policy",
        TreeHeadError::TooManyCosignatures { .. } => "too_many_cosignatures",
        TreeHeadError::NotEnoughWitnesses { .. } => "not_enough_witnesses",
        _ => "unknown_variant",
    };
    name.to_owned()
}

/// The variant of a `MerkleError`, snake_case.
pub fn merkle_code(error: &MerkleError) -> &'static str {
    match error {
        MerkleError::IndexOutOfRange { .. } => "index_out_of_range",
        MerkleError::SizeOrder { .. } => "size_order",
        MerkleError::SizeBeyondTree { .. } => "size_beyond_tree",
        MerkleError::WrongProofLength { .. } => "wrong_proof_length",
        MerkleError::RootMismatch { .. } => "root_mismatch",
        MerkleError::OldRootMismatch { .. } => "old_root_mismatch",
        MerkleError::InvalidHashEncoding => "invalid_hash_encoding",
        MerkleError::MissingNode { .. } => "missing_node",
        _ => "unknown_variant",
    }
}

/// The variant of did-core's `JwsError`, snake_case.
pub fn jws_code(error: &JwsError) -> &'static str {
    match error {
        JwsError::Malformed(_) => "malformed",
        JwsError::InvalidBase64 { .. } => "invalid_base64",
        JwsError::InvalidHeader(_) => "invalid_header",
        JwsError::ForbiddenAlgorithm(_) => "forbidden_algorithm",
        JwsError::AlgorithmMismatch { .. } => "algorithm_mismatch",
        JwsError::UnsupportedCritical(_) => "unsupported_critical",
        JwsError::InvalidCritical(_) => "invalid_critical",
        JwsError::UnencodedPayload => "unencoded_payload",
        JwsError::UnexpectedType { .. } => "unexpected_type",
        JwsError::TooLarge { .. } => "too_large",
        JwsError::InvalidPayload(_) => "invalid_payload",
        JwsError::BadSignature => "bad_signature",
        JwsError::Key(_) => "key",
        _ => "unknown_variant",
    }
}

/// Every case, controls first.
pub fn all_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    cases.extend(operations::controls());
    cases.extend(log::controls());
    cases.extend(resolution::controls());
    cases.extend(operations::cases());
    cases.extend(log::cases());
    cases.extend(resolution::cases());
    cases
}

#[test]
fn every_crafted_registry_attack_is_refused_with_its_code() {
    let cases = all_cases();
    let mut names = HashSet::new();
    for case in &cases {
        assert!(names.insert(case.name), "duplicate case name {}", case.name);
    }
    let first_attack = cases.iter().position(|c| c.expect != Expect::Accepted).unwrap();
    assert!(
        cases[first_attack..].iter().all(|c| c.expect != Expect::Accepted),
        "controls come first"
    );

    let fixture = Fixture::build();
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    let (mut controls, mut refused, mut limits) = (0, 0, 0);
    for (i, case) in cases.iter().enumerate() {
        let outcome = (case.run)(&fixture);
        let got = match &outcome {
            Ok(()) => "ACCEPTED".to_owned(),
            Err(error) => code(error),
        };
        let (expected, ok) = match case.expect {
            Expect::Accepted => ("ACCEPTED".to_owned(), outcome.is_ok()),
            Expect::Refused(expected) => (expected.to_owned(), got == expected),
            Expect::KnownLimit(_) => ("ACCEPTED (known limit)".to_owned(), outcome.is_ok()),
        };
        let mark = if ok {
            match case.expect {
                Expect::Accepted => controls += 1,
                Expect::Refused(_) => refused += 1,
                Expect::KnownLimit(_) => limits += 1,
            }
            "ok"
        } else {
            let detail = match &outcome {
                Ok(()) => "accepted".to_owned(),
                Err(error) => error.to_string(),
            };
            failures.push(format!("{}: expected {expected}, got {got} ({detail})", case.name));
            "FAIL"
        };
        rows.push(format!(
            "{i:>3} | {:<44} | {:<46} | {:<46} | {mark}",
            case.name, expected, got
        ));
    }
    println!(
        "{} registry cases: {controls} controls accepted, {refused} attacks refused with the expected code, {limits} known limits accepted",
        cases.len()
    );
    println!("  # | {:<44} | {:<46} | {:<46} |", "case", "expected", "got");
    for row in &rows {
        println!("{row}");
    }
    for case in &cases {
        println!("{:<44} {}", case.name, case.attacks);
        if let Expect::KnownLimit(why) = case.expect {
            println!("{:<44}   known limit: {why}", "");
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
