//! One encoding per key: every non-canonical encoding of a public key is refused, through
//! every entry point (raw bytes, Multikey, did:key, JWK, DID documents), and every key that is
//! accepted encodes back to exactly the bytes it was decoded from. The whole file runs under
//! both signature backends (`scripts/test` runs did-core's tests again without aws-lc).

use did_core::document::{Document, Representation};
use did_core::key::{
    Jwk, KeyError, KeyType, MULTICODEC_ED25519_PUB, MULTICODEC_P256_PUB, MULTICODEC_P384_PUB, VerifyingKey,
};
use did_core::multibase::{self, Base};
use did_core::resolve::{KeyResolver, ResolutionOptions, Resolver};
use serde_json::Value;

/// Field primes, big-endian: P-256, P-384, and 2^255 - 19 for Ed25519.
const P256_PRIME: &str = "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff";
const P384_PRIME: &str =
    "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff";

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn codec(key_type: KeyType) -> u64 {
    match key_type {
        KeyType::P256 => MULTICODEC_P256_PUB,
        KeyType::P384 => MULTICODEC_P384_PUB,
        _ => MULTICODEC_ED25519_PUB,
    }
}

/// A Multikey of `key_type` holding `bytes` as they are.
fn multikey(key_type: KeyType, bytes: &[u8]) -> String {
    let mut out = Vec::new();
    let mut code = codec(key_type);
    loop {
        let byte = (code & 0x7f) as u8;
        code >>= 7;
        if code == 0 {
            out.push(byte);
            break;
        }
        out.push(byte | 0x80);
    }
    out.extend_from_slice(bytes);
    multibase::encode(Base::Base58Btc, &out)
}

/// The key bytes inside a Multikey (after its two-byte multicodec prefix).
fn multikey_bytes(value: &str) -> Vec<u8> {
    multibase::decode(value).unwrap().1[2..].to_vec()
}

fn is_refused(result: &Result<VerifyingKey, KeyError>) -> bool {
    matches!(
        result,
        Err(KeyError::InvalidKey { .. } | KeyError::WrongKeyLength { .. })
    )
}

async fn resolve_code(did: &str) -> Result<String, &'static str> {
    match KeyResolver
        .resolve(&did_core::did::Did::parse(did).unwrap(), &ResolutionOptions::default())
        .await
    {
        Ok(resolution) => {
            let document = resolution.document.to_value();
            Ok(document["verificationMethod"][0]["publicKeyMultibase"]
                .as_str()
                .unwrap()
                .to_owned())
        }
        Err(e) => Err(e.code()),
    }
}

/// The DID of the issue that found the regression: P-256, tag 0x05 (SEC1's compact form).
#[tokio::test]
async fn a_compact_p256_point_in_a_did_key_is_an_invalid_public_key() {
    let did = "did:key:zDnafJTWdqUuifCiSB2VHBtdT5oHfX5PkrjJiA9QMAKwkhCu2";
    let bytes = multikey_bytes(&did["did:key:".len()..]);
    assert_eq!(bytes.len(), 33);
    assert_eq!(bytes[0], 0x05);
    assert_eq!(resolve_code(did).await, Err("invalidPublicKey"));
    // The same x with the tag 0x03 is a valid key, and a different DID.
    let mut fixed = bytes.clone();
    fixed[0] = 0x03;
    let good = multikey(KeyType::P256, &fixed);
    assert_eq!(good, "zDnaehzstquQX57Eu2rvSjYGrhMgd2677NKAXC3VhSV6DfJQU");
    assert_eq!(resolve_code(&format!("did:key:{good}")).await, Ok(good));
}

/// A valid compressed point of each EC curve, its x, and the x of no point at all.
fn ec_cases() -> Vec<(KeyType, Vec<u8>, &'static str)> {
    let mut out = Vec::new();
    for (key_type, prime) in [(KeyType::P256, P256_PRIME), (KeyType::P384, P384_PRIME)] {
        let key = did_core::key::SigningKey::generate(key_type).unwrap();
        out.push((key_type, key.verifying_key().to_compressed_bytes(), prime));
    }
    out
}

#[test]
fn ec_points_have_one_encoding_each() {
    for (key_type, compressed, prime) in ec_cases() {
        let n = key_type.scalar_len();
        let key = VerifyingKey::from_bytes(key_type, &compressed).unwrap();
        let uncompressed = key.as_bytes().to_vec();
        assert_eq!(key.to_compressed_bytes(), compressed);
        assert_eq!(VerifyingKey::from_bytes(key_type, &uncompressed).unwrap(), key);
        let x = &compressed[1..];
        let y = &uncompressed[1 + n..];

        // Every tag but the three SEC1 ones, at both lengths: identity, compact (0x05, the
        // did:key of the issue), hybrid (0x06/0x07) and anything else.
        for tag in (0u8..=255).filter(|t| !matches!(t, 0x02..=0x04)) {
            for bytes in [[&[tag], x].concat(), [&[tag], x, y].concat()] {
                let refused = VerifyingKey::from_bytes(key_type, &bytes);
                assert!(is_refused(&refused), "{key_type} tag {tag:#04x}: {refused:?}");
            }
        }
        // The identity as SEC1 writes it (a lone zero byte) and nothing at all.
        for bytes in [vec![0x00], vec![]] {
            assert!(
                is_refused(&VerifyingKey::from_bytes(key_type, &bytes)),
                "{key_type} {bytes:?}"
            );
        }
        // Compressed tags with an uncompressed body and the other way round.
        for bytes in [
            [&[0x02], x, y].concat(),
            [&[0x03], x, y].concat(),
            [&[0x04], x].concat(),
        ] {
            let refused = VerifyingKey::from_bytes(key_type, &bytes);
            assert!(
                matches!(refused, Err(KeyError::InvalidKey { .. })),
                "{key_type} tag {:#04x} with {} bytes: {refused:?}",
                bytes[0],
                bytes.len()
            );
        }
        // One byte short or long.
        for bytes in [
            compressed[..n].to_vec(),
            [&compressed[..], &[0]].concat(),
            uncompressed[..2 * n].to_vec(),
            [&uncompressed[..], &[0]].concat(),
        ] {
            let refused = VerifyingKey::from_bytes(key_type, &bytes);
            assert!(
                matches!(refused, Err(KeyError::WrongKeyLength { .. })),
                "{key_type} length {}: {refused:?}",
                bytes.len()
            );
        }
        // The other parity of y names the negated point: a different key, not a second name.
        let mut flipped = compressed.clone();
        flipped[0] ^= 1;
        let negated = VerifyingKey::from_bytes(key_type, &flipped).unwrap();
        assert_ne!(negated, key);
        assert_eq!(negated.to_compressed_bytes(), flipped);

        // x = p is x = 0 once reduced, and (0, y) is on both curves: refused compressed and
        // uncompressed. So is x + p wherever it still fits in n bytes.
        let prime = unhex(prime);
        for tag in [0x02, 0x03] {
            let refused = VerifyingKey::from_bytes(key_type, &[&[tag], &prime[..]].concat());
            assert!(is_refused(&refused), "{key_type} compressed x = p: {refused:?}");
        }
        let plus_p = add_be(x, &prime);
        if let Some(plus_p) = plus_p {
            let refused = VerifyingKey::from_bytes(key_type, &[&[compressed[0]], &plus_p[..]].concat());
            assert!(is_refused(&refused), "{key_type} compressed x + p: {refused:?}");
            let refused = VerifyingKey::from_bytes(key_type, &[&[0x04], &plus_p[..], y].concat());
            assert!(is_refused(&refused), "{key_type} uncompressed x + p: {refused:?}");
        }
        let y_plus_p = add_be(y, &prime);
        if let Some(y_plus_p) = y_plus_p {
            let refused = VerifyingKey::from_bytes(key_type, &[&[0x04], x, &y_plus_p[..]].concat());
            assert!(is_refused(&refused), "{key_type} uncompressed y + p: {refused:?}");
        }

        // An x that is no point's: about half of all values; the first few from 1 up.
        let mut off_curve = 0;
        for i in 1u8..=32 {
            let mut candidate = vec![0u8; n];
            candidate[n - 1] = i;
            let bytes = [&[0x02], &candidate[..]].concat();
            let ours = VerifyingKey::from_bytes(key_type, &bytes);
            let reference = match key_type {
                KeyType::P256 => p256::PublicKey::from_sec1_bytes(&bytes).is_ok(),
                _ => p384::PublicKey::from_sec1_bytes(&bytes).is_ok(),
            };
            assert_eq!(ours.is_ok(), reference, "{key_type} x = {i}");
            match ours {
                Ok(key) => assert_eq!(key.to_compressed_bytes(), bytes),
                Err(e) => {
                    assert!(matches!(e, KeyError::InvalidKey { .. }), "{e:?}");
                    off_curve += 1;
                }
            }
        }
        assert!(off_curve > 0, "{key_type}: no off-curve x among the first 32");
    }
}

/// `a + b` big-endian, if it does not overflow `a`'s length.
fn add_be(a: &[u8], b: &[u8]) -> Option<Vec<u8>> {
    let mut out = vec![0u8; a.len()];
    let mut carry = 0u16;
    for i in (0..a.len()).rev() {
        let sum = u16::from(a[i]) + u16::from(b[i]) + carry;
        out[i] = sum as u8;
        carry = sum >> 8;
    }
    (carry == 0).then_some(out)
}

#[test]
fn ed25519_keys_have_one_encoding_each() {
    let key_type = KeyType::Ed25519;
    // y = p + k, little-endian, for every k that still fits in 255 bits (k < 19), with both
    // sign bits: the value y = k written a second way. Some of them are points of large order
    // that curve25519-dalek decodes; all must be refused.
    let mut p = [0xffu8; 32];
    p[0] = 0xed;
    p[31] = 0x7f;
    let mut large_order = 0;
    for k in 0u8..19 {
        for sign in [0u8, 0x80] {
            let mut bytes = p;
            bytes[0] += k;
            bytes[31] |= sign;
            let refused = VerifyingKey::from_bytes(key_type, &bytes);
            assert!(is_refused(&refused), "y = p + {k}, sign {sign:#x}: {refused:?}");
            if let Ok(point) = ed25519_dalek::VerifyingKey::from_bytes(&bytes)
                && !point.is_weak()
            {
                large_order += 1;
            }
        }
    }
    assert!(large_order > 0, "no non-canonical y of large order was tried");
    // Small order points, the identity (y = 1) first, and lengths other than 32.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    for bytes in [identity.to_vec(), vec![0u8; 32], vec![0u8; 31], vec![0u8; 33], vec![]] {
        assert!(is_refused(&VerifyingKey::from_bytes(key_type, &bytes)), "{bytes:?}");
    }
}

/// Hand-made did:keys with each refused encoding resolve to `invalidPublicKey` or
/// `invalidPublicKeyLength`, never to a document.
#[tokio::test]
async fn malformed_keys_in_did_keys_are_refused_with_their_code() {
    for (key_type, compressed, _) in ec_cases() {
        let x = &compressed[1..];
        for (bytes, code) in [
            ([&[0x05], x].concat(), "invalidPublicKey"),
            ([&[0x00], x].concat(), "invalidPublicKey"),
            ([&[0x06], x].concat(), "invalidPublicKey"),
            ([&[0x04], x].concat(), "invalidPublicKey"),
            (compressed[..compressed.len() - 1].to_vec(), "invalidPublicKeyLength"),
            ([&compressed[..], &[7]].concat(), "invalidPublicKeyLength"),
        ] {
            let did = format!("did:key:{}", multikey(key_type, &bytes));
            assert_eq!(resolve_code(&did).await, Err(code), "{key_type} {did}");
        }
    }
    let mut identity = [0u8; 32];
    identity[0] = 1;
    for (bytes, code) in [
        (identity.to_vec(), "invalidPublicKey"),
        (vec![1u8; 31], "invalidPublicKeyLength"),
    ] {
        let did = format!("did:key:{}", multikey(KeyType::Ed25519, &bytes));
        assert_eq!(resolve_code(&did).await, Err(code), "{did}");
    }
}

/// The same refusals through a DID document's verification method (as a registry or did:web
/// document carries it) and through a JWK.
#[test]
fn documents_and_jwks_refuse_what_raw_bytes_refuse() {
    for (key_type, compressed, prime) in ec_cases() {
        let compact = multikey(key_type, &[&[0x05], &compressed[1..]].concat());
        let document = serde_json::json!({
            "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
            "id": "did:example:123",
            "verificationMethod": [{
                "id": "did:example:123#key-1",
                "type": "Multikey",
                "controller": "did:example:123",
                "publicKeyMultibase": compact,
            }],
            "assertionMethod": ["did:example:123#key-1"],
        });
        // The document itself is well formed; its key is what is refused, for its encoding.
        let document = Document::from_value(document, Representation::JsonLd).unwrap();
        let refused = document
            .verification_method("did:example:123#key-1")
            .unwrap()
            .verifying_key();
        assert!(
            matches!(
                refused,
                Err(did_core::document::DocumentError::InvalidKey {
                    source: KeyError::InvalidKey { .. },
                    ..
                })
            ),
            "{key_type}: a compact point in a document: {refused:?}"
        );

        // A JWK whose x is the field prime: the right length, not canonical.
        let key = VerifyingKey::from_bytes(key_type, &compressed).unwrap();
        let mut jwk = key.to_jwk();
        jwk.x = Some(b64u(&unhex(prime)));
        let refused = VerifyingKey::from_jwk(&jwk);
        assert!(is_refused(&refused), "{key_type} JWK x = p: {refused:?}");
    }
}

fn b64u(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn vector(path: &str) -> Value {
    let path = format!("{}/tests/vectors/{path}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))).unwrap()
}

/// The round-trip property over the shared did:key vectors and every one-byte mutation of
/// their key bytes (each position set to each of a handful of values, the tag to every value):
/// whatever decodes, as raw bytes, Multikey, did:key or JWK, encodes back to its input.
#[tokio::test]
async fn accepted_keys_encode_back_to_their_input() {
    let decoded = vector("did-key/DERIVED-decoded-keys.json");
    let mut accepted = 0;
    let mut refused = 0;
    for entry in decoded["did_key_decoded"].as_array().unwrap() {
        let key_type = match entry["multicodec"].as_str().unwrap() {
            "p256-pub" => KeyType::P256,
            "p384-pub" => KeyType::P384,
            "ed25519-pub" => KeyType::Ed25519,
            _ => continue,
        };
        let original = unhex(entry["key_bytes_hex"].as_str().unwrap());
        let mut inputs = vec![original.clone()];
        for position in 0..original.len() {
            for value in [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x7f, 0x80, 0xfe, 0xff] {
                let mut mutated = original.clone();
                mutated[position] = value;
                inputs.push(mutated);
            }
            let mut flipped = original.clone();
            flipped[position] ^= 0x01;
            inputs.push(flipped);
        }
        for bytes in inputs {
            match VerifyingKey::from_bytes(key_type, &bytes) {
                Ok(key) => {
                    accepted += 1;
                    let again = match key_type {
                        KeyType::Ed25519 => key.as_bytes().to_vec(),
                        _ => key.to_compressed_bytes(),
                    };
                    assert_eq!(again, bytes, "{key_type} raw bytes");
                    let value = multikey(key_type, &bytes);
                    assert_eq!(VerifyingKey::from_multikey(&value).unwrap().to_multikey(), value);
                    assert_eq!(resolve_code(&format!("did:key:{value}")).await, Ok(value.clone()));
                    let jwk = key.to_jwk();
                    let json = serde_json::to_string(&jwk).unwrap();
                    let back = VerifyingKey::from_jwk(&Jwk::from_json(&json).unwrap()).unwrap();
                    assert_eq!(serde_json::to_string(&back.to_jwk()).unwrap(), json);
                }
                Err(e) => {
                    refused += 1;
                    assert!(
                        matches!(e, KeyError::InvalidKey { .. } | KeyError::WrongKeyLength { .. }),
                        "{e:?}"
                    );
                    let value = multikey(key_type, &bytes);
                    assert!(VerifyingKey::from_multikey(&value).is_err());
                    let code = resolve_code(&format!("did:key:{value}")).await;
                    assert!(
                        matches!(code, Err("invalidPublicKey" | "invalidPublicKeyLength")),
                        "{value}: {code:?}"
                    );
                }
            }
        }
    }
    assert!(
        accepted > 100 && refused > 100,
        "accepted {accepted}, refused {refused}"
    );
}
