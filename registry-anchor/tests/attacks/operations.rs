//! Attacks on DID operations: what a node checks before appending, and a resolver or mirror
//! when it replays a chain (`Operation::parse`, then `DidState::apply`).

use registry_anchor::operation::{MAX_OPERATION_LEN, MAX_PATCH_OPERATIONS, OperationHash};

use super::*;

const ES256: &str = r#"{"alg":"ES256","typ":"dojang-op+jws"}"#;
const EDDSA: &str = r#"{"alg":"EdDSA","typ":"dojang-op+jws"}"#;

fn refused(code: &'static str) -> Expect {
    Expect::Refused(code)
}

/// Parses `compact` and applies it to `state`.
fn apply(state: &DidState, compact: &str) -> Result<(), Error> {
    let op = Operation::parse(compact)?;
    state.apply(&op)?;
    Ok(())
}

/// The JSON payload of alice's honest update (k1 reveals, commits k2), to tamper with.
fn update_payload(f: &Fixture) -> Value {
    payload_of(f.update.as_str())
}

/// The honest update with its payload replaced by `payload` (any bytes), signed by k1.
fn resigned_update(f: &Fixture, payload: &[u8]) -> String {
    forge(ES256, payload, &f.k1)
}

/// A replacing update of alice after `create`, with `previous`, revealing `key`, committing
/// to k2.
fn update_by(f: &Fixture, previous: OperationHash, key: &SigningKey) -> Result<Operation, Error> {
    Ok(operation::update(
        f.state0.did(),
        previous,
        key,
        KeyCommitment::of(f.k2.verifying_key()),
        DocumentChange::Replace(doc(key)),
    )?)
}

pub fn controls() -> Vec<Case> {
    vec![
        case(
            "control_create",
            "nothing: alice's create parses and starts a chain",
            Expect::Accepted,
            |f| {
                DidState::create(&Operation::parse(f.create.as_str())?)?;
                Ok(())
            },
        ),
        case(
            "control_update",
            "nothing: the update by the committed key k1 continues the chain",
            Expect::Accepted,
            |f| apply(&f.state0, f.update.as_str()),
        ),
        case(
            "control_forged_builder_update",
            "nothing: the update's payload re-signed byte by byte by this suite's raw signer",
            Expect::Accepted,
            |f| apply(&f.state0, &resigned_update(f, f.update.canonical_payload())),
        ),
        case(
            "control_deactivate",
            "nothing: bob's deactivate by the committed key b1",
            Expect::Accepted,
            |f| {
                let bob = DidState::create(&f.bob_create)?;
                apply(&bob, f.bob_deactivate.as_str())
            },
        ),
        case(
            "control_replay_chain",
            "nothing: a mirror replays alice's whole chain from the log",
            Expect::Accepted,
            |f| {
                DidState::replay([&f.create, &f.update])?;
                Ok(())
            },
        ),
    ]
}

pub fn cases() -> Vec<Case> {
    vec![
        // --- the chain: previous, keys, replays ---
        case(
            "op_update_wrong_previous",
            "update whose previous names no operation of the DID",
            refused("operation/stale_previous"),
            |f| {
                let op = update_by(f, OperationHash::of("not an operation of alice"), &f.k1)?;
                apply(&f.state0, op.as_str())
            },
        ),
        case(
            "op_update_forks_the_chain",
            "second successor of create (previous = create after an update exists) by the committed key",
            refused("operation/forked_chain"),
            |f| {
                let op = operation::update(
                    f.state1.did(),
                    *f.create.hash(),
                    &f.k2,
                    KeyCommitment::of(f.attacker.verifying_key()),
                    DocumentChange::Replace(doc(&f.k2)),
                )?;
                apply(&f.state1, op.as_str())
            },
        ),
        case(
            "op_deactivate_wrong_previous",
            "deactivate whose previous names no operation of the DID",
            refused("operation/stale_previous"),
            |f| {
                let op = operation::deactivate(f.state0.did(), OperationHash::of("elsewhere"), &f.k1)?;
                apply(&f.state0, op.as_str())
            },
        ),
        case(
            "op_update_signed_by_another_key",
            "the honest update's payload (revealing k1) signed by the attacker's key",
            refused("operation/bad_signature"),
            |f| apply(&f.state0, &forge(ES256, f.update.canonical_payload(), &f.attacker)),
        ),
        case(
            "op_update_signature_bit_flipped",
            "one bit of the update's signature flipped",
            refused("operation/bad_signature"),
            |f| {
                let (input, signature) = f.update.as_str().rsplit_once('.').unwrap();
                let mut sig = URL_SAFE_NO_PAD.decode(signature).unwrap();
                sig[5] ^= 1;
                apply(&f.state0, &format!("{input}.{}", b64(&sig)))
            },
        ),
        case(
            "op_update_signature_truncated",
            "the update's signature cut to 63 bytes",
            refused("operation/bad_signature"),
            |f| {
                let (input, signature) = f.update.as_str().rsplit_once('.').unwrap();
                let sig = URL_SAFE_NO_PAD.decode(signature).unwrap();
                apply(&f.state0, &format!("{input}.{}", b64(&sig[..63])))
            },
        ),
        case(
            "op_update_signature_empty",
            "the update with an empty signature part",
            refused("operation/bad_signature"),
            |f| {
                let (input, _) = f.update.as_str().rsplit_once('.').unwrap();
                apply(&f.state0, &format!("{input}."))
            },
        ),
        case(
            "op_update_key_not_committed",
            "self-consistent update by a fresh key that create did not commit to",
            refused("operation/key_commitment_mismatch"),
            |f| {
                let op = update_by(f, *f.create.hash(), &f.attacker)?;
                apply(&f.state0, op.as_str())
            },
        ),
        case(
            "op_update_by_spent_key",
            "update by k0, the key create already revealed (spent), instead of the committed k1",
            refused("operation/key_commitment_mismatch"),
            |f| {
                let op = update_by(f, *f.create.hash(), &f.k0)?;
                apply(&f.state0, op.as_str())
            },
        ),
        case(
            "op_update_by_document_key",
            "update by a key from the DID document (an assertion key stolen from a server)",
            refused("operation/key_commitment_mismatch"),
            |f| {
                // alice's document after the update lists k1 as #key-1; the next update key is k2.
                let op = operation::update(
                    f.state1.did(),
                    *f.update.hash(),
                    &f.k1,
                    KeyCommitment::of(f.attacker.verifying_key()),
                    DocumentChange::Replace(doc(&f.attacker)),
                )?;
                apply(&f.state1, op.as_str())
            },
        ),
        case(
            "op_deactivate_key_not_committed",
            "deactivate of bob by the attacker's key",
            refused("operation/key_commitment_mismatch"),
            |f| {
                let bob = DidState::create(&f.bob_create)?;
                let op = operation::deactivate(bob.did(), *f.bob_create.hash(), &f.attacker)?;
                apply(&bob, op.as_str())
            },
        ),
        case(
            "op_replayed_update",
            "the update submitted again after it was applied",
            refused("operation/replay"),
            |f| apply(&f.state1, f.update.as_str()),
        ),
        case(
            "op_replayed_create",
            "alice's create submitted again",
            refused("operation/replay"),
            |f| apply(&f.state0, f.create.as_str()),
        ),
        case(
            "op_create_reencoded",
            "alice's create payload re-signed by k0 with another header member order (a second create of the same DID)",
            refused("operation/duplicate_create"),
            |f| {
                let header = r#"{"typ":"dojang-op+jws","alg":"ES256"}"#;
                apply(&f.state0, &forge(header, f.create.canonical_payload(), &f.k0))
            },
        ),
        case(
            "op_update_after_deactivate",
            "update of bob after its deactivate, by a key of the attacker's choosing",
            refused("operation/deactivated"),
            |f| {
                let op = operation::update(
                    f.bob_state.did(),
                    *f.bob_deactivate.hash(),
                    &f.attacker,
                    KeyCommitment::of(f.k2.verifying_key()),
                    DocumentChange::Replace(doc(&f.attacker)),
                )?;
                apply(&f.bob_state, op.as_str())
            },
        ),
        case(
            "op_update_for_another_did",
            "an update of bob applied to alice's chain",
            refused("operation/did_mismatch"),
            |f| {
                let op = operation::update(
                    f.bob_state.did(),
                    *f.create.hash(),
                    &f.k1,
                    KeyCommitment::of(f.k2.verifying_key()),
                    DocumentChange::Replace(doc(&f.k1)),
                )?;
                apply(&f.state0, op.as_str())
            },
        ),
        case(
            "op_chain_starts_with_update",
            "a chain whose first operation is an update (create withheld)",
            refused("operation/expected_create"),
            |f| {
                DidState::replay([&f.update])?;
                Ok(())
            },
        ),
        case(
            "op_commit_to_own_key",
            "create committing to its own update key (no pre-rotation)",
            refused("operation/key_reuse"),
            |f| {
                operation::create(&f.k0, KeyCommitment::of(f.k0.verifying_key()), doc(&f.k0))?;
                Ok(())
            },
        ),
        // --- size and JSON shape ---
        case(
            "op_oversized",
            "a create with a 40 KiB service endpoint, validly signed",
            refused("operation/too_large"),
            |f| {
                let mut payload = payload_of(f.create.as_str());
                payload["document"]["service"] = json!([{
                    "id": "#big", "type": "LinkedDomains",
                    "serviceEndpoint": format!("https://x.example/{}", "a".repeat(40 * 1024)),
                }]);
                assert!(forge(ES256, &jcs(&payload), &f.k0).len() > MAX_OPERATION_LEN);
                apply(&f.state0, &forge(ES256, &jcs(&payload), &f.k0))
            },
        ),
        case(
            "op_duplicate_member_payload",
            "update payload with `previous` twice (the second naming another operation), signed by k1",
            refused("operation/non_canonical_payload"),
            |f| {
                let canonical = String::from_utf8(f.update.canonical_payload().to_vec()).unwrap();
                let other = OperationHash::of("elsewhere").to_string();
                let dup = canonical.replacen("\"previous\":", &format!("\"previous\":\"{other}\",\"previous\":"), 1);
                assert_ne!(dup, canonical);
                apply(&f.state0, &resigned_update(f, dup.as_bytes()))
            },
        ),
        case(
            "op_duplicate_member_header",
            "header with `alg` twice",
            refused("operation/malformed_jws"),
            |f| {
                let header = r#"{"alg":"ES256","alg":"ES256","typ":"dojang-op+jws"}"#;
                apply(&f.state0, &forge(header, f.update.canonical_payload(), &f.k1))
            },
        ),
        case(
            "op_unknown_member",
            "update payload with an extra member, canonical and signed by k1",
            refused("operation/unknown_member"),
            |f| {
                let mut payload = update_payload(f);
                payload["note"] = json!("trust me");
                apply(&f.state0, &resigned_update(f, &jcs(&payload)))
            },
        ),
        case(
            "op_unknown_member_in_patch",
            "patch operation with an extra member",
            refused("operation/unknown_member"),
            |f| {
                let mut payload = update_payload(f);
                payload.as_object_mut().unwrap().remove("document");
                payload["patch"] = json!([{"op": "remove", "path": "/assertionMethod/0", "from": "/x"}]);
                apply(&f.state0, &resigned_update(f, &jcs(&payload)))
            },
        ),
        case(
            "op_whitespace_payload",
            "update payload pretty-printed (not JCS), signed by k1",
            refused("operation/non_canonical_payload"),
            |f| {
                let pretty = serde_json::to_vec_pretty(&update_payload(f)).unwrap();
                apply(&f.state0, &resigned_update(f, &pretty))
            },
        ),
        case(
            "op_deeply_nested_document",
            "create whose document nests 200 arrays deep",
            refused("operation/invalid_json"),
            |f| {
                let canonical = String::from_utf8(f.create.canonical_payload().to_vec()).unwrap();
                let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
                let nested = canonical.replacen("\"document\":{", &format!("\"document\":{{\"deep\":{deep},"), 1);
                apply(&f.state0, &forge(ES256, nested.as_bytes(), &f.k0))
            },
        ),
        case(
            "op_huge_number",
            "create whose document carries 1e400 (not an I-JSON number)",
            refused("operation/invalid_json"),
            |f| {
                let canonical = String::from_utf8(f.create.canonical_payload().to_vec()).unwrap();
                let huge = canonical.replacen("\"document\":{", "\"document\":{\"n\":1e400,", 1);
                apply(&f.state0, &forge(ES256, huge.as_bytes(), &f.k0))
            },
        ),
        case(
            "op_too_many_patch_operations",
            "patch with one operation more than the limit",
            refused("operation/invalid_member"),
            |f| {
                let mut payload = update_payload(f);
                payload.as_object_mut().unwrap().remove("document");
                let test = json!({"op": "test", "path": "/assertionMethod/0", "value": "#key-1"});
                payload["patch"] = Value::Array(vec![test; MAX_PATCH_OPERATIONS + 1]);
                apply(&f.state0, &resigned_update(f, &jcs(&payload)))
            },
        ),
        case(
            "op_private_update_key",
            "updateKey carrying its private `d` (a leaked secret in the log)",
            refused("operation/invalid_update_key"),
            |f| {
                let mut payload = update_payload(f);
                let private = serde_json::to_value(f.k1.to_jwk()).unwrap();
                payload["updateKey"]["d"] = private["d"].clone();
                apply(&f.state0, &resigned_update(f, &jcs(&payload)))
            },
        ),
        case(
            "op_rsa_update_key",
            "updateKey of kty RSA",
            refused("operation/invalid_update_key"),
            |f| {
                let mut payload = update_payload(f);
                payload["updateKey"] = json!({"kty": "RSA", "n": "sXch", "e": "AQAB"});
                apply(&f.state0, &resigned_update(f, &jcs(&payload)))
            },
        ),
        // --- JOSE header ---
        case(
            "op_alg_none",
            "alg none with an empty signature",
            refused("operation/forbidden_algorithm"),
            |f| {
                let input = format!(
                    "{}.{}",
                    b64(r#"{"alg":"none","typ":"dojang-op+jws"}"#),
                    b64(f.update.canonical_payload())
                );
                apply(&f.state0, &format!("{input}."))
            },
        ),
        case(
            "op_alg_hs256_public_key_as_secret",
            "HS256 with the revealed updateKey's JWK as the HMAC secret",
            refused("operation/forbidden_algorithm"),
            |f| {
                let input = format!(
                    "{}.{}",
                    b64(r#"{"alg":"HS256","typ":"dojang-op+jws"}"#),
                    b64(f.update.canonical_payload())
                );
                let secret = serde_json::to_vec(&f.k1.verifying_key().to_jwk()).unwrap();
                apply(
                    &f.state0,
                    &format!("{input}.{}", b64(hmac_sha256(&secret, input.as_bytes()))),
                )
            },
        ),
        case(
            "op_alg_mismatch",
            "ES384 header over a P-256 updateKey",
            refused("operation/algorithm_mismatch"),
            |f| {
                let header = r#"{"alg":"ES384","typ":"dojang-op+jws"}"#;
                apply(&f.state0, &forge(header, f.update.canonical_payload(), &f.k1))
            },
        ),
        case(
            "op_alg_eddsa_on_p256",
            "EdDSA header over a P-256 updateKey, signed by an Ed25519 key",
            refused("operation/algorithm_mismatch"),
            |f| apply(&f.state0, &forge(EDDSA, f.update.canonical_payload(), &f.k2)),
        ),
        case(
            "op_header_kid",
            "header naming a kid (the key must come from the payload only)",
            refused("operation/invalid_header"),
            |f| {
                let header = format!(
                    r#"{{"alg":"ES256","kid":"{}","typ":"dojang-op+jws"}}"#,
                    kid(&f.attacker)
                );
                apply(&f.state0, &forge(&header, f.update.canonical_payload(), &f.k1))
            },
        ),
        case(
            "op_header_jwk_injection",
            "header embedding the attacker's jwk, signed by it",
            refused("operation/invalid_header"),
            |f| {
                let jwk = serde_json::to_string(&f.attacker.verifying_key().to_jwk()).unwrap();
                let header = format!(r#"{{"alg":"ES256","jwk":{jwk},"typ":"dojang-op+jws"}}"#);
                apply(&f.state0, &forge(&header, f.update.canonical_payload(), &f.attacker))
            },
        ),
        case(
            "op_header_crit",
            "header with a crit extension",
            refused("operation/invalid_header"),
            |f| {
                let header = r#"{"alg":"ES256","crit":["exp"],"exp":1,"typ":"dojang-op+jws"}"#;
                apply(&f.state0, &forge(header, f.update.canonical_payload(), &f.k1))
            },
        ),
        case(
            "op_typ_confusion",
            "an operation typed as a tree head (dojang-sth+jws)",
            refused("operation/invalid_header"),
            |f| {
                let header = r#"{"alg":"ES256","typ":"dojang-sth+jws"}"#;
                apply(&f.state0, &forge(header, f.update.canonical_payload(), &f.k1))
            },
        ),
        case(
            "op_high_s_signature",
            "ECDSA malleability: the update's (r, s) re-encoded as (r, n - s)",
            refused("operation/malleable_signature"),
            |f| {
                let (input, signature) = f.update.as_str().rsplit_once('.').unwrap();
                let sig = p256::ecdsa::Signature::from_slice(&URL_SAFE_NO_PAD.decode(signature).unwrap()).unwrap();
                let (r, s) = sig.split_scalars();
                let high = p256::ecdsa::Signature::from_scalars(r, -*s).unwrap();
                apply(&f.state0, &format!("{input}.{}", b64(high.to_bytes())))
            },
        ),
    ]
}

/// HMAC-SHA256 (RFC 2104), for the algorithm-confusion case.
fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    use sha2::Sha256;
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let inner: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
    let outer: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
    let inner_hash = Sha256::new().chain_update(&inner).chain_update(message).finalize();
    Sha256::new()
        .chain_update(&outer)
        .chain_update(inner_hash)
        .finalize()
        .to_vec()
}
