//! The registry's operator key transition (`docs/did-dojang.md` §7.1) against panva/jose
//! (`interop/node/jws.mjs`, pinned in `interop/node/package-lock.json`), both ways: jose
//! verifies each of the two signatures of the spec's example with the key it names, and a
//! transition whose two signatures jose made is accepted by `KeyTransition::verify`.

use crate::common;

use did_core::key::{KeyType, SigningKey, VerifyingKey};
use did_core::resolve::KeyResolver;
use registry_anchor::tree_head::{KEY_TRANSITION_TYP, KeyTransition};
use serde_json::{Value, json};

fn vector() -> Value {
    let path = common::repo_root().join("registry-anchor/tests/vectors/key-transition.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn jose(request: Value) -> Value {
    common::issuer::node_bridge("jws.mjs", &request)
}

#[test]
#[ignore = "system test (Node.js and interop/node's jose): ./scripts/test runs it"]
fn jose_verifies_the_example_transition_and_signs_one_we_accept() {
    let v = vector();
    let entry = v["entry"].as_str().unwrap();
    let (by_old, by_new) = entry.split_once('~').unwrap();
    let payload = serde_json::to_string(&v["payload"]).unwrap();
    for (jws, key) in [(by_old, &v["operatorKey"]), (by_new, &v["nextOperatorKey"])] {
        let answer = jose(json!({"op": "verify", "jwk": key, "jws": jws, "algorithms": ["ES256"]}));
        let verified: Value =
            serde_json::from_str(answer["payload"].as_str().unwrap_or_else(|| panic!("{answer}"))).unwrap();
        assert_eq!(verified, v["payload"], "{payload}");
    }
    // Each signature is the named key's only: jose refuses the old key's with the new key.
    let answer = jose(json!({"op": "verify", "jwk": v["nextOperatorKey"], "jws": by_old, "algorithms": ["ES256"]}));
    assert!(answer["error"].is_string(), "{answer}");

    // The other way: jose signs both halves, Dojang verifies the transition.
    let old = SigningKey::generate(KeyType::P256).unwrap();
    let new = SigningKey::generate(KeyType::P256).unwrap();
    let did = |key: &VerifyingKey| KeyResolver::did_for(key).unwrap().as_str().to_owned();
    let log = "did:web:registry.example";
    // The JCS of {from, log, size, to}: members in that order, no spaces.
    let payload = format!(
        r#"{{"from":"{}","log":"{log}","size":9,"to":"{}"}}"#,
        did(old.verifying_key()),
        did(new.verifying_key())
    );
    let sign = |key: &SigningKey| -> String {
        let jwk: Value = serde_json::to_value(key.to_jwk()).unwrap();
        let answer = jose(json!({
            "op": "sign", "alg": "ES256", "jwk": jwk, "payload": payload,
            "kid": KeyResolver::key_id_for(key.verifying_key()), "typ": KEY_TRANSITION_TYP,
        }));
        answer["jws"].as_str().unwrap_or_else(|| panic!("{answer}")).to_owned()
    };
    let entry = format!("{}~{}", sign(&old), sign(&new));
    let transition = KeyTransition::verify(&entry, old.verifying_key(), log).unwrap();
    assert_eq!(transition.to(), new.verifying_key());
    assert_eq!(transition.size(), 9);
}
