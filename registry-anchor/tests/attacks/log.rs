//! Attacks on the log itself: signed tree heads, forks and rewritten history, inclusion and
//! consistency proofs, witness co-signatures.

use registry_anchor::merkle::{Hash, leaf_hash, verify_consistency, verify_inclusion};
use registry_anchor::resolution::check_consistency;
use registry_anchor::tree_head::{Cosignature, MAX_COSIGNATURES, Witness, WitnessPolicy};

use super::*;

fn refused(code: &'static str) -> Expect {
    Expect::Refused(code)
}

/// The same log as the fixture's, but with entry 2 (alice's update) replaced by `replacement`
/// and then `extra` more entries appended: history rewritten by the operator.
fn rewritten(f: &Fixture, replacement: &[u8], extra: usize) -> Tree {
    let mut tree = Tree::new();
    for (i, entry) in f.entries.iter().enumerate() {
        if i == 2 {
            tree.append_data(replacement);
        } else {
            tree.append_data(entry.leaf_data());
        }
    }
    for i in 0..extra {
        tree.append_data(format!("later entry {i}").as_bytes());
    }
    tree
}

/// The honest log grown by `extra` entries.
fn grown(f: &Fixture, extra: usize) -> Tree {
    let mut tree = f.tree.clone();
    for i in 0..extra {
        tree.append_data(format!("later entry {i}").as_bytes());
    }
    tree
}

/// A head of `tree` at its size, signed by the operator at `timestamp_ms`.
fn head_of(f: &Fixture, tree: &Tree, timestamp_ms: u64) -> SignedTreeHead {
    SignedTreeHead::sign(TreeHead::new(LOG, tree.size(), tree.root(), timestamp_ms), &f.operator).unwrap()
}

/// A witness following the fixture's operator and log.
fn witness(f: &Fixture) -> Witness {
    Witness::new(
        SigningKey::from_jwk(&f.witness.to_jwk()).unwrap(),
        f.operator.verifying_key().clone(),
        LOG,
    )
}

/// The fixture's head co-signed by the witness (its first head).
fn cosigned(f: &Fixture) -> Cosignature {
    witness(f).cosign(None, &f.head, &[]).unwrap()
}

/// A policy requiring the fixture's witness.
fn one_of_one(f: &Fixture) -> WitnessPolicy {
    WitnessPolicy::new([f.witness.verifying_key().clone()], 1).unwrap()
}

/// A hand-made tree head JWS: `header` and `payload` as given, signed by `key`.
fn sth_raw(header: &str, payload: &[u8], key: &SigningKey) -> String {
    let input = format!("{}.{}", b64(header.as_bytes()), b64(payload));
    format!("{input}.{}", b64(key.sign(input.as_bytes()).unwrap()))
}

fn sth_header(key: &SigningKey) -> String {
    format!(r#"{{"alg":"ES256","kid":"{}","typ":"dojang-sth+jws"}}"#, kid(key))
}

/// The fixture head's payload as a JSON object, to tamper with.
fn head_json(f: &Fixture) -> Value {
    serde_json::from_slice(f.head.payload()).unwrap()
}

fn verify_sth(f: &Fixture, compact: &str) -> Result<(), Error> {
    SignedTreeHead::verify(compact, f.operator.verifying_key())?;
    Ok(())
}

fn proof(hashes: &[Hash]) -> Vec<String> {
    hashes.iter().map(merkle::encode_hash).collect()
}

pub fn controls() -> Vec<Case> {
    vec![
        case(
            "control_tree_head",
            "nothing: the operator's head verifies with the operator key",
            Expect::Accepted,
            |f| verify_sth(f, f.head.as_compact()),
        ),
        case(
            "control_tree_head_raw",
            "nothing: the same head re-signed byte by byte by this suite's raw signer",
            Expect::Accepted,
            |f| verify_sth(f, &sth_raw(&sth_header(&f.operator), f.head.payload(), &f.operator)),
        ),
        case(
            "control_consistency",
            "nothing: the log grows from 4 to 7 entries and the proof links the heads",
            Expect::Accepted,
            |f| {
                let new = grown(f, 3);
                let proof = new.consistency_proof(4, 7)?;
                check_consistency(
                    f.head.head(),
                    head_of(f, &new, T + 1).head(),
                    &super::log::proof(&proof),
                )?;
                Ok(())
            },
        ),
        case(
            "control_inclusion",
            "nothing: alice's update is proven at index 2 of the head",
            Expect::Accepted,
            |f| {
                let proof = f.tree.inclusion_proof(2, 4)?;
                verify_inclusion(&leaf_hash(f.update.leaf_data()), 2, 4, &proof, &f.head.head().root_hash)?;
                Ok(())
            },
        ),
        case(
            "control_witness",
            "nothing: the witness co-signs the grown head (consistent) and a 1-of-1 policy is met",
            Expect::Accepted,
            |f| {
                let new = grown(f, 3);
                let new_head = head_of(f, &new, T + 1);
                let cosignature = witness(f).cosign(Some(f.head.head()), &new_head, &new.consistency_proof(4, 7)?)?;
                one_of_one(f).check(&new_head, &[cosignature])?;
                f.verifier()
                    .with_witnesses(one_of_one(f))
                    .verify_tree_head(f.head.as_compact(), &[cosigned(f).as_compact().to_owned()])?;
                Ok(())
            },
        ),
    ]
}

pub fn cases() -> Vec<Case> {
    vec![
        // --- signed tree heads ---
        case(
            "sth_unknown_key",
            "a head signed by a key the resolver does not trust (its own kid)",
            refused("tree_head/kid_mismatch"),
            |f| verify_sth(f, &sth_raw(&sth_header(&f.attacker), f.head.payload(), &f.attacker)),
        ),
        case(
            "sth_kid_spoofed",
            "a head signed by the attacker under the operator's kid",
            refused("tree_head/jws/bad_signature"),
            |f| verify_sth(f, &sth_raw(&sth_header(&f.operator), f.head.payload(), &f.attacker)),
        ),
        case(
            "sth_alg_none",
            "a head with alg none and no signature",
            refused("tree_head/jws/forbidden_algorithm"),
            |f| {
                let header = format!(
                    r#"{{"alg":"none","kid":"{}","typ":"dojang-sth+jws"}}"#,
                    kid(&f.operator)
                );
                verify_sth(f, &format!("{}.{}.", b64(header), b64(f.head.payload())))
            },
        ),
        case(
            "sth_alg_mismatch",
            "a head whose header says ES384 for the P-256 operator key",
            refused("tree_head/jws/algorithm_mismatch"),
            |f| {
                let header = format!(
                    r#"{{"alg":"ES384","kid":"{}","typ":"dojang-sth+jws"}}"#,
                    kid(&f.operator)
                );
                verify_sth(f, &sth_raw(&header, f.head.payload(), &f.operator))
            },
        ),
        case(
            "sth_typ_confusion",
            "a witness co-signature (dojang-cosig+jws) presented as the operator's head",
            refused("tree_head/wrong_type"),
            |f| {
                let header = format!(
                    r#"{{"alg":"ES256","kid":"{}","typ":"dojang-cosig+jws"}}"#,
                    kid(&f.operator)
                );
                verify_sth(f, &sth_raw(&header, f.head.payload(), &f.operator))
            },
        ),
        case(
            "sth_extra_member",
            "a head payload with an extra member, signed by the operator",
            refused("tree_head/invalid_payload"),
            |f| {
                let mut payload = head_json(f);
                payload["note"] = json!("x");
                verify_sth(f, &sth_raw(&sth_header(&f.operator), &jcs(&payload), &f.operator))
            },
        ),
        case(
            "sth_duplicate_member",
            "a head payload with `size` twice, signed by the operator",
            refused("tree_head/invalid_payload"),
            |f| {
                let text = String::from_utf8(f.head.payload().to_vec()).unwrap();
                let dup = text.replacen("\"size\":4", "\"size\":4,\"size\":9", 1);
                assert_ne!(dup, text);
                verify_sth(f, &sth_raw(&sth_header(&f.operator), dup.as_bytes(), &f.operator))
            },
        ),
        case(
            "sth_non_canonical",
            "a head payload pretty-printed, signed by the operator",
            refused("tree_head/non_canonical_payload"),
            |f| {
                let pretty = serde_json::to_vec_pretty(&head_json(f)).unwrap();
                verify_sth(f, &sth_raw(&sth_header(&f.operator), &pretty, &f.operator))
            },
        ),
        case(
            "sth_size_beyond_json_integers",
            "a head of size 2^53 (not exact in JSON), signed by the operator",
            refused("tree_head/invalid_tree_head"),
            |f| {
                let mut payload = head_json(f);
                payload["size"] = json!(1u64 << 53);
                verify_sth(f, &sth_raw(&sth_header(&f.operator), &jcs(&payload), &f.operator))
            },
        ),
        // --- forks and rewritten history ---
        case(
            "fork_same_size_other_root",
            "two operator-signed heads of size 4 with different roots (equivocation) shown to one resolver",
            refused("resolution/inconsistent"),
            |f| {
                let fork = rewritten(f, b"forged entry", 0);
                check_consistency(f.head.head(), head_of(f, &fork, T).head(), &[])?;
                Ok(())
            },
        ),
        case(
            "fork_same_size_witness",
            "the witness that co-signed the size-4 head is asked to co-sign a size-4 fork",
            refused("tree_head/inconsistent"),
            |f| {
                let fork = rewritten(f, b"forged entry", 0);
                witness(f).cosign(Some(f.head.head()), &head_of(f, &fork, T + 1), &[])?;
                Ok(())
            },
        ),
        case(
            "fork_rewritten_history",
            "a size-7 head over a log whose entry 2 was rewritten, with the rewritten log's own proof",
            refused("resolution/inconsistent"),
            |f| {
                let fork = rewritten(f, b"forged entry", 3);
                let proof = fork.consistency_proof(4, 7)?;
                check_consistency(
                    f.head.head(),
                    head_of(f, &fork, T + 1).head(),
                    &super::log::proof(&proof),
                )?;
                Ok(())
            },
        ),
        case(
            "fork_rewritten_history_witness",
            "the witness is asked to co-sign the rewritten size-7 head",
            refused("tree_head/inconsistent"),
            |f| {
                let fork = rewritten(f, b"forged entry", 3);
                let proof = fork.consistency_proof(4, 7)?;
                witness(f).cosign(Some(f.head.head()), &head_of(f, &fork, T + 1), &proof)?;
                Ok(())
            },
        ),
        case(
            "consistency_proof_from_other_tree",
            "an honest size-7 head with the 4 -> 7 proof of a log that appended other entries",
            refused("resolution/inconsistent"),
            |f| {
                let honest = grown(f, 3);
                let mut other = f.tree.clone();
                for i in 0..3 {
                    other.append_data(format!("other entry {i}").as_bytes());
                }
                let proof = other.consistency_proof(4, 7)?;
                check_consistency(
                    f.head.head(),
                    head_of(f, &honest, T + 1).head(),
                    &super::log::proof(&proof),
                )?;
                Ok(())
            },
        ),
        case(
            "consistency_proof_truncated",
            "the honest 4 -> 7 consistency proof with its last hash dropped",
            refused("merkle/wrong_proof_length"),
            |f| {
                let honest = grown(f, 3);
                let mut proof = honest.consistency_proof(4, 7)?;
                proof.pop();
                verify_consistency(4, 7, &f.head.head().root_hash, &honest.root(), &proof)?;
                Ok(())
            },
        ),
        case(
            "log_shrinks",
            "a size-2 head after the resolver saw size 4 (history truncated)",
            refused("resolution/inconsistent"),
            |f| {
                let old = SignedTreeHead::sign(TreeHead::new(LOG, 2, f.tree.root_at(2)?, T + 1), &f.operator)?;
                check_consistency(f.head.head(), old.head(), &[])?;
                Ok(())
            },
        ),
        case(
            "log_shrinks_witness",
            "the witness is asked to co-sign a size-2 head after size 4",
            refused("tree_head/size_shrank"),
            |f| {
                let old = SignedTreeHead::sign(TreeHead::new(LOG, 2, f.tree.root_at(2)?, T + 1), &f.operator)?;
                witness(f).cosign(Some(f.head.head()), &old, &[])?;
                Ok(())
            },
        ),
        case(
            "timestamp_regressed_witness",
            "the witness is asked to co-sign a grown head dated before the last one",
            refused("tree_head/timestamp_regressed"),
            |f| {
                let new = grown(f, 3);
                witness(f).cosign(
                    Some(f.head.head()),
                    &head_of(f, &new, T - 1),
                    &new.consistency_proof(4, 7)?,
                )?;
                Ok(())
            },
        ),
        case(
            "witness_other_operator",
            "the witness is asked to co-sign a head signed by another key",
            refused("tree_head/wrong_operator"),
            |f| {
                let foreign = SignedTreeHead::sign(f.head.head().clone(), &f.attacker)?;
                witness(f).cosign(None, &foreign, &[])?;
                Ok(())
            },
        ),
        case(
            "witness_other_log",
            "the witness is asked to co-sign the operator's head of another log",
            refused("tree_head/log_mismatch"),
            |f| {
                let other = TreeHead::new("did:web:other.example", 4, f.tree.root(), T);
                witness(f).cosign(None, &SignedTreeHead::sign(other, &f.operator)?, &[])?;
                Ok(())
            },
        ),
        // --- inclusion proofs ---
        case(
            "inclusion_for_another_leaf",
            "bob's create's proof (index 1) passed off as the proof of alice's update at index 2",
            refused("merkle/root_mismatch"),
            |f| {
                let proof = f.tree.inclusion_proof(1, 4)?;
                verify_inclusion(&leaf_hash(f.update.leaf_data()), 2, 4, &proof, &f.head.head().root_hash)?;
                Ok(())
            },
        ),
        case(
            "inclusion_forged_leaf",
            "a forged operation with the proof of the genuine leaf at its index",
            refused("merkle/root_mismatch"),
            |f| {
                let proof = f.tree.inclusion_proof(2, 4)?;
                verify_inclusion(&leaf_hash(b"forged entry"), 2, 4, &proof, &f.head.head().root_hash)?;
                Ok(())
            },
        ),
        case(
            "inclusion_proof_padded",
            "the genuine proof with one extra hash",
            refused("merkle/wrong_proof_length"),
            |f| {
                let mut proof = f.tree.inclusion_proof(2, 4)?;
                proof.push([0u8; 32]);
                verify_inclusion(&leaf_hash(f.update.leaf_data()), 2, 4, &proof, &f.head.head().root_hash)?;
                Ok(())
            },
        ),
        case(
            "inclusion_index_beyond_size",
            "an inclusion proof for index 4 of a size-4 tree",
            refused("merkle/index_out_of_range"),
            |f| {
                verify_inclusion(&leaf_hash(b"x"), 4, 4, &[], &f.head.head().root_hash)?;
                Ok(())
            },
        ),
        // --- witness co-signatures ---
        case(
            "cosignature_unknown_witness",
            "a genuine co-signature by a witness the resolver does not know (1-of-1 policy)",
            refused("resolution/tree_head/not_enough_witnesses"),
            |f| {
                let stranger = Witness::new(
                    key(KeyType::Ed25519, "stranger"),
                    f.operator.verifying_key().clone(),
                    LOG,
                );
                let cosignature = stranger.cosign(None, &f.head, &[])?;
                f.verifier()
                    .with_witnesses(one_of_one(f))
                    .verify_tree_head(f.head.as_compact(), &[cosignature.as_compact().to_owned()])?;
                Ok(())
            },
        ),
        case(
            "cosignature_kid_spoofed",
            "a co-signature under the known witness's kid, signed by another key",
            refused("resolution/tree_head/not_enough_witnesses"),
            |f| {
                let header = format!(
                    r#"{{"alg":"EdDSA","kid":"{}","typ":"dojang-cosig+jws"}}"#,
                    kid(&f.witness)
                );
                let forged = sth_raw(&header, f.head.payload(), &key(KeyType::Ed25519, "stranger"));
                f.verifier()
                    .with_witnesses(one_of_one(f))
                    .verify_tree_head(f.head.as_compact(), &[forged])?;
                Ok(())
            },
        ),
        case(
            "cosignature_over_other_head",
            "the known witness's genuine co-signature of an older head, shown with the current head",
            refused("resolution/tree_head/not_enough_witnesses"),
            |f| {
                let older = SignedTreeHead::sign(TreeHead::new(LOG, 2, f.tree.root_at(2)?, T - 1), &f.operator)?;
                let cosignature = witness(f).cosign(None, &older, &f.tree.consistency_proof(0, 2)?)?;
                f.verifier()
                    .with_witnesses(one_of_one(f))
                    .verify_tree_head(f.head.as_compact(), &[cosignature.as_compact().to_owned()])?;
                Ok(())
            },
        ),
        case(
            "cosignature_counted_twice",
            "one witness's co-signature given twice to meet a 2-of-2 policy",
            refused("tree_head/not_enough_witnesses"),
            |f| {
                let policy = WitnessPolicy::new(
                    [
                        f.witness.verifying_key().clone(),
                        key(KeyType::Ed25519, "second").verifying_key().clone(),
                    ],
                    2,
                )?;
                policy.check(&f.head, &[cosigned(f), cosigned(f)])?;
                Ok(())
            },
        ),
        case(
            "cosignature_operator_head_as_cosignature",
            "the operator's own head passed as a witness co-signature",
            refused("resolution/tree_head/not_enough_witnesses"),
            |f| {
                f.verifier()
                    .with_witnesses(one_of_one(f))
                    .verify_tree_head(f.head.as_compact(), &[f.head.as_compact().to_owned()])?;
                Ok(())
            },
        ),
        case(
            "cosignature_flood",
            "33 co-signatures (one more than a resolver checks)",
            refused("resolution/tree_head/too_many_cosignatures"),
            |f| {
                let many = vec![cosigned(f).as_compact().to_owned(); MAX_COSIGNATURES + 1];
                f.verifier()
                    .with_witnesses(one_of_one(f))
                    .verify_tree_head(f.head.as_compact(), &many)?;
                Ok(())
            },
        ),
        case(
            "cosignature_missing",
            "no co-signature where the resolver requires its witness",
            refused("resolution/tree_head/not_enough_witnesses"),
            |f| {
                f.verifier()
                    .with_witnesses(one_of_one(f))
                    .verify_tree_head(f.head.as_compact(), &[])?;
                Ok(())
            },
        ),
    ]
}
