//! The door's DID resolution route (`GET /1.0/identifiers/{did}`, the DID Resolution HTTP(S)
//! binding the DIF Universal Resolver serves) through a third-party client, its documents
//! checked against a third-party did:key / did:jwk implementation.
//!
//! `interop/node/did_resolution.mjs` (versions pinned in `interop/node/package-lock.json`):
//!
//! - the client is Veramo's Universal Resolver driver (`@veramo/did-resolver`
//!   `getUniversalResolver`) inside DIF's `did-resolver` `Resolver`, as a Veramo agent is set up
//!   to resolve through a Universal Resolver. It GETs `<endpoint><did>` with the DID appended
//!   as is, `Accept: application/ld+json;profile="https://w3id.org/did-resolution"`, and takes
//!   the JSON body for the resolution result whatever the HTTP status: it never reads the
//!   status, so an error reaches it only as `didResolutionMetadata.error` in the body;
//! - the reference documents are Digital Bazaar's (`@digitalbazaar/did-method-key` with the
//!   ecdsa / ed25519 Multikey libraries, `@digitalbazaar/did-method-jwk`), computed from the DID
//!   alone, with nothing of ours in the loop.
//!
//! How the documents are compared (after looking at both): the same `id`; the same verification
//! methods, by id, controller and key material (each key turned into its public JWK members
//! `kty`/`crv`/`x`/`y`, so a `publicKeyMultibase` and a `publicKeyJwk` of the same key are equal:
//! our did:jwk methods are `JsonWebKey2020`, Digital Bazaar's `JsonWebKey`); and the same
//! signing relationships (`authentication`, `assertionMethod`, `capabilityInvocation`,
//! `capabilityDelegation`). `keyAgreement` differs by design and is checked on its own:
//! Digital Bazaar writes none for Multikey did:keys (its driver has no key agreement for
//! Multikey yet) and none for a did:jwk without `use` (it infers `sig` from the curve), where
//! ours lists the P-256 / P-384 key itself (ECDH works with it) and, for Ed25519, the X25519
//! key derived from it, which must be the one Digital Bazaar's X25519 library derives.

use crate::common;

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use did_core::key::{Jwk, VerifyingKey};
use did_core::resolve::{CompositeResolver, WebResolver};
use serde_json::{Value, json};
use verifier::service::Running;

/// What Veramo's driver sends as `Accept`.
const VERAMO_ACCEPT: &str = "application/ld+json;profile=\"https://w3id.org/did-resolution\"";
const SIGNING: [&str; 4] = [
    "authentication",
    "assertionMethod",
    "capabilityInvocation",
    "capabilityDelegation",
];

async fn bridge(request: Value) -> Value {
    common::issuer::node_bridge_async("did_resolution.mjs", request).await
}

/// The door on the shipped example policy, resolving did:key, did:jwk and did:web (over plain
/// HTTP, for a did:web host on 127.0.0.1 only).
async fn door() -> Running {
    common::issuer::start_example_door(
        CompositeResolver::with_default_methods()
            .with("web", Arc::new(WebResolver::danger_plain_http_for_testing().unwrap())),
    )
    .await
}

fn endpoint(door: &Running) -> String {
    format!("{}/1.0/identifiers/", door.url())
}

/// Resolves `did` through Veramo's client against the door (extra request members merged in).
async fn resolve(door: &Running, did: &str, extra: Value) -> Value {
    let mut request = json!({"op": "resolve", "endpoint": endpoint(door), "did": did});
    if let Value::Object(extra) = extra {
        request.as_object_mut().unwrap().extend(extra);
    }
    let answer = bridge(request).await;
    assert_eq!(answer["ok"], true, "{did}: {answer:#}");
    answer
}

/// The HTTP status the door answers the very request Veramo's driver sends for `did`.
async fn status_of(door: &Running, did: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{}{did}", endpoint(door)))
        .header("accept", VERAMO_ACCEPT)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// The public key of a verification method as its JWK members, whichever way it is written.
/// Ours are read with did-core; Digital Bazaar's come as its key libraries export them.
fn our_key(method: &Value) -> Value {
    let key = if let Some(multibase) = method["publicKeyMultibase"].as_str() {
        VerifyingKey::from_multikey(multibase).unwrap()
    } else {
        let jwk: Jwk = serde_json::from_value(method["publicKeyJwk"].clone()).unwrap();
        VerifyingKey::from_jwk(&jwk).unwrap()
    };
    public_members(&serde_json::to_value(key.to_jwk()).unwrap())
}

fn public_members(jwk: &Value) -> Value {
    let mut out = serde_json::Map::new();
    for member in ["kty", "crv", "x", "y"] {
        if let Some(value) = jwk.get(member) {
            out.insert(member.to_owned(), value.clone());
        }
    }
    Value::Object(out)
}

/// The method ids a relationship lists (references, or the ids of embedded methods), sorted.
fn relationship(document: &Value, name: &str) -> Vec<String> {
    let mut ids: Vec<String> = document[name]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .map(|entry| entry.as_str().or_else(|| entry["id"].as_str()).unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

/// Checks the document the client got from the door against Digital Bazaar's for the same DID
/// (see the module comment for what "the same" means).
fn assert_same_document(what: &str, ours: &Value, expected: &Value) {
    let theirs = &expected["didDocument"];
    assert_eq!(ours["id"], theirs["id"], "{what}: id");
    let ours_methods: BTreeMap<String, (Value, Value)> = ours["verificationMethod"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["id"].as_str().unwrap().to_owned(),
                (m["controller"].clone(), our_key(m)),
            )
        })
        .collect();
    let their_methods: BTreeMap<String, (Value, Value)> = expected["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            let id = k["id"].as_str().unwrap().to_owned();
            let controller = theirs["verificationMethod"]
                .as_array()
                .unwrap()
                .iter()
                .find(|m| m["id"] == k["id"])
                .unwrap()["controller"]
                .clone();
            (id, (controller, public_members(&k["jwk"])))
        })
        .collect();
    assert_eq!(ours_methods, their_methods, "{what}: verification methods");
    for name in SIGNING {
        assert_eq!(relationship(ours, name), relationship(theirs, name), "{what}: {name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "system test (Node.js interop peers from interop/node): ./scripts/test runs it"]
async fn veramo_resolves_through_the_door_what_digital_bazaar_computes() {
    let door = door().await;
    for alg in ["ES256", "ES384", "EdDSA"] {
        let key = bridge(json!({"op": "generate", "alg": alg})).await;
        let did = key["did"].as_str().unwrap().to_owned();
        let public_jwk = public_members(&key["public_jwk"]);

        // did:key, through the client.
        let got = resolve(&door, &did, json!({})).await;
        assert_eq!(got["requests"], 1, "{alg}: the client asked the door");
        assert_eq!(got["result"]["@context"], "https://w3id.org/did-resolution/v1");
        assert!(got["didResolutionMetadata"].get("error").is_none(), "{alg}: {got:#}");
        assert_eq!(got["didResolutionMetadata"]["contentType"], "application/did+ld+json");
        assert!(got["didDocumentMetadata"].is_object(), "{alg}: {got:#}");
        let document = &got["didDocument"];
        assert_eq!(document["id"], did, "{alg}: {got:#}");

        // The same document as Digital Bazaar's did:key driver computes.
        let expected = bridge(json!({"op": "expected", "did": did})).await;
        assert_eq!(expected["ok"], true, "{alg}: {expected:#}");
        assert_same_document(&format!("{alg} did:key"), document, &expected);
        // Both write the key as a Multikey, so the strings are equal too, and both are the key
        // the DID was made from.
        assert_eq!(
            document["verificationMethod"][0]["publicKeyMultibase"],
            expected["keys"][0]["publicKeyMultibase"]
        );
        assert_eq!(document["verificationMethod"][0]["type"], "Multikey");
        assert_eq!(public_members(&expected["keys"][0]["jwk"]), public_jwk, "{alg}");
        assert_eq!(document["@context"], expected["didDocument"]["@context"], "{alg}");
        // keyAgreement: none in Digital Bazaar's (Multikey); ours as the module comment says.
        assert!(expected["didDocument"].get("keyAgreement").is_none(), "{expected:#}");
        let vm_id = key["kid"].as_str().unwrap();
        match alg {
            "EdDSA" => {
                let x25519 = expected["x25519"].as_str().unwrap();
                assert_eq!(
                    document["keyAgreement"][0]["publicKeyMultibase"], x25519,
                    "the X25519 key: {document:#}"
                );
                assert_eq!(document["keyAgreement"][0]["id"], format!("{did}#{x25519}"));
                assert_eq!(document["keyAgreement"][0]["controller"], did);
            }
            _ => assert_eq!(relationship(document, "keyAgreement"), [vm_id]),
        }

        // did:jwk of the same key, against Digital Bazaar's did:jwk driver.
        let did_jwk = format!("did:jwk:{}", URL_SAFE_NO_PAD.encode(public_jwk.to_string().as_bytes()));
        let got = resolve(&door, &did_jwk, json!({})).await;
        assert!(got["didResolutionMetadata"].get("error").is_none(), "{alg}: {got:#}");
        let expected = bridge(json!({"op": "expected", "did": did_jwk})).await;
        assert_eq!(expected["ok"], true, "{alg}: {expected:#}");
        assert_same_document(&format!("{alg} did:jwk"), &got["didDocument"], &expected);
        assert_eq!(our_key(&got["didDocument"]["verificationMethod"][0]), public_jwk);
    }
    door.stop().await.unwrap();
}

/// Errors through the client: the door's error code reaches it in the body (it never reads the
/// HTTP status), and the door still sends the binding's status with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "system test (Node.js interop peers from interop/node): ./scripts/test runs it"]
async fn veramo_gets_the_door_errors_in_the_body() {
    let door = door().await;
    let ed25519 = "did:key:z6MktKwz7Ge1Yxzr4JHavN33wiwa8y81QdcMRLXQsrH9T53b";

    // did-resolver refuses `did:key:@` itself (its DID syntax), never asking the door ...
    let got = resolve(&door, "did:key:@", json!({})).await;
    assert_eq!(got["requests"], 0, "{got:#}");
    assert_eq!(got["didResolutionMetadata"]["error"], "invalidDid");
    // ... so Veramo's driver is called on its own to send it: the door's `invalidDid`.
    // Without the multibase `z`: did-resolver's syntax takes it, the door does not.
    let no_multibase = format!("did:key:{}", &ed25519["did:key:z".len()..]);
    for (did, extra, code, status) in [
        ("did:key:@", json!({"direct": true}), "invalidDid", 400),
        (no_multibase.as_str(), json!({}), "invalidDid", 400),
        ("did:example:123", json!({}), "methodNotSupported", 501),
        // ed25519-pub followed by 3 bytes.
        ("did:key:zTjsVPtY", json!({}), "invalidPublicKeyLength", 400),
    ] {
        let got = resolve(&door, did, extra).await;
        assert_eq!(got["requests"], 1, "{did}: the door was asked");
        assert_eq!(got["didResolutionMetadata"]["error"], code, "{did}: {got:#}");
        assert!(got["didDocument"].is_null(), "{did}: {got:#}");
        assert!(got["didDocumentMetadata"].is_object(), "{did}: {got:#}");
        assert_eq!(got["result"]["@context"], "https://w3id.org/did-resolution/v1");
        assert_eq!(status_of(&door, did).await, status, "{did}");
    }
    // A method the client was not set up to send to the door: its own `unsupportedDidMethod`.
    let got = resolve(&door, "did:example:123", json!({"methods": ["key"]})).await;
    assert_eq!(got["requests"], 0);
    assert_eq!(got["didResolutionMetadata"]["error"], "unsupportedDidMethod");
    door.stop().await.unwrap();
}

/// A did:web with a port (`did:web:127.0.0.1%3A<port>:alice`): its `%3A` is part of the DID.
/// Veramo's driver appends the DID as is (the binding's "append the input DID"); a client that
/// percent-encodes sends `did%3Aweb%3A127.0.0.1%253A<port>%3Aalice`. The DIF Universal Resolver
/// tells the two apart by the path's start (`did%3A` is decoded once, anything else is taken
/// as it is). The door must resolve the same DID for both, and `notFound` for a path the host
/// does not serve.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "system test (Node.js interop peers from interop/node): ./scripts/test runs it"]
async fn a_did_web_with_a_port_resolves_as_sent() {
    let key = bridge(json!({"op": "generate", "alg": "ES256"})).await;
    let multikey = key["did"].as_str().unwrap()["did:key:".len()..].to_owned();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let did = format!("did:web:127.0.0.1%3A{port}:alice");
    let document = json!({
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [{
            "id": format!("{did}#key-1"), "type": "Multikey", "controller": did,
            "publicKeyMultibase": multikey
        }],
        "assertionMethod": [format!("{did}#key-1")]
    });
    let host = tokio::spawn(async move {
        let router = axum::Router::new().route(
            "/alice/did.json",
            axum::routing::get(move || async move { axum::Json(document) }),
        );
        let _ = axum::serve(listener, router).await;
    });
    let door = door().await;

    // Percent-encoded, as a careful client sends it.
    let encoded = did.replace('%', "%25").replace(':', "%3A");
    let response = reqwest::Client::new()
        .get(format!("{}{encoded}", endpoint(&door)))
        .header("accept", VERAMO_ACCEPT)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{encoded}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["didDocument"]["id"], did, "{body:#}");

    // As is, as Veramo sends it.
    let got = resolve(&door, &did, json!({})).await;
    assert!(
        got["didResolutionMetadata"].get("error").is_none(),
        "the door resolved another DID than the one sent: {got:#}"
    );
    assert_eq!(got["didDocument"]["id"], did, "{got:#}");
    assert_eq!(
        relationship(&got["didDocument"], "assertionMethod"),
        [format!("{did}#key-1")]
    );

    let nobody = format!("did:web:127.0.0.1%3A{port}:nobody");
    let got = resolve(&door, &nobody, json!({})).await;
    assert_eq!(got["didResolutionMetadata"]["error"], "notFound", "{got:#}");
    assert_eq!(status_of(&door, &nobody).await, 404);

    door.stop().await.unwrap();
    host.abort();
}
