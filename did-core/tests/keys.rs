//! Keys against the shared vectors: did:key / Multikey decoding, JWK import and export,
//! RFC 7638 / RFC 8037 thumbprints, and sign/verify on every key type.

use std::sync::Arc;

use did_core::key::{Algorithm, Jwk, KeyError, KeyType, Signer, SigningKey, VerifyingKey};
use serde_json::Value;

fn vector(path: &str) -> Value {
    let path = format!("{}/tests/vectors/{path}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))).unwrap()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn jwk(value: &Value) -> Jwk {
    serde_json::from_value(value.clone()).unwrap()
}

#[test]
fn every_did_key_multikey_decodes_to_its_jwk() {
    let decoded = vector("did-key/DERIVED-decoded-keys.json");
    let mut supported = 0;
    for entry in decoded["did_key_decoded"].as_array().unwrap() {
        let multibase = entry["multibase"].as_str().unwrap();
        let codec = entry["multicodec"].as_str().unwrap();
        match codec {
            "p256-pub" | "p384-pub" | "ed25519-pub" => {
                let key = VerifyingKey::from_multikey(multibase).unwrap_or_else(|e| panic!("{multibase}: {e}"));
                assert_eq!(hex(&key.to_compressed_bytes()), entry["key_bytes_hex"], "{multibase}");
                let expected = jwk(&entry["publicKeyJwk"]);
                let ours = key.to_jwk();
                assert_eq!(
                    (&ours.kty, &ours.crv, &ours.x, &ours.y),
                    (&expected.kty, &expected.crv, &expected.x, &expected.y)
                );
                assert_eq!(VerifyingKey::from_jwk(&expected).unwrap(), key);
                assert_eq!(key.to_multikey(), multibase, "round trip");
                supported += 1;
            }
            _ => {
                // P-521, X25519 and secp256k1 are not signing key types we support.
                assert!(
                    matches!(
                        VerifyingKey::from_multikey(multibase),
                        Err(KeyError::UnsupportedKeyType(_))
                    ),
                    "{codec}"
                );
            }
        }
    }
    assert!(supported >= 10, "only {supported} supported keys checked");
}

#[test]
fn multikey_secret_pairs_derive_their_public_keys() {
    let decoded = vector("did-key/DERIVED-decoded-keys.json");
    let pairs = decoded["multikey_key_pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 3);
    for pair in pairs {
        let secret = pair["secret"]["multibase"].as_str().unwrap();
        let key = SigningKey::from_multikey(secret).unwrap();
        assert_eq!(key.verifying_key().to_multikey(), pair["public"]["multibase"]);
        assert_eq!(hex(&key.to_bytes()), pair["secret"]["key_bytes_hex"]);
        assert_eq!(key.to_multikey().as_str(), secret);
    }
}

#[test]
fn ed25519_seeds_derive_their_did_keys() {
    let decoded = vector("did-key/DERIVED-decoded-keys.json");
    for check in decoded["ed25519_seed_checks"].as_array().unwrap() {
        let key = SigningKey::from_bytes(KeyType::Ed25519, &unhex(check["seed_hex"].as_str().unwrap())).unwrap();
        assert_eq!(hex(key.verifying_key().as_bytes()), check["ed25519_public_hex"]);
        let did = check["did"].as_str().unwrap();
        assert_eq!(format!("did:key:{}", key.verifying_key().to_multikey()), did);
    }
    // The did:key vector file gives the same seeds.
    let file = vector("did-key/ed25519-x25519.json");
    for (did, entry) in file.as_object().unwrap() {
        let key = SigningKey::from_bytes(KeyType::Ed25519, &unhex(entry["seed"].as_str().unwrap())).unwrap();
        assert_eq!(format!("did:key:{}", key.verifying_key().to_multikey()), *did);
    }
}

#[test]
fn nist_curve_private_jwks_match_their_dids() {
    let file = vector("did-key/nist-curves.json");
    let mut checked = 0;
    for (did, entry) in file.as_object().unwrap() {
        let vm = &entry["verificationMethod"];
        let Some(private) = vm.get("privateKeyJwk") else {
            continue;
        };
        let private = jwk(private);
        if private.crv.as_deref() == Some("P-521") {
            continue;
        }
        let key = SigningKey::from_jwk(&private).unwrap_or_else(|e| panic!("{did}: {e}"));
        assert_eq!(format!("did:key:{}", key.verifying_key().to_multikey()), *did);
        assert_eq!(
            VerifyingKey::from_jwk(&jwk(&vm["publicKeyJwk"])).unwrap(),
            *key.verifying_key()
        );
        // Export and import the private JWK again.
        let again = SigningKey::from_jwk(&key.to_jwk()).unwrap();
        assert_eq!(again.verifying_key(), key.verifying_key());
        checked += 1;
    }
    assert!(checked >= 2, "{checked}");
}

#[test]
fn thumbprint_input_escapes_members_as_json_does() {
    // Members that need escaping (a quote, a backslash, a control character, non-ASCII) are
    // written as serde_json writes a JSON string; plain ones as they are.
    for crv in ["P-256", "a\"b", "a\\b", "a\u{1}b", "a\u{7f}b", "키", "a/b"] {
        let key = jwk(&serde_json::json!({"kty": "EC", "crv": crv, "x": "x-_0", "y": "y"}));
        let expected = format!(
            r#"{{"crv":{},"kty":"EC","x":"x-_0","y":"y"}}"#,
            serde_json::to_string(crv).unwrap()
        );
        assert_eq!(key.thumbprint_input().unwrap(), expected, "{crv:?}");
    }
}

#[test]
fn rfc7638_and_rfc8037_thumbprints() {
    let cases = vector("thumbprint/jwk-thumbprints-rfc7638-rfc8037.json");
    for case in cases.as_array().unwrap() {
        let key = jwk(&case["jwk"]);
        assert_eq!(
            key.thumbprint_input().unwrap(),
            case["canonical_json"],
            "{}",
            case["source"]
        );
        assert_eq!(key.thumbprint().unwrap(), case["thumbprint_b64u"], "{}", case["source"]);
        if key.kty == "OKP" {
            assert_eq!(
                VerifyingKey::from_jwk(&key).unwrap().thumbprint(),
                case["thumbprint_b64u"]
            );
        }
    }
}

#[test]
fn sign_and_verify_with_every_key_type() {
    for key_type in [KeyType::P256, KeyType::P384, KeyType::Ed25519] {
        let key = SigningKey::generate(key_type).unwrap();
        let other = SigningKey::generate(key_type).unwrap();
        let sig = key.sign(b"message").unwrap();
        assert_eq!(sig.len(), key_type.signature_len());
        let public = key.verifying_key();
        public.verify(b"message", &sig).unwrap();
        public.verify_with(key_type.algorithm(), b"message", &sig).unwrap();
        assert_eq!(public.verify(b"messagf", &sig), Err(KeyError::BadSignature));
        assert_eq!(
            other.verifying_key().verify(b"message", &sig),
            Err(KeyError::BadSignature)
        );
        assert_eq!(
            public.verify(b"message", &sig[..sig.len() - 1]),
            Err(KeyError::BadSignature)
        );
        assert_eq!(public.verify(b"message", &[0u8; 64]), Err(KeyError::BadSignature));
        for alg in [Algorithm::Es256, Algorithm::Es384, Algorithm::EdDsa] {
            if alg != key_type.algorithm() {
                assert!(matches!(
                    public.verify_with(alg, b"message", &sig),
                    Err(KeyError::AlgorithmMismatch { .. })
                ));
            }
        }
        // Every single-bit flip of the signature is rejected.
        for bit in 0..sig.len() * 8 {
            let mut bad = sig.clone();
            bad[bit / 8] ^= 1 << (bit % 8);
            assert!(public.verify(b"message", &bad).is_err(), "{key_type} bit {bit}");
        }
        // JWK and Multikey round trips.
        assert_eq!(VerifyingKey::from_jwk(&public.to_jwk()).unwrap(), *public);
        assert_eq!(VerifyingKey::from_multikey(&public.to_multikey()).unwrap(), *public);
        assert_eq!(
            SigningKey::from_bytes(key_type, &key.to_bytes())
                .unwrap()
                .verifying_key(),
            public
        );
    }
}

#[tokio::test]
async fn signer_trait_objects_sign() {
    let signer: Arc<dyn Signer> = Arc::new(
        SigningKey::generate(KeyType::P256)
            .unwrap()
            .with_key_id("did:example:1#k"),
    );
    assert_eq!(signer.algorithm(), Algorithm::Es256);
    assert_eq!(signer.key_id(), Some("did:example:1#k"));
    let sig = signer.try_sign(b"hello").await.unwrap();
    signer.verifying_key().verify(b"hello", &sig).unwrap();
}

#[test]
fn secrets_never_print() {
    let key = SigningKey::generate(KeyType::P256).unwrap();
    let jwk = key.to_jwk();
    let d = jwk.d.clone().unwrap();
    assert!(!format!("{key:?}").contains(d.as_str()));
    assert!(!format!("{jwk:?}").contains(d.as_str()));
    assert!(format!("{jwk:?}").contains("redacted"));
}

#[test]
fn hostile_jwks_are_rejected_with_the_reason() {
    let good = SigningKey::generate(KeyType::P256).unwrap();
    let public = good.verifying_key().to_jwk();

    assert_eq!(
        VerifyingKey::from_jwk(&good.to_jwk()),
        Err(KeyError::PrivateMemberInPublicJwk("d"))
    );

    let mut with_alg = public.clone();
    with_alg.alg = Some("ES384".into());
    assert!(matches!(
        VerifyingKey::from_jwk(&with_alg),
        Err(KeyError::AlgorithmMismatch { .. })
    ));
    with_alg.alg = Some("none".into());
    assert!(matches!(
        VerifyingKey::from_jwk(&with_alg),
        Err(KeyError::UnsupportedAlgorithm(_))
    ));
    with_alg.alg = Some("ES256".into());
    assert!(VerifyingKey::from_jwk(&with_alg).is_ok());

    let mut short = public.clone();
    short.x = Some(short.x.unwrap()[1..].to_owned());
    assert!(VerifyingKey::from_jwk(&short).is_err());

    let mut padded = public.clone();
    padded.x = Some(format!("{}=", padded.x.unwrap()));
    assert!(matches!(VerifyingKey::from_jwk(&padded), Err(KeyError::InvalidJwk(_))));

    // A point off the curve: change the last byte of y.
    let mut off_curve = public.clone();
    let y = off_curve.y.unwrap();
    let last = if y.ends_with('A') { 'E' } else { 'A' };
    off_curve.y = Some(format!("{}{last}", &y[..y.len() - 1]));
    assert!(matches!(
        VerifyingKey::from_jwk(&off_curve),
        Err(KeyError::InvalidKey { .. })
    ));

    let mut no_y = public.clone();
    no_y.y = None;
    assert_eq!(VerifyingKey::from_jwk(&no_y), Err(KeyError::InvalidJwk("missing y")));

    for (kty, crv) in [
        ("EC", "P-521"),
        ("EC", "secp256k1"),
        ("OKP", "X25519"),
        ("RSA", "P-256"),
        ("oct", ""),
    ] {
        let mut other = public.clone();
        other.kty = kty.into();
        other.crv = Some(crv.into());
        assert!(
            matches!(VerifyingKey::from_jwk(&other), Err(KeyError::UnsupportedKeyType(_))),
            "{kty} {crv}"
        );
    }

    // An Ed25519 key of small order (the identity point) is refused.
    let identity = Jwk {
        kty: "OKP".into(),
        crv: Some("Ed25519".into()),
        x: Some("AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into()),
        ..Jwk::default()
    };
    assert!(matches!(
        VerifyingKey::from_jwk(&identity),
        Err(KeyError::InvalidKey { .. })
    ));

    // A private JWK whose public members belong to another key.
    let mut mismatched = good.to_jwk();
    mismatched.x = SigningKey::generate(KeyType::P256).unwrap().verifying_key().to_jwk().x;
    assert!(SigningKey::from_jwk(&mismatched).is_err());

    assert!(Jwk::from_json("[]").is_err());
    assert!(Jwk::from_json(r#"{"kty": 1}"#).is_err());
}

#[test]
fn secret_scalars_out_of_range_are_rejected() {
    assert!(SigningKey::from_bytes(KeyType::P256, &[0u8; 32]).is_err());
    assert!(SigningKey::from_bytes(KeyType::P256, &[0xffu8; 32]).is_err());
    assert!(SigningKey::from_bytes(KeyType::P384, &[0u8; 32]).is_err());
    assert!(SigningKey::from_bytes(KeyType::Ed25519, &[0u8; 31]).is_err());
}

#[test]
fn algorithm_allow_list() {
    for bad in [
        "none", "None", "HS256", "RS256", "PS256", "ES512", "es256", "", "ES256 ",
    ] {
        assert!(
            matches!(Algorithm::from_name(bad), Err(KeyError::UnsupportedAlgorithm(_))),
            "{bad:?}"
        );
    }
    assert_eq!(Algorithm::from_name("ES256").unwrap().key_type(), KeyType::P256);
    assert_eq!(Algorithm::from_name("EdDSA").unwrap(), Algorithm::EdDsa);
}

/// Uncompressed points go to the signature backend as they are: it must refuse a coordinate
/// written as itself plus the field prime (the same point modulo p, but not a canonical
/// encoding), a point off the curve, and the wrong tag, just as the compressed path does.
#[test]
fn uncompressed_points_must_be_canonical_and_on_the_curve() {
    // (0, y) is on each curve: y^2 = b. Found by taking the square root of b modulo p.
    let cases = [
        (
            KeyType::P256,
            "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff",
            "66485c780e2f83d72433bd5d84a06bb6541c2af31dae871728bf856a174f93f4",
        ),
        (
            KeyType::P384,
            "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff",
            "c306610fb0ae5a159cf45c06069f22a6c5eb3641c602d42dea2c4b4f75550793406d80d2b91ad54f9048bd487af1ade1",
        ),
    ];
    for (key_type, prime, y) in cases {
        let point = |tag: u8, x: &[u8], y: &[u8]| [vec![tag], x.to_vec(), y.to_vec()].concat();
        let zero = vec![0u8; key_type.scalar_len()];
        let (prime, y) = (unhex(prime), unhex(y));
        let key = VerifyingKey::from_bytes(key_type, &point(0x04, &zero, &y));
        assert_eq!(
            key.map(|k| k.as_bytes().to_vec()),
            Ok(point(0x04, &zero, &y)),
            "{key_type:?}"
        );
        // x = p: the same point, not canonical.
        let refused = VerifyingKey::from_bytes(key_type, &point(0x04, &prime, &y));
        assert!(
            matches!(refused, Err(KeyError::InvalidKey { .. })),
            "{key_type:?} x = p: {refused:?}"
        );
        // y + 1: off the curve.
        let mut off = y.clone();
        if let Some(last) = off.last_mut() {
            *last ^= 1;
        }
        let refused = VerifyingKey::from_bytes(key_type, &point(0x04, &zero, &off));
        assert!(
            matches!(refused, Err(KeyError::InvalidKey { .. })),
            "{key_type:?} off curve: {refused:?}"
        );
        // A hybrid (0x06/0x07) or unknown tag is not taken for an uncompressed point.
        for tag in [0x00, 0x05, 0x06, 0x07] {
            let refused = VerifyingKey::from_bytes(key_type, &point(tag, &zero, &y));
            assert!(refused.is_err(), "{key_type:?} tag {tag:#04x}");
        }
    }
}
