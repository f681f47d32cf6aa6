//! The door's two wallet flows over HTTP on loopback: OpenID4VP 1.0 (`direct_post`) and the
//! offline QR flow, where the wallet's answer is a QR image the door's camera reads back.

use crate::support;

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
        vc_api_token: None,
        request_signer: None,
    };
    service::start(config, addr).await.unwrap()
}

async fn new_request(client: &reqwest::Client, url: &str) -> Value {
    let response = client.post(format!("{url}/api/requests")).send().await.unwrap();
    assert_eq!(response.status(), 201);
    serde_json::from_str(&response.text().await.unwrap()).unwrap()
}

/// The status and JSON answer of a request (`Value::Null` when the body is not JSON).
async fn answer(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (
        status,
        serde_json::from_str(&response.text().await.unwrap()).unwrap_or(Value::Null),
    )
}

async fn state_of(client: &reqwest::Client, url: &str, id: &str) -> Value {
    answer(client.get(format!("{url}/api/requests/{id}"))).await.1
}

/// The wallet's `direct_post` of `presentations` for the door's one credential query.
async fn direct_post(
    client: &reqwest::Client,
    authorization: &AuthorizationRequest,
    presentations: &[&str],
) -> (u16, Value) {
    direct_post_for(client, authorization, "door", presentations).await
}

/// The wallet's `direct_post` of `presentations` answering credential query `query_id`.
async fn direct_post_for(
    client: &reqwest::Client,
    authorization: &AuthorizationRequest,
    query_id: &str,
    presentations: &[&str],
) -> (u16, Value) {
    let mut vp_token = VpToken::new();
    for presentation in presentations {
        vp_token.push(query_id, presentation.to_string());
    }
    let body = wallet::direct_post_body(&vp_token, authorization.state.as_deref());
    answer(
        client
            .post(&authorization.response_uri)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body),
    )
    .await
}

/// The door scanner's post of `body` (a presentation or QR payload) for request `id`.
async fn submit(client: &reqwest::Client, url: &str, id: &Value, body: String) -> (u16, Value) {
    let id = id.as_str().unwrap();
    answer(client.post(format!("{url}/api/requests/{id}/presentation")).body(body)).await
}

/// What the camera reads of the QR code for `text`.
fn scan(text: &str) -> String {
    support::camera::through_camera(text).0
}

/// The wallet's side of the link in `request`.
fn open_link(request: &Value) -> AuthorizationRequest {
    AuthorizationRequest::from_deep_link(request["openid4vp"].as_str().unwrap()).unwrap()
}

#[tokio::test]
async fn openid4vp_direct_post_is_decided_by_the_policy() {
    let world = World::new();
    let door = start(&world).await;
    let client = reqwest::Client::new();
    let request = new_request(&client, &door.url()).await;

    // The wallet opens the link from the QR code.
    let authorization = open_link(&request);
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
    let (status, decision) = direct_post(&client, &authorization, &[&presentation]).await;
    assert_eq!(status, 200);
    assert_eq!(decision["allow"], true, "{decision}");
    let state = state_of(&client, &door.url(), request["id"].as_str().unwrap()).await;
    assert_eq!(state["state"], "decided");
    assert_eq!(state["decision"]["reasons"][0]["code"], "ALLOWED");

    // The same response again: the request is answered, and the refusal says why.
    let (status, replayed) = direct_post(&client, &authorization, &[&presentation]).await;
    assert_eq!(status, 409);
    assert_eq!(replayed["reasons"][0]["code"], "NONCE_REPLAYED", "{replayed}");

    // A wallet that withholds the department answers the next request.
    let authorization = open_link(&new_request(&client, &door.url()).await);
    let withheld = world.present_with(
        &world.issue(&world.claims()),
        &authorization.nonce,
        &authorization.client_id,
        &["/name"],
        &world.holder,
    );
    let (_, decision) = direct_post(&client, &authorization, &[&withheld]).await;
    assert_eq!(decision["allow"], false);
    assert_eq!(decision["reasons"][0]["code"], ReasonCode::ClaimMissing.code());

    // The door's own audience is not the OpenID4VP client_id: a key binding to it is refused.
    let authorization = open_link(&new_request(&client, &door.url()).await);
    let wrong_aud = world.present(&world.issue(&world.claims()), &authorization.nonce);
    let (_, decision) = direct_post(&client, &authorization, &[&wrong_aud]).await;
    assert_eq!(decision["reasons"][0]["code"], ReasonCode::AudienceMismatch.code());

    // A presentation bound to one live request, posted as the answer to another.
    let first = open_link(&new_request(&client, &door.url()).await);
    let second = open_link(&new_request(&client, &door.url()).await);
    let for_first = world.present_with(
        &world.issue(&world.claims()),
        &first.nonce,
        &first.client_id,
        &["/department"],
        &world.holder,
    );
    let (_, decision) = direct_post(&client, &second, &[&for_first]).await;
    assert_eq!(decision["reasons"][0]["code"], ReasonCode::NonceMismatch.code());
    let (_, decision) = direct_post(&client, &first, &[&for_first]).await;
    assert_eq!(decision["allow"], true, "the first request still takes its own answer");

    // An unknown state is a protocol error, not a decision.
    let mut unknown = authorization.clone();
    unknown.state = Some("no-such-state".into());
    assert_eq!(direct_post(&client, &unknown, &[]).await.0, 400);
    door.stop().await.unwrap();
}

#[tokio::test]
async fn a_qr_image_from_the_wallet_is_decided() {
    let mut world = World::new();
    let door = start(&world).await;
    let client = reqwest::Client::new();
    let request = new_request(&client, &door.url()).await;

    // The wallet scans the door's challenge.
    let challenge = DoorChallenge::parse(&scan(request["challenge"].as_str().unwrap())).unwrap();
    assert_eq!(challenge.nonce, request["nonce"].as_str().unwrap());
    assert_eq!(challenge.audience, AUD);
    // The wallet shows its answer as a QR code; the door's camera reads it.
    let presentation = world.present(&world.issue(&world.claims()), &challenge.nonce);
    let payload = scan(&qr::encode_presentation(&presentation).unwrap());
    assert!(payload.starts_with("DJ1:"));
    let (status, decision) = submit(&client, &door.url(), &request["id"], payload.clone()).await;
    assert_eq!(status, 200);
    assert_eq!(decision["allow"], true, "{decision}");

    // A screenshot of that QR code shown at the next request: the nonce does not match.
    let next = new_request(&client, &door.url()).await;
    let (_, decision) = submit(&client, &door.url(), &next["id"], payload).await;
    assert_eq!(decision["allow"], false);
    assert_eq!(decision["reasons"][0]["code"], ReasonCode::NonceMismatch.code());

    // A garbled payload is a bad request, not a decision.
    let fresh = new_request(&client, &door.url()).await;
    let (status, _) = submit(&client, &door.url(), &fresh["id"], "DJ1:NOT BASE45~".into()).await;
    assert_eq!(status, 400);
    door.stop().await.unwrap();

    // Revoked after issuance: the door says so.
    world.set_status(1);
    let door = start(&world).await;
    let request = new_request(&client, &door.url()).await;
    let presentation = world.present(&world.issue(&world.claims()), request["nonce"].as_str().unwrap());
    let payload = scan(&qr::encode_presentation(&presentation).unwrap());
    let (_, decision) = submit(&client, &door.url(), &request["id"], payload).await;
    assert_eq!(decision["reasons"][0]["code"], "REVOKED");
    assert_eq!(decision["reasons"][0]["ko"], "폐기된 자격증명입니다");
    door.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_answers_to_one_request_give_one_decision() {
    let world = World::new();
    let door = start(&world).await;
    let client = reqwest::Client::new();
    let request = new_request(&client, &door.url()).await;
    let presentation = world.present(&world.issue(&world.claims()), request["nonce"].as_str().unwrap());
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (client, url, id, body) = (client.clone(), door.url(), request["id"].clone(), presentation.clone());
        tasks.spawn(async move { submit(&client, &url, &id, body).await });
    }
    let answers = tasks.join_all().await;
    let allowed = answers
        .iter()
        .filter(|(status, d)| *status == 200 && d["allow"] == true)
        .count();
    assert_eq!(allowed, 1, "{answers:?}");
    assert!(
        answers.iter().all(|(status, _)| *status == 200 || *status == 409),
        "{answers:?}"
    );
    let state = state_of(&client, &door.url(), request["id"].as_str().unwrap()).await;
    assert_eq!(state["decision"]["allow"], true, "the recorded decision is the allow");
    door.stop().await.unwrap();
}

/// A door with two rules, as the README's: an employee rule reading `department` and a
/// citizen rule reading `age_over_19`. The request asks one query per rule, joined by
/// `credential_sets`, so either credential opens the door disclosing only its rule's claim.
/// Before, one query asked a single credential for both claims, which none has.
#[tokio::test]
async fn a_two_rule_door_asks_one_query_per_rule_and_either_credential_opens_it() {
    const CITIZEN: &str = "CitizenCardCredential";
    let world = World::new();
    let policy = verifier::policy::Policy::from_toml(&format!(
        r#"
        door = "east"
        audience = "{AUD}"
        [[accept]]
        type = "{VCT}"
        issuers = ["{issuer}"]
        claims = [{{ path = "department", in = ["IT", "Security"] }}]
        [[accept]]
        type = "{CITIZEN}"
        issuers = ["{issuer}"]
        claims = [{{ path = "age_over_19", equals = true }}]
        "#,
        issuer = world.issuer_did
    ))
    .unwrap();
    let config = ServiceConfig {
        policy,
        engine: world.engine(),
        log: None,
        clock: Arc::new(FixedClock::new(world.now())),
        public_url: None,
        vc_api_token: None,
        request_signer: None,
    };
    let door = service::start(config, "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let client = reqwest::Client::new();

    let request = new_request(&client, &door.url()).await;
    let authorization = open_link(&request);
    let query = &authorization.dcql_query;
    let ids: Vec<&str> = query.credentials.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["door-1", "door-2"]);
    let employee_query = query.credential("door-1").unwrap();
    assert_eq!(employee_query.meta.vct_values.as_deref(), Some(&[VCT.to_owned()][..]));
    assert_eq!(
        serde_json::to_value(&employee_query.claims).unwrap(),
        serde_json::json!([{"path": ["department"]}])
    );
    let citizen_query = query.credential("door-2").unwrap();
    assert_eq!(
        serde_json::to_value(&citizen_query.claims).unwrap(),
        serde_json::json!([{"path": ["age_over_19"]}])
    );
    let sets = serde_json::to_value(&query.credential_sets).unwrap();
    assert_eq!(sets, serde_json::json!([{"options": [["door-1"], ["door-2"]]}]));

    // A citizen answers the citizen query, disclosing only age_over_19.
    let mut citizen = world.claims();
    citizen["vct"] = serde_json::json!(CITIZEN);
    citizen.as_object_mut().unwrap().remove("department");
    let presentation = world.present_with(
        &world.issue(&citizen),
        &authorization.nonce,
        &authorization.client_id,
        &["/age_over_19"],
        &world.holder,
    );
    let (status, decision) = direct_post_for(&client, &authorization, "door-2", &[&presentation]).await;
    assert_eq!(status, 200, "{decision}");
    assert_eq!(decision["allow"], true, "{decision}");

    // An employee answers the employee query on the next request.
    let authorization = open_link(&new_request(&client, &door.url()).await);
    let presentation = world.present_with(
        &world.issue(&world.claims()),
        &authorization.nonce,
        &authorization.client_id,
        &["/department"],
        &world.holder,
    );
    let (status, decision) = direct_post_for(&client, &authorization, "door-1", &[&presentation]).await;
    assert_eq!(status, 200, "{decision}");
    assert_eq!(decision["allow"], true, "{decision}");

    // An employee credential under the citizen query does not answer it.
    let authorization = open_link(&new_request(&client, &door.url()).await);
    let presentation = world.present_with(
        &world.issue(&world.claims()),
        &authorization.nonce,
        &authorization.client_id,
        &["/department"],
        &world.holder,
    );
    let (status, decision) = direct_post_for(&client, &authorization, "door-2", &[&presentation]).await;
    assert_eq!(status, 200, "{decision}");
    assert_eq!(decision["allow"], false, "{decision}");
    assert_eq!(decision["reasons"][0]["code"], "REQUEST_MISMATCH", "{decision}");
    door.stop().await.unwrap();
}

/// A request too long for a QR code by value goes by reference, as a Request Object signed
/// with the door's certificate under its `x509_hash:` client id; a wallet reads it, checks the
/// signature against the hash, and the presentation bound to that client id opens the door.
#[tokio::test]
async fn a_long_request_goes_by_reference_signed_under_the_doors_certificate() {
    let world = World::new();
    let mut policy = format!(
        r#"
        door = "east"
        audience = "{AUD}"
        [[accept]]
        type = "{VCT}"
        issuers = ["{issuer}"]
        claims = [{{ path = "department", in = ["IT", "Security"] }}]
        "#,
        issuer = world.issuer_did
    );
    // Enough other accepted types to make the by-value link longer than a QR code takes.
    for i in 0..12 {
        policy.push_str(&format!(
            r#"
            [[accept]]
            type = "https://issuer.province.example/vct/AnotherRatherLongCredentialTypeName{i}"
            issuers = ["{issuer}"]
            claims = [{{ path = "department", in = ["IT"] }}]
            "#,
            issuer = world.issuer_did
        ));
    }
    let config = ServiceConfig {
        policy: verifier::policy::Policy::from_toml(&policy).unwrap(),
        engine: world.engine(),
        log: None,
        clock: Arc::new(FixedClock::new(world.now())),
        public_url: None,
        vc_api_token: None,
        request_signer: None,
    };
    let door = service::start(config, "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let client = reqwest::Client::new();
    let request = new_request(&client, &door.url()).await;
    let link = request["openid4vp"].as_str().unwrap();
    let verifier::oid4vp::request::DeepLink::ByReference { client_id, request_uri } =
        verifier::oid4vp::request::DeepLink::parse(link).unwrap()
    else {
        panic!("expected a link by reference: {link}");
    };
    assert!(client_id.starts_with("x509_hash:"), "{client_id}");
    let response = client.get(&request_uri).send().await.unwrap();
    assert_eq!(response.headers()["content-type"], "application/oauth-authz-req+jwt");
    let object = response.text().await.unwrap();
    let authorization = AuthorizationRequest::from_request_object(&object, &client_id).unwrap();
    assert_eq!(authorization.client_id, client_id);

    let presentation = world.present_with(
        &world.issue(&world.claims()),
        &authorization.nonce,
        &authorization.client_id,
        &["/department"],
        &world.holder,
    );
    let (status, decision) = direct_post_for(&client, &authorization, "door-1", &[&presentation]).await;
    assert_eq!(status, 200, "{decision}");
    assert_eq!(decision["allow"], true, "{decision}");
    let (status, replayed) = direct_post_for(&client, &authorization, "door-1", &[&presentation]).await;
    assert_eq!(status, 409);
    assert_eq!(replayed["reasons"][0]["code"], "NONCE_REPLAYED");

    // Bound to the redirect_uri: client id instead of the signed one: another audience.
    let authorization2 = AuthorizationRequest::from_request_object(
        &client
            .get(
                match verifier::oid4vp::request::DeepLink::parse(
                    new_request(&client, &door.url()).await["openid4vp"].as_str().unwrap(),
                )
                .unwrap()
                {
                    verifier::oid4vp::request::DeepLink::ByReference { request_uri, .. } => request_uri,
                    _ => panic!("by reference"),
                },
            )
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        &client_id,
    )
    .unwrap();
    let misbound = world.present_with(
        &world.issue(&world.claims()),
        &authorization2.nonce,
        &format!("redirect_uri:{}", authorization2.response_uri),
        &["/department"],
        &world.holder,
    );
    let (status, decision) = direct_post_for(&client, &authorization2, "door-1", &[&misbound]).await;
    assert_eq!(status, 200, "{decision}");
    assert_eq!(decision["allow"], false, "{decision}");
    door.stop().await.unwrap();
}

/// A bystander who saw the QR code (its `state` and nonce) cannot close the holder's request:
/// a forged `error=access_denied`, garbage, and a presentation of a self-issued credential
/// bound to the request's nonce with the bystander's own key are each refused to their
/// poster, the request stays open (`refused`, counted) and its nonce unspent, and the
/// holder's answer then opens the door.
#[tokio::test]
async fn a_bystander_with_the_qr_code_cannot_close_the_holders_request() {
    let world = World::new();
    let door = start(&world).await;
    let client = reqwest::Client::new();
    let request = new_request(&client, &door.url()).await;
    let id = request["id"].as_str().unwrap();
    let authorization = open_link(&request);
    let state = authorization.state.clone().unwrap();

    let forged_error = format!("error=access_denied&state={state}");
    let garbage = format!("vp_token=%7B%22door%22%3A%5B%22garbage%22%5D%7D&state={state}");
    for (n, body) in [forged_error, garbage].into_iter().enumerate() {
        let (status, decision) = answer(
            client
                .post(&authorization.response_uri)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body),
        )
        .await;
        assert_eq!(status, 200, "{decision}");
        assert_eq!(decision["allow"], false, "{decision}");
        let now = state_of(&client, &door.url(), id).await;
        assert_eq!(now["state"], "refused", "{now}");
        assert_eq!(now["refusals"], n + 1, "{now}");
    }

    // A credential the bystander issued to themselves, bound to this request's nonce and
    // client id with their own key: the signatures verify, but the issuer is not trusted.
    let (key, did, kid) = other_party();
    let mut claims = world.claims();
    claims["iss"] = did.into();
    // No status list: the trusted issuer's list does not cover it (that alone is refused too).
    claims.as_object_mut().unwrap().remove("status");
    let self_issued = world.issue_with(&claims, &key, &kid);
    let bystander = world.present_with(
        &self_issued,
        &authorization.nonce,
        &authorization.client_id,
        &["/department"],
        &world.holder,
    );
    let (status, decision) = direct_post(&client, &authorization, &[&bystander]).await;
    assert_eq!(status, 200);
    assert_eq!(decision["allow"], false, "{decision}");
    assert!(
        decision["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["code"] == "UNTRUSTED_ISSUER"),
        "{decision}"
    );
    let now = state_of(&client, &door.url(), id).await;
    assert_eq!(
        (now["state"].as_str(), now["refusals"].as_u64()),
        (Some("refused"), Some(3))
    );

    // The holder's answer: the nonce was not spent, and the door opens.
    let presentation = world.present_with(
        &world.issue(&world.claims()),
        &authorization.nonce,
        &authorization.client_id,
        &["/department"],
        &world.holder,
    );
    let (status, decision) = direct_post(&client, &authorization, &[&presentation]).await;
    assert_eq!(status, 200);
    assert_eq!(decision["allow"], true, "{decision}");
    assert_eq!(state_of(&client, &door.url(), id).await["state"], "decided");

    // A genuine holder's denial (a claim withheld) does close its request.
    let authorization = open_link(&new_request(&client, &door.url()).await);
    let withheld = world.present_with(
        &world.issue(&world.claims()),
        &authorization.nonce,
        &authorization.client_id,
        &["/name"],
        &world.holder,
    );
    let (_, decision) = direct_post(&client, &authorization, &[&withheld]).await;
    assert_eq!(decision["reasons"][0]["code"], ReasonCode::ClaimMissing.code());
    let (status, _) = direct_post(&client, &authorization, &[&withheld]).await;
    assert_eq!(status, 409, "a decided request takes no second answer");
    door.stop().await.unwrap();
}
