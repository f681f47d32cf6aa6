//! Signed tree heads, co-signatures, witness policies and the witness's consistency rule.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use did_core::jose::{self, Header, JwsError};
use did_core::key::{Algorithm, KeyType, SigningKey, VerifyingKey};
use did_core::resolve::KeyResolver;
use registry_anchor::merkle::{EMPTY_ROOT, Hash, MerkleError, Tree, encode_hash};
use registry_anchor::tree_head::{
    COSIGNATURE_TYP, Cosignature, MAX_COSIGNATURES, MAX_JSON_INTEGER, MAX_TREE_HEAD_JWS_LEN, SignedTreeHead,
    TREE_HEAD_TYP, TreeHead, TreeHeadError, UnverifiedTreeHead, Witness, WitnessPolicy,
};

const LOG: &str = "did:web:registry.example";

/// A fixed P-256 operator key, so that signatures (RFC 6979) are reproducible.
fn operator() -> SigningKey {
    SigningKey::from_bytes(KeyType::P256, &[7u8; 32]).unwrap()
}

fn key(key_type: KeyType, seed: u8) -> SigningKey {
    SigningKey::from_bytes(key_type, &vec![seed; key_type.scalar_len()]).unwrap()
}

fn tree(size: u64) -> Tree {
    Tree::from_leaf_hashes((0..size).map(|i| registry_anchor::merkle::leaf_hash(&i.to_be_bytes())))
}

fn head_of(tree: &Tree, size: u64, timestamp_ms: u64) -> TreeHead {
    TreeHead::new(LOG, size, tree.root_at(size).unwrap(), timestamp_ms)
}

/// Builds a compact JWS by hand from a header JSON, a payload and a signing key (or a
/// fixed junk signature), to produce what our signer never would.
fn hand_made(header_json: &str, payload: &[u8], key: Option<&SigningKey>) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header_json),
        URL_SAFE_NO_PAD.encode(payload)
    );
    let signature = match key {
        Some(key) => key.sign(input.as_bytes()).unwrap(),
        None => vec![1; 64],
    };
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

fn sth_header(key: &VerifyingKey) -> String {
    format!(
        r#"{{"alg":"{}","kid":"{}","typ":"{TREE_HEAD_TYP}"}}"#,
        key.algorithm().name(),
        KeyResolver::key_id_for(key)
    )
}

// ---------------------------------------------------------------------------------------
// Payload.
// ---------------------------------------------------------------------------------------

#[test]
fn payload_is_the_jcs_of_the_head() {
    let head = TreeHead::new(LOG, 3, EMPTY_ROOT, 1_700_000_000_123);
    let payload = head.to_payload().unwrap();
    assert_eq!(
        String::from_utf8(payload.clone()).unwrap(),
        format!(
            r#"{{"log":"{LOG}","rootHash":"47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU","size":3,"timestamp":1700000000123}}"#
        )
    );
    assert_eq!(TreeHead::from_payload(&payload).unwrap(), head);
}

#[test]
fn non_canonical_or_malformed_payloads_are_refused() {
    let root = encode_hash(&EMPTY_ROOT);
    let canonical = format!(r#"{{"log":"{LOG}","rootHash":"{root}","size":3,"timestamp":5}}"#);
    assert!(TreeHead::from_payload(canonical.as_bytes()).is_ok());
    for non_canonical in [
        format!(r#"{{"log":"{LOG}","size":3,"rootHash":"{root}","timestamp":5}}"#),
        format!(r#"{{ "log":"{LOG}","rootHash":"{root}","size":3,"timestamp":5}}"#),
        format!(r#"{{"log":"{LOG}","rootHash":"{root}","size":3,"timestamp":5}}"#) + "\n",
        format!(r#"{{"log":"did:web:registry\u002eexample","rootHash":"{root}","size":3,"timestamp":5}}"#),
    ] {
        assert_eq!(
            TreeHead::from_payload(non_canonical.as_bytes()),
            Err(TreeHeadError::NonCanonicalPayload),
            "{non_canonical}"
        );
    }
    for malformed in [
        String::new(),
        "[]".into(),
        "null".into(),
        format!(r#"{{"log":"{LOG}","rootHash":"{root}","size":3}}"#),
        format!(r#"{{"log":"{LOG}","rootHash":"{root}","size":3,"timestamp":5,"extra":1}}"#),
        format!(r#"{{"log":"{LOG}","log":"{LOG}","rootHash":"{root}","size":3,"timestamp":5}}"#),
        format!(r#"{{"log":"{LOG}","rootHash":"{root}","size":-3,"timestamp":5}}"#),
        format!(r#"{{"log":"{LOG}","rootHash":"{root}","size":3.0,"timestamp":5}}"#),
        format!(r#"{{"log":"{LOG}","rootHash":"{root}","size":"3","timestamp":5}}"#),
        format!(r#"{{"log":"{LOG}","rootHash":"{root}=","size":3,"timestamp":5}}"#),
        format!(r#"{{"log":"{LOG}","rootHash":"AAAA","size":3,"timestamp":5}}"#),
        format!(r#"{{"log":1,"rootHash":"{root}","size":3,"timestamp":5}}"#),
        format!(r#"{{"log":"{LOG}","rootHash":"{root}","size":3,"timestamp":5}}{{}}"#),
    ] {
        assert!(
            matches!(
                TreeHead::from_payload(malformed.as_bytes()),
                Err(TreeHeadError::InvalidPayload(_))
            ),
            "{malformed}"
        );
    }
    for out_of_range in [
        format!(r#"{{"log":"{LOG}","rootHash":"{root}","size":9007199254740992,"timestamp":5}}"#),
        format!(r#"{{"log":"","rootHash":"{root}","size":3,"timestamp":5}}"#),
        format!(r#"{{"log":"a b","rootHash":"{root}","size":3,"timestamp":5}}"#),
        format!(
            r#"{{"log":"{}","rootHash":"{root}","size":3,"timestamp":5}}"#,
            "x".repeat(257)
        ),
    ] {
        assert!(
            matches!(
                TreeHead::from_payload(out_of_range.as_bytes()),
                Err(TreeHeadError::InvalidTreeHead(_))
            ),
            "{out_of_range}"
        );
    }
}

#[test]
fn heads_out_of_range_are_not_signed() {
    let operator = operator();
    for head in [
        TreeHead::new("", 1, EMPTY_ROOT, 1),
        TreeHead::new("log with spaces", 1, EMPTY_ROOT, 1),
        TreeHead::new("é", 1, EMPTY_ROOT, 1),
        TreeHead::new("x".repeat(257), 1, EMPTY_ROOT, 1),
        TreeHead::new(LOG, MAX_JSON_INTEGER + 1, EMPTY_ROOT, 1),
        TreeHead::new(LOG, 1, EMPTY_ROOT, u64::MAX),
    ] {
        assert!(matches!(
            SignedTreeHead::sign(head, &operator),
            Err(TreeHeadError::InvalidTreeHead(_))
        ));
    }
    let max = TreeHead::new("x".repeat(256), MAX_JSON_INTEGER, EMPTY_ROOT, MAX_JSON_INTEGER);
    let sth = SignedTreeHead::sign(max.clone(), &key(KeyType::P384, 3)).unwrap();
    assert!(sth.as_compact().len() < MAX_TREE_HEAD_JWS_LEN / 2);
    assert_eq!(
        SignedTreeHead::verify(sth.as_compact(), key(KeyType::P384, 3).verifying_key())
            .unwrap()
            .head(),
        &max
    );
}

// ---------------------------------------------------------------------------------------
// Signed tree heads.
// ---------------------------------------------------------------------------------------

#[test]
fn round_trip_with_every_key_type() {
    let tree = tree(10);
    for key_type in [KeyType::P256, KeyType::P384, KeyType::Ed25519] {
        let operator = key(key_type, 9);
        let head = head_of(&tree, 10, 1_700_000_000_000);
        let sth = SignedTreeHead::sign(head.clone(), &operator).unwrap();
        let verified = SignedTreeHead::verify(sth.as_compact(), operator.verifying_key()).unwrap();
        assert_eq!(verified, sth);
        assert_eq!(verified.head(), &head);
        assert_eq!(verified.payload(), head.to_payload().unwrap().as_slice());
        assert_eq!(verified.operator(), operator.verifying_key());

        let decoded = jose::decode(sth.as_compact()).unwrap();
        assert_eq!(decoded.header().alg, key_type.algorithm());
        assert_eq!(decoded.header().typ.as_deref(), Some("dojang-sth+jws"));
        assert_eq!(
            decoded.header().kid.as_deref(),
            Some(KeyResolver::key_id_for(operator.verifying_key()).as_str())
        );

        let unverified = UnverifiedTreeHead::parse(sth.as_compact()).unwrap();
        assert_eq!(unverified.kid(), KeyResolver::key_id_for(operator.verifying_key()));
        assert_eq!(unverified.head(), &head);
        assert_eq!(unverified.verify(operator.verifying_key()).unwrap(), sth);
    }
}

#[test]
fn signing_is_deterministic() {
    let head = head_of(&tree(4), 4, 42);
    for key_type in [KeyType::P256, KeyType::Ed25519] {
        let operator = key(key_type, 5);
        let a = SignedTreeHead::sign(head.clone(), &operator).unwrap();
        let b = SignedTreeHead::sign(head.clone(), &operator).unwrap();
        assert_eq!(a.as_compact(), b.as_compact());
    }
}

#[test]
fn tampered_heads_are_refused() {
    let operator = operator();
    let tree = tree(8);
    let sth = SignedTreeHead::sign(head_of(&tree, 8, 100), &operator).unwrap();
    let compact = sth.as_compact();
    let parts: Vec<&str> = compact.split('.').collect();

    // Another valid head's payload under the original signature.
    for other in [
        head_of(&tree, 7, 100),
        head_of(&tree, 8, 101),
        TreeHead::new(LOG, 8, EMPTY_ROOT, 100),
    ] {
        let payload = URL_SAFE_NO_PAD.encode(other.to_payload().unwrap());
        let forged = format!("{}.{payload}.{}", parts[0], parts[2]);
        assert_eq!(
            SignedTreeHead::verify(&forged, operator.verifying_key()),
            Err(TreeHeadError::Jws(JwsError::BadSignature))
        );
    }
    // Every character of the signature changed.
    let signature = parts[2];
    for i in 0..signature.len() {
        let mut chars: Vec<char> = signature.chars().collect();
        chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
        let forged = format!("{}.{}.{}", parts[0], parts[1], chars.iter().collect::<String>());
        assert!(
            SignedTreeHead::verify(&forged, operator.verifying_key()).is_err(),
            "signature char {i}"
        );
    }
    // Every character of the payload changed: never accepted, never a panic.
    let payload = parts[1];
    for i in 0..payload.len() {
        let mut chars: Vec<char> = payload.chars().collect();
        chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
        let forged = format!("{}.{}.{}", parts[0], chars.iter().collect::<String>(), parts[2]);
        assert!(
            SignedTreeHead::verify(&forged, operator.verifying_key()).is_err(),
            "payload char {i}"
        );
    }
    // Truncations.
    for len in 0..compact.len() {
        assert!(
            SignedTreeHead::verify(&compact[..len], operator.verifying_key()).is_err(),
            "length {len}"
        );
    }
    // Too large.
    let huge = format!("{compact}{}", "A".repeat(MAX_TREE_HEAD_JWS_LEN));
    assert_eq!(
        SignedTreeHead::verify(&huge, operator.verifying_key()),
        Err(TreeHeadError::TooLarge {
            limit: MAX_TREE_HEAD_JWS_LEN
        })
    );
}

#[test]
fn wrong_key_is_refused() {
    let operator = operator();
    let sth = SignedTreeHead::sign(head_of(&tree(3), 3, 1), &operator).unwrap();
    let other = key(KeyType::P256, 8);
    assert!(matches!(
        SignedTreeHead::verify(sth.as_compact(), other.verifying_key()),
        Err(TreeHeadError::KidMismatch { .. })
    ));
    // Claiming the other key's kid does not help: the signature is still the operator's.
    let payload = head_of(&tree(3), 3, 1).to_payload().unwrap();
    let forged = hand_made(&sth_header(other.verifying_key()), &payload, Some(&operator));
    assert_eq!(
        SignedTreeHead::verify(&forged, other.verifying_key()),
        Err(TreeHeadError::Jws(JwsError::BadSignature))
    );
    // A key of another type: alg must match the key.
    let ed = key(KeyType::Ed25519, 8);
    assert_eq!(
        SignedTreeHead::verify(sth.as_compact(), ed.verifying_key()),
        Err(TreeHeadError::Jws(JwsError::AlgorithmMismatch {
            header: Algorithm::Es256,
            key: Algorithm::EdDsa
        }))
    );
}

#[test]
fn wrong_or_missing_typ_and_kid_are_refused() {
    let operator = operator();
    let vk = operator.verifying_key();
    let kid = KeyResolver::key_id_for(vk);
    let payload = head_of(&tree(3), 3, 1).to_payload().unwrap();
    let cases: [(String, TreeHeadError); 6] = [
        (
            format!(r#"{{"alg":"ES256","kid":"{kid}","typ":"JWT"}}"#),
            TreeHeadError::WrongType {
                expected: TREE_HEAD_TYP,
                found: Some("JWT".into()),
            },
        ),
        (
            format!(r#"{{"alg":"ES256","kid":"{kid}","typ":"DOJANG-STH+JWS"}}"#),
            TreeHeadError::WrongType {
                expected: TREE_HEAD_TYP,
                found: Some("DOJANG-STH+JWS".into()),
            },
        ),
        (
            format!(r#"{{"alg":"ES256","kid":"{kid}","typ":"application/dojang-sth+jws"}}"#),
            TreeHeadError::WrongType {
                expected: TREE_HEAD_TYP,
                found: Some("application/dojang-sth+jws".into()),
            },
        ),
        (
            format!(r#"{{"alg":"ES256","kid":"{kid}","typ":"{COSIGNATURE_TYP}"}}"#),
            TreeHeadError::WrongType {
                expected: TREE_HEAD_TYP,
                found: Some(COSIGNATURE_TYP.into()),
            },
        ),
        (
            format!(r#"{{"alg":"ES256","kid":"{kid}"}}"#),
            TreeHeadError::WrongType {
                expected: TREE_HEAD_TYP,
                found: None,
            },
        ),
        (
            format!(r#"{{"alg":"ES256","typ":"{TREE_HEAD_TYP}"}}"#),
            TreeHeadError::MissingKid,
        ),
    ];
    for (header, expected) in cases {
        let compact = hand_made(&header, &payload, Some(&operator));
        assert_eq!(SignedTreeHead::verify(&compact, vk), Err(expected), "{header}");
    }
}

#[test]
fn alg_none_and_other_forbidden_algorithms_are_refused() {
    let operator = operator();
    let kid = KeyResolver::key_id_for(operator.verifying_key());
    let payload = head_of(&tree(3), 3, 1).to_payload().unwrap();
    for alg in ["none", "HS256", "RS256", "es256"] {
        let header = format!(r#"{{"alg":"{alg}","kid":"{kid}","typ":"{TREE_HEAD_TYP}"}}"#);
        let input = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(&header),
            URL_SAFE_NO_PAD.encode(&payload)
        );
        assert!(
            matches!(
                SignedTreeHead::verify(&input, operator.verifying_key()),
                Err(TreeHeadError::Jws(JwsError::ForbiddenAlgorithm(_)))
            ),
            "{alg}"
        );
        let with_signature = hand_made(&header, &payload, None);
        assert!(matches!(
            SignedTreeHead::verify(&with_signature, operator.verifying_key()),
            Err(TreeHeadError::Jws(JwsError::ForbiddenAlgorithm(_)))
        ));
    }
}

#[test]
fn unknown_crit_is_refused() {
    let operator = operator();
    let vk = operator.verifying_key();
    let payload = head_of(&tree(3), 3, 1).to_payload().unwrap();
    let header = Header::new(Algorithm::Es256)
        .with_kid(KeyResolver::key_id_for(vk))
        .with_typ(TREE_HEAD_TYP)
        .with_member("exp", 5)
        .with_crit(["exp"]);
    let compact = jose::sign_with_key(header, &payload, &operator).unwrap();
    assert_eq!(
        SignedTreeHead::verify(&compact, vk),
        Err(TreeHeadError::Jws(JwsError::UnsupportedCritical("exp".into())))
    );
}

#[test]
fn correctly_signed_non_canonical_payload_is_refused() {
    let operator = operator();
    let vk = operator.verifying_key();
    let root = encode_hash(&tree(3).root());
    for payload in [
        format!(r#"{{"log":"{LOG}","rootHash":"{root}","size":3, "timestamp":1}}"#),
        format!(r#"{{"size":3,"log":"{LOG}","rootHash":"{root}","timestamp":1}}"#),
        format!(r#"{{"log":"{LOG}","rootHash":"{root}","size":3,"timestamp":1.0}}"#),
        format!(r#"{{"log":"{LOG}","rootHash":"{root}","size":3,"timestamp":1e0}}"#),
    ] {
        let compact = hand_made(&sth_header(vk), payload.as_bytes(), Some(&operator));
        let result = SignedTreeHead::verify(&compact, vk);
        assert!(
            matches!(
                result,
                Err(TreeHeadError::NonCanonicalPayload | TreeHeadError::InvalidPayload(_))
            ),
            "{payload}: {result:?}"
        );
    }
    let spaced = format!(r#"{{"log":"{LOG}","rootHash":"{root}","size":3, "timestamp":1}}"#);
    let compact = hand_made(&sth_header(vk), spaced.as_bytes(), Some(&operator));
    assert_eq!(
        SignedTreeHead::verify(&compact, vk),
        Err(TreeHeadError::NonCanonicalPayload)
    );
    // The same payload, canonical, is accepted: the refusal above is about canonical form only.
    let canonical = format!(r#"{{"log":"{LOG}","rootHash":"{root}","size":3,"timestamp":1}}"#);
    let compact = hand_made(&sth_header(vk), canonical.as_bytes(), Some(&operator));
    assert!(SignedTreeHead::verify(&compact, vk).is_ok());
}

// ---------------------------------------------------------------------------------------
// Co-signatures and witness policies.
// ---------------------------------------------------------------------------------------

fn witness(seed: u8, key_type: KeyType) -> Witness {
    Witness::new(key(key_type, seed), operator().verifying_key().clone(), LOG)
}

#[test]
fn cosignature_round_trip_and_binding_to_the_head() {
    let tree = tree(6);
    let sth = SignedTreeHead::sign(head_of(&tree, 6, 10), &operator()).unwrap();
    let w = witness(1, KeyType::Ed25519);
    let cosignature = w.cosign(None, &sth, &[]).unwrap();
    assert_eq!(cosignature.kid(), w.kid());
    let parsed = Cosignature::parse(cosignature.as_compact()).unwrap();
    assert_eq!(parsed, cosignature);
    parsed.verify(&sth, w.verifying_key()).unwrap();
    let header = jose::decode(cosignature.as_compact()).unwrap().header().clone();
    assert_eq!(header.typ.as_deref(), Some("dojang-cosig+jws"));

    // Over the same payload bytes as the head.
    let cosig_payload = jose::decode(cosignature.as_compact()).unwrap().payload().to_vec();
    assert_eq!(cosig_payload, sth.payload());

    // Not valid for another head, nor with another key, nor as a tree head.
    let other = SignedTreeHead::sign(head_of(&tree, 5, 10), &operator()).unwrap();
    assert_eq!(
        parsed.verify(&other, w.verifying_key()),
        Err(TreeHeadError::PayloadMismatch)
    );
    assert!(matches!(
        parsed.verify(&sth, witness(2, KeyType::Ed25519).verifying_key()),
        Err(TreeHeadError::KidMismatch { .. })
    ));
    assert!(matches!(
        SignedTreeHead::verify(cosignature.as_compact(), w.verifying_key()),
        Err(TreeHeadError::WrongType { .. })
    ));
    assert!(matches!(
        Cosignature::parse(sth.as_compact()),
        Err(TreeHeadError::WrongType { .. })
    ));
}

#[test]
fn witness_policy_counts_distinct_known_witnesses() {
    let tree = tree(6);
    let sth = SignedTreeHead::sign(head_of(&tree, 6, 10), &operator()).unwrap();
    let (a, b, c) = (
        witness(1, KeyType::Ed25519),
        witness(2, KeyType::P256),
        witness(3, KeyType::P384),
    );
    let stranger = witness(4, KeyType::Ed25519);
    let policy = WitnessPolicy::new(
        [
            a.verifying_key().clone(),
            b.verifying_key().clone(),
            c.verifying_key().clone(),
        ],
        2,
    )
    .unwrap();
    assert_eq!(policy.threshold(), 2);
    assert_eq!(policy.witness_kids().count(), 3);
    let sig_a = a.cosign(None, &sth, &[]).unwrap();
    let sig_b = b.cosign(None, &sth, &[]).unwrap();
    let sig_stranger = stranger.cosign(None, &sth, &[]).unwrap();

    let report = policy.check(&sth, &[sig_a.clone(), sig_b.clone()]).unwrap();
    assert_eq!(report.valid.len(), 2);

    let report = policy
        .check(
            &sth,
            &[sig_stranger.clone(), sig_a.clone(), sig_a.clone(), sig_b.clone()],
        )
        .unwrap();
    assert_eq!(report.valid, vec![a.kid(), b.kid()]);
    assert_eq!(
        report.unknown,
        vec![stranger.kid().chars().take(64).collect::<String>()]
    );
    assert_eq!(report.duplicates, 1);

    // One known witness, repeated, plus an unknown one: not enough.
    match policy.check(&sth, &[sig_a.clone(), sig_a.clone(), sig_stranger.clone()]) {
        Err(TreeHeadError::NotEnoughWitnesses {
            required: 2,
            valid: 1,
            unknown,
            invalid,
        }) => {
            assert_eq!(unknown.len(), 1);
            assert!(invalid.is_empty());
        }
        other => panic!("{other:?}"),
    }

    // A co-signature of another head by a known witness is reported invalid, not counted.
    let other = SignedTreeHead::sign(head_of(&tree, 5, 10), &operator()).unwrap();
    let sig_c_other = c.cosign(None, &other, &[]).unwrap();
    match policy.check(&sth, &[sig_a.clone(), sig_c_other]) {
        Err(TreeHeadError::NotEnoughWitnesses { valid: 1, invalid, .. }) => assert_eq!(invalid, vec![c.kid()]),
        other => panic!("{other:?}"),
    }
    // A forged co-signature claiming a known witness's kid.
    let forged = {
        let header = format!(r#"{{"alg":"EdDSA","kid":"{}","typ":"{COSIGNATURE_TYP}"}}"#, a.kid());
        Cosignature::parse(&hand_made(&header, sth.payload(), Some(&key(KeyType::Ed25519, 4)))).unwrap()
    };
    assert!(matches!(
        policy.check(&sth, &[forged, sig_b.clone()]),
        Err(TreeHeadError::NotEnoughWitnesses { valid: 1, .. })
    ));

    // Limits and impossible policies.
    let many = vec![sig_a.clone(); MAX_COSIGNATURES + 1];
    assert_eq!(
        policy.check(&sth, &many),
        Err(TreeHeadError::TooManyCosignatures {
            limit: MAX_COSIGNATURES
        })
    );
    assert!(matches!(
        WitnessPolicy::new([a.verifying_key().clone(), a.verifying_key().clone()], 2),
        Err(TreeHeadError::InvalidPolicy(_))
    ));
    assert!(WitnessPolicy::none().check(&sth, &[]).is_ok());
    assert!(
        WitnessPolicy::new([a.verifying_key().clone()], 0)
            .unwrap()
            .check(&sth, &[])
            .is_ok()
    );
}

#[test]
fn witness_cosigns_consistent_heads() {
    let tree = tree(20);
    let operator = operator();
    let w = witness(1, KeyType::P256);
    let first = SignedTreeHead::sign(head_of(&tree, 5, 100), &operator).unwrap();
    w.cosign(None, &first, &[]).unwrap();
    // From the empty tree no proof is needed, and none is accepted.
    assert!(matches!(
        w.cosign(None, &first, &[EMPTY_ROOT]),
        Err(TreeHeadError::Inconsistent(MerkleError::WrongProofLength { .. }))
    ));
    for (old, new) in [(5, 5), (5, 6), (5, 8), (5, 20), (1, 20), (16, 17)] {
        let previous = head_of(&tree, old, 100);
        let next = SignedTreeHead::sign(head_of(&tree, new, 100 + new), &operator).unwrap();
        let proof = tree.consistency_proof(old, new).unwrap();
        let cosignature = w.cosign(Some(&previous), &next, &proof).unwrap();
        cosignature.verify(&next, w.verifying_key()).unwrap();
    }
}

#[test]
fn witness_refuses_inconsistent_heads() {
    let tree = tree(20);
    let operator = operator();
    let w = witness(1, KeyType::P256);
    let previous = head_of(&tree, 8, 100);
    let sign = |head: TreeHead| SignedTreeHead::sign(head, &operator).unwrap();
    let proof = |old, new| tree.consistency_proof(old, new).unwrap();

    // Another log, for the new head or for the witness's own previous head.
    let other_log = sign(TreeHead::new(
        "did:web:other.example",
        12,
        tree.root_at(12).unwrap(),
        200,
    ));
    assert!(matches!(
        w.cosign(Some(&previous), &other_log, &proof(8, 12)),
        Err(TreeHeadError::LogMismatch { .. })
    ));
    let previous_other_log = TreeHead::new("did:web:other.example", 8, tree.root_at(8).unwrap(), 100);
    assert!(matches!(
        w.cosign(Some(&previous_other_log), &sign(head_of(&tree, 12, 200)), &proof(8, 12)),
        Err(TreeHeadError::LogMismatch { .. })
    ));
    // Shrinking.
    assert_eq!(
        w.cosign(Some(&previous), &sign(head_of(&tree, 7, 200)), &[]),
        Err(TreeHeadError::SizeShrank { previous: 8, new: 7 })
    );
    // Time going backwards.
    assert_eq!(
        w.cosign(Some(&previous), &sign(head_of(&tree, 12, 99)), &proof(8, 12)),
        Err(TreeHeadError::TimestampRegressed { previous: 100, new: 99 })
    );
    // A fork: the next head is not an extension of the previous one.
    let mut fork = Tree::from_leaf_hashes((0..8).map(|i| tree.leaf_hash_at(i).unwrap()));
    fork.append_data(b"a different ninth entry");
    let fork_head = TreeHead::new(LOG, 9, fork.root(), 200);
    assert!(matches!(
        w.cosign(Some(&previous), &sign(fork_head), &proof(8, 9)),
        Err(TreeHeadError::Inconsistent(MerkleError::RootMismatch { .. }))
    ));
    // A rewritten history (leaf 3 changed), with the rewritten log's own, internally valid
    // proof: caught against the old root (old size 6) or the new one (old size 8, a power of
    // two, whose old root seeds the walk).
    let mut history: Vec<Hash> = (0..12).map(|i| tree.leaf_hash_at(i).unwrap()).collect();
    history[3] = registry_anchor::merkle::leaf_hash(b"rewritten");
    let rewritten = Tree::from_leaf_hashes(history);
    let rewritten_head = sign(TreeHead::new(LOG, 12, rewritten.root(), 200));
    let result = w.cosign(
        Some(&head_of(&tree, 6, 100)),
        &rewritten_head,
        &rewritten.consistency_proof(6, 12).unwrap(),
    );
    assert!(
        matches!(
            result,
            Err(TreeHeadError::Inconsistent(MerkleError::OldRootMismatch { .. }))
        ),
        "{result:?}"
    );
    let result = w.cosign(
        Some(&previous),
        &rewritten_head,
        &rewritten.consistency_proof(8, 12).unwrap(),
    );
    assert!(
        matches!(
            result,
            Err(TreeHeadError::Inconsistent(MerkleError::RootMismatch { .. }))
        ),
        "{result:?}"
    );
    // Same size, same root: fine with an empty proof; a different root at the same size is not.
    w.cosign(Some(&previous), &sign(head_of(&tree, 8, 150)), &[]).unwrap();
    assert!(matches!(
        w.cosign(Some(&previous), &sign(TreeHead::new(LOG, 8, EMPTY_ROOT, 150)), &[]),
        Err(TreeHeadError::Inconsistent(MerkleError::RootMismatch { .. }))
    ));
    // A wrong proof.
    let mut bad = proof(8, 12);
    bad[0][0] ^= 1;
    assert!(matches!(
        w.cosign(Some(&previous), &sign(head_of(&tree, 12, 200)), &bad),
        Err(TreeHeadError::Inconsistent(_))
    ));
    // A head from another operator, even for the right log and consistent.
    let impostor = SignedTreeHead::sign(head_of(&tree, 12, 200), &key(KeyType::P256, 99)).unwrap();
    assert!(matches!(
        w.cosign(Some(&previous), &impostor, &proof(8, 12)),
        Err(TreeHeadError::WrongOperator { .. })
    ));
    // Errors a caller can read.
    let message = TreeHeadError::SizeShrank { previous: 8, new: 7 }.to_string();
    assert!(message.contains('8') && message.contains('7'), "{message}");
}
