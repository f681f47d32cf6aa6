//! Digital Bazaar's libraries against the live services, both ways.
//!
//! What the issuer's VC-API issues, verified by Digital Bazaar's libraries
//! (`interop/node/vc_status_list.mjs`: `@digitalbazaar/vc` with
//! `@digitalbazaar/vc-bitstring-status-list`, pinned in `interop/node/package-lock.json`): VC 2.0
//! and VC 1.1 credentials secured with `ecdsa-rdfc-2019` and `ecdsa-jcs-2019`, their Bitstring
//! Status List entries checked against the lists the live issuer publishes as Data Integrity
//! credentials, and a revocation showing there at once. And what `@digitalbazaar/vc` signs
//! (`interop/node/vc_di.mjs`), credentials and presentations in all four cryptosuites, verified
//! through the door's VC-API routes, on the door's shipped example policy.

use crate::common;

use serde_json::{Value, json};

async fn call(request: Value) -> Value {
    common::issuer::node_bridge_async("vc_status_list.mjs", request).await
}

/// The status the library found for `purpose`: `Some(true)` when the bit is set.
fn bit(answer: &Value, purpose: &str) -> Option<bool> {
    answer["status"]
        .as_array()?
        .iter()
        .find(|s| s["purpose"] == purpose)
        .and_then(|s| {
            assert_eq!(s["verified"], true, "the {purpose} list did not verify: {answer:#}");
            s["status"].as_bool()
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "system test (Node.js interop peers from interop/node): ./scripts/test runs it"]
async fn digital_bazaar_verifies_vc_api_credentials_and_their_status_lists() {
    let dir = common::scratch("status-list-interop");
    let running = common::issuer::start_key_issuer(&dir).await;
    let url = running.url();
    let admin = running.admin_token.as_ref().unwrap().to_string();
    let did = running.state.issuer.did.clone();
    let http = reqwest::Client::new();

    let mut issued = Vec::new();
    for (version, credential) in [
        (
            "2.0",
            json!({
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": ["VerifiableCredential"],
                "issuer": did,
                "credentialSubject": {"id": "did:example:ebfeb1f712ebc6f1c276e12ec21"}
            }),
        ),
        (
            "1.1",
            json!({
                "@context": ["https://www.w3.org/2018/credentials/v1"],
                "type": ["VerifiableCredential"],
                "issuer": did,
                "issuanceDate": "2026-01-01T00:00:00Z",
                "credentialSubject": {"id": "did:example:ebfeb1f712ebc6f1c276e12ec21"}
            }),
        ),
    ] {
        for format in ["ecdsa-rdfc-2019", "ecdsa-jcs-2019"] {
            let response = http
                .post(format!("{url}/credentials/issue"))
                .bearer_auth(&admin)
                .json(&json!({"credential": credential, "options": {"format": format}}))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 201, "VC {version} {format}");
            let body: Value = response.json().await.unwrap();
            let vc = body["verifiableCredential"].clone();
            let answer = call(json!({"op": "verify_credential", "credential": vc, "allow_http": true})).await;
            assert_eq!(answer["ok"], true, "VC {version} {format}: {answer:#}");
            assert_eq!(answer["verified"], true, "VC {version} {format}: {answer:#}");
            assert_eq!(answer["proof_verified"], true);
            assert_eq!(
                bit(&answer, "revocation"),
                Some(false),
                "VC {version} {format}: {answer:#}"
            );
            assert_eq!(
                bit(&answer, "suspension"),
                Some(false),
                "VC {version} {format}: {answer:#}"
            );
            issued.push((format!("VC {version} {format}"), vc));
        }
    }

    // The lists themselves are Bitstring Status List credentials to the library.
    let list_url = issued[0].1["credentialStatus"][0]["statusListCredential"]
        .as_str()
        .unwrap()
        .to_owned();
    let answer = call(json!({"op": "verify_status_list", "url": list_url, "allow_http": true})).await;
    assert_eq!(answer["ok"], true, "{answer:#}");
    assert_eq!(answer["verified"], true, "{answer:#}");
    assert_eq!(answer["status_purpose"], "revocation");
    assert!(answer["length"].as_u64().unwrap() >= 131_072, "{answer:#}");

    // Revoked through the VC-API: the library reads the bit at once; the others stay clear.
    let (what, revoked) = &issued[3];
    let response = http
        .post(format!("{url}/credentials/status"))
        .bearer_auth(&admin)
        .json(&json!({
            "credentialId": revoked["id"],
            "credentialStatus": [{"type": "BitstringStatusListCredential", "status": "revoked"}]
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let answer = call(json!({"op": "verify_credential", "credential": revoked, "allow_http": true})).await;
    assert_eq!(bit(&answer, "revocation"), Some(true), "{what}: {answer:#}");
    let (what, other) = &issued[0];
    let answer = call(json!({"op": "verify_credential", "credential": other, "allow_http": true})).await;
    assert_eq!(bit(&answer, "revocation"), Some(false), "{what}: {answer:#}");

    running.stop().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

/// The other direction: credentials and presentations Digital Bazaar's library signs, posted
/// to the door's VC-API routes as a VC-API client posts them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "system test (Node.js interop peers from interop/node): ./scripts/test runs it"]
async fn the_door_vc_api_verifies_what_digital_bazaar_signs() {
    let door = common::issuer::start_example_door(did_core::resolve::CompositeResolver::with_default_methods()).await;
    let contexts = common::repo_root().join("did-core/contexts");
    let di = |mut request: Value| {
        request["contexts_dir"] = json!(contexts.to_str().unwrap());
        let answer = common::issuer::node_bridge("vc_di.mjs", &request);
        assert_eq!(answer["ok"], true, "{answer:#}");
        answer
    };
    let http = reqwest::Client::new();
    for (suite, alg) in [
        ("ecdsa-rdfc-2019", "ES256"),
        ("ecdsa-jcs-2019", "ES384"),
        ("eddsa-rdfc-2022", "EdDSA"),
        ("eddsa-jcs-2022", "EdDSA"),
    ] {
        let issuer = di(json!({"op": "generate", "alg": alg}));
        let holder = di(json!({"op": "generate", "alg": alg}));
        let credential = json!({
            "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
            "type": ["VerifiableCredential", "AlumniCredential"],
            "issuer": issuer["did"],
            "validFrom": "2024-01-01T00:00:00Z",
            "credentialSubject": {"id": holder["did"], "alumniOf": "The School of Examples"}
        });
        let signed = di(json!({"op": "issue", "credential": credential, "jwk": issuer["jwk"], "cryptosuite": suite}));
        let vc = signed["credential"].clone();
        let presentation = json!({
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiablePresentation"],
            "holder": holder["did"],
            "verifiableCredential": [vc]
        });
        let vp = di(json!({
            "op": "sign_presentation", "presentation": presentation, "jwk": holder["jwk"],
            "cryptosuite": suite, "challenge": "c-2718", "domain": "https://verifier.example"
        }))["presentation"]
            .clone();
        for (route, body) in [
            ("/credentials/verify", json!({"verifiableCredential": vc})),
            (
                "/presentations/verify",
                json!({"verifiablePresentation": vp, "options": {"challenge": "c-2718", "domain": "https://verifier.example"}}),
            ),
        ] {
            let response = http
                .post(format!("{}{route}", door.url()))
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = response.status();
            let result: Value = response.json().await.unwrap();
            assert_eq!(status, 200, "{suite} {route}: {result:#}");
            assert_eq!(result["verified"], true, "{suite} {route}: {result:#}");
        }
        // A claim changed after Digital Bazaar signed: refused.
        let mut tampered = vc.clone();
        tampered["credentialSubject"]["alumniOf"] = json!("Another School");
        let response = http
            .post(format!("{}/credentials/verify", door.url()))
            .json(&json!({"verifiableCredential": tampered}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{suite}: a tampered credential");

        // VC DM 2.0 §5.3: Digital Bazaar signs a credential pinning the v2 context. With the
        // digest of the context as published (VC DM 2.0's own example value) the door verifies
        // it; with the sha2-256 multihash of other bytes, an rdfc proof is refused (the
        // door does not have the context pinned), a JCS one is not (it uses no context).
        for (pin, rdfc_verifies) in [
            ("uEiBZlVztZpfWHgPyslVv6-UwirFoQoRvW1htfx963sknNA", true),
            ("zQmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG", false),
        ] {
            let mut pinned = credential.clone();
            pinned["relatedResource"] = json!([{"id": "https://www.w3.org/ns/credentials/v2", "digestMultibase": pin}]);
            let vc = di(json!({"op": "issue", "credential": pinned, "jwk": issuer["jwk"], "cryptosuite": suite}))
                ["credential"]
                .clone();
            let response = http
                .post(format!("{}/credentials/verify", door.url()))
                .json(&json!({"verifiableCredential": vc}))
                .send()
                .await
                .unwrap();
            let status = response.status();
            let result: Value = response.json().await.unwrap();
            let verifies = rdfc_verifies || suite.contains("jcs");
            assert_eq!(status == 200, verifies, "{suite} {pin}: {result:#}");
            if !verifies {
                assert_eq!(
                    result["errors"][0]["code"], "DI_RELATED_RESOURCE_MISMATCH",
                    "{result:#}"
                );
            }
        }
    }
    door.stop().await.unwrap();
}
