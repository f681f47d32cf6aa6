//! One error dialect for the three services: the issuer, the registry node and the door answer
//! a malformed request, an unauthorized one and one for a route that does not exist as
//! `application/problem+json` with the same members (`type`, `title`, `status`, `detail`,
//! `code`), `type` being the shared base followed by `code`.

use std::sync::Arc;

use did_core::key::{KeyType, SigningKey};
use registry_anchor::node::{NodeConfig, Registry, WriteAccess, router_with};
use serde_json::Value;

use crate::common;

/// The members every problem has; `field` may follow when one field is at fault.
const MEMBERS: [&str; 5] = ["code", "detail", "status", "title", "type"];

/// Sends `request`, checks the answer is a problem with `status` and `code`, returns it.
async fn problem(what: &str, request: reqwest::RequestBuilder, status: u16, code: &str) -> Value {
    let answer = request.send().await.unwrap();
    assert_eq!(answer.status().as_u16(), status, "{what}");
    assert_eq!(answer.headers()["content-type"], "application/problem+json", "{what}");
    let body: Value = answer.json().await.unwrap();
    let mut members: Vec<&str> = body.as_object().unwrap().keys().map(String::as_str).collect();
    members.retain(|m| *m != "field");
    assert_eq!(members, MEMBERS, "{what}: {body}");
    assert_eq!(body["status"], status, "{what}: {body}");
    assert_eq!(body["code"], code, "{what}: {body}");
    assert_eq!(
        body["type"],
        format!("https://dojang.example/problems/{code}"),
        "{what}: {body}"
    );
    assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()), "{what}: {body}");
    assert!(body["title"].as_str().is_some_and(|t| !t.is_empty()), "{what}: {body}");
    body
}

#[tokio::test]
async fn the_three_services_answer_errors_in_one_dialect() {
    let dir = common::scratch("problems");
    let http = reqwest::Client::new();

    // The issuer.
    let issuer = common::issuer::start_key_issuer(&dir).await;
    let iss = issuer.url();
    let admin = issuer.admin_token.as_ref().unwrap().to_string();
    problem(
        "issuer, malformed JSON",
        http.post(format!("{iss}/credentials/issue"))
            .bearer_auth(&admin)
            .header("content-type", "application/json")
            .body("{\"credential\": "),
        400,
        "malformed_request",
    )
    .await;
    problem(
        "issuer, no token",
        http.post(format!("{iss}/credentials/issue"))
            .header("content-type", "application/json")
            .body("{}"),
        401,
        "unauthorized",
    )
    .await;
    problem(
        "issuer, no route",
        http.get(format!("{iss}/no/such/route")),
        404,
        "not_found",
    )
    .await;

    // A registry node that takes writes only with a token.
    let operator = SigningKey::generate(KeyType::P256).unwrap();
    let log_id = format!("did:key:{}", operator.verifying_key().to_multikey());
    let registry = Registry::open(NodeConfig::new(dir.join("node.redb"), log_id, operator)).unwrap();
    let token = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
    let access = WriteAccess::tokens([token]).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let node = format!("http://{}", listener.local_addr().unwrap());
    let served = tokio::spawn(async move {
        let _ = axum::serve(listener, router_with(Arc::new(registry), access)).await;
    });
    problem(
        "registry, malformed operation",
        http.post(format!("{node}/operations"))
            .bearer_auth(token)
            .body("not a jws"),
        400,
        "malformed_jws",
    )
    .await;
    problem(
        "registry, no token",
        http.post(format!("{node}/operations")).body("not a jws"),
        401,
        "unauthorized",
    )
    .await;
    problem(
        "registry, no route",
        http.get(format!("{node}/no/such/route")),
        404,
        "not_found",
    )
    .await;
    problem(
        "registry, unknown DID",
        http.get(format!("{node}/dids/did:dojang:zNothing")),
        404,
        "not_found",
    )
    .await;

    // The door, with a VC-API token.
    let door = common::issuer::start_example_door_with(
        did_core::resolve::CompositeResolver::new(),
        Some("door-token-0123456789"),
    )
    .await;
    let url = door.url();
    let created: Value = http
        .post(format!("{url}/api/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap();
    problem(
        "door, malformed QR payload",
        http.post(format!("{url}/api/requests/{id}/presentation"))
            .body("DJ1:%%%not base45%%%"),
        400,
        "malformed_qr_payload",
    )
    .await;
    problem(
        "door, no VC-API token",
        http.post(format!("{url}/credentials/verify"))
            .header("content-type", "application/json")
            .body("{}"),
        401,
        "unauthorized",
    )
    .await;
    problem(
        "door, no route",
        http.get(format!("{url}/no/such/route")),
        404,
        "not_found",
    )
    .await;
    problem(
        "door, unknown request",
        http.get(format!("{url}/api/requests/nothing")),
        404,
        "unknown_request",
    )
    .await;
    problem(
        "door, a body that is not UTF-8",
        http.post(format!("{url}/api/requests/{id}/presentation"))
            .body(vec![0xff, 0xfe, 0xfd]),
        400,
        "malformed_request",
    )
    .await;

    served.abort();
}
