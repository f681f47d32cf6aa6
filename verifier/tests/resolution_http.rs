//! DID resolution over HTTP on the door (`GET /1.0/identifiers/{did}`), as a DID Resolution
//! HTTP client (the did:key test suite, a Universal Resolver driver) calls it: the DID
//! percent-encoded in the path, content negotiation by `Accept`, the standard error codes with
//! their HTTP statuses, and DID URL dereferencing.

use crate::support;

use std::net::SocketAddr;
use std::sync::Arc;

use did_core::clock::{Clock, FixedClock};
use serde_json::Value;
use support::*;
use verifier::service::{self, Running, ServiceConfig};

const ED25519_DID: &str = "did:key:z6MktKwz7Ge1Yxzr4JHavN33wiwa8y81QdcMRLXQsrH9T53b";
const RESULT_TYPE: &str = "application/ld+json;profile=\"https://w3id.org/did-resolution\"";

async fn door(world: &World) -> Running {
    let config = ServiceConfig {
        policy: world.policy(),
        engine: world.engine(),
        log: None,
        clock: Arc::new(FixedClock::new(world.now())) as Arc<dyn Clock>,
        public_url: None,
        vc_api_token: None,
        request_signer: None,
    };
    service::start(config, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap()
}

/// GETs `/1.0/identifiers/<did percent-encoded><query>` with `accept`: status, content type, body.
async fn get(door: &Running, did: &str, query: &str, accept: Option<&str>) -> (u16, String, Value) {
    let encoded: String = did
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect();
    let mut request = reqwest::Client::new().get(format!("{}/1.0/identifiers/{encoded}{query}", door.url()));
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = response.text().await.unwrap();
    (status, content_type, serde_json::from_str(&body).unwrap_or(Value::Null))
}

#[tokio::test]
async fn dids_resolve_over_http_with_the_standard_codes() {
    let world = World::new();
    let door = door(&world).await;

    // A resolution result for the suite's Accept, for none, and for application/json.
    for accept in [Some(RESULT_TYPE), None, Some("application/json")] {
        let (status, content_type, body) = get(&door, ED25519_DID, "", accept).await;
        assert_eq!(status, 200, "{accept:?}: {body}");
        assert_eq!(content_type, RESULT_TYPE);
        assert_eq!(body["@context"], "https://w3id.org/did-resolution/v1");
        assert_eq!(body["didDocument"]["id"], ED25519_DID);
        assert_eq!(body["didResolutionMetadata"]["contentType"], "application/did+ld+json");
        assert!(body["didDocumentMetadata"].is_object());
    }
    // The document alone, in either representation.
    let (status, content_type, body) = get(&door, ED25519_DID, "", Some("application/did+json")).await;
    assert_eq!((status, content_type.as_str()), (200, "application/did+json"));
    assert_eq!(body["id"], ED25519_DID);
    assert!(body.get("@context").is_none());
    let (status, content_type, body) = get(&door, ED25519_DID, "", Some("application/did+ld+json")).await;
    assert_eq!((status, content_type.as_str()), (200, "application/did+ld+json"));
    assert_eq!(body["@context"][0], "https://www.w3.org/ns/did/v1");
    // The holder's P-256 did:key too.
    let (status, _, body) = get(&door, &world.holder_did(), "", None).await;
    assert_eq!(status, 200, "{body}");

    // Errors: the code in didResolutionMetadata, the status of the HTTP binding.
    let b58 = &ED25519_DID["did:key:z".len()..];
    for (did, accept, code, status) in [
        (format!("notDid:key:z{b58}"), None, "invalidDid", 400),
        (format!("did:key:-4:z{b58}"), None, "invalidDid", 400),
        (format!("did:key:{b58}"), None, "invalidDid", 400),
        ("did:key:@".to_owned(), None, "invalidDid", 400),
        (format!("did:experimental:z{b58}"), None, "methodNotSupported", 501),
        // ed25519-pub followed by 3 bytes.
        ("did:key:zTjsVPtY".to_owned(), None, "invalidPublicKeyLength", 400),
        // The compact P-256 point of the key-decoding regression.
        (
            "did:key:zDnafJTWdqUuifCiSB2VHBtdT5oHfX5PkrjJiA9QMAKwkhCu2".to_owned(),
            None,
            "invalidPublicKey",
            400,
        ),
        (
            ED25519_DID.to_owned(),
            Some("text/html"),
            "representationNotSupported",
            406,
        ),
    ] {
        let (got, content_type, body) = get(&door, &did, "", accept).await;
        assert_eq!(got, status, "{did}: {body}");
        assert_eq!(content_type, RESULT_TYPE, "{did}");
        assert_eq!(body["didResolutionMetadata"]["error"], code, "{did}: {body}");
        assert!(body["didDocument"].is_null(), "{did}");
        assert_eq!(body["@context"], "https://w3id.org/did-resolution/v1");
        assert!(body["didDocumentMetadata"].is_object());
    }
    let (status, _, body) = get(&door, ED25519_DID, "?publicKeyFormat=unknown", None).await;
    assert_eq!(status, 400);
    assert_eq!(body["didResolutionMetadata"]["error"], "unsupportedPublicKeyType");
    let (status, _, body) = get(&door, ED25519_DID, "?publicKeyFormat=Multikey", None).await;
    assert_eq!(status, 200, "{body}");

    // DID URLs: a fragment is dereferenced to its verification method.
    let method = format!("{ED25519_DID}#z{b58}");
    let (status, _, body) = get(&door, &method, "", None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["contentStream"]["id"], method);
    assert_eq!(body["contentStream"]["controller"], ED25519_DID);
    assert_eq!(body["didDocument"], body["contentStream"]);
    assert_eq!(body["contentStream"]["type"], "Multikey");
    for (url, query, code) in [
        (format!("{ED25519_DID}/^bar^/?query=`#z{b58}"), "", "invalidDidUrl"),
        (
            method.clone(),
            "?publicKeyFormat=Ed25519VerificationKey2018",
            "invalidPublicKeyType",
        ),
        (format!("{ED25519_DID}#nothing"), "", "notFound"),
    ] {
        let (status, _, body) = get(&door, &url, query, None).await;
        assert!((400..500).contains(&status), "{url}: {status} {body}");
        assert_eq!(body["didDereferencingMetadata"]["error"], code, "{url}: {body}");
    }

    // A DID sent as it is (the Universal Resolver's way, and Veramo's) is read as it is; a
    // request with no DID is `invalidDid`, not a bare 404; the current draft's media type
    // gets the result.
    let raw = |path: String| {
        let url = format!("{}/1.0/identifiers/{path}", door.url());
        async move {
            let response = reqwest::get(url).await.unwrap();
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (status, body) = raw(ED25519_DID.to_owned()).await;
    assert_eq!(
        (status, &body["didDocument"]["id"]),
        (200, &Value::from(ED25519_DID)),
        "{body}"
    );
    let (status, body) = raw(String::new()).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["didResolutionMetadata"]["error"], "invalidDid");
    let (status, _, body) = get(&door, ED25519_DID, "", Some("application/did-resolution")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["didDocument"]["id"], ED25519_DID);
    door.stop().await.unwrap();
}
