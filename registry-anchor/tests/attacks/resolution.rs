//! Resolution answers tampered by a malicious node or operator (`docs/did-dojang.md` §10): a
//! resolver trusts only the operator key, the log id and its witness policy.

use registry_anchor::resolution::MAX_RESPONSE_LEN;
use registry_anchor::tree_head::Witness;

use super::*;

fn refused(code: &'static str) -> Expect {
    Expect::Refused(code)
}

/// alice's entries in the fixture's log.
const ALICE: &[u64] = &[0, 2];
/// bob's entries.
const BOB: &[u64] = &[1, 3];

fn check(f: &Fixture, did: &str, answer: Resolution) -> Result<(), Error> {
    f.verifier().verify(did, answer)?;
    Ok(())
}

/// A log the operator built with `forged` appended after the fixture's entries, its head
/// signed by the operator: a malicious operator can put anything in its own log.
fn log_with(f: &Fixture, forged: &Operation) -> (Tree, Vec<Operation>, SignedTreeHead) {
    let mut entries = f.entries.clone();
    entries.push(forged.clone());
    let mut tree = f.tree.clone();
    tree.append_data(forged.leaf_data());
    let head = SignedTreeHead::sign(TreeHead::new(LOG, tree.size(), tree.root(), T + 1), &f.operator).unwrap();
    (tree, entries, head)
}

/// The answer for alice from a log holding `forged` at index 4 (proofs all genuine), with the
/// document and metadata the honest chain yields (the check fails on the forged operation
/// before they are compared).
fn answer_with_forged(f: &Fixture, forged: &Operation) -> Resolution {
    let (tree, entries, head) = log_with(f, forged);
    let mut answer = answer_from(&tree, &entries, ALICE, head.as_compact());
    let proof = tree.inclusion_proof(4, 5).unwrap();
    answer.operations.push(ResolvedOperation {
        index: 4,
        operation: forged.as_str().to_owned(),
        inclusion_proof: proof.iter().map(merkle::encode_hash).collect(),
    });
    answer
}

pub fn controls() -> Vec<Case> {
    vec![
        case(
            "control_resolution",
            "nothing: the honest answer for alice (create + update) verifies",
            Expect::Accepted,
            |f| check(f, &f.alice, f.answer(ALICE)),
        ),
        case(
            "control_resolution_deactivated",
            "nothing: the honest answer for bob (created, deactivated) verifies",
            Expect::Accepted,
            |f| check(f, &f.bob, f.answer(BOB)),
        ),
        case(
            "control_resolution_json",
            "nothing: the honest answer read from its JSON bytes",
            Expect::Accepted,
            |f| {
                let json = serde_json::to_vec(&f.answer(ALICE)).unwrap();
                f.verifier().verify_json(&f.alice, &json)?;
                Ok(())
            },
        ),
        case(
            "control_resolution_witnessed",
            "nothing: the honest answer with the required witness's co-signature",
            Expect::Accepted,
            |f| {
                let witness = Witness::new(
                    SigningKey::from_jwk(&f.witness.to_jwk()).unwrap(),
                    f.operator.verifying_key().clone(),
                    LOG,
                );
                let mut answer = f.answer(ALICE);
                answer.cosignatures = vec![witness.cosign(None, &f.head, &[])?.as_compact().to_owned()];
                let policy = registry_anchor::tree_head::WitnessPolicy::new([f.witness.verifying_key().clone()], 1)?;
                f.verifier().with_witnesses(policy).verify(&f.alice, answer)?;
                Ok(())
            },
        ),
    ]
}

pub fn cases() -> Vec<Case> {
    vec![
        case(
            "res_document_service_injected",
            "the node adds a service pointing to its own server to alice's document",
            refused("resolution/mismatch"),
            |f| {
                let mut a = f.answer(ALICE);
                a.did_document["service"] = json!([{"id": format!("{}#evil", f.alice), "type": "LinkedDomains", "serviceEndpoint": "https://evil.example"}]);
                check(f, &f.alice, a)
            },
        ),
        case(
            "res_document_key_swapped",
            "the node swaps alice's #key-1 for the attacker's key",
            refused("resolution/mismatch"),
            |f| {
                let mut a = f.answer(ALICE);
                a.did_document["verificationMethod"][0]["publicKeyMultibase"] =
                    json!(f.attacker.verifying_key().to_multikey());
                check(f, &f.alice, a)
            },
        ),
        case(
            "res_version_rolled_back",
            "versionId names alice's create instead of her latest update",
            refused("resolution/mismatch"),
            |f| {
                let mut a = f.answer(ALICE);
                a.did_document_metadata.version_id = f.create.hash().to_string();
                check(f, &f.alice, a)
            },
        ),
        case(
            "res_deactivation_hidden",
            "bob's answer says not deactivated and shows his old document, deactivate still listed",
            refused("resolution/mismatch"),
            |f| {
                let mut a = f.answer(BOB);
                a.did_document_metadata.deactivated = false;
                a.did_document = serde_json::to_value(DidState::create(&f.bob_create)?.document()).unwrap();
                check(f, &f.bob, a)
            },
        ),
        case(
            "res_create_withheld",
            "alice's answer lists only her update, not the create it continues",
            refused("resolution/operation/expected_create"),
            |f| {
                let mut a = f.answer(ALICE);
                a.operations.remove(0);
                check(f, &f.alice, a)
            },
        ),
        case(
            "res_operations_reordered",
            "alice's operations listed update first",
            refused("resolution/order"),
            |f| {
                let mut a = f.answer(ALICE);
                a.operations.swap(0, 1);
                check(f, &f.alice, a)
            },
        ),
        case(
            "res_no_operations",
            "an answer with a head and a document but no operation",
            refused("resolution/order"),
            |f| {
                let mut a = f.answer(ALICE);
                a.operations.clear();
                check(f, &f.alice, a)
            },
        ),
        case(
            "res_inclusion_proofs_swapped",
            "alice's create carries bob's create's inclusion proof",
            refused("resolution/inclusion/root_mismatch"),
            |f| {
                let mut a = f.answer(ALICE);
                a.operations[0].inclusion_proof = f.answer(BOB).operations[0].inclusion_proof.clone();
                check(f, &f.alice, a)
            },
        ),
        case(
            "res_index_shifted",
            "alice's update claims index 3 (bob's deactivate's place)",
            refused("resolution/inclusion/root_mismatch"),
            |f| {
                let mut a = f.answer(ALICE);
                a.operations[1].index = 3;
                check(f, &f.alice, a)
            },
        ),
        case(
            "res_forged_update_in_operator_log",
            "the operator appends an update of alice signed by its own key and signs a head over it",
            refused("resolution/operation/key_commitment_mismatch"),
            |f| {
                let forged = operation::update(
                    f.state1.did(),
                    *f.update.hash(),
                    &f.attacker,
                    KeyCommitment::of(f.k0.verifying_key()),
                    DocumentChange::Replace(doc(&f.attacker)),
                )?;
                check(f, &f.alice, answer_with_forged(f, &forged))
            },
        ),
        case(
            "res_forged_fork_in_operator_log",
            "the operator appends a second successor of alice's create (by the spent key k0)",
            refused("resolution/operation/forked_chain"),
            |f| {
                let forged = operation::update(
                    f.state0.did(),
                    *f.create.hash(),
                    &f.k0,
                    KeyCommitment::of(f.attacker.verifying_key()),
                    DocumentChange::Replace(doc(&f.attacker)),
                )?;
                check(f, &f.alice, answer_with_forged(f, &forged))
            },
        ),
        case(
            "res_foreign_operation_spliced",
            "bob's create spliced into alice's chain (genuine proof)",
            refused("resolution/operation/did_mismatch"),
            |f| {
                let mut a = f.answer(ALICE);
                let bob = f.answer(BOB).operations[0].clone();
                a.operations.insert(1, bob);
                check(f, &f.alice, a)
            },
        ),
        case(
            "res_wrong_did",
            "bob's honest answer served for alice",
            refused("resolution/wrong_did"),
            |f| check(f, &f.alice, f.answer(BOB)),
        ),
        case(
            "res_head_resigned_by_node",
            "the node re-signs the head with its own key",
            refused("resolution/tree_head/kid_mismatch"),
            |f| {
                let mut a = f.answer(ALICE);
                a.tree_head = SignedTreeHead::sign(f.head.head().clone(), &f.attacker)?
                    .as_compact()
                    .to_owned();
                check(f, &f.alice, a)
            },
        ),
        case(
            "res_head_of_other_log",
            "a genuine operator head of another log id",
            refused("resolution/tree_head/log_mismatch"),
            |f| {
                let mut a = f.answer(ALICE);
                let other = TreeHead::new("did:web:other.example", 4, f.tree.root(), T);
                a.tree_head = SignedTreeHead::sign(other, &f.operator)?.as_compact().to_owned();
                check(f, &f.alice, a)
            },
        ),
        case(
            "res_head_of_forked_log",
            "genuine operations with a head the operator signed over a rewritten log",
            refused("resolution/inclusion/root_mismatch"),
            |f| {
                let mut a = f.answer(ALICE);
                let mut fork = Tree::new();
                for entry in &f.entries {
                    fork.append_data(entry.leaf_data());
                }
                fork.append_data(b"hidden entry");
                let head = SignedTreeHead::sign(TreeHead::new(LOG, 4, fork.root(), T), &f.operator)?;
                a.tree_head = head.as_compact().to_owned();
                check(f, &f.alice, a)
            },
        ),
        case(
            "res_duplicate_member",
            "the answer's JSON with `treeHead` twice (the second a forged head)",
            refused("resolution/malformed"),
            |f| {
                let json = serde_json::to_string(&f.answer(ALICE)).unwrap();
                let forged = SignedTreeHead::sign(f.head.head().clone(), &f.attacker)?;
                let dup = json.replacen(
                    "\"treeHead\":",
                    &format!("\"treeHead\":\"{}\",\"treeHead\":", forged.as_compact()),
                    1,
                );
                f.verifier().verify_json(&f.alice, dup.as_bytes())?;
                Ok(())
            },
        ),
        case(
            "res_oversized",
            "an answer one byte over the limit",
            refused("resolution/too_large"),
            |f| {
                f.verifier().verify_json(&f.alice, &vec![b' '; MAX_RESPONSE_LEN + 1])?;
                Ok(())
            },
        ),
        case(
            "res_inclusion_proof_flood",
            "an inclusion proof of 65 hashes",
            refused("resolution/too_large"),
            |f| {
                let mut a = f.answer(ALICE);
                a.operations[0].inclusion_proof = vec![merkle::encode_hash(&[0u8; 32]); 65];
                check(f, &f.alice, a)
            },
        ),
        case(
            "res_bad_hash_encoding",
            "an inclusion proof hash that is not base64url",
            refused("resolution/malformed"),
            |f| {
                let mut a = f.answer(ALICE);
                a.operations[0].inclusion_proof[0] = "not base64url!".into();
                check(f, &f.alice, a)
            },
        ),
        case(
            "res_latest_update_withheld",
            "the node answers with alice's create only, its document and versionId, proven against the current head",
            Expect::KnownLimit(
                "inclusion proofs cannot show absence: docs/did-dojang.md §12.3; caught only by comparing nodes/mirrors",
            ),
            |f| {
                let a = answer_from(&f.tree, &f.entries, &[0], f.head.as_compact());
                check(f, &f.alice, a)
            },
        ),
    ]
}
