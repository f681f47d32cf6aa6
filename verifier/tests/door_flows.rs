#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! The door's two wallet flows over HTTP on loopback: OpenID4VP 1.0 (`direct_post`) and the
//! offline QR flow, where the wallet's answer is a QR image the door's camera reads back.

mod support;

use std::net::SocketAddr;
use std::sync::Arc;

use did_core::clock::FixedClock;
use serde_json::Value;
use support::*;
use verifier::oid4vp::{AuthorizationRequest, VpToken, wallet};
use verifier::qr::{self, DoorChallenge};
use verifier::reason::ReasonCode;
use verifier::service::{self, Running, ServiceConfig};

async fn start(world: &World) -> Running {
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let config = ServiceConfig {
        policy: world.policy(),
        engine: world.engine(),
        log: None,
        clock: Arc::new(FixedClock::new(world.now())),
        public_url: None,
    };
    service::start(config, addr).await.unwrap()
}

async fn new_request(client: &reqwest::Client, url: &str) -> Value {
    let response = client.post(format!("{url}/api/requests")).send().await.unwrap();
    assert_eq!(response.status(), 201);
    serde_json::from_str(&response.text().await.unwrap()).unwrap()
}

async fn state_of(client: &reqwest::Client, url: &str, id: &str) -> Value {
    let text = client
        .get(format!("{url}/api/requests/{id}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Draws `text` as a QR code image and reads it back, as the door's camera would.
fn through_camera(text: &str) -> String {
    const SCALE: usize = 3;
    const QUIET: usize = 4;
    let (width, modules) = qr::qr_modules(text).unwrap();
    let size = (width + 2 * QUIET) * SCALE;
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(size, size, |x, y| {
        let (mx, my) = (x / SCALE, y / SCALE);
        let inside = (QUIET..QUIET + width).contains(&mx) && (QUIET..QUIET + width).contains(&my);
        if inside && modules[(my - QUIET) * width + (mx - QUIET)] {
            0
        } else {
            255
        }
    });
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1);
    grids[0].decode().unwrap().1
}

#[tokio::test]
async fn openid4vp_direct_post_is_decided_by_the_policy() {
    let world = World::new();
    let door = start(&world).await;
    let client = reqwest::Client::new();
    let request = new_request(&client, &door.url()).await;

    // The wallet opens the link from the QR code.
    let link = request["openid4vp"].as_str().unwrap();
    let authorization = AuthorizationRequest::from_deep_link(link).unwrap();
    assert_eq!(authorization.nonce, request["nonce"].as_str().unwrap());
    let query = authorization.dcql_query.credential("door").unwrap();
    assert_eq!(query.meta.vct_values.as_deref(), Some(&[VCT.to_owned()][..]));
    let svg = client
        .get(format!("{}{}", door.url(), request["openid4vp_qr"].as_str().unwrap()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(svg.contains("<svg"));

    // It discloses what the query asks, bound to the request's nonce and client_id.
    let presentation = world.present_with(
        &world.issue(&world.claims()),
        &authorization.nonce,
        &authorization.client_id,
        &["/department"],
        &world.holder,
    );
    let mut vp_token = VpToken::new();
    vp_token.push("door", presentation.clone());
    let body = wallet::direct_post_body(&vp_token, authorization.state.as_deref());
    let response = client
        .post(&authorization.response_uri)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let decision: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert_eq!(decision["allow"], true, "{decision}");
    let state = state_of(&client, &door.url(), request["id"].as_str().unwrap()).await;
    assert_eq!(state["state"], "decided");
    assert_eq!(state["decision"]["reasons"][0]["code"], "ALLOWED");

    // The same response again: the request is answered.
    let again = client
        .post(&authorization.response_uri)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409);

    // A wallet that withholds the department answers the next request.
    let request = new_request(&client, &door.url()).await;
    let authorization = AuthorizationRequest::from_deep_link(request["openid4vp"].as_str().unwrap()).unwrap();
    let withheld = world.present_with(
        &world.issue(&world.claims()),
        &authorization.nonce,
        &authorization.client_id,
        &["/name"],
        &world.holder,
    );
    let mut vp_token = VpToken::new();
    vp_token.push("door", withheld);
    let response = client
        .post(&authorization.response_uri)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(wallet::direct_post_body(&vp_token, authorization.state.as_deref()))
        .send()
        .await
        .unwrap();
    let decision: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert_eq!(decision["allow"], false);
    assert_eq!(decision["reasons"][0]["code"], ReasonCode::ClaimMissing.code());

    // The door's own audience is not the OpenID4VP client_id: a key binding to it is refused.
    let request = new_request(&client, &door.url()).await;
    let authorization = AuthorizationRequest::from_deep_link(request["openid4vp"].as_str().unwrap()).unwrap();
    let wrong_aud = world.present(&world.issue(&world.claims()), &authorization.nonce);
    let mut vp_token = VpToken::new();
    vp_token.push("door", wrong_aud);
    let response = client
        .post(&authorization.response_uri)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(wallet::direct_post_body(&vp_token, authorization.state.as_deref()))
        .send()
        .await
        .unwrap();
    let decision: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert_eq!(decision["reasons"][0]["code"], ReasonCode::AudienceMismatch.code());

    // An unknown state is a protocol error, not a decision.
    let response = client
        .post(&authorization.response_uri)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(wallet::direct_post_body(&VpToken::new(), Some("no-such-state")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    door.stop().await.unwrap();
}

#[tokio::test]
async fn a_qr_image_from_the_wallet_is_decided() {
    let mut world = World::new();
    let door = start(&world).await;
    let client = reqwest::Client::new();
    let request = new_request(&client, &door.url()).await;

    // The wallet scans the door's challenge.
    let challenge = DoorChallenge::parse(&through_camera(request["challenge"].as_str().unwrap())).unwrap();
    assert_eq!(challenge.nonce, request["nonce"].as_str().unwrap());
    assert_eq!(challenge.audience, AUD);
    // The wallet shows its answer as a QR code; the door's camera reads it.
    let presentation = world.present(&world.issue(&world.claims()), &challenge.nonce);
    let payload = through_camera(&qr::encode_presentation(&presentation).unwrap());
    assert!(payload.starts_with("DJ1:"));
    let id = request["id"].as_str().unwrap();
    let response = client
        .post(format!("{}/api/requests/{id}/presentation", door.url()))
        .body(payload.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let decision: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert_eq!(decision["allow"], true, "{decision}");

    // A screenshot of that QR code shown at the next request: the nonce does not match.
    let next = new_request(&client, &door.url()).await;
    let replay = client
        .post(format!(
            "{}/api/requests/{}/presentation",
            door.url(),
            next["id"].as_str().unwrap()
        ))
        .body(payload)
        .send()
        .await
        .unwrap();
    let decision: Value = serde_json::from_str(&replay.text().await.unwrap()).unwrap();
    assert_eq!(decision["allow"], false);
    assert_eq!(decision["reasons"][0]["code"], ReasonCode::NonceMismatch.code());

    // A garbled payload is a bad request, not a decision.
    let fresh = new_request(&client, &door.url()).await;
    let garbled = client
        .post(format!(
            "{}/api/requests/{}/presentation",
            door.url(),
            fresh["id"].as_str().unwrap()
        ))
        .body("DJ1:NOT BASE45~")
        .send()
        .await
        .unwrap();
    assert_eq!(garbled.status(), 400);
    door.stop().await.unwrap();

    // Revoked after issuance: the door says so.
    world.set_status(1);
    let door = start(&world).await;
    let request = new_request(&client, &door.url()).await;
    let presentation = world.present(&world.issue(&world.claims()), request["nonce"].as_str().unwrap());
    let payload = through_camera(&qr::encode_presentation(&presentation).unwrap());
    let response = client
        .post(format!(
            "{}/api/requests/{}/presentation",
            door.url(),
            request["id"].as_str().unwrap()
        ))
        .body(payload)
        .send()
        .await
        .unwrap();
    let decision: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert_eq!(decision["reasons"][0]["code"], "REVOKED");
    assert_eq!(decision["reasons"][0]["ko"], "폐기된 자격증명입니다");
    door.stop().await.unwrap();
}
