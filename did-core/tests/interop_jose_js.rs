//! Interop with a peer: panva/jose (npm `jose`, pinned in `interop/node/package-lock.json`).
//! Our JWS verified by jose, and jose's JWS verified by us, for ES256, ES384 and EdDSA.
//!
//! Needs Node.js and `npm ci --prefix interop/node` (scripts/test does both).

use crate::common;

use std::path::PathBuf;

use did_core::jose::{self, Header, VerifyOptions};
use did_core::key::{KeyType, SigningKey};
use serde_json::{Value, json};

fn bridge() -> PathBuf {
    let dir = common::repo_root().join("interop/node");
    assert!(
        dir.join("node_modules/jose").is_dir(),
        "the npm peer is not installed: run `npm ci --prefix interop/node` (./scripts/test does)"
    );
    dir.join("jws.mjs")
}

fn node(request: Value) -> Value {
    common::run_bridge(
        "node",
        &bridge(),
        &request,
        "Node.js must be installed for the interop tests (./scripts/test installs it)",
    )
}

const CASES: [(KeyType, &str); 3] = [
    (KeyType::P256, "ES256"),
    (KeyType::P384, "ES384"),
    (KeyType::Ed25519, "EdDSA"),
];

#[test]
#[ignore = "system test (Node.js and the jose npm package, interop/node): ./scripts/test runs it"]
fn jose_js_verifies_our_signatures() {
    for (key_type, alg) in CASES {
        let key = SigningKey::generate(key_type).unwrap();
        let payload = format!("{{\"iss\":\"did:example:dojang\",\"alg\":\"{alg}\",\"note\":\"도장\"}}");
        let token = jose::sign_with_key(
            Header::new(key_type.algorithm()).with_kid("k1"),
            payload.as_bytes(),
            &key,
        )
        .unwrap();
        let public = serde_json::to_value(key.verifying_key().to_jwk()).unwrap();
        let answer = node(json!({"op": "verify", "jwk": public, "jws": token, "algorithms": [alg]}));
        assert_eq!(answer["payload"], payload, "{alg}: {answer}");

        // A signature over other bytes must fail in jose too.
        let mut forged: Vec<&str> = token.split('.').collect();
        let other = jose::sign_with_key(Header::new(key_type.algorithm()).with_kid("k1"), b"other", &key).unwrap();
        let other_sig = other.rsplit('.').next().unwrap();
        forged[2] = other_sig;
        let answer = node(json!({"op": "verify", "jwk": public, "jws": forged.join("."), "algorithms": [alg]}));
        assert!(answer.get("error").is_some(), "{alg}: jose accepted a forged token");
    }
}

#[test]
#[ignore = "system test (Node.js and the jose npm package, interop/node): ./scripts/test runs it"]
fn we_verify_jose_js_signatures() {
    for (key_type, alg) in CASES {
        let key = SigningKey::generate(key_type).unwrap();
        let private = serde_json::to_value(key.to_jwk()).unwrap();
        let payload = "{\"sub\":\"employee-0001\"}";
        let answer = node(json!({"op": "sign", "alg": alg, "jwk": private, "payload": payload, "kid": "k1"}));
        let token = answer["jws"].as_str().unwrap_or_else(|| panic!("{alg}: {answer}"));
        let verified = jose::verify(token, key.verifying_key(), &VerifyOptions::default()).unwrap();
        assert_eq!(verified.payload, payload.as_bytes(), "{alg}");
        assert_eq!(verified.header.kid.as_deref(), Some("k1"));
        // And a different key of the same type does not verify it.
        let stranger = SigningKey::generate(key_type).unwrap();
        assert!(jose::verify(token, stranger.verifying_key(), &VerifyOptions::default()).is_err());
    }
}
