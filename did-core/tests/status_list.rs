//! Credential status lists: the IETF Token Status List vectors (LSB-first, ZLIB) and the
//! W3C Bitstring Status List examples (MSB-first, GZIP), status list tokens signed and
//! verified with our own key, and the hostile inputs: bombs, confusions, bad prefixes.

use crate::common;

use std::collections::BTreeMap;
use std::io::Write;
use std::time::{Duration, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use did_core::clock::FixedClock;
use did_core::jose::{self, Header, JwsError};
use did_core::key::{Jwk, KeyType, SigningKey, VerifyingKey};
use did_core::status::{
    BitstringStatusList, BitstringStatusListEntry, BitstringStatusListSubject, Compression, DecodeLimits, MIN_ENTRIES,
    MemoryStatusListSource, StatusError, StatusListClaim, StatusListReference, StatusListSource, StatusListToken,
    StatusMessage, StatusPurpose, TokenStatus, TokenStatusList, bitstring_entries, check_bitstring_status,
    check_bitstring_status_with_limits,
};
use serde_json::{Value, json};

fn vector(path: &str) -> Value {
    let path = format!("{}/tests/vectors/status-list/{path}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))).unwrap()
}

fn ietf() -> Value {
    vector("ietf-token-status-list/status-list-vectors.json")
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn zlib(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

// ---------------------------------------------------------------- IETF Token Status List

#[test]
fn ietf_small_examples_decode_to_their_byte_arrays_and_statuses() {
    let v = ietf();
    let examples = v["small_examples"].as_array().unwrap();
    assert_eq!(examples.len(), 2);
    for example in examples {
        let bits = example["bits"].as_u64().unwrap() as u8;
        let statuses: Vec<u8> = example["statuses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_u64().unwrap() as u8)
            .collect();
        let list = TokenStatusList::from_lst(bits, example["lst"].as_str().unwrap()).unwrap();
        assert_eq!(list.as_bytes(), hex(example["byte_array_hex"].as_str().unwrap()));
        assert_eq!(list.len(), statuses.len() as u64);
        for (i, status) in statuses.iter().enumerate() {
            assert_eq!(
                list.get(i as u64).unwrap(),
                TokenStatus(*status),
                "bits {bits} index {i}"
            );
        }
        assert!(matches!(
            list.get(statuses.len() as u64),
            Err(StatusError::IndexOutOfRange { .. })
        ));
        // The compressed hex is the same ZLIB stream as lst.
        assert_eq!(
            b64(&hex(example["compressed_hex"].as_str().unwrap())),
            example["lst"].as_str().unwrap()
        );

        // Building from the statuses gives the same bytes, and lst round-trips.
        let mut built = TokenStatusList::new(bits, statuses.len() as u64).unwrap();
        for (i, status) in statuses.iter().enumerate() {
            built.set(i as u64, TokenStatus(*status)).unwrap();
        }
        assert_eq!(built.as_bytes(), list.as_bytes());
        let again = TokenStatusList::from_lst(bits, &built.to_lst().unwrap()).unwrap();
        assert_eq!(again, list);
    }
}

#[test]
fn ietf_status_names() {
    assert_eq!(TokenStatus::VALID.value(), 0);
    assert_eq!(TokenStatus::INVALID.value(), 1);
    assert_eq!(TokenStatus::SUSPENDED.value(), 2);
    assert!(TokenStatus(0).is_valid());
    assert!(!TokenStatus(0x0c).is_valid());
    assert_eq!(TokenStatus::SUSPENDED.to_string(), "SUSPENDED");
    assert_eq!(TokenStatus(0x0c).to_string(), "0x0c");
}

#[test]
fn ietf_2_pow_20_vectors_hold_exactly_the_listed_statuses() {
    let v = ietf();
    let vectors = v["test_vectors"].as_array().unwrap();
    let bit_sizes: Vec<u64> = vectors.iter().map(|t| t["bits"].as_u64().unwrap()).collect();
    assert_eq!(bit_sizes, [1, 2, 4, 8]);
    for t in vectors {
        let bits = t["bits"].as_u64().unwrap() as u8;
        let size = t["size"].as_u64().unwrap();
        let listed: BTreeMap<u64, TokenStatus> = t["nonzero_statuses"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(i, s)| (i.parse().unwrap(), TokenStatus(s.as_u64().unwrap() as u8)))
            .collect();
        let list = TokenStatusList::from_lst(bits, t["lst"].as_str().unwrap()).unwrap();
        // The 8-bit vector lists every value 0..=255, so one "non-zero" status is 0.
        for (index, status) in &listed {
            assert_eq!(list.get(*index).unwrap(), *status, "bits {bits} index {index}");
        }
        let expected: BTreeMap<u64, TokenStatus> = listed.into_iter().filter(|(_, s)| !s.is_valid()).collect();
        assert!(expected.len() >= 10);
        assert_eq!(list.len(), size, "bits {bits}");
        // Every listed status is read back, and nothing else is non-zero.
        let found: BTreeMap<u64, TokenStatus> = list.iter_nonzero().collect();
        assert_eq!(found, expected, "bits {bits}");
        for (index, status) in &expected {
            assert_eq!(list.get(*index).unwrap(), *status);
            if *index > 0 && !expected.contains_key(&(index - 1)) {
                assert_eq!(list.get(index - 1).unwrap(), TokenStatus::VALID);
            }
        }
        assert_eq!(
            list.get(size - 1).unwrap(),
            expected.get(&(size - 1)).copied().unwrap_or(TokenStatus::VALID)
        );
        assert!(list.get(size).is_err());

        // Encode round trip: rebuild from the listed statuses, compress with our
        // compressor, decompress, and compare contents (not lst strings).
        let mut rebuilt = TokenStatusList::new(bits, size).unwrap();
        for (index, status) in &expected {
            rebuilt.set(*index, *status).unwrap();
        }
        let lst = rebuilt.to_lst().unwrap();
        let decoded = TokenStatusList::from_lst(bits, &lst).unwrap();
        assert_eq!(decoded.as_bytes(), list.as_bytes(), "bits {bits}");
        let claim = StatusListClaim::from_list(&rebuilt).unwrap();
        assert_eq!(claim.decode(&DecodeLimits::default()).unwrap(), list);
    }
}

#[test]
fn ietf_bit_order_is_lsb_first() {
    let mut list = TokenStatusList::new(2, 8).unwrap();
    list.set(0, TokenStatus::INVALID).unwrap();
    list.set(7, TokenStatus::SUSPENDED).unwrap();
    assert_eq!(list.as_bytes(), [0b0000_0001, 0b1000_0000]);
    assert!(matches!(
        list.set(1, TokenStatus(4)),
        Err(StatusError::ValueTooLarge { value: 4, bits: 2 })
    ));
}

#[test]
fn ietf_bits_other_than_1_2_4_8_are_refused() {
    for bits in [0u8, 3, 5, 6, 7, 9, 16] {
        assert_eq!(
            TokenStatusList::new(bits, 8).unwrap_err(),
            StatusError::InvalidBits(bits.into())
        );
        assert_eq!(
            TokenStatusList::from_lst(bits, "eNrbuRgAAhcBXQ").unwrap_err(),
            StatusError::InvalidBits(bits.into())
        );
    }
    let claim = json!({"bits": 3, "lst": "eNrbuRgAAhcBXQ"});
    assert_eq!(
        StatusListClaim::from_json_value(&claim).unwrap_err(),
        StatusError::InvalidBits(3)
    );
    for bad in [
        json!({"bits": "1", "lst": "x"}),
        json!({"lst": "x"}),
        json!({"bits": 1}),
        json!([1]),
    ] {
        assert!(
            matches!(StatusListClaim::from_json_value(&bad), Err(StatusError::InvalidList(_))),
            "{bad}"
        );
    }
    let with_uri = json!({"bits": 1, "lst": "eNrbuRgAAhcBXQ", "aggregation_uri": "https://example.com/statuslists"});
    let parsed = StatusListClaim::from_json_value(&with_uri).unwrap();
    assert_eq!(
        parsed.aggregation_uri.as_deref(),
        Some("https://example.com/statuslists")
    );
    assert_eq!(parsed.to_json_value(), with_uri);
}

#[test]
fn status_list_token_jwt_vector_parses_and_its_claims_check() {
    let v = ietf();
    let jwt = &v["status_list_token_jwt"];
    let compact = jwt["compact"].as_str().unwrap();
    let (header, token) = StatusListToken::decode_unverified(compact).unwrap();
    assert_eq!(header.typ.as_deref(), Some("statuslist+jwt"));
    assert_eq!(header.kid.as_deref(), Some("12"));
    let claims = &jwt["decoded_payload"];
    assert_eq!(token.sub, claims["sub"].as_str().unwrap());
    assert_eq!(token.iat, claims["iat"].as_u64().unwrap());
    assert_eq!(token.exp, Some(2_291_720_170));
    assert_eq!(token.ttl, Some(43_200));
    assert_eq!(token.iss.as_deref(), Some("https://example.com"));
    assert_eq!(token.status_list.bits, 1);
    assert_eq!(token.to_claims(), *claims);

    let reference = StatusListReference::new(0, "https://example.com/statuslists/1").unwrap();
    assert_eq!(token.status_of(&reference).unwrap(), TokenStatus::INVALID);
    let reference = StatusListReference::new(1, "https://example.com/statuslists/1").unwrap();
    assert_eq!(token.status_of(&reference).unwrap(), TokenStatus::VALID);
    let elsewhere = StatusListReference::new(0, "https://example.com/statuslists/2").unwrap();
    assert!(matches!(
        token.status_of(&elsewhere),
        Err(StatusError::ListUrlMismatch { .. })
    ));

    // The draft's signing key is unpublished: no key of ours verifies it.
    let key = SigningKey::generate(KeyType::P256).unwrap();
    let clock = FixedClock::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    assert_eq!(
        StatusListToken::verify(compact, key.verifying_key(), &token.sub, &clock).unwrap_err(),
        StatusError::Jws(JwsError::BadSignature)
    );
}

fn sample_token() -> (StatusListToken, TokenStatusList) {
    let mut list = TokenStatusList::new(2, 1024).unwrap();
    list.set(3, TokenStatus::SUSPENDED).unwrap();
    list.set(1000, TokenStatus::INVALID).unwrap();
    let token = StatusListToken::new(
        "https://issuer.example/statuslists/7",
        1_700_000_000,
        StatusListClaim::from_list(&list).unwrap(),
    )
    .unwrap()
    .with_exp(1_700_086_400)
    .with_ttl(3600)
    .with_iss("https://issuer.example");
    (token, list)
}

#[test]
fn status_list_token_signs_and_verifies_with_our_key() {
    let (token, list) = sample_token();
    for key_type in [KeyType::P256, KeyType::Ed25519, KeyType::P384] {
        let key = SigningKey::generate(key_type).unwrap();
        let compact = token.sign(&key, Some("did:example:issuer#key-1")).unwrap();
        let clock = FixedClock::new(UNIX_EPOCH + Duration::from_secs(1_700_000_100));
        let verified = StatusListToken::verify(&compact, key.verifying_key(), &token.sub, &clock).unwrap();
        assert_eq!(verified, token);
        assert_eq!(verified.status_list.decode(&DecodeLimits::default()).unwrap(), list);

        let (header, parsed) = StatusListToken::decode_unverified(&compact).unwrap();
        assert_eq!(header.kid.as_deref(), Some("did:example:issuer#key-1"));
        assert_eq!(header.typ.as_deref(), Some("statuslist+jwt"));
        assert_eq!(parsed, token);

        // The referenced token's pointer reads the statuses back.
        let at = |idx| StatusListReference::new(idx, token.sub.clone()).unwrap();
        assert_eq!(verified.status_of(&at(3)).unwrap(), TokenStatus::SUSPENDED);
        assert_eq!(verified.status_of(&at(1000)).unwrap(), TokenStatus::INVALID);
        assert_eq!(verified.status_of(&at(4)).unwrap(), TokenStatus::VALID);
        assert!(matches!(
            verified.status_of(&at(1024)),
            Err(StatusError::IndexOutOfRange { .. })
        ));
    }
}

#[test]
fn status_list_token_verification_refuses_expired_future_foreign_and_tampered_tokens() {
    let (token, _) = sample_token();
    let key = SigningKey::generate(KeyType::P256).unwrap();
    let compact = token.sign(&key, None).unwrap();
    let at = |secs| FixedClock::new(UNIX_EPOCH + Duration::from_secs(secs));
    let verify = |compact: &str, secs| StatusListToken::verify(compact, key.verifying_key(), &token.sub, &at(secs));

    assert!(verify(&compact, 1_700_086_399).is_ok());
    assert_eq!(verify(&compact, 1_700_086_400).unwrap_err(), StatusError::Expired);
    assert_eq!(verify(&compact, 1_699_990_000).unwrap_err(), StatusError::NotYetValid);
    assert!(matches!(
        StatusListToken::verify(
            &compact,
            key.verifying_key(),
            "https://issuer.example/statuslists/8",
            &at(1_700_000_100)
        ),
        Err(StatusError::ListUrlMismatch { .. })
    ));

    let other = SigningKey::generate(KeyType::P256).unwrap();
    assert_eq!(
        StatusListToken::verify(&compact, other.verifying_key(), &token.sub, &at(1_700_000_100)).unwrap_err(),
        StatusError::Jws(JwsError::BadSignature)
    );

    // A changed payload (a revoked entry flipped back to valid) does not verify.
    let mut forged = token.clone();
    forged.status_list = StatusListClaim::from_list(&TokenStatusList::new(2, 1024).unwrap()).unwrap();
    let forged_payload = b64(serde_json::to_string(&forged.to_claims()).unwrap().as_bytes());
    let parts: Vec<&str> = compact.split('.').collect();
    let tampered = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
    assert_eq!(
        verify(&tampered, 1_700_000_100).unwrap_err(),
        StatusError::Jws(JwsError::BadSignature)
    );

    // Same claims signed as a plain JWT: wrong typ.
    let plain = jose::sign_json_with_key(
        Header::new(key.verifying_key().algorithm()).with_typ("JWT"),
        &token.to_claims(),
        &key,
    )
    .unwrap();
    assert!(matches!(
        verify(&plain, 1_700_000_100),
        Err(StatusError::Jws(JwsError::UnexpectedType { .. }))
    ));
    assert!(matches!(
        StatusListToken::decode_unverified(&plain),
        Err(StatusError::Jws(JwsError::UnexpectedType { .. }))
    ));

    // Missing claims.
    for missing in ["sub", "iat", "status_list"] {
        let mut claims = token.to_claims();
        claims.as_object_mut().unwrap().remove(missing);
        assert!(
            matches!(StatusListToken::from_claims(&claims), Err(StatusError::InvalidList(_))),
            "{missing}"
        );
    }
    let mut claims = token.to_claims();
    claims["exp"] = json!("tomorrow");
    assert!(StatusListToken::from_claims(&claims).is_err());
}

#[test]
fn referenced_token_status_claim_parses() {
    let v = ietf();
    let sd_jwt = &v["referenced_token_sd_jwt"];
    let compact = sd_jwt["compact"].as_str().unwrap();
    let issuer_jwt = compact.split('~').next().unwrap();

    // The issuer-signed JWT verifies with the SD-JWT example issuer key.
    let jwk: Jwk = serde_json::from_value(sd_jwt["issuer_public_key_jwk"].clone()).unwrap();
    let issuer_key = VerifyingKey::from_jwk(&jwk).unwrap();
    let verified = jose::verify(issuer_jwt, &issuer_key, &jose::VerifyOptions::default()).unwrap();
    let claims: Value = serde_json::from_slice(&verified.payload).unwrap();

    let reference = StatusListReference::from_claims(&claims).unwrap().unwrap();
    assert_eq!(reference.idx, 0);
    assert_eq!(reference.uri, "https://example.com/statuslists/1");
    assert_eq!(reference.to_status_claim(), sd_jwt["processed_payload"]["status"]);

    // Against the draft's Status List Token, index 0 is INVALID.
    let (_, token) =
        StatusListToken::decode_unverified(v["status_list_token_jwt"]["compact"].as_str().unwrap()).unwrap();
    assert_eq!(token.status_of(&reference).unwrap(), TokenStatus::INVALID);

    // No status claim, or another mechanism: None. Malformed: an error.
    assert_eq!(StatusListReference::from_claims(&json!({"iss": "x"})).unwrap(), None);
    assert_eq!(
        StatusListReference::from_claims(&json!({"status": {"other": {}}})).unwrap(),
        None
    );
    for bad in [
        json!({"status": 1}),
        json!({"status": {"status_list": {"idx": -1, "uri": "https://e.x/1"}}}),
        json!({"status": {"status_list": {"idx": "0", "uri": "https://e.x/1"}}}),
        json!({"status": {"status_list": {"idx": 0}}}),
        json!({"status": {"status_list": {"idx": 0, "uri": "not a uri"}}}),
        json!([]),
    ] {
        assert!(
            matches!(
                StatusListReference::from_claims(&bad),
                Err(StatusError::InvalidEntry(_))
            ),
            "{bad}"
        );
    }
}

// ---------------------------------------------------------------- W3C Bitstring Status List

fn w3c(name: &str) -> Value {
    vector(&format!("w3c-bitstring-status-list/{name}"))
}

fn spec_list_credential() -> Value {
    w3c("spec-examples/example-bitstringstatuslistcredential.json")
}

#[test]
fn w3c_spec_examples_parse() {
    type Entry = (StatusPurpose, u64, &'static str);
    let expected: &[(&str, &[Entry])] = &[
        (
            "a-revocable-verifiable-credential.json",
            &[(
                StatusPurpose::Revocation,
                94567,
                "https://example.com/credentials/status/3",
            )],
        ),
        (
            "associating-multiple-status-entries-in-a-single-status-list.json",
            &[
                (
                    StatusPurpose::Revocation,
                    94567,
                    "https://example.com/credentials/status/5",
                ),
                (
                    StatusPurpose::Suspension,
                    12345,
                    "https://example.com/credentials/status/5",
                ),
            ],
        ),
        (
            "associating-multiple-status-lists-with-a-single-verifiable-credential.json",
            &[
                (
                    StatusPurpose::Revocation,
                    94567,
                    "https://example.com/credentials/status/3",
                ),
                (
                    StatusPurpose::Suspension,
                    12345,
                    "https://example.com/credentials/status/4",
                ),
            ],
        ),
        (
            "example-statuslistcredential-using-simple-entries.json",
            &[
                (
                    StatusPurpose::Revocation,
                    94567,
                    "https://example.com/credentials/status/3",
                ),
                (
                    StatusPurpose::Suspension,
                    23452,
                    "https://example.com/credentials/status/4",
                ),
            ],
        ),
    ];
    for (file, wanted) in expected {
        let credential = w3c(&format!("spec-examples/{file}"));
        let entries = bitstring_entries(&credential).unwrap();
        assert_eq!(entries.len(), wanted.len(), "{file}");
        for (entry, (purpose, index, list)) in entries.iter().zip(wanted.iter()) {
            assert_eq!(entry.status_purpose, *purpose);
            assert_eq!(entry.status_list_index, *index);
            assert_eq!(entry.status_list_credential, *list);
            assert_eq!(entry.status_size, 1);
            assert!(entry.id.as_deref().unwrap().ends_with(&format!("#{index}")));
            // The JSON form round-trips exactly.
            let original = match &credential["credentialStatus"] {
                Value::Array(items) => items
                    .iter()
                    .find(|i| i["statusListIndex"].as_str().and_then(|s| s.parse::<u64>().ok()) == Some(*index))
                    .unwrap()
                    .clone(),
                item => item.clone(),
            };
            assert_eq!(entry.to_json_value(), original);
        }
    }
    for file in [
        "a-status-list-verifiable-credential.json",
        "example-bitstringstatuslistcredential.json",
    ] {
        let subject = BitstringStatusListSubject::from_credential(&w3c(&format!("spec-examples/{file}"))).unwrap();
        assert_eq!(subject.status_purposes, [StatusPurpose::Revocation]);
        assert_eq!(subject.id.as_deref(), Some("https://example.com/status/3#list"));
        assert_eq!(subject.ttl, None);
        assert_eq!(
            subject.to_json_value(),
            w3c(&format!("spec-examples/{file}"))["credentialSubject"]
        );
    }
    // A credential without credentialStatus has no entries.
    assert!(bitstring_entries(&spec_list_credential()).unwrap().is_empty());
}

#[test]
fn w3c_spec_encoded_list_is_131072_zero_bits() {
    let decoded = w3c("spec-encodedList-decoded.json");
    let encoded = decoded["encodedList"].as_str().unwrap();
    assert_eq!(spec_list_credential()["credentialSubject"]["encodedList"], encoded);
    // u + base64url of exactly the listed GZIP bytes.
    assert_eq!(
        format!("u{}", b64(&hex(decoded["gzip_bytes_hex"].as_str().unwrap()))),
        encoded
    );

    let list = BitstringStatusList::decode(encoded, 1).unwrap();
    assert_eq!(list.len(), 131_072);
    assert_eq!(list.as_bytes().len(), 16_384);
    assert_eq!(list.iter_nonzero().count(), 0);
    assert_eq!(list.get(94_567).unwrap(), 0);

    let credential = w3c("spec-examples/a-revocable-verifiable-credential.json");
    let entry = &bitstring_entries(&credential).unwrap()[0];
    let status = check_bitstring_status(entry, &spec_list_credential()).unwrap();
    assert_eq!(status.value, 0);
    assert!(status.is_zero());
    assert_eq!(status.purpose, StatusPurpose::Revocation);
    assert_eq!(status.index, 94_567);
    assert_eq!(status.message, None);
}

#[test]
fn w3c_synthetic_vector_checks_msb_first_bit_order() {
    let v = w3c("AUTHORED-synthetic-msb-first-vector.json");
    let list = BitstringStatusList::decode(v["encodedList"].as_str().unwrap(), 1).unwrap();
    assert_eq!(list.len(), v["length_bits"].as_u64().unwrap());
    let set: Vec<u64> = v["set_indexes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_u64().unwrap())
        .collect();
    assert_eq!(set, [0, 7, 8, 94_567, 131_071]);
    let found: Vec<(u64, u8)> = list.iter_nonzero().collect();
    assert_eq!(found, set.iter().map(|i| (*i, 1)).collect::<Vec<_>>());
    for i in v["unset_index_examples"].as_array().unwrap() {
        assert_eq!(list.get(i.as_u64().unwrap()).unwrap(), 0);
    }
    assert_eq!(
        &list.as_bytes()[..2],
        hex(v["uncompressed_first_two_bytes_hex"].as_str().unwrap())
    );

    // Building the same list gives the same bits (our GZIP bytes may differ).
    let mut built = BitstringStatusList::new(1, MIN_ENTRIES).unwrap();
    for i in &set {
        built.set(*i, 1).unwrap();
    }
    assert_eq!(built, list);
    assert_eq!(BitstringStatusList::decode(&built.encode().unwrap(), 1).unwrap(), list);

    // Read LSB-first (the IETF order), the same bytes give different statuses.
    let as_ietf = TokenStatusList::from_bytes(1, list.as_bytes().to_vec()).unwrap();
    assert_eq!(as_ietf.get(7).unwrap(), TokenStatus::INVALID);
    assert_eq!(as_ietf.get(0).unwrap(), TokenStatus::INVALID);
    assert_eq!(as_ietf.get(8).unwrap(), TokenStatus::VALID);
    assert_eq!(as_ietf.get(15).unwrap(), TokenStatus::INVALID);
}

#[test]
fn w3c_too_short_list_is_refused() {
    let short = format!("u{}", b64(&gzip(&[0u8; 16_383])));
    let err = BitstringStatusList::decode(&short, 1).unwrap_err();
    assert_eq!(
        err,
        StatusError::ListTooShort {
            entries: 131_064,
            minimum: 131_072
        }
    );
    assert_eq!(err.w3c_code(), Some("STATUS_LIST_LENGTH_ERROR"));
    assert!(err.to_string().contains("STATUS_LIST_LENGTH_ERROR"));

    // 16 KiB holds only 65,536 entries of 2 bits.
    let minimum_bytes = format!("u{}", b64(&gzip(&[0u8; 16_384])));
    assert!(BitstringStatusList::decode(&minimum_bytes, 1).is_ok());
    assert!(matches!(
        BitstringStatusList::decode(&minimum_bytes, 2),
        Err(StatusError::ListTooShort { entries: 65_536, .. })
    ));
    assert!(matches!(
        BitstringStatusList::new(1, MIN_ENTRIES - 1),
        Err(StatusError::ListTooShort { .. })
    ));
    assert!(matches!(
        BitstringStatusList::from_bytes(1, vec![0; 100]),
        Err(StatusError::ListTooShort { .. })
    ));
    let empty = format!("u{}", b64(&gzip(&[])));
    assert!(matches!(
        BitstringStatusList::decode(&empty, 1),
        Err(StatusError::ListTooShort { entries: 0, .. })
    ));

    // Through the check function too.
    let mut credential = spec_list_credential();
    credential["credentialSubject"]["encodedList"] = json!(short);
    let entry = BitstringStatusListEntry::new(StatusPurpose::Revocation, 5, "https://example.com/credentials/status/3")
        .unwrap();
    let err = check_bitstring_status(&entry, &credential).unwrap_err();
    assert_eq!(err.w3c_code(), Some("STATUS_LIST_LENGTH_ERROR"));
}

#[test]
fn w3c_multi_bit_lists_round_trip() {
    for size in 1..=8u8 {
        let mut list = BitstringStatusList::new(size, MIN_ENTRIES).unwrap();
        assert_eq!(list.len(), MIN_ENTRIES);
        let max = if size == 8 { 255 } else { (1u8 << size) - 1 };
        let mut expected = BTreeMap::new();
        for (n, index) in [
            0u64,
            1,
            2,
            3,
            5,
            7,
            8,
            9,
            1000,
            94_567,
            MIN_ENTRIES - 2,
            MIN_ENTRIES - 1,
        ]
        .iter()
        .enumerate()
        {
            let value = (n as u8 % max) + 1;
            list.set(*index, value).unwrap();
            expected.insert(*index, value);
        }
        // Overwrite one with 0, and one with the maximum.
        list.set(5, 0).unwrap();
        expected.remove(&5);
        list.set(7, max).unwrap();
        expected.insert(7, max);

        let decoded = BitstringStatusList::decode(&list.encode().unwrap(), size).unwrap();
        assert_eq!(decoded, list);
        assert_eq!(
            decoded.iter_nonzero().collect::<BTreeMap<_, _>>(),
            expected,
            "size {size}"
        );
        for (index, value) in &expected {
            assert_eq!(decoded.get(*index).unwrap(), *value);
        }
        assert_eq!(decoded.get(4).unwrap(), 0);
        assert!(matches!(
            decoded.get(MIN_ENTRIES),
            Err(StatusError::IndexOutOfRange { .. })
        ));
        if size < 8 {
            assert!(matches!(
                list.clone().set(0, max + 1),
                Err(StatusError::ValueTooLarge { .. })
            ));
        }
    }
    // MSB-first with multi-bit values: index 0 = 0b01 is 0x40; a 3-bit value at index 2
    // spans bits 6..9, crossing into byte 1.
    let mut two = BitstringStatusList::new(2, MIN_ENTRIES).unwrap();
    two.set(0, 1).unwrap();
    assert_eq!(two.as_bytes()[0], 0x40);
    let mut three = BitstringStatusList::new(3, MIN_ENTRIES).unwrap();
    three.set(2, 0b101).unwrap();
    assert_eq!(&three.as_bytes()[..2], [0b0000_0010, 0b1000_0000]);
    assert_eq!(three.iter_nonzero().collect::<Vec<_>>(), [(2, 0b101)]);
    assert_eq!(
        BitstringStatusList::new(0, MIN_ENTRIES).unwrap_err(),
        StatusError::InvalidStatusSize(0)
    );
    assert_eq!(
        BitstringStatusList::new(9, MIN_ENTRIES).unwrap_err(),
        StatusError::InvalidStatusSize(9)
    );
}

fn messages() -> Vec<StatusMessage> {
    vec![
        StatusMessage::new(0, "valid"),
        StatusMessage::new(1, "invalid"),
        StatusMessage::new(2, "pending_review"),
        StatusMessage::new(3, "suspended"),
    ]
}

fn message_list_credential(list: &BitstringStatusList) -> Value {
    let subject = BitstringStatusListSubject::new(StatusPurpose::Message, list)
        .unwrap()
        .with_id("https://example.com/status/9#list")
        .with_ttl(300_000);
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "https://example.com/credentials/status/9",
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": "did:example:12345",
        "credentialSubject": subject.to_json_value(),
    })
}

#[test]
fn w3c_message_purpose_reads_the_status_message() {
    let mut list = BitstringStatusList::new(2, MIN_ENTRIES).unwrap();
    list.set(42, 2).unwrap();
    list.set(43, 3).unwrap();
    let credential = message_list_credential(&list);

    let entry = BitstringStatusListEntry::new(StatusPurpose::Message, 42, "https://example.com/credentials/status/9")
        .unwrap()
        .with_id("https://example.com/credentials/status/9#42")
        .with_status_size(2, messages())
        .unwrap();
    let json = entry.to_json_value();
    assert_eq!(json["statusSize"], 2);
    assert_eq!(
        json["statusMessage"][2],
        json!({"status": "0x2", "message": "pending_review"})
    );
    let parsed = BitstringStatusListEntry::from_json(serde_json::to_string(&json).unwrap().as_bytes()).unwrap();
    assert_eq!(parsed, entry);

    let status = check_bitstring_status(&parsed, &credential).unwrap();
    assert_eq!(status.value, 2);
    assert_eq!(status.message.as_deref(), Some("pending_review"));
    assert_eq!(status.ttl, Some(300_000));
    assert!(!status.is_zero());

    let mut other = parsed.clone();
    other.status_list_index = 43;
    assert_eq!(
        check_bitstring_status(&other, &credential).unwrap().message.as_deref(),
        Some("suspended")
    );
    other.status_list_index = 44;
    assert_eq!(
        check_bitstring_status(&other, &credential).unwrap().message.as_deref(),
        Some("valid")
    );

    // Read as a 1-bit list, index 84 (bit 42*2) is the high, first bit of the value 0b10.
    let one_bit =
        BitstringStatusListEntry::new(StatusPurpose::Message, 84, "https://example.com/credentials/status/9").unwrap();
    assert_eq!(check_bitstring_status(&one_bit, &credential).unwrap().value, 1);
}

#[test]
fn w3c_status_message_rules() {
    let base = json!({
        "type": "BitstringStatusListEntry",
        "statusPurpose": "message",
        "statusListIndex": "7",
        "statusListCredential": "https://example.com/credentials/status/9",
        "statusSize": 2,
        "statusMessage": [
            {"status": "0x0", "message": "a"}, {"status": "0x1", "message": "b"},
            {"status": "0x2", "message": "c"}, {"status": "0x3", "message": "d"}
        ]
    });
    assert!(BitstringStatusListEntry::from_json_value(&base).is_ok());
    let mutate = |f: &dyn Fn(&mut Value)| {
        let mut v = base.clone();
        f(&mut v);
        BitstringStatusListEntry::from_json_value(&v)
    };
    // statusSize > 1 without messages.
    assert!(matches!(
        mutate(&|v| {
            v.as_object_mut().unwrap().remove("statusMessage");
        }),
        Err(StatusError::InvalidEntry(_))
    ));
    // Too few, duplicated, out of range, badly written.
    assert!(
        mutate(&|v| {
            v["statusMessage"].as_array_mut().unwrap().pop();
        })
        .is_err()
    );
    assert!(mutate(&|v| v["statusMessage"][3]["status"] = json!("0x0")).is_err());
    assert!(mutate(&|v| v["statusMessage"][3]["status"] = json!("0x4")).is_err());
    assert!(mutate(&|v| v["statusMessage"][3]["status"] = json!("3")).is_err());
    assert!(mutate(&|v| v["statusMessage"][3]["status"] = json!(3)).is_err());
    assert!(mutate(&|v| v["statusMessage"][3]["status"] = json!("0x")).is_err());
    assert!(mutate(&|v| v["statusMessage"][3]["message"] = json!(null)).is_err());
    // statusSize out of range.
    assert_eq!(
        mutate(&|v| v["statusSize"] = json!(9)).unwrap_err(),
        StatusError::InvalidStatusSize(9)
    );
    assert_eq!(
        mutate(&|v| v["statusSize"] = json!(0)).unwrap_err(),
        StatusError::InvalidStatusSize(0)
    );
    assert!(mutate(&|v| v["statusSize"] = json!("2")).is_err());
    // Uppercase hex is fine.
    assert!(
        mutate(&|v| {
            v["statusMessage"][3]["status"] = json!("0x03");
        })
        .is_ok()
    );
}

#[test]
fn w3c_entry_parsing_refuses_malformed_entries() {
    let base = w3c("spec-examples/a-revocable-verifiable-credential.json")["credentialStatus"].clone();
    let mutate = |f: &dyn Fn(&mut Value)| {
        let mut v = base.clone();
        f(&mut v);
        BitstringStatusListEntry::from_json_value(&v)
    };
    assert!(mutate(&|_| {}).is_ok());
    for index in [
        json!(94567),
        json!("-1"),
        json!(""),
        json!("+5"),
        json!(" 5"),
        json!("1e3"),
        json!("18446744073709551616"),
    ] {
        assert!(
            matches!(
                mutate(&|v| v["statusListIndex"] = index.clone()),
                Err(StatusError::InvalidEntry(_))
            ),
            "{index}"
        );
    }
    assert_eq!(
        mutate(&|v| v["statusListIndex"] = json!("007"))
            .unwrap()
            .status_list_index,
        7
    );
    assert_eq!(
        mutate(&|v| v["type"] = json!("StatusList2021Entry")).unwrap_err(),
        StatusError::WrongType {
            expected: "BitstringStatusListEntry"
        }
    );
    assert!(mutate(&|v| v["type"] = json!(["BitstringStatusListEntry"])).is_ok());
    assert_eq!(
        mutate(&|v| v["statusPurpose"] = json!("Revocation")).unwrap_err(),
        StatusError::UnknownPurpose("Revocation".into())
    );
    assert!(mutate(&|v| v["statusPurpose"] = json!(["revocation"])).is_err());
    assert!(mutate(&|v| v["statusListCredential"] = json!("not a url")).is_err());
    assert!(mutate(&|v| v["id"] = json!("https://example.com/credentials/status/3")).is_err());
    assert!(mutate(&|v| v["id"] = json!(5)).is_err());
    assert_eq!(
        mutate(&|v| {
            v.as_object_mut().unwrap().remove("id");
        })
        .unwrap()
        .id,
        None
    );
    assert!(mutate(&|v| v["statusListCredential"] = json!(5)).is_err());
    assert!(
        mutate(&|v| {
            v.as_object_mut().unwrap().remove("statusListCredential");
        })
        .is_err()
    );
    assert!(mutate(&|v| v["statusReference"] = json!(["https://example.com/a", "https://example.com/b"])).is_ok());
    assert!(mutate(&|v| v["statusReference"] = json!([1])).is_err());
    assert!(BitstringStatusListEntry::from_json(b"{\"type\":\"BitstringStatusListEntry\",\"type\":\"x\"}").is_err());
    assert!(BitstringStatusListEntry::from_json(b"not json").is_err());
    assert!(bitstring_entries(&json!({"credentialStatus": "x"})).is_err());
}

#[test]
fn w3c_check_refuses_purpose_mismatch_range_wrong_type_and_wrong_list() {
    let credential = spec_list_credential();
    let url = "https://example.com/credentials/status/3";
    let revocation = |index| BitstringStatusListEntry::new(StatusPurpose::Revocation, index, url).unwrap();

    let suspension = BitstringStatusListEntry::new(StatusPurpose::Suspension, 1, url).unwrap();
    let err = check_bitstring_status(&suspension, &credential).unwrap_err();
    assert_eq!(
        err,
        StatusError::PurposeMismatch {
            entry: "suspension".into()
        }
    );
    assert_eq!(err.w3c_code(), Some("STATUS_VERIFICATION_ERROR"));

    assert!(check_bitstring_status(&revocation(131_071), &credential).is_ok());
    let err = check_bitstring_status(&revocation(131_072), &credential).unwrap_err();
    assert_eq!(
        err,
        StatusError::IndexOutOfRange {
            index: 131_072,
            len: 131_072
        }
    );
    assert_eq!(err.w3c_code(), Some("RANGE_ERROR"));
    assert!(check_bitstring_status(&revocation(u64::MAX), &credential).is_err());

    let mut wrong = credential.clone();
    wrong["type"] = json!(["VerifiableCredential"]);
    assert_eq!(
        check_bitstring_status(&revocation(1), &wrong).unwrap_err(),
        StatusError::WrongType {
            expected: "BitstringStatusListCredential"
        }
    );
    let mut wrong = credential.clone();
    wrong["credentialSubject"]["type"] = json!("StatusList2021");
    assert_eq!(
        check_bitstring_status(&revocation(1), &wrong).unwrap_err(),
        StatusError::WrongType {
            expected: "BitstringStatusList"
        }
    );
    let mut wrong = credential.clone();
    wrong["id"] = json!("https://example.com/credentials/status/4");
    assert!(matches!(
        check_bitstring_status(&revocation(1), &wrong),
        Err(StatusError::ListUrlMismatch { .. })
    ));
    let mut no_id = credential.clone();
    no_id.as_object_mut().unwrap().remove("id");
    assert!(check_bitstring_status(&revocation(1), &no_id).is_ok());

    // A list that serves several purposes.
    let mut both = credential.clone();
    both["credentialSubject"]["statusPurpose"] = json!(["revocation", "suspension"]);
    assert!(check_bitstring_status(&suspension, &both).is_ok());
    for bad in [json!([]), json!(["revocation", 1]), json!("Revocation"), json!(null)] {
        let mut c = credential.clone();
        c["credentialSubject"]["statusPurpose"] = bad.clone();
        assert!(check_bitstring_status(&revocation(1), &c).is_err(), "{bad}");
    }
    let mut c = credential.clone();
    c["credentialSubject"]["ttl"] = json!(-5);
    assert!(check_bitstring_status(&revocation(1), &c).is_err());
    assert!(check_bitstring_status(&revocation(1), &json!("x")).is_err());
}

// ---------------------------------------------------------------- hostile encodings

#[test]
fn bad_multibase_prefix_is_refused() {
    let good = w3c("spec-encodedList-decoded.json")["encodedList"]
        .as_str()
        .unwrap()
        .to_owned();
    let z = format!("z{}", &good[1..]);
    assert_eq!(
        BitstringStatusList::decode(&z, 1).unwrap_err(),
        StatusError::WrongMultibasePrefix { found: Some('z') }
    );
    // Padded base64url ('U') and standard base64 ('m') are other multibase bases.
    assert!(matches!(
        BitstringStatusList::decode(&format!("U{}", &good[1..]), 1),
        Err(StatusError::WrongMultibasePrefix { .. })
    ));
    assert_eq!(
        BitstringStatusList::decode("", 1).unwrap_err(),
        StatusError::WrongMultibasePrefix { found: None }
    );
    // No prefix at all: the base64 starts with 'H'.
    assert!(matches!(
        BitstringStatusList::decode(&good[1..], 1),
        Err(StatusError::WrongMultibasePrefix { .. })
    ));
    // Not base64url after the prefix.
    assert_eq!(
        BitstringStatusList::decode("uH4s+AAAA", 1).unwrap_err(),
        StatusError::InvalidBase64
    );
    assert_eq!(
        BitstringStatusList::decode(&format!("{good}=="), 1).unwrap_err(),
        StatusError::InvalidBase64
    );
    assert_eq!(
        TokenStatusList::from_lst(1, "eNrbuRgAAhcBXQ==").unwrap_err(),
        StatusError::InvalidBase64
    );
}

#[test]
fn non_gzip_and_zlib_gzip_confusion_are_refused() {
    let bits = vec![0u8; 16_384];
    let gz = StatusError::Decompression {
        format: Compression::Gzip,
    };
    let zl = StatusError::Decompression {
        format: Compression::Zlib,
    };

    // W3C wants GZIP: ZLIB, raw bytes and raw DEFLATE are refused.
    assert_eq!(
        BitstringStatusList::decode(&format!("u{}", b64(&zlib(&bits))), 1).unwrap_err(),
        gz
    );
    assert_eq!(
        BitstringStatusList::decode(&format!("u{}", b64(&bits)), 1).unwrap_err(),
        gz
    );
    assert_eq!(
        BitstringStatusList::decode(&format!("u{}", b64(b"hello, world")), 1).unwrap_err(),
        gz
    );
    let mut raw = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    raw.write_all(&bits).unwrap();
    assert_eq!(
        BitstringStatusList::decode(&format!("u{}", b64(&raw.finish().unwrap())), 1).unwrap_err(),
        gz
    );

    // IETF wants ZLIB: GZIP is refused.
    assert_eq!(
        TokenStatusList::from_lst(1, &b64(&gzip(&[0xb9, 0xa3]))).unwrap_err(),
        zl
    );
    assert_eq!(TokenStatusList::from_lst(1, &b64(&[0xb9, 0xa3])).unwrap_err(), zl);

    // Truncated streams, bad checksums and trailing bytes.
    let good_gz = gzip(&bits);
    assert_eq!(
        BitstringStatusList::decode(&format!("u{}", b64(&good_gz[..good_gz.len() - 4])), 1).unwrap_err(),
        gz
    );
    let mut bad_crc = good_gz.clone();
    let n = bad_crc.len();
    bad_crc[n - 8] ^= 1;
    assert_eq!(
        BitstringStatusList::decode(&format!("u{}", b64(&bad_crc)), 1).unwrap_err(),
        gz
    );
    let mut trailing = good_gz.clone();
    trailing.extend_from_slice(b"junk");
    assert_eq!(
        BitstringStatusList::decode(&format!("u{}", b64(&trailing)), 1).unwrap_err(),
        gz
    );

    let good_zl = zlib(&[0xb9, 0xa3]);
    let mut bad_adler = good_zl.clone();
    let n = bad_adler.len();
    bad_adler[n - 1] ^= 1;
    assert_eq!(TokenStatusList::from_lst(1, &b64(&bad_adler)).unwrap_err(), zl);
    let mut trailing = good_zl.clone();
    trailing.push(0);
    assert_eq!(TokenStatusList::from_lst(1, &b64(&trailing)).unwrap_err(), zl);
    assert_eq!(
        TokenStatusList::from_lst(1, &b64(&good_zl[..good_zl.len() - 1])).unwrap_err(),
        zl
    );
}

#[test]
fn oversized_inflation_is_refused() {
    // 17 MiB of zeros compresses to ~17 KiB: a bomb against the 16 MiB default cap.
    let bomb = vec![0u8; 17 * 1024 * 1024];
    let gz = format!("u{}", b64(&gzip(&bomb)));
    assert!(gz.len() < 64 * 1024);
    assert_eq!(
        BitstringStatusList::decode(&gz, 1).unwrap_err(),
        StatusError::InflatedTooLarge {
            limit: 16 * 1024 * 1024
        }
    );
    let zl = b64(&zlib(&bomb));
    assert_eq!(
        TokenStatusList::from_lst(1, &zl).unwrap_err(),
        StatusError::InflatedTooLarge {
            limit: 16 * 1024 * 1024
        }
    );

    // The cap is configurable, and applies exactly.
    let limits = DecodeLimits::new(1 << 20, 16_384);
    let exact = format!("u{}", b64(&gzip(&[0u8; 16_384])));
    assert!(BitstringStatusList::decode_with_limits(&exact, 1, &limits).is_ok());
    let over = format!("u{}", b64(&gzip(&[0u8; 16_385])));
    assert_eq!(
        BitstringStatusList::decode_with_limits(&over, 1, &limits).unwrap_err(),
        StatusError::InflatedTooLarge { limit: 16_384 }
    );
    let small = DecodeLimits::new(1 << 20, 1);
    assert_eq!(
        TokenStatusList::from_lst_with_limits(1, "eNrbuRgAAhcBXQ", &small).unwrap_err(),
        StatusError::InflatedTooLarge { limit: 1 }
    );
    // And so is the input length.
    let tiny = DecodeLimits::new(10, 1 << 20);
    assert_eq!(
        TokenStatusList::from_lst_with_limits(1, "eNrbuRgAAhcBXQ", &tiny).unwrap_err(),
        StatusError::EncodedTooLarge { limit: 10 }
    );
    let entry = BitstringStatusListEntry::new(StatusPurpose::Revocation, 1, "https://example.com/credentials/status/3")
        .unwrap();
    assert_eq!(
        check_bitstring_status_with_limits(&entry, &spec_list_credential(), &tiny).unwrap_err(),
        StatusError::EncodedTooLarge { limit: 10 }
    );
}

// ---------------------------------------------------------------- sources and errors

#[tokio::test]
async fn memory_source_serves_what_was_inserted() {
    let body = serde_json::to_vec(&spec_list_credential()).unwrap();
    let source = MemoryStatusListSource::new().with("https://example.com/credentials/status/3", body.clone());
    let dyn_source: &dyn StatusListSource = &source;
    let first = dyn_source
        .fetch("https://example.com/credentials/status/3")
        .await
        .unwrap();
    assert_eq!(*first, *body);
    // Every fetch hands out the same allocation: a verifier's cache recognises it by pointer.
    let second = dyn_source
        .fetch("https://example.com/credentials/status/3")
        .await
        .unwrap();
    assert!(std::sync::Arc::ptr_eq(&first, &second));
    let err = dyn_source
        .fetch("https://example.com/credentials/status/4")
        .await
        .unwrap_err();
    assert!(matches!(err, StatusError::NotFound(_)));
    assert_eq!(err.w3c_code(), Some("STATUS_RETRIEVAL_ERROR"));
}

#[cfg(feature = "did-web")]
#[tokio::test]
async fn http_source_fetches_and_bounds_the_response() {
    use did_core::status::HttpStatusListSource;

    let (port, server) = common::serve(|_| {
        vec![
            ("/list".to_owned(), 200, "x".repeat(100)),
            ("/big".to_owned(), 200, "x".repeat(5000)),
        ]
    })
    .await;
    let source = HttpStatusListSource::danger_plain_http_for_testing()
        .unwrap()
        .with_max_bytes(1000);
    let base = format!("http://127.0.0.1:{port}");
    assert_eq!(*source.fetch(&format!("{base}/list")).await.unwrap(), [b'x'; 100]);
    assert_eq!(
        source.fetch(&format!("{base}/big")).await.unwrap_err(),
        StatusError::EncodedTooLarge { limit: 1000 }
    );
    assert!(matches!(
        source.fetch(&format!("{base}/missing")).await,
        Err(StatusError::NotFound(_))
    ));
    // The HTTPS-only source refuses plain HTTP.
    let https = HttpStatusListSource::new().unwrap();
    match https.fetch(&format!("{base}/list")).await {
        Err(StatusError::Retrieval(why)) => assert!(why.contains("HTTPS only"), "{why}"),
        other => panic!("{other:?}"),
    }
    server.abort();
}

#[test]
fn status_errors_convert_into_the_crate_error() {
    let err: did_core::Error = StatusError::Expired.into();
    assert!(matches!(err, did_core::Error::Status(StatusError::Expired)));
}
