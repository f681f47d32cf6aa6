//! Interop with independent implementations, in both directions: what we sign is verified by the
//! peer, and what the peer signs is verified by us. Each direction also has a negative case (a
//! tampered token, a wrong nonce / challenge / audience, a stranger's key) so that a bridge that
//! always answered "ok" would make these tests fail.
//!
//! The peers run behind the bridge scripts in `interop/` (one JSON request on stdin, one JSON
//! answer on stdout; see `interop/README.md`):
//!
//! - `did-jwt-vc` 4.0.16 + `did-jwt` 8.0.18 (`interop/node/did_jwt_vc.mjs`): VC 1.1 JWT credentials
//!   and presentations, ES256 and EdDSA (did-jwt has no ES384).
//! - `@sd-jwt/sd-jwt-vc` 0.19.0 (`interop/node/sd_jwt_vc.mjs`): SD-JWT VC with key binding,
//!   ES256, ES384, EdDSA.
//! - `@digitalbazaar/vc` 7.3.0 with the four cryptosuites (`interop/node/vc_di.mjs`): Data
//!   Integrity proofs on credentials and presentations.
//! - Python `jwcrypto` 1.6.1 (`interop/python/jwcrypto_peer.py`): compact JWS.
//!
//! Needs Node.js (>= 20) with `npm ci --prefix interop/node`, and Python with
//! `interop/python/setup.sh`. These tests FAIL (they do not skip) when a peer is missing: CI
//! installs both.

use crate::common;

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use did_core::key::{Jwk, KeyType, SigningKey, VerifyingKey};
use did_core::resolve::KeyResolver;
use serde_json::{Value, json};

// ------------------------------------------------------------------------------------------------
// Driving the bridges

use common::{repo_root, run_bridge as run};

/// Runs a bridge and checks it answered `{"ok": true|false, ...}`.
fn run_bridge(program: &str, script: PathBuf, request: &Value, install_hint: &str) -> Value {
    let answer = run(program, &script, request, install_hint);
    assert!(
        answer["ok"].is_boolean(),
        "{}: no ok member in {answer}",
        script.display()
    );
    answer
}

const NODE_HINT: &str = "the interop tests need Node.js >= 20 and the npm peers: run `npm ci --prefix interop/node` \
                         (interop/selftest.sh or ./scripts/test do it)";
const PYTHON_HINT: &str = "the interop tests need the Python peer: run `interop/python/setup.sh` (it creates \
                           interop/python/.venv; interop/selftest.sh or ./scripts/test do it)";

/// Runs a Node bridge; `package` is a module it imports, checked to be installed first.
fn node(script: &str, package: &str, request: &Value) -> Value {
    let dir = repo_root().join("interop/node");
    assert!(
        dir.join("node_modules").join(package).is_dir(),
        "the npm package {package} is not installed: {NODE_HINT}"
    );
    run_bridge("node", dir.join(script), request, NODE_HINT)
}

fn python(request: &Value) -> Value {
    let dir = repo_root().join("interop/python");
    let interpreter = dir.join(".venv/bin/python");
    assert!(
        interpreter.is_file(),
        "{} is missing: {PYTHON_HINT}",
        interpreter.display()
    );
    run_bridge(
        interpreter.to_str().unwrap(),
        dir.join("jwcrypto_peer.py"),
        request,
        PYTHON_HINT,
    )
}

/// The peer said yes.
#[track_caller]
fn accepted(answer: Value, what: &str) -> Value {
    assert_eq!(answer["ok"], true, "{what}: the peer refused: {answer}");
    answer
}

/// The peer said no, with a reason.
#[track_caller]
fn refused(answer: &Value, what: &str) {
    assert_eq!(answer["ok"], false, "{what}: the peer accepted it: {answer}");
    assert!(answer["error"].is_string(), "{what}: no error message in {answer}");
    eprintln!("{what}: refused as expected: {}", answer["error"]);
}

// ------------------------------------------------------------------------------------------------
// Keys, times and tampering

/// A fresh key whose key ID is its did:key verification method, its DID, and that method.
fn our_key(key_type: KeyType) -> (SigningKey, String, String) {
    let key = SigningKey::generate(key_type).unwrap();
    let did = KeyResolver::did_for(key.verifying_key()).unwrap().into_string();
    let kid = KeyResolver::key_id_for(key.verifying_key());
    (key.with_key_id(kid.clone()), did, kid)
}

/// The JWS `alg` of a key type, as the bridges name it.
fn alg(key_type: KeyType) -> &'static str {
    match key_type {
        KeyType::P256 => "ES256",
        KeyType::P384 => "ES384",
        _ => "EdDSA",
    }
}

fn public_jwk(key: &SigningKey) -> Value {
    serde_json::to_value(key.verifying_key().to_jwk()).unwrap()
}

fn verifying_key_of(jwk: &Value) -> VerifyingKey {
    let jwk: Jwk = serde_json::from_value(jwk.clone()).unwrap();
    VerifyingKey::from_jwk(&jwk).unwrap()
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

fn b64u_json(part: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

/// `token` (a compact JWS) with its payload edited and the signature kept.
fn tamper_payload(token: &str, edit: impl FnOnce(&mut Value)) -> String {
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    assert_eq!(parts.len(), 3, "not a compact JWS: {token}");
    let mut payload = b64u_json(&parts[1]);
    edit(&mut payload);
    parts[1] = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&payload).unwrap());
    parts.join(".")
}

fn jwt_payload(token: &str) -> Value {
    b64u_json(token.split('.').nth(1).unwrap())
}

// ================================================================================================
// did-jwt-vc: VC Data Model 1.1 JWT encoding
//
// did-jwt-vc 4.0.16 is VC Data Model 1.1 only; it cannot do VC 2.0. `issue_vc` with a v2
// `@context` fails with `schema_error: @context is missing default context
// "https://www.w3.org/2018/credentials/v1"`, and so does `verify_vc` of a VC 2.0 `vc+jwt`. Our
// `vc+jwt` (VC-JOSE-COSE: the claims set is the credential, the issuer is `issuer`) carries no
// `iss` claim, and did-jwt refuses any JWT without one (`invalid_jwt: JWT iss or client_id are
// required`), in `verify_vc` and in `verify_jwt` alike. Only when an `iss` claim equal to the
// issuer is added does `verify_jwt` (did-jwt alone) check a `vc+jwt`, and then at the signature
// level only: it ignores `typ` and checks `nbf`/`exp`, not `validFrom`/`validUntil`.
// `did_jwt_vc_checks_vc2_only_at_signature_level` pins all of this down. did-jwt has no ES384, so
// the VC 1.1 tests cover ES256 and EdDSA.

mod did_jwt_vc {
    use did_core::clock::SystemClock;
    use did_core::resolve::CompositeResolver;
    use did_core::vc::jwt::{self, Binding, JwtEncoding, JwtVerifyOptions};
    use did_core::vc::{Credential, EmbeddedCredential, Presentation};
    use time::OffsetDateTime;

    use super::*;

    const SCRIPT: &str = "did_jwt_vc.mjs";
    const PACKAGE: &str = "did-jwt-vc";
    const CASES: [(KeyType, &str); 2] = [(KeyType::P256, "ES256"), (KeyType::Ed25519, "EdDSA")];

    fn peer(request: Value) -> Value {
        node(SCRIPT, PACKAGE, &request)
    }

    fn credential_v11(issuer: &str) -> Value {
        json!({
            "@context": ["https://www.w3.org/2018/credentials/v1"],
            "id": "urn:uuid:7a5f6b1e-5c3d-4e0b-9d0e-0f6a4c1b2d3e",
            "type": ["VerifiableCredential", "EmployeeCredential"],
            "issuer": issuer,
            "issuanceDate": "2024-01-01T00:00:00Z",
            "expirationDate": "2099-01-01T00:00:00Z",
            "credentialSubject": {"id": "did:example:ana", "name": "Ana Kim", "employeeId": "E-1024"}
        })
    }

    fn options<'a>(clock: &'a SystemClock, expected: Option<&'a Binding>) -> JwtVerifyOptions<'a> {
        JwtVerifyOptions {
            clock,
            skew: Duration::from_secs(60),
            expected,
        }
    }

    fn our_credential_jwt(key: &SigningKey, did: &str) -> String {
        let credential = Credential::from_json(credential_v11(did)).unwrap();
        jwt::sign_credential(&credential, JwtEncoding::Vc11, key).unwrap()
    }

    #[test]
    #[ignore = "system test (Node.js interop peers from interop/node): ./scripts/test runs it"]
    fn did_jwt_vc_verifies_our_vc11_credentials() {
        for (key_type, alg) in CASES {
            let (key, did, kid) = our_key(key_type);
            let token = our_credential_jwt(&key, &did);
            let answer = accepted(peer(json!({"op": "verify_vc", "jwt": token})), alg);
            assert_eq!(answer["header"]["alg"], alg);
            assert_eq!(answer["issuer"], did, "{alg}");
            assert_eq!(answer["signer"], kid, "{alg}");
            assert_eq!(answer["payload"]["sub"], "did:example:ana", "{alg}");
            assert_eq!(
                answer["payload"]["jti"],
                "urn:uuid:7a5f6b1e-5c3d-4e0b-9d0e-0f6a4c1b2d3e"
            );
            let subject = &answer["credential"]["credentialSubject"];
            assert_eq!(subject["name"], "Ana Kim", "{alg}: {answer}");
            assert_eq!(subject["id"], "did:example:ana", "{alg}: {answer}");

            // Negative: one claim changed under the same signature.
            let forged = tamper_payload(&token, |p| p["vc"]["credentialSubject"]["employeeId"] = json!("E-0001"));
            refused(&peer(json!({"op": "verify_vc", "jwt": forged})), alg);
            // Negative: signed by a key the issuer DID does not hold.
            let (stranger, _, _) = our_key(key_type);
            let stranger = stranger.with_key_id(kid.clone());
            refused(
                &peer(json!({"op": "verify_vc", "jwt": our_credential_jwt(&stranger, &did)})),
                alg,
            );
        }
    }

    #[tokio::test]
    #[ignore = "system test (Node.js interop peers from interop/node): ./scripts/test runs it"]
    async fn we_verify_did_jwt_vc_credentials() {
        let resolver = CompositeResolver::with_default_methods();
        let clock = SystemClock;
        for (_, alg) in CASES {
            let issuer = accepted(peer(json!({"op": "generate", "alg": alg})), alg);
            let did = issuer["did"].as_str().unwrap();
            let answer = accepted(
                peer(json!({"op": "issue_vc", "jwk": issuer["jwk"], "credential": credential_v11(did)})),
                alg,
            );
            let token = answer["jwt"].as_str().unwrap();
            assert_eq!(answer["header"]["typ"], "JWT");

            let verified = jwt::verify_credential(token, &resolver, &options(&clock, None))
                .await
                .unwrap_or_else(|e| panic!("{alg}: {e}: {answer}"));
            assert_eq!(verified.encoding, JwtEncoding::Vc11);
            assert_eq!(verified.credential.issuer(), did);
            assert_eq!(verified.verification_method, issuer["kid"].as_str().unwrap());
            assert_eq!(
                verified.credential.id(),
                Some("urn:uuid:7a5f6b1e-5c3d-4e0b-9d0e-0f6a4c1b2d3e")
            );
            let subjects = verified.credential.subjects();
            assert_eq!(subjects[0]["id"], "did:example:ana");
            assert_eq!(subjects[0]["name"], "Ana Kim");

            // Negative: the peer's token with one claim changed.
            let forged = tamper_payload(token, |p| p["vc"]["credentialSubject"]["name"] = json!("Mallory"));
            assert!(
                jwt::verify_credential(&forged, &resolver, &options(&clock, None))
                    .await
                    .is_err(),
                "{alg}: we accepted a tampered did-jwt-vc credential"
            );
        }
    }

    #[test]
    #[ignore = "system test (Node.js interop peers from interop/node): ./scripts/test runs it"]
    fn did_jwt_vc_verifies_our_vc11_presentations() {
        for (key_type, alg) in CASES {
            let (issuer, issuer_did, _) = our_key(KeyType::P256);
            let (holder, holder_did, holder_kid) = our_key(key_type);
            let vc = our_credential_jwt(&issuer, &issuer_did);
            let presentation = Presentation::from_json(json!({
                "@context": ["https://www.w3.org/2018/credentials/v1"],
                "type": ["VerifiablePresentation"],
                "holder": holder_did,
                "verifiableCredential": [vc],
            }))
            .unwrap();
            let binding = Binding {
                nonce: Some("n-4711".into()),
                aud: Some("https://verifier.example".into()),
            };
            let token = jwt::sign_presentation(
                &presentation,
                JwtEncoding::Vc11,
                &binding,
                OffsetDateTime::now_utc(),
                &holder,
            )
            .unwrap();

            let request = |challenge: &str, domain: &str| json!({"op": "verify_vp", "jwt": token, "challenge": challenge, "domain": domain});
            let answer = accepted(peer(request("n-4711", "https://verifier.example")), alg);
            assert_eq!(answer["issuer"], holder_did, "{alg}");
            assert_eq!(answer["signer"], holder_kid, "{alg}");
            assert_eq!(answer["payload"]["nonce"], "n-4711");
            assert_eq!(answer["credentials"][0]["issuer"], issuer_did, "{alg}: {answer}");

            // Negatives: another challenge, another domain, a changed claim.
            refused(&peer(request("n-other", "https://verifier.example")), alg);
            refused(&peer(request("n-4711", "https://other.example")), alg);
            let forged = tamper_payload(&token, |p| p["nonce"] = json!("n-other"));
            refused(
                &peer(
                    json!({"op": "verify_vp", "jwt": forged, "challenge": "n-other", "domain": "https://verifier.example"}),
                ),
                alg,
            );
        }
    }

    #[tokio::test]
    #[ignore = "system test (Node.js interop peers from interop/node): ./scripts/test runs it"]
    async fn we_verify_did_jwt_vc_presentations() {
        let resolver = CompositeResolver::with_default_methods();
        let clock = SystemClock;
        for (_, alg) in CASES {
            let issuer = accepted(peer(json!({"op": "generate", "alg": "ES256"})), alg);
            let holder = accepted(peer(json!({"op": "generate", "alg": alg})), alg);
            let issuer_did = issuer["did"].as_str().unwrap();
            let holder_did = holder["did"].as_str().unwrap();
            let vc = accepted(
                peer(json!({"op": "issue_vc", "jwk": issuer["jwk"], "credential": credential_v11(issuer_did)})),
                alg,
            );
            let vp = accepted(
                peer(json!({
                    "op": "issue_vp",
                    "jwk": holder["jwk"],
                    "presentation": {
                        "@context": ["https://www.w3.org/2018/credentials/v1"],
                        "type": ["VerifiablePresentation"],
                        "holder": holder_did,
                        "verifiableCredential": [vc["jwt"]],
                    },
                    "challenge": "n-0815",
                    "domain": "https://verifier.example",
                })),
                alg,
            );
            let token = vp["jwt"].as_str().unwrap();

            let binding = Binding {
                nonce: Some("n-0815".into()),
                aud: Some("https://verifier.example".into()),
            };
            let verified = jwt::verify_presentation(token, &resolver, &options(&clock, Some(&binding)))
                .await
                .unwrap_or_else(|e| panic!("{alg}: {e}: {vp}"));
            assert_eq!(verified.encoding, JwtEncoding::Vc11);
            assert_eq!(verified.presentation.holder(), Some(holder_did));
            assert_eq!(verified.verification_method, holder["kid"].as_str().unwrap());
            let [EmbeddedCredential::Jwt(inner)] = verified.presentation.credentials() else {
                panic!(
                    "{alg}: expected one JWT credential: {:?}",
                    verified.presentation.credentials()
                );
            };
            let credential = jwt::verify_credential(inner, &resolver, &options(&clock, None))
                .await
                .unwrap();
            assert_eq!(credential.credential.issuer(), issuer_did);

            // Negatives: another nonce, another audience.
            for wrong in [
                Binding {
                    nonce: Some("n-other".into()),
                    aud: Some("https://verifier.example".into()),
                },
                Binding {
                    nonce: Some("n-0815".into()),
                    aud: Some("https://other.example".into()),
                },
            ] {
                assert!(
                    jwt::verify_presentation(token, &resolver, &options(&clock, Some(&wrong)))
                        .await
                        .is_err(),
                    "{alg}: we accepted a did-jwt-vc presentation bound to {binding:?} as {wrong:?}"
                );
            }
        }
    }

    /// did-jwt-vc is VC 1.1 only; did-jwt checks a VC 2.0 `vc+jwt` at the signature level only,
    /// and only when it carries an `iss` claim, which ours (VC-JOSE-COSE) do not.
    #[tokio::test]
    #[ignore = "system test (Node.js interop peers from interop/node): ./scripts/test runs it"]
    async fn did_jwt_vc_checks_vc2_only_at_signature_level() {
        let (key, did, kid) = our_key(KeyType::P256);
        let credential = Credential::from_json(json!({
            "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
            "id": "urn:uuid:0c3b5a52-8d6e-4a59-bf6b-3b1c1a2f9e10",
            "type": ["VerifiableCredential", "EmployeeCredential"],
            "issuer": did,
            "validFrom": "2024-01-01T00:00:00Z",
            "validUntil": "2099-01-01T00:00:00Z",
            "credentialSubject": {"id": "did:example:ana", "employeeId": "E-1024"}
        }))
        .unwrap();
        let token = jwt::sign_credential(&credential, JwtEncoding::JoseCose, &key).unwrap();

        // Our vc+jwt has no `iss` claim (the issuer is `issuer`): did-jwt refuses it outright,
        // in the VC layer and alone.
        for op in ["verify_vc", "verify_jwt"] {
            let answer = peer(json!({"op": op, "jwt": token}));
            refused(&answer, op);
            assert!(answer["error"].as_str().unwrap().contains("iss"), "{op}: {answer}");
        }
        // The VC layer cannot issue a VC 2.0 credential.
        let peer_key = accepted(peer(json!({"op": "generate", "alg": "ES256"})), "generate");
        let mut v2 = credential.as_json().clone();
        v2.insert("issuer".into(), peer_key["did"].clone());
        let answer = peer(json!({"op": "issue_vc", "jwk": peer_key["jwk"], "credential": v2}));
        refused(&answer, "issue_vc of a VC 2.0 credential");
        assert!(answer["error"].as_str().unwrap().contains("credentials/v1"), "{answer}");

        // With an `iss` claim added (same issuer), did-jwt verifies the signature, and we still
        // accept the credential.
        let mut claims = jwt::credential_claims(&credential, JwtEncoding::JoseCose);
        claims.insert("iss".into(), json!(did));
        let header = did_core::jose::Header::new(key.verifying_key().algorithm())
            .with_typ(jwt::TYP_VC)
            .with_cty("vc");
        let with_iss = did_core::jose::sign_json_with_key(header, &claims, &key).unwrap();
        let answer = accepted(
            peer(json!({"op": "verify_jwt", "jwt": with_iss})),
            "verify_jwt with iss",
        );
        assert_eq!(answer["signer"], kid);
        assert_eq!(answer["payload"]["credentialSubject"]["employeeId"], "E-1024");
        // ...but the VC layer still refuses it: VC 1.1 only.
        let answer = peer(json!({"op": "verify_vc", "jwt": with_iss}));
        refused(&answer, "verify_vc of a vc+jwt with iss");
        assert!(answer["error"].as_str().unwrap().contains("credentials/v1"), "{answer}");
        let clock = SystemClock;
        let resolver = CompositeResolver::with_default_methods();
        let verified = jwt::verify_credential(&with_iss, &resolver, &options(&clock, None))
            .await
            .unwrap();
        assert_eq!(verified.encoding, JwtEncoding::JoseCose);
        // ...and the signature check is real.
        let forged = tamper_payload(&with_iss, |p| p["credentialSubject"]["employeeId"] = json!("E-0001"));
        refused(
            &peer(json!({"op": "verify_jwt", "jwt": forged})),
            "verify_jwt of a tampered vc+jwt",
        );
    }
}

// ================================================================================================
// @sd-jwt/sd-jwt-vc: SD-JWT VC (dc+sd-jwt) with key binding

mod sd_jwt_vc {
    use did_core::clock::SystemClock;
    use did_core::jose::{self, Header};
    use did_core::resolve::CompositeResolver;
    use did_core::sd_jwt::{self, IssueOptions, KeyBinding, SdJwt, VerifyOptions};

    use super::*;

    const SCRIPT: &str = "sd_jwt_vc.mjs";
    const PACKAGE: &str = "@sd-jwt/sd-jwt-vc";
    /// (issuer, holder) key pairs: every algorithm on each side.
    const CASES: [(KeyType, KeyType); 3] = [
        (KeyType::P256, KeyType::P256),
        (KeyType::Ed25519, KeyType::P384),
        (KeyType::P384, KeyType::Ed25519),
    ];
    const AUD: &str = "https://verifier.example";
    const NONCE: &str = "n-1234567890";

    fn peer(request: Value) -> Value {
        node(SCRIPT, PACKAGE, &request)
    }

    fn claims(iss: &str) -> Value {
        let now = unix_now();
        json!({
            "iss": iss,
            "vct": "https://credentials.example/identity_credential",
            "iat": now - 60,
            "exp": now + 3600,
            "given_name": "Ana",
            "family_name": "Kim",
            "address": {"street_address": "1 Dojang-ro", "locality": "Seoul"},
            "nationalities": ["KR", "CA"],
        })
    }

    /// What every presentation here reveals: given name, street, second nationality; never
    /// the family name.
    #[track_caller]
    fn check_revealed(claims: &Value, what: &str) {
        assert_eq!(claims["given_name"], "Ana", "{what}: {claims}");
        assert!(
            claims.get("family_name").is_none(),
            "{what}: family_name revealed: {claims}"
        );
        assert_eq!(claims["address"]["street_address"], "1 Dojang-ro", "{what}: {claims}");
        assert_eq!(claims["address"]["locality"], "Seoul", "{what}: {claims}");
        assert_eq!(claims["nationalities"], json!(["CA"]), "{what}: {claims}");
        assert!(claims.get("_sd").is_none() && claims.get("_sd_alg").is_none());
    }

    const POINTERS: [&str; 3] = ["/given_name", "/address/street_address", "/nationalities/1"];

    fn our_issuance(issuer: &SigningKey, holder: &SigningKey) -> String {
        let options = IssueOptions::sd_jwt_vc()
            .disclose("/given_name")
            .disclose("/family_name")
            .disclose("/address/street_address")
            .disclose("/nationalities/0")
            .disclose("/nationalities/1")
            .decoys(3)
            .holder_key(holder.verifying_key().clone());
        sd_jwt::issue(&claims("https://issuer.example"), &options, issuer).unwrap()
    }

    /// `presentation` with its KB-JWT (same header and claims) signed by a fresh key instead of
    /// the `cnf` one. Our own `SdJwt::bind` refuses to do this, so it is built by hand.
    fn rebind_with_stranger(presentation: &str, key_type: KeyType) -> String {
        let (sd_jwt, kb_jwt) = presentation.rsplit_once('~').unwrap();
        let stranger = SigningKey::generate(key_type).unwrap();
        let header = Header::new(stranger.verifying_key().algorithm()).with_typ(sd_jwt::KB_JWT_TYP);
        let forged = jose::sign_json_with_key(header, &jwt_payload(kb_jwt), &stranger).unwrap();
        format!("{sd_jwt}~{forged}")
    }

    fn peer_verify(presentation: &str, issuer_jwk: &Value, nonce: &str, aud: &str) -> Value {
        peer(
            json!({"op": "verify", "presentation": presentation, "issuer_jwk": issuer_jwk, "nonce": nonce, "aud": aud}),
        )
    }

    #[test]
    #[ignore = "system test (Node.js interop peers from interop/node): ./scripts/test runs it"]
    fn sd_jwt_vc_verifies_our_issuance_and_presentation() {
        for (issuer_type, holder_type) in CASES {
            let what = format!("issuer {} holder {}", alg(issuer_type), alg(holder_type));
            let issuer = SigningKey::generate(issuer_type).unwrap();
            let holder = SigningKey::generate(holder_type).unwrap();
            let issued = our_issuance(&issuer, &holder);
            let presentation = SdJwt::parse(&issued)
                .unwrap()
                .select(&POINTERS)
                .unwrap()
                .bind(&KeyBinding::new(AUD, NONCE, SystemTime::now()), &holder)
                .unwrap();

            let answer = accepted(peer_verify(&presentation, &public_jwk(&issuer), NONCE, AUD), &what);
            assert_eq!(answer["header"]["typ"], "dc+sd-jwt", "{what}");
            assert_eq!(answer["header"]["alg"], alg(issuer_type), "{what}");
            check_revealed(&answer["claims"], &what);
            assert_eq!(answer["kb"]["header"]["typ"], "kb+jwt", "{what}");
            assert_eq!(answer["kb"]["header"]["alg"], alg(holder_type), "{what}");
            assert_eq!(answer["kb"]["payload"]["nonce"], NONCE, "{what}");

            // Negatives: another nonce, another audience, another issuer key, no key binding,
            // a KB-JWT by a key other than cnf, and an issuer JWT with a changed claim.
            refused(&peer_verify(&presentation, &public_jwk(&issuer), "n-other", AUD), &what);
            refused(
                &peer_verify(&presentation, &public_jwk(&issuer), NONCE, "https://other.example"),
                &what,
            );
            let stranger = SigningKey::generate(issuer_type).unwrap();
            refused(&peer_verify(&presentation, &public_jwk(&stranger), NONCE, AUD), &what);
            let unbound = SdJwt::parse(&issued).unwrap().select(&POINTERS).unwrap().to_compact();
            refused(&peer_verify(&unbound, &public_jwk(&issuer), NONCE, AUD), &what);
            let misbound = rebind_with_stranger(&presentation, holder_type);
            refused(&peer_verify(&misbound, &public_jwk(&issuer), NONCE, AUD), &what);
            let (jwt, rest) = presentation.split_once('~').unwrap();
            let forged = format!(
                "{}~{rest}",
                tamper_payload(jwt, |p| p["vct"] = json!("https://evil.example"))
            );
            refused(&peer_verify(&forged, &public_jwk(&issuer), NONCE, AUD), &what);
        }
    }

    /// The peer issues (with `cnf` = the peer holder's key) and presents with a KB-JWT.
    fn peer_presentation(issuer: &Value, holder: &Value, iss: &str, nonce: &str) -> String {
        let issued = accepted(
            peer(json!({
                "op": "issue",
                "issuer_jwk": issuer["jwk"],
                "claims": claims(iss),
                "disclosure_frame": {
                    "_sd": ["given_name", "family_name"],
                    "address": {"_sd": ["street_address"]},
                    "nationalities": {"_sd": [0, 1]},
                },
                "holder_jwk": holder["public_jwk"],
            })),
            "issue",
        );
        let presented = accepted(
            peer(json!({
                "op": "present",
                "sd_jwt": issued["sd_jwt"],
                "presentation_frame": {"given_name": true, "address": {"street_address": true}, "nationalities": {"1": true}},
                "holder_jwk": holder["jwk"],
                "nonce": nonce,
                "aud": AUD,
            })),
            "present",
        );
        presented["presentation"].as_str().unwrap().to_owned()
    }

    #[tokio::test]
    #[ignore = "system test (Node.js interop peers from interop/node): ./scripts/test runs it"]
    async fn we_verify_sd_jwt_vc_peer_presentations() {
        let clock = SystemClock;
        let resolver = CompositeResolver::with_default_methods();
        for (issuer_type, holder_type) in CASES {
            let what = format!("issuer {} holder {}", alg(issuer_type), alg(holder_type));
            let issuer = accepted(peer(json!({"op": "generate", "alg": alg(issuer_type)})), &what);
            let holder = accepted(peer(json!({"op": "generate", "alg": alg(holder_type)})), &what);
            // The issuer is its did:key, so we can also find its key through a resolver.
            let iss = issuer["did"].as_str().unwrap();
            let presentation = peer_presentation(&issuer, &holder, iss, NONCE);
            let issuer_key = verifying_key_of(&issuer["public_jwk"]);

            let options = VerifyOptions::sd_jwt_vc().require_key_binding(AUD, NONCE);
            let verified = sd_jwt::verify(&presentation, &issuer_key, &options, &clock)
                .unwrap_or_else(|e| panic!("{what}: {e}: {presentation}"));
            check_revealed(&Value::Object(verified.claims.clone()), &what);
            assert!(verified.key_binding_verified(), "{what}");
            assert_eq!(verified.claims["iss"], iss);
            assert_eq!(verified.claims["cnf"]["jwk"]["x"], holder["public_jwk"]["x"]);

            let resolved = sd_jwt::verify_with_resolver(&presentation, &resolver, &options, &clock)
                .await
                .unwrap_or_else(|e| panic!("{what} via did:key: {e}"));
            assert_eq!(resolved.claims, verified.claims);

            // Negatives: another nonce, another audience, another issuer key, a changed claim.
            let wrong_nonce = VerifyOptions::sd_jwt_vc().require_key_binding(AUD, "n-other");
            assert!(
                sd_jwt::verify(&presentation, &issuer_key, &wrong_nonce, &clock).is_err(),
                "{what}"
            );
            let wrong_aud = VerifyOptions::sd_jwt_vc().require_key_binding("https://other.example", NONCE);
            assert!(
                sd_jwt::verify(&presentation, &issuer_key, &wrong_aud, &clock).is_err(),
                "{what}"
            );
            let stranger = SigningKey::generate(issuer_type).unwrap();
            assert!(
                sd_jwt::verify(&presentation, stranger.verifying_key(), &options, &clock).is_err(),
                "{what}"
            );
            let (jwt, rest) = presentation.split_once('~').unwrap();
            let forged = format!(
                "{}~{rest}",
                tamper_payload(jwt, |p| p["vct"] = json!("https://evil.example"))
            );
            assert!(
                sd_jwt::verify(&forged, &issuer_key, &options, &clock).is_err(),
                "{what}"
            );
        }
    }

    #[test]
    #[ignore = "system test (Node.js interop peers from interop/node): ./scripts/test runs it"]
    fn sd_jwt_vc_verifies_our_presentation_of_its_issuance() {
        for (issuer_type, holder_type) in CASES {
            let what = format!("issuer {} holder {}", alg(issuer_type), alg(holder_type));
            let issuer = accepted(peer(json!({"op": "generate", "alg": alg(issuer_type)})), &what);
            let holder = SigningKey::generate(holder_type).unwrap();
            let issued = accepted(
                peer(json!({
                    "op": "issue",
                    "issuer_jwk": issuer["jwk"],
                    "claims": claims("https://issuer.example"),
                    "disclosure_frame": {
                        "_sd": ["given_name", "family_name"],
                        "address": {"_sd": ["street_address"]},
                        "nationalities": {"_sd": [0, 1]},
                    },
                    "holder_jwk": public_jwk(&holder),
                })),
                &what,
            );
            let parsed = SdJwt::parse(issued["sd_jwt"].as_str().unwrap()).unwrap();
            assert_eq!(parsed.disclosures().len(), 5, "{what}");
            let presentation = parsed
                .select(&POINTERS)
                .unwrap()
                .bind(&KeyBinding::new(AUD, NONCE, SystemTime::now()), &holder)
                .unwrap();

            let answer = accepted(peer_verify(&presentation, &issuer["public_jwk"], NONCE, AUD), &what);
            check_revealed(&answer["claims"], &what);
            assert_eq!(answer["kb"]["payload"]["aud"], AUD, "{what}");

            // Negatives: bound by a key other than cnf; another nonce.
            let misbound = rebind_with_stranger(&presentation, holder_type);
            refused(&peer_verify(&misbound, &issuer["public_jwk"], NONCE, AUD), &what);
            refused(
                &peer_verify(&presentation, &issuer["public_jwk"], "n-other", AUD),
                &what,
            );
        }
    }
}

// ================================================================================================
// @digitalbazaar/vc: Data Integrity proofs

mod data_integrity {
    use did_core::clock::SystemClock;
    use did_core::data_integrity::{self, Cryptosuite, ProofExpectations, ProofOptions};
    use did_core::document::Relationship;
    use did_core::resolve::CompositeResolver;

    use super::*;

    const SCRIPT: &str = "vc_di.mjs";
    const PACKAGE: &str = "@digitalbazaar/vc";
    const CASES: [(Cryptosuite, KeyType); 6] = [
        (Cryptosuite::EcdsaRdfc2019, KeyType::P256),
        (Cryptosuite::EcdsaRdfc2019, KeyType::P384),
        (Cryptosuite::EcdsaJcs2019, KeyType::P256),
        (Cryptosuite::EcdsaJcs2019, KeyType::P384),
        (Cryptosuite::EddsaRdfc2022, KeyType::Ed25519),
        (Cryptosuite::EddsaJcs2022, KeyType::Ed25519),
    ];
    const CHALLENGE: &str = "c-31415926";
    const DOMAIN: &str = "https://verifier.example";

    fn peer(mut request: Value) -> Value {
        let contexts = repo_root().join("did-core/contexts");
        request["contexts_dir"] = json!(contexts.to_str().unwrap());
        node(SCRIPT, PACKAGE, &request)
    }

    fn credential(issuer: &str) -> Value {
        json!({
            "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
            "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
            "type": ["VerifiableCredential", "AlumniCredential"],
            "name": "Alumni Credential",
            "issuer": issuer,
            "validFrom": "2024-01-01T00:00:00Z",
            "credentialSubject": {"id": "did:example:ana", "alumniOf": "The School of Examples"}
        })
    }

    fn our_signed(suite: Cryptosuite, key: &SigningKey, document: &Value, options: ProofOptions) -> Value {
        data_integrity::sign(document, suite, &options, key).unwrap()
    }

    #[test]
    #[ignore = "system test (Node.js interop peers from interop/node): ./scripts/test runs it"]
    fn vc_di_verifies_our_credentials() {
        for (suite, key_type) in CASES {
            let what = format!("{} {}", suite.name(), alg(key_type));
            let (key, did, kid) = our_key(key_type);
            let options = ProofOptions::new(kid.clone()).with_created(SystemTime::now());
            let signed = our_signed(suite, &key, &credential(&did), options);

            let answer = accepted(peer(json!({"op": "verify", "credential": signed})), &what);
            assert_eq!(answer["verified"], true, "{what}");
            assert_eq!(answer["proof"]["cryptosuite"], suite.name(), "{what}");
            assert_eq!(answer["proof"]["verificationMethod"], kid, "{what}");

            // Negatives: a changed claim; a proof by a key the issuer does not control.
            let mut forged = signed.clone();
            forged["credentialSubject"]["alumniOf"] = json!("The School of Forgery");
            refused(&peer(json!({"op": "verify", "credential": forged})), &what);
            let (stranger, _, stranger_kid) = our_key(key_type);
            let options = ProofOptions::new(stranger_kid.clone()).with_created(SystemTime::now());
            let not_issuer = our_signed(suite, &stranger, &credential(&did), options);
            refused(&peer(json!({"op": "verify", "credential": not_issuer})), &what);
        }
    }

    #[tokio::test]
    #[ignore = "system test (Node.js interop peers from interop/node): ./scripts/test runs it"]
    async fn we_verify_vc_di_credentials() {
        let resolver = CompositeResolver::with_default_methods();
        for (suite, key_type) in CASES {
            let what = format!("{} {}", suite.name(), alg(key_type));
            let issuer = accepted(peer(json!({"op": "generate", "alg": alg(key_type)})), &what);
            let did = issuer["did"].as_str().unwrap();
            let answer = accepted(
                peer(
                    json!({"op": "issue", "credential": credential(did), "jwk": issuer["jwk"], "cryptosuite": suite.name()}),
                ),
                &what,
            );
            let signed = &answer["credential"];
            assert_eq!(signed["proof"]["cryptosuite"], suite.name(), "{what}");

            let verified = data_integrity::verify(signed, &resolver, &ProofExpectations::default(), &SystemClock)
                .await
                .unwrap_or_else(|e| panic!("{what}: {e}: {signed}"));
            assert_eq!(verified.len(), 1, "{what}");
            assert_eq!(verified[0].cryptosuite, suite, "{what}");
            assert_eq!(verified[0].verification_method, issuer["kid"].as_str().unwrap());
            assert_eq!(verified[0].proof_purpose, Relationship::AssertionMethod);
            // And with the key alone.
            let key = verifying_key_of(&issuer["public_jwk"]);
            data_integrity::verify_with_key(signed, &key, &ProofExpectations::default(), &SystemClock)
                .unwrap_or_else(|e| panic!("{what}: {e}"));

            // Negative: a changed claim.
            let mut forged = signed.clone();
            forged["credentialSubject"]["alumniOf"] = json!("The School of Forgery");
            assert!(
                data_integrity::verify(&forged, &resolver, &ProofExpectations::default(), &SystemClock)
                    .await
                    .is_err(),
                "{what}: we accepted a tampered credential"
            );
        }
    }

    fn presentation(holder: &str, credential: &Value) -> Value {
        json!({
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": "urn:uuid:7d2a8ad4-2e4c-4b8c-9c39-0d5a0b3c4e21",
            "type": ["VerifiablePresentation"],
            "holder": holder,
            "verifiableCredential": [credential],
        })
    }

    /// (issuer suite and key, holder suite and key): every suite signs a presentation once.
    const PRESENTATION_CASES: [((Cryptosuite, KeyType), (Cryptosuite, KeyType)); 4] = [
        (
            (Cryptosuite::EddsaJcs2022, KeyType::Ed25519),
            (Cryptosuite::EcdsaRdfc2019, KeyType::P256),
        ),
        (
            (Cryptosuite::EcdsaRdfc2019, KeyType::P384),
            (Cryptosuite::EddsaRdfc2022, KeyType::Ed25519),
        ),
        (
            (Cryptosuite::EddsaRdfc2022, KeyType::Ed25519),
            (Cryptosuite::EcdsaJcs2019, KeyType::P384),
        ),
        (
            (Cryptosuite::EcdsaJcs2019, KeyType::P256),
            (Cryptosuite::EddsaJcs2022, KeyType::Ed25519),
        ),
    ];

    #[test]
    #[ignore = "system test (Node.js interop peers from interop/node): ./scripts/test runs it"]
    fn vc_di_verifies_our_presentations() {
        for ((issuer_suite, issuer_type), (holder_suite, holder_type)) in PRESENTATION_CASES {
            let what = format!(
                "credential {} presented with {}",
                issuer_suite.name(),
                holder_suite.name()
            );
            let (issuer, issuer_did, issuer_kid) = our_key(issuer_type);
            let (holder, holder_did, holder_kid) = our_key(holder_type);
            let vc = our_signed(
                issuer_suite,
                &issuer,
                &credential(&issuer_did),
                ProofOptions::new(issuer_kid.clone()).with_created(SystemTime::now()),
            );
            let options = ProofOptions::new(holder_kid.clone())
                .with_purpose(Relationship::Authentication)
                .with_created(SystemTime::now())
                .with_challenge(CHALLENGE)
                .with_domain(DOMAIN);
            let vp = our_signed(holder_suite, &holder, &presentation(&holder_did, &vc), options);

            let request = |challenge: &str, domain: &str, vp: &Value| json!({"op": "verify_presentation", "presentation": vp, "challenge": challenge, "domain": domain});
            let answer = accepted(peer(request(CHALLENGE, DOMAIN, &vp)), &what);
            assert_eq!(answer["verified"], true);
            assert_eq!(answer["credentials"], json!([{"verified": true}]), "{what}");

            // Negatives: another challenge, another domain, a changed embedded credential.
            refused(&peer(request("c-other", DOMAIN, &vp)), &what);
            refused(&peer(request(CHALLENGE, "https://other.example", &vp)), &what);
            let mut forged = vp.clone();
            forged["verifiableCredential"][0]["credentialSubject"]["alumniOf"] = json!("The School of Forgery");
            refused(&peer(request(CHALLENGE, DOMAIN, &forged)), &what);
        }
    }

    #[tokio::test]
    #[ignore = "system test (Node.js interop peers from interop/node): ./scripts/test runs it"]
    async fn we_verify_vc_di_presentations() {
        let resolver = CompositeResolver::with_default_methods();
        for ((issuer_suite, issuer_type), (holder_suite, holder_type)) in PRESENTATION_CASES {
            let what = format!(
                "credential {} presented with {}",
                issuer_suite.name(),
                holder_suite.name()
            );
            let issuer = accepted(peer(json!({"op": "generate", "alg": alg(issuer_type)})), &what);
            let holder = accepted(peer(json!({"op": "generate", "alg": alg(holder_type)})), &what);
            let vc = accepted(
                peer(json!({
                    "op": "issue",
                    "credential": credential(issuer["did"].as_str().unwrap()),
                    "jwk": issuer["jwk"],
                    "cryptosuite": issuer_suite.name(),
                })),
                &what,
            );
            let answer = accepted(
                peer(json!({
                    "op": "sign_presentation",
                    "presentation": presentation(holder["did"].as_str().unwrap(), &vc["credential"]),
                    "jwk": holder["jwk"],
                    "cryptosuite": holder_suite.name(),
                    "challenge": CHALLENGE,
                    "domain": DOMAIN,
                })),
                &what,
            );
            let vp = &answer["presentation"];

            let expected = ProofExpectations::authentication(CHALLENGE, DOMAIN);
            let verified = data_integrity::verify(vp, &resolver, &expected, &SystemClock)
                .await
                .unwrap_or_else(|e| panic!("{what}: {e}: {vp}"));
            assert_eq!(verified[0].cryptosuite, holder_suite, "{what}");
            assert_eq!(verified[0].verification_method, holder["kid"].as_str().unwrap());
            assert_eq!(verified[0].proof_purpose, Relationship::Authentication);
            let inner = &vp["verifiableCredential"][0];
            let verified = data_integrity::verify(inner, &resolver, &ProofExpectations::default(), &SystemClock)
                .await
                .unwrap_or_else(|e| panic!("{what}, embedded credential: {e}"));
            assert_eq!(verified[0].cryptosuite, issuer_suite, "{what}");

            // Negatives: another challenge, another domain, a changed embedded credential.
            for wrong in [
                ProofExpectations::authentication("c-other", DOMAIN),
                ProofExpectations::authentication(CHALLENGE, "https://other.example"),
            ] {
                assert!(
                    data_integrity::verify(vp, &resolver, &wrong, &SystemClock)
                        .await
                        .is_err(),
                    "{what}: accepted under {wrong:?}"
                );
            }
            let mut forged = vp.clone();
            forged["verifiableCredential"][0]["credentialSubject"]["alumniOf"] = json!("The School of Forgery");
            assert!(
                data_integrity::verify(&forged, &resolver, &expected, &SystemClock)
                    .await
                    .is_err(),
                "{what}: the presentation proof did not cover the embedded credential"
            );
        }
    }
}

// ================================================================================================
// jwcrypto (Python): compact JWS

mod jwcrypto {
    use did_core::jose::{self, Header, VerifyOptions};

    use super::*;

    const CASES: [(KeyType, &str); 3] = [
        (KeyType::P256, "ES256"),
        (KeyType::P384, "ES384"),
        (KeyType::Ed25519, "EdDSA"),
    ];

    #[test]
    #[ignore = "system test (Python jwcrypto in interop/python/.venv): ./scripts/test runs it"]
    fn jwcrypto_verifies_our_jws() {
        for (key_type, alg) in CASES {
            let key = SigningKey::generate(key_type).unwrap();
            let payload = format!(r#"{{"iss":"did:example:dojang","alg":"{alg}","note":"도장"}}"#);
            let header = Header::new(key_type.algorithm()).with_kid("k1").with_typ("JWT");
            let token = jose::sign_with_key(header, payload.as_bytes(), &key).unwrap();

            let verify = |token: &str, jwk: &Value| {
                python(&json!({"op": "verify", "jwk": jwk, "token": token, "algorithms": [alg]}))
            };
            let answer = accepted(verify(&token, &public_jwk(&key)), alg);
            assert_eq!(answer["payload"], payload, "{alg}");
            assert_eq!(answer["claims"]["note"], "도장", "{alg}");
            assert_eq!(answer["header"]["alg"], alg);
            assert_eq!(answer["header"]["kid"], "k1");
            assert_eq!(answer["header"]["typ"], "JWT");

            // Negatives: a signature over other bytes, a changed payload, another key.
            let other = jose::sign_with_key(Header::new(key_type.algorithm()), b"other", &key).unwrap();
            let mut parts: Vec<&str> = token.split('.').collect();
            parts[2] = other.rsplit('.').next().unwrap();
            refused(&verify(&parts.join("."), &public_jwk(&key)), alg);
            let forged = tamper_payload(&token, |p| p["iss"] = json!("did:example:mallory"));
            refused(&verify(&forged, &public_jwk(&key)), alg);
            let stranger = SigningKey::generate(key_type).unwrap();
            refused(&verify(&token, &public_jwk(&stranger)), alg);
        }
    }

    #[test]
    #[ignore = "system test (Python jwcrypto in interop/python/.venv): ./scripts/test runs it"]
    fn we_verify_jwcrypto_jws() {
        for (key_type, alg) in CASES {
            let generated = accepted(python(&json!({"op": "generate", "alg": alg})), alg);
            let key = verifying_key_of(&generated["public_jwk"]);
            assert_eq!(key.key_type(), key_type);
            let claims = json!({"sub": "employee-0001", "note": "도장", "n": 7});
            let answer = accepted(
                python(
                    &json!({"op": "sign", "alg": alg, "jwk": generated["jwk"], "claims": claims, "header": {"kid": "k1", "typ": "JWT"}}),
                ),
                alg,
            );
            let token = answer["token"].as_str().unwrap();

            let verified =
                jose::verify(token, &key, &VerifyOptions::default()).unwrap_or_else(|e| panic!("{alg}: {e}"));
            assert_eq!(verified.header.kid.as_deref(), Some("k1"));
            let payload: Value = verified.payload_json().unwrap();
            assert_eq!(payload, claims, "{alg}");
            assert_eq!(jwt_payload(token), claims);
            jose::verify(token, &key, &VerifyOptions::default().expect_typ("JWT")).unwrap();

            // Negatives: another key, a changed payload.
            let stranger = SigningKey::generate(key_type).unwrap();
            assert!(jose::verify(token, stranger.verifying_key(), &VerifyOptions::default()).is_err());
            let forged = tamper_payload(token, |p| p["sub"] = json!("employee-0002"));
            assert!(jose::verify(&forged, &key, &VerifyOptions::default()).is_err(), "{alg}");

            // A private JWK made by jwcrypto imports into our signing key.
            let jwk: Jwk = serde_json::from_value(generated["jwk"].clone()).unwrap();
            let ours = SigningKey::from_jwk(&jwk).unwrap();
            assert_eq!(ours.verifying_key(), &key);
        }
    }
}
