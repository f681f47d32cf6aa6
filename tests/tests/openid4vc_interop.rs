//! A third-party wallet against the live issuer and door: Animo's OpenID4VC libraries (the ones
//! behind Credo and the Paradym wallet; `interop/node/openid4vc_wallet.mjs`, pinned in
//! `interop/node/package-lock.json`) receive both templates through OpenID4VCI 1.0 offers, with
//! `jwk` and did:key key proofs, and open the README's two-rule door through OpenID4VP 1.0, by
//! value and by reference (a Request Object signed under the door's `x509_hash:` client id).
//! The negatives are refused with the codes the specifications name.

use crate::common;

use std::net::SocketAddr;
use std::sync::Arc;

use did_core::clock::SystemClock;
use did_core::resolve::CompositeResolver;
use did_core::status::HttpStatusListSource;
use serde_json::{Value, json};
use verifier::decision::Engine;
use verifier::policy::Policy;
use verifier::service::{self, Running, ServiceConfig};

async fn call(request: Value) -> Value {
    common::issuer::node_bridge_async("openid4vc_wallet.mjs", request).await
}

struct Issuer {
    running: vc_issuer::server::Running,
    url: String,
    admin: String,
    did: String,
    http: reqwest::Client,
}

impl Issuer {
    async fn start(dir: &std::path::Path) -> Issuer {
        let running = common::issuer::start_key_issuer(dir).await;
        Issuer {
            url: running.url(),
            admin: running.admin_token.as_ref().unwrap().to_string(),
            did: running.state.issuer.did.clone(),
            running,
            http: reqwest::Client::new(),
        }
    }

    /// A pre-authorized offer of `template` with `claims`: its link and PIN.
    async fn offer(&self, template: &str, claims: Value) -> (String, String) {
        let (offer, pin) = self.offer_json(template, claims).await;
        (offer["offer_url"].as_str().unwrap().to_owned(), pin)
    }

    /// The admin API's whole answer for a new offer (with `credential_offer`, the offer by
    /// value) and its PIN.
    async fn offer_json(&self, template: &str, claims: Value) -> (Value, String) {
        let response = self
            .http
            .post(format!("{}/admin/offers", self.url))
            .bearer_auth(&self.admin)
            .json(&json!({"type": template, "claims": claims}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        let offer: Value = response.json().await.unwrap();
        let pin = offer["tx_code"].as_str().unwrap().to_owned();
        (offer, pin)
    }
}

fn employee() -> Value {
    json!({
        "employee_number": "E-4410",
        "name_ko": "김민준",
        "name_latin": "Kim Minjun",
        "organization": "Gangwon Province",
        "department": "Digital Policy",
        "position": "Deputy Director",
        "access_groups": ["hq-main"]
    })
}

fn citizen() -> Value {
    json!({
        "name_ko": "이서연",
        "name_latin": "Lee Seoyeon",
        "birth_date": "1990-03-01",
        "resident_district": "Jung-gu",
        "card_number": "1234-5678-9012"
    })
}

/// The README's door policy (`verifier/door.example.toml`) for this issuer, as the README's
/// `sed` writes it, with `extra` rules appended.
fn readme_policy(issuer: &Issuer, extra: &str) -> Policy {
    let text = std::fs::read_to_string(common::repo_root().join("verifier/door.example.toml")).unwrap();
    let host = issuer.url.trim_start_matches("http://");
    let text = text
        .replace("did:web:issuer.province.example", &issuer.did)
        .replace("127.0.0.1:8080", host);
    Policy::from_toml(&format!("{text}\n{extra}")).unwrap()
}

async fn door(policy: Policy) -> Running {
    let engine = Engine::online(
        Arc::new(CompositeResolver::with_default_methods()),
        // The issuer's status lists are on loopback HTTP.
        Arc::new(HttpStatusListSource::danger_plain_http_for_testing().unwrap()),
    );
    let config = ServiceConfig {
        policy,
        engine,
        log: None,
        clock: Arc::new(SystemClock),
        public_url: None,
        vc_api_token: None,
        request_signer: None,
    };
    service::start(config, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap()
}

/// A new request at `door`: its deep link.
async fn request_link(door: &Running) -> String {
    let response = reqwest::Client::new()
        .post(format!("{}/api/requests", door.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let request: Value = response.json().await.unwrap();
    request["openid4vp"].as_str().unwrap().to_owned()
}

/// A credential received by the library wallet: the SD-JWT VC and the holder's key.
async fn receive(issuer: &Issuer, template: &str, claims: Value, proof: &str) -> (String, Value) {
    let (offer, pin) = issuer.offer(template, claims).await;
    let answer =
        call(json!({"op": "receive", "offer": offer, "tx_code": pin, "proof": proof, "allow_http": true})).await;
    assert_eq!(answer["ok"], true, "{template} with a {proof} proof: {answer:#}");
    assert_eq!(answer["format"], "dc+sd-jwt");
    (
        answer["credential"].as_str().unwrap().to_owned(),
        answer["holder_jwk"].clone(),
    )
}

async fn present(link: &str, credential: &str, holder: &Value, extra: Value) -> Value {
    let mut request = json!({
        "op": "present", "request": link, "credentials": [credential], "holder_jwk": holder, "allow_http": true
    });
    if let (Value::Object(request), Value::Object(extra)) = (&mut request, extra) {
        request.extend(extra);
    }
    call(request).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "system test (Node.js interop peers from interop/node): ./scripts/test runs it"]
async fn animo_wallet_receives_both_templates_and_opens_the_readme_door() {
    let dir = common::scratch("openid4vc-interop");
    let issuer = Issuer::start(&dir).await;

    // Both templates, each with both kinds of key proof.
    let (employee_jwk, employee_holder) = receive(&issuer, "EmployeeIdCredential", employee(), "jwk").await;
    let (employee_did, employee_did_holder) = receive(&issuer, "EmployeeIdCredential", employee(), "did:key").await;
    let (citizen_jwk, citizen_holder) = receive(&issuer, "CitizenCardCredential", citizen(), "jwk").await;
    let (citizen_did, citizen_did_holder) = receive(&issuer, "CitizenCardCredential", citizen(), "did:key").await;

    // The README's door, both rules, by value: either credential opens it, disclosing only
    // what its rule reads.
    let readme_door = door(readme_policy(&issuer, "")).await;
    for (what, credential, holder, disclosed) in [
        ("employee (jwk)", &employee_jwk, &employee_holder, "department"),
        ("employee (did:key)", &employee_did, &employee_did_holder, "department"),
        ("citizen (jwk)", &citizen_jwk, &citizen_holder, "age_over_19"),
        ("citizen (did:key)", &citizen_did, &citizen_did_holder, "age_over_19"),
    ] {
        let link = request_link(&readme_door).await;
        let answer = present(&link, credential, holder, json!({})).await;
        assert_eq!(answer["ok"], true, "{what}: {answer:#}");
        assert_eq!(answer["request_by"], "value", "{what}");
        assert_eq!(answer["status"], 200, "{what}: {answer:#}");
        assert_eq!(answer["body"]["allow"], true, "{what}: {answer:#}");
        let paths = answer["disclosed"].to_string();
        assert!(paths.contains(disclosed), "{what} disclosed {paths}");
        assert!(
            !paths.contains("name_ko") && !paths.contains("birth_date"),
            "{what} disclosed {paths}"
        );
    }

    // By reference: a door whose request is too long for a QR code by value.
    let mut extra = String::new();
    for i in 0..12 {
        extra.push_str(&format!(
            "[[accept]]\ntype = \"{}/vct/ProvinceContractorCredential-Department-{i:02}\"\nissuers = [\"{}\"]\n",
            issuer.url, issuer.did
        ));
    }
    let big_door = door(readme_policy(&issuer, &extra)).await;
    for (what, credential, holder) in [
        ("employee", &employee_jwk, &employee_holder),
        ("citizen", &citizen_did, &citizen_did_holder),
    ] {
        let link = request_link(&big_door).await;
        assert!(link.contains("request_uri="), "{link}");
        let answer = present(&link, credential, holder, json!({})).await;
        assert_eq!(answer["ok"], true, "{what} by reference: {answer:#}");
        assert_eq!(answer["request_by"], "reference");
        assert!(
            answer["client_id"].as_str().unwrap().starts_with("x509_hash:"),
            "{answer:#}"
        );
        assert_eq!(answer["body"]["allow"], true, "{what} by reference: {answer:#}");
    }

    // Negatives, refused with the codes the specifications name.
    // By value, so that the offer can be tried again after it is used.
    let (offer, pin) = issuer.offer_json("EmployeeIdCredential", employee()).await;
    let offer = offer["credential_offer"].clone();
    assert!(offer.is_object(), "{offer}");
    let wrong = if pin == "000000" { "111111" } else { "000000" };
    let answer = call(json!({"op": "receive", "offer": offer, "tx_code": wrong, "allow_http": true})).await;
    assert_eq!(
        (answer["ok"].clone(), answer["error"].clone()),
        (json!(false), json!("invalid_grant")),
        "{answer:#}"
    );
    let answer = call(json!({"op": "receive", "offer": offer, "tx_code": pin, "allow_http": true})).await;
    assert_eq!(answer["ok"], true, "{answer:#}");
    let answer = call(json!({"op": "receive", "offer": offer, "tx_code": pin, "allow_http": true})).await;
    assert_eq!(
        answer["error"], "invalid_grant",
        "a pre-authorized code used twice: {answer:#}"
    );
    let (offer, pin) = issuer.offer("EmployeeIdCredential", employee()).await;
    let answer = call(json!({
        "op": "receive", "offer": offer, "tx_code": pin, "allow_http": true, "proof_nonce": "not-the-issuers"
    }))
    .await;
    assert_eq!(answer["error"], "invalid_nonce", "{answer:#}");
    let (offer, pin) = issuer.offer("EmployeeIdCredential", employee()).await;
    let answer =
        call(json!({"op": "receive", "offer": offer, "tx_code": pin, "allow_http": true, "skip_nonce": true})).await;
    assert_eq!(answer["error"], "invalid_proof", "a proof without a nonce: {answer:#}");

    let link = request_link(&readme_door).await;
    let answer = present(&link, &employee_jwk, &employee_holder, json!({"tamper": "disclosure"})).await;
    assert_eq!(answer["body"]["allow"], false, "{answer:#}");
    assert_eq!(answer["body"]["reasons"][0]["code"], "DISCLOSURE_INVALID", "{answer:#}");
    let link = request_link(&readme_door).await;
    let answer = present(&link, &employee_jwk, &employee_holder, json!({"tamper": "kb_nonce"})).await;
    assert_eq!(answer["body"]["allow"], false, "{answer:#}");
    assert_eq!(answer["body"]["reasons"][0]["code"], "NONCE_MISMATCH", "{answer:#}");
    let link = request_link(&readme_door).await;
    let allowed = present(&link, &employee_jwk, &employee_holder, json!({})).await;
    assert_eq!(allowed["body"]["allow"], true, "{allowed:#}");
    let replay = call(json!({
        "op": "post", "response_uri": allowed["response_uri"], "body": allowed["response_body"], "allow_http": true
    }))
    .await;
    assert_eq!(replay["status"], 409, "{replay:#}");
    assert_eq!(replay["body"]["reasons"][0]["code"], "NONCE_REPLAYED", "{replay:#}");

    readme_door.stop().await.unwrap();
    big_door.stop().await.unwrap();
    issuer.running.stop().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
