//! OpenID4VCI as a wallet sees it: a test wallet runs the pre-authorized code flow over
//! real HTTP (offer by reference → token with PIN → nonce → key proof → credential), and
//! every refusal a wallet or an attacker can meet.

use crate::common;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clap::Parser as _;
use did_core::clock::SystemClock;
use did_core::jose::{self, Header};
use did_core::key::{Algorithm, KeyType, SigningKey};
use serde_json::{Value, json};
use vc_issuer::config::{Config, DidMethod};
use vc_issuer::server::{self, Running};
use vc_issuer::store::Scope;

use common::{Database, on_both_databases};

on_both_databases!(
    metadata_lists_every_template_as_sd_jwt_vc,
    a_wallet_gets_a_key_bound_sd_jwt_vc_through_the_pre_authorized_flow,
    the_flow_works_with_the_default_did_dojang_issuer,
    offers_without_a_pin_need_no_tx_code,
    token_endpoint_refusals,
    a_pin_guesser_is_stopped_without_locking_the_holder_out,
    nonces_and_tokens_have_a_per_client_request_budget,
    an_offer_makes_the_issuer_resolve_only_so_many_holder_dids,
    credential_endpoint_refusals,
    offer_creation_needs_the_issue_scope_and_valid_claims,
    deferred_issuance_waits_for_approval,
    a_citizen_card_offer_is_redeemed_with_its_age_claims_derived_at_issuance,
    a_proof_naming_a_did_key_binds_the_credential_to_it,
);

const PRE_AUTH: &str = "urn:ietf:params:oauth:grant-type:pre-authorized_code";

struct Env {
    running: Running,
    admin: String,
    http: reqwest::Client,
    base: String,
    dir: PathBuf,
}

fn temp_dir(name: &str) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("dojang-oid4vci-{}-{name}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn start_with(method: DidMethod, pin_digits: u8, name: &str, db: Database) -> Env {
    start_configured(method, pin_digits, name, db, |_| {}).await
}

/// [`start_with`], with `configure` changing the configuration last.
async fn start_configured(
    method: DidMethod,
    pin_digits: u8,
    name: &str,
    db: Database,
    configure: impl FnOnce(&mut Config),
) -> Env {
    let dir = temp_dir(name);
    let mut config = Config {
        listen: "127.0.0.1:0".into(),
        data_dir: dir.clone(),
        ..Default::default()
    };
    config.did.method = method;
    config.offers.pin_digits = pin_digits;
    db.configure(&mut config).await;
    configure(&mut config);
    let running = server::start(config.validated().unwrap()).await.unwrap();
    let admin = running.admin_token.as_ref().unwrap().to_string();
    let base = running.url();
    Env {
        running,
        admin,
        http: reqwest::Client::new(),
        base,
        dir,
    }
}

async fn start(db: Database) -> Env {
    start_with(DidMethod::Key, 6, "key", db).await
}

fn employee() -> Value {
    json!({
        "employee_number": "E-1001",
        "name_ko": "김민준",
        "name_latin": "Kim Minjun",
        "organization": "Gyeonggi Province",
        "department": "Digital Policy",
        "position": "Engineer",
        "access_groups": ["hq-main", "lab"]
    })
}

fn now() -> i64 {
    i64::try_from(SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()).unwrap()
}

fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A key proof JWT signed by `key`.
fn proof(key: &SigningKey, aud: &str, nonce: &str, iat: i64) -> String {
    let jwk = serde_json::to_value(key.verifying_key().to_jwk()).unwrap();
    let header = Header::new(Algorithm::Es256)
        .with_typ("openid4vci-proof+jwt")
        .with_member("jwk", jwk);
    jose::sign_json_with_key(header, &json!({"aud": aud, "iat": iat, "nonce": nonce}), key).unwrap()
}

impl Env {
    async fn get_json(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        let mut request = self.http.get(format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    async fn post_json(&self, path: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
        let mut request = self.http.post(format!("{}{path}", self.base)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    async fn offer(&self, body: Value) -> Value {
        let (status, offer) = self.post_json("/admin/offers", Some(&self.admin), &body).await;
        assert_eq!(status, 201, "{offer}");
        offer
    }

    async fn employee_offer(&self) -> Value {
        self.offer(json!({"type": "EmployeeIdCredential", "claims": employee()}))
            .await
    }

    async fn token(&self, code: &str, pin: Option<&str>) -> (u16, Value) {
        self.token_with(&self.http, code, pin).await.0
    }

    /// `/token` from a client bound to `from` (another 127.0.0.0/8 address: another client).
    async fn token_from(&self, from: &str, code: &str, pin: Option<&str>) -> ((u16, Value), Option<String>) {
        self.token_with(&client_from(from), code, pin).await
    }

    /// `/token` through `http`: the status, the JSON body and `Retry-After`.
    async fn token_with(
        &self,
        http: &reqwest::Client,
        code: &str,
        pin: Option<&str>,
    ) -> ((u16, Value), Option<String>) {
        let mut pairs = vec![("grant_type", PRE_AUTH), ("pre-authorized_code", code)];
        if let Some(pin) = pin {
            pairs.push(("tx_code", pin));
        }
        let response = http
            .post(format!("{}/token", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(&pairs))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_owned());
        ((status, response.json().await.unwrap()), retry_after)
    }

    async fn nonce(&self) -> String {
        let response = self.http.post(format!("{}/nonce", self.base)).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200);
        assert_eq!(response.headers()["cache-control"], "no-store");
        let body: Value = response.json().await.unwrap();
        body["c_nonce"].as_str().unwrap().to_owned()
    }

    /// Offer by reference → token: returns the access token.
    async fn access_token(&self, offer: &Value) -> String {
        let by_ref: Value = self
            .http
            .get(offer["credential_offer_uri"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(by_ref, offer["credential_offer"]);
        let grant = &by_ref["grants"][PRE_AUTH];
        let code = grant["pre-authorized_code"].as_str().unwrap();
        let pin = offer["tx_code"].as_str();
        let (status, token) = self.token(code, pin).await;
        assert_eq!(status, 200, "{token}");
        assert_eq!(token["token_type"], "Bearer");
        token["access_token"].as_str().unwrap().to_owned()
    }

    async fn credential_request(&self, token: &str, holder: &SigningKey) -> (u16, Value) {
        let nonce = self.nonce().await;
        let body = json!({
            "credential_configuration_id": "EmployeeIdCredential",
            "proofs": {"jwt": [proof(holder, &self.base, &nonce, now())]},
        });
        self.post_json("/credential", Some(token), &body).await
    }

    /// A credential request whose proof names `holder` by the DID URL `kid`.
    async fn credential_request_by_kid(&self, token: &str, holder: &SigningKey, kid: &str) -> (u16, Value) {
        let nonce = self.nonce().await;
        let header = Header::new(Algorithm::Es256)
            .with_typ("openid4vci-proof+jwt")
            .with_kid(kid);
        let claims = json!({"aud": self.base, "iat": now(), "nonce": nonce});
        let proof = jose::sign_json_with_key(header, &claims, holder).unwrap();
        let body = json!({
            "credential_configuration_id": "EmployeeIdCredential",
            "proofs": {"jwt": [proof]},
        });
        self.post_json("/credential", Some(token), &body).await
    }

    async fn stop(self) {
        self.running.stop().await.unwrap();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Checks the SD-JWT with did-core against the issuer key, and that it is bound to `holder`.
fn check_credential(env: &Env, sd_jwt: &str, holder: &SigningKey) {
    let signing = env.running.state.issuer.signing();
    let issuer_key = signing.signer.verifying_key();
    let verified = did_core::sd_jwt::verify(
        sd_jwt,
        issuer_key,
        &did_core::sd_jwt::VerifyOptions::sd_jwt_vc(),
        &SystemClock,
    )
    .unwrap();
    assert_eq!(verified.claims["employee_number"], "E-1001");
    assert_eq!(verified.claims["name_latin"], "Kim Minjun");
    assert_eq!(verified.claims["iss"], env.running.state.issuer.did.as_str());
    assert_eq!(
        verified.claims["vct"],
        format!("{}/vct/EmployeeIdCredential", env.base).as_str()
    );
    let cnf: did_core::key::Jwk = serde_json::from_value(verified.claims["cnf"]["jwk"].clone()).unwrap();
    assert_eq!(cnf.thumbprint().unwrap(), holder.verifying_key().thumbprint());
}

async fn verifier_cli(args: &[&str]) -> (i32, String) {
    let cli = verifier::cli::Cli::try_parse_from(args).unwrap();
    let mut out = Vec::new();
    let code = verifier::cli::run(cli, &mut out).await;
    (code, String::from_utf8(out).unwrap())
}

/// Derived claims (age_over_19) are computed when the credential is signed: the offer keeps
/// only the claims given, so redeeming it does not trip over "derived claims cannot be given".
async fn a_citizen_card_offer_is_redeemed_with_its_age_claims_derived_at_issuance(db: Database) {
    let env = start(db).await;
    let offer = env
        .offer(json!({"type": "CitizenCardCredential", "claims": {
            "name_ko": "이서연", "birth_date": "1990-04-01", "resident_district": "Jongno-gu",
            "card_number": "1234-5678-9012"}}))
        .await;
    let token = env.access_token(&offer).await;
    let holder = SigningKey::generate(KeyType::P256).unwrap();
    let nonce = env.nonce().await;
    let body = json!({
        "credential_configuration_id": "CitizenCardCredential",
        "proofs": {"jwt": [proof(&holder, &env.base, &nonce, now())]},
    });
    let (status, body) = env.post_json("/credential", Some(&token), &body).await;
    assert_eq!(status, 200, "{body}");
    let sd_jwt = body["credentials"][0]["credential"].as_str().unwrap();
    let verified = did_core::sd_jwt::verify(
        sd_jwt,
        env.running.state.issuer.signing().signer.verifying_key(),
        &did_core::sd_jwt::VerifyOptions::sd_jwt_vc(),
        &SystemClock,
    )
    .unwrap();
    assert_eq!(verified.claims["age_over_19"], true);
    assert_eq!(verified.claims["age_over_65"], false);
    assert_eq!(verified.claims["birth_date"], "1990-04-01");
    env.stop().await;
}

async fn metadata_lists_every_template_as_sd_jwt_vc(db: Database) {
    let env = start(db).await;
    let meta: Value = env
        .http
        .get(format!("{}/.well-known/openid-credential-issuer", env.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(meta["credential_issuer"], env.base.as_str());
    assert_eq!(meta["credential_endpoint"], format!("{}/credential", env.base).as_str());
    assert_eq!(meta["nonce_endpoint"], format!("{}/nonce", env.base).as_str());
    assert_eq!(
        meta["deferred_credential_endpoint"],
        format!("{}/deferred_credential", env.base).as_str()
    );
    for name in ["EmployeeIdCredential", "CitizenCardCredential"] {
        let conf = &meta["credential_configurations_supported"][name];
        assert_eq!(conf["format"], "dc+sd-jwt");
        assert_eq!(conf["vct"], format!("{}/vct/{name}", env.base).as_str());
        assert_eq!(
            conf["cryptographic_binding_methods_supported"],
            json!(["jwk", "did:dojang", "did:key", "did:jwk", "did:web"])
        );
        assert_eq!(
            conf["proof_types_supported"]["jwt"]["proof_signing_alg_values_supported"],
            json!(["ES256", "ES384", "EdDSA"])
        );
        assert!(conf["display"].as_array().unwrap().len() >= 2);
    }
    let oauth: Value = env
        .http
        .get(format!("{}/.well-known/oauth-authorization-server", env.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(oauth["token_endpoint"], format!("{}/token", env.base).as_str());
    assert_eq!(oauth["pre-authorized_grant_anonymous_access_supported"], true);
    env.stop().await;
}

async fn a_wallet_gets_a_key_bound_sd_jwt_vc_through_the_pre_authorized_flow(db: Database) {
    let env = start(db).await;
    let offer = env.employee_offer().await;
    let pin = offer["tx_code"].as_str().unwrap();
    assert_eq!(pin.len(), 6);
    assert!(pin.bytes().all(|b| b.is_ascii_digit()));
    assert!(
        offer["offer_url"]
            .as_str()
            .unwrap()
            .starts_with("openid-credential-offer://?credential_offer_uri=http%3A%2F%2F127.0.0.1")
    );
    assert!(
        offer["offer_url_by_value"]
            .as_str()
            .unwrap()
            .starts_with("openid-credential-offer://?credential_offer=%7B")
    );
    assert_eq!(offer["credential_offer"]["credential_issuer"], env.base.as_str());
    assert_eq!(
        offer["credential_offer"]["credential_configuration_ids"],
        json!(["EmployeeIdCredential"])
    );
    assert_eq!(offer["credential_offer"]["grants"][PRE_AUTH]["tx_code"]["length"], 6);
    assert!(offer["expires_at"].is_string());

    let token = env.access_token(&offer).await;
    let holder = SigningKey::generate(KeyType::P256).unwrap();
    let (status, body) = env.credential_request(&token, &holder).await;
    assert_eq!(status, 200, "{body}");
    let sd_jwt = body["credentials"][0]["credential"].as_str().unwrap();
    check_credential(&env, sd_jwt, &holder);

    // The verifier command accepts it (did:key issuer; the loopback issuer's status list is
    // fetched over plain HTTP and checked). Without --allow-http-status the list cannot be
    // fetched, and a credential whose status was not checked is not verified.
    let path = env.dir.join("credential.sd-jwt");
    std::fs::write(&path, sd_jwt).unwrap();
    let (code, out) = verifier_cli(&["verifier", "verify", "--allow-http-status", path.to_str().unwrap()]).await;
    assert_eq!(code, 0, "{out}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let status = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "status");
    assert_eq!(status.map(|c| c["result"].clone()), Some(json!("passed")), "{out}");
    let (code, out) = verifier_cli(&["verifier", "verify", path.to_str().unwrap()]).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("STATUS_RETRIEVAL_ERROR"), "{out}");

    // One credential per offer; the offer link is gone.
    let (status, again) = env.credential_request(&token, &holder).await;
    assert_eq!(status, 400, "{again}");
    assert_eq!(again["error"], "invalid_request");
    let gone = env
        .http
        .get(offer["credential_offer_uri"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status().as_u16(), 404);

    // The audit log names the offer, not the person.
    let audit = env.running.state.issuer.store.audit_entries(0, 1000).await.unwrap();
    let create = audit.iter().find(|e| e.action == "offer.create").unwrap();
    assert_eq!(create.target.as_deref(), offer["offer_id"].as_str());
    assert!(audit.iter().any(|e| e.action == "offer.redeem"));
    for entry in &audit {
        let text = format!("{:?} {:?}", entry.target, entry.detail);
        assert!(!text.contains("Minjun") && !text.contains("E-1001"), "{text}");
    }
    let offer_path = format!("/admin/offers/{}", offer["offer_id"].as_str().unwrap());
    let (status, shown) = env.get_json(&offer_path, Some(&env.admin)).await;
    assert_eq!(status, 200);
    assert_eq!(shown["state"], "redeemed");
    assert!(shown["credential_id"].as_str().unwrap().starts_with("urn:uuid:"));
    env.stop().await;
}

async fn the_flow_works_with_the_default_did_dojang_issuer(db: Database) {
    let env = start_with(DidMethod::Dojang, 4, "dojang", db).await;
    let offer = env.employee_offer().await;
    assert_eq!(offer["tx_code"].as_str().unwrap().len(), 4);
    let token = env.access_token(&offer).await;
    let holder = SigningKey::generate(KeyType::P256).unwrap();
    let (status, body) = env.credential_request(&token, &holder).await;
    assert_eq!(status, 200, "{body}");
    let sd_jwt = body["credentials"][0]["credential"].as_str().unwrap();
    assert!(env.running.state.issuer.did.starts_with("did:dojang:"));
    check_credential(&env, sd_jwt, &holder);
    let path = env.dir.join("credential.sd-jwt");
    std::fs::write(&path, sd_jwt).unwrap();
    let registry = format!("{}/registry", env.base);
    let key = env.running.registry_key.clone().unwrap();
    let args = [
        "verifier",
        "verify",
        "--allow-http-status",
        "--registry",
        &registry,
        "--registry-key",
        &key,
        path.to_str().unwrap(),
    ];
    let verify = || verifier_cli(&args);
    let (code, out) = verify().await;
    assert_eq!(code, 0, "{out}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let status_checks: Vec<&Value> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["check"] == "status")
        .collect();
    assert!(
        !status_checks.is_empty() && status_checks.iter().all(|c| c["result"] == "passed"),
        "the status list was checked: {report:#}"
    );

    // HR revokes it: the same credential is now rejected, as revoked.
    let offer_id = offer["offer_id"].as_str().unwrap();
    let (status, shown) = env
        .get_json(&format!("/admin/offers/{offer_id}"), Some(&env.admin))
        .await;
    assert_eq!(status, 200, "{shown}");
    let credential_id = shown["credential_id"].as_str().unwrap();
    let (status, body) = env
        .post_json(
            &format!("/admin/credentials/{credential_id}/revoke"),
            Some(&env.admin),
            &json!({"reason": "left the province"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (code, out) = verify().await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("REVOKED"), "{out}");
    env.stop().await;
}

async fn offers_without_a_pin_need_no_tx_code(db: Database) {
    let env = start_with(DidMethod::Key, 0, "nopin", db).await;
    let offer = env.employee_offer().await;
    assert!(offer["tx_code"].is_null());
    assert!(offer["credential_offer"]["grants"][PRE_AUTH].get("tx_code").is_none());
    let code = offer["credential_offer"]["grants"][PRE_AUTH]["pre-authorized_code"]
        .as_str()
        .unwrap();
    let (status, body) = env.token(code, Some("123456")).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_request")));
    let token = env.access_token(&offer).await;
    let holder = SigningKey::generate(KeyType::P256).unwrap();
    let (status, body) = env.credential_request(&token, &holder).await;
    assert_eq!(status, 200, "{body}");
    env.stop().await;
}

async fn token_endpoint_refusals(db: Database) {
    let env = start(db).await;
    let offer = env.employee_offer().await;
    let code = offer["credential_offer"]["grants"][PRE_AUTH]["pre-authorized_code"]
        .as_str()
        .unwrap()
        .to_owned();
    let pin = offer["tx_code"].as_str().unwrap().to_owned();
    let wrong = if pin == "000000" { "111111" } else { "000000" };

    let (status, body) = env.token(&code, Some(wrong)).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")), "{body}");
    let (status, body) = env.token(&code, None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request")),
        "{body}"
    );
    let (status, body) = env.token("not-a-code", Some(&pin)).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")));

    // Wrong grant type, missing code, wrong content type.
    let response = env
        .http
        .post(format!("{}/token", env.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[("grant_type", "authorization_code"), ("code", "x")]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    assert_eq!(
        response.json::<Value>().await.unwrap()["error"],
        "unsupported_grant_type"
    );
    let response = env
        .http
        .post(format!("{}/token", env.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[("grant_type", PRE_AUTH)]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.json::<Value>().await.unwrap()["error"], "invalid_request");
    let (status, body) = env.post_json("/token", None, &json!({"grant_type": PRE_AUTH})).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_request")));

    // The right PIN works once; the code cannot be reused.
    let (status, body) = env.token(&code, Some(&pin)).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = env.token(&code, Some(&pin)).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")));

    env.stop().await;
}

/// Issue 28, finding 4: every `/nonce` wrote a row, unlimited. A client gets its budget of
/// `/token`, `/nonce` and `/credential` requests per minute, then 429 with Retry-After; another
/// client is not affected.
async fn nonces_and_tokens_have_a_per_client_request_budget(db: Database) {
    if !other_loopback_addresses() {
        return;
    }
    let env = start_configured(DidMethod::Key, 6, "budget", db, |config| {
        config.limits.oid4vci_requests_per_minute = 3;
    })
    .await;
    let nonce = |from: &'static str| {
        let http = client_from(from);
        let url = format!("{}/nonce", env.base);
        async move {
            let response = http.post(url).send().await.unwrap();
            let retry_after = response
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_owned());
            (response.status().as_u16(), retry_after)
        }
    };
    for _ in 0..2 {
        assert_eq!(nonce("127.0.0.2").await, (200, None));
    }
    // The third request of the minute is a /token one: the budget is shared.
    let ((status, _), _) = env.token_from("127.0.0.2", "not-a-code", Some("123456")).await;
    assert_eq!(status, 400);
    let (status, retry_after) = nonce("127.0.0.2").await;
    assert_eq!(status, 429);
    assert!((1..=60).contains(&retry_after.unwrap().parse::<u64>().unwrap()));
    assert_eq!(nonce("127.0.0.3").await, (200, None));
    env.stop().await;
}

/// Issue 28, finding 5: a wallet could make the issuer fetch wherever its did:web key ids
/// point, unlimited per token. One offer's proofs may name 10 holder DIDs an hour; the
/// eleventh gets 429 with Retry-After before anything is fetched.
async fn an_offer_makes_the_issuer_resolve_only_so_many_holder_dids(db: Database) {
    let env = start(db).await;
    let offer = env.employee_offer().await;
    let token = env.access_token(&offer).await;
    let holder = SigningKey::generate(KeyType::P256).unwrap();
    for port in 1..=10 {
        // Loopback: the public-only resolver refuses it without connecting (a DID the issuer
        // cannot resolve is its trouble: 502).
        let kid = format!("did:web:localhost%3A{port}#key-1");
        let (status, body) = env.credential_request_by_kid(&token, &holder, &kid).await;
        assert_eq!((status, body["error"].as_str()), (502, Some("server_error")), "{body}");
    }
    let (status, body) = env
        .credential_request_by_kid(&token, &holder, "did:web:localhost%3A11#key-1")
        .await;
    assert_eq!((status, body["code"].as_str()), (429, Some("rate_limited")), "{body}");
    // A proof carrying its key (`jwk`) fetches nothing and still gets the credential.
    let (status, body) = env.credential_request(&token, &holder).await;
    assert_eq!(status, 200, "{body}");
    env.stop().await;
}

/// An HTTP client whose connections come from `from` (a 127.0.0.0/8 address: another client).
fn client_from(from: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(from.parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap()
}

/// Whether this machine routes all of 127.0.0.0/8 to loopback (Linux does; macOS has only
/// 127.0.0.1 unless aliased), so that tests can play several clients. CI runs on Linux.
fn other_loopback_addresses() -> bool {
    let usable = std::net::UdpSocket::bind("127.0.0.2:0").is_ok();
    if !usable {
        eprintln!("skipped: 127.0.0.2 is not a local address here (alias it to run this test)");
    }
    usable
}

/// The code and PIN of a new employee offer, and a PIN that is not it.
async fn offer_with_pin(env: &Env) -> (String, String, &'static str) {
    let offer = env.employee_offer().await;
    let code = offer["credential_offer"]["grants"][PRE_AUTH]["pre-authorized_code"]
        .as_str()
        .unwrap()
        .to_owned();
    let pin = offer["tx_code"].as_str().unwrap().to_owned();
    let wrong = if pin == "000000" { "111111" } else { "000000" };
    (code, pin, wrong)
}

/// Issue 28, finding 4: one client guessing PINs, with the QR codes of several offers, is
/// stopped after five wrong PINs (429 with Retry-After), and cannot lock the holder out; only
/// twenty wrong PINs from several clients lock an offer.
async fn a_pin_guesser_is_stopped_without_locking_the_holder_out(db: Database) {
    if !other_loopback_addresses() {
        return;
    }
    let env = start(db).await;
    let (code_a, pin_a, wrong_a) = offer_with_pin(&env).await;
    let (code_b, pin_b, wrong_b) = offer_with_pin(&env).await;
    let attacker = "127.0.0.2";
    for (code, wrong) in [
        (&code_a, wrong_a),
        (&code_b, wrong_b),
        (&code_a, wrong_a),
        (&code_b, wrong_b),
        (&code_a, wrong_a),
    ] {
        let ((status, body), _) = env.token_from(attacker, code, Some(wrong)).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")), "{body}");
    }
    // The sixth guess, on any offer, and even the right PIN: 429, problem+json, Retry-After.
    for (code, pin) in [(&code_b, wrong_b), (&code_a, pin_a.as_str())] {
        let ((status, body), retry_after) = env.token_from(attacker, code, Some(pin)).await;
        assert_eq!((status, body["code"].as_str()), (429, Some("rate_limited")), "{body}");
        let seconds: u64 = retry_after.expect("Retry-After").parse().unwrap();
        assert!((1..=900).contains(&seconds), "{seconds}");
    }
    // The holders, on their own phones, redeem both offers.
    for (code, pin) in [(&code_a, &pin_a), (&code_b, &pin_b)] {
        let ((status, body), _) = env.token_from("127.0.0.1", code, Some(pin)).await;
        assert_eq!(status, 200, "{body}");
    }

    // Guessing from four addresses, five each: the twentieth wrong PIN locks the offer, and
    // the right PIN no longer opens it.
    let (code_c, pin_c, wrong_c) = offer_with_pin(&env).await;
    let mut last = Value::Null;
    for client in ["127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6"] {
        for _ in 0..5 {
            let ((status, body), _) = env.token_from(client, &code_c, Some(wrong_c)).await;
            assert_eq!(status, 400, "{body}");
            last = body;
        }
    }
    assert!(last["error_description"].as_str().unwrap().contains("locked"), "{last}");
    let ((status, body), _) = env.token_from("127.0.0.7", &code_c, Some(&pin_c)).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")), "{body}");

    // Each refusal is counted.
    let metrics = env
        .http
        .get(format!("{}/metrics", env.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in [
        "dojang_issuer_security_events_total{event=\"rate_limited\"} 2",
        "dojang_issuer_security_events_total{event=\"wrong_pin\"} 25",
        "dojang_issuer_security_events_total{event=\"pin_budget_spent\"} 5",
        "dojang_issuer_security_events_total{event=\"offer_locked\"} 1",
    ] {
        assert!(metrics.lines().any(|l| l == line), "{line} not in\n{metrics}");
    }
    env.stop().await;
}

async fn credential_endpoint_refusals(db: Database) {
    let env = start(db).await;
    let offer = env.employee_offer().await;
    let token = env.access_token(&offer).await;
    let holder = SigningKey::generate(KeyType::P256).unwrap();
    let request =
        |jwt: String| json!({"credential_configuration_id": "EmployeeIdCredential", "proofs": {"jwt": [jwt]}});

    // No token, an admin token, an unknown token: 401.
    let nonce = env.nonce().await;
    let body = request(proof(&holder, &env.base, &nonce, now()));
    for token in [None, Some(env.admin.as_str()), Some("oid4vci_nope")] {
        let (status, answer) = env.post_json("/credential", token, &body).await;
        assert_eq!(status, 401, "{answer}");
        assert_eq!(answer["error"], "invalid_token");
    }

    // Wrong audience.
    let (status, answer) = env
        .post_json(
            "/credential",
            Some(&token),
            &request(proof(&holder, "https://elsewhere.example", &nonce, now())),
        )
        .await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (400, Some("invalid_proof")),
        "{answer}"
    );

    // Stale iat.
    let (status, answer) = env
        .post_json(
            "/credential",
            Some(&token),
            &request(proof(&holder, &env.base, &nonce, now() - 3600)),
        )
        .await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (400, Some("invalid_proof")),
        "{answer}"
    );

    // alg: none.
    let jwk = serde_json::to_value(holder.verifying_key().to_jwk()).unwrap();
    let header = json!({"alg": "none", "typ": "openid4vci-proof+jwt", "jwk": jwk});
    let claims = json!({"aud": env.base, "iat": now(), "nonce": nonce});
    let unsigned = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let (status, answer) = env.post_json("/credential", Some(&token), &request(unsigned)).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (400, Some("invalid_proof")),
        "{answer}"
    );

    // A private key in the header's jwk.
    let private = serde_json::to_value(holder.to_jwk()).unwrap();
    let header = Header::new(Algorithm::Es256)
        .with_typ("openid4vci-proof+jwt")
        .with_member("jwk", private);
    let leaky = jose::sign_json_with_key(header, &claims, &holder).unwrap();
    let (status, answer) = env.post_json("/credential", Some(&token), &request(leaky)).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (400, Some("invalid_proof")),
        "{answer}"
    );

    // The wrong typ, and an unknown crit extension.
    let header = Header::new(Algorithm::Es256)
        .with_typ("JWT")
        .with_member("jwk", jwk.clone());
    let wrong_typ = jose::sign_json_with_key(header, &claims, &holder).unwrap();
    let (status, answer) = env.post_json("/credential", Some(&token), &request(wrong_typ)).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (400, Some("invalid_proof")),
        "{answer}"
    );
    let header = Header::new(Algorithm::Es256)
        .with_typ("openid4vci-proof+jwt")
        .with_member("jwk", jwk.clone())
        .with_member("exp_ext", true)
        .with_crit(["exp_ext"]);
    let critical = jose::sign_json_with_key(header, &claims, &holder).unwrap();
    let (status, answer) = env.post_json("/credential", Some(&token), &request(critical)).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (400, Some("invalid_proof")),
        "{answer}"
    );

    // A jwk of another key than the signer's.
    let other = SigningKey::generate(KeyType::P256).unwrap();
    let header = Header::new(Algorithm::Es256)
        .with_typ("openid4vci-proof+jwt")
        .with_member("jwk", serde_json::to_value(other.verifying_key().to_jwk()).unwrap());
    let forged = jose::sign_json_with_key(header, &claims, &holder).unwrap();
    let (status, answer) = env.post_json("/credential", Some(&token), &request(forged)).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (400, Some("invalid_proof")),
        "{answer}"
    );

    // No nonce at all: an invalid proof (OpenID4VCI 1.0 §8.3.1.2), not an invalid nonce.
    let mut no_nonce = claims.clone();
    no_nonce.as_object_mut().unwrap().remove("nonce");
    let header = Header::new(Algorithm::Es256)
        .with_typ("openid4vci-proof+jwt")
        .with_member("jwk", jwk.clone());
    let unnonced = jose::sign_json_with_key(header, &no_nonce, &holder).unwrap();
    let (status, answer) = env.post_json("/credential", Some(&token), &request(unnonced)).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (400, Some("invalid_proof")),
        "{answer}"
    );

    // An unknown nonce.
    let (status, answer) = env
        .post_json(
            "/credential",
            Some(&token),
            &request(proof(&holder, &env.base, "made-up", now())),
        )
        .await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (400, Some("invalid_nonce")),
        "{answer}"
    );

    // None of the above used the nonce or the offer: the good proof still works, once.
    let good = request(proof(&holder, &env.base, &nonce, now()));
    let (status, answer) = env.post_json("/credential", Some(&token), &good).await;
    assert_eq!(status, 200, "{answer}");

    // Replaying the nonce on a second offer's token: invalid_nonce.
    let offer2 = env.employee_offer().await;
    let token2 = env.access_token(&offer2).await;
    let (status, answer) = env.post_json("/credential", Some(&token2), &good).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (400, Some("invalid_nonce")),
        "{answer}"
    );

    // Another configuration than the offer's.
    let nonce = env.nonce().await;
    let body = json!({
        "credential_configuration_id": "CitizenCardCredential",
        "proofs": {"jwt": [proof(&holder, &env.base, &nonce, now())]},
    });
    let (status, answer) = env.post_json("/credential", Some(&token2), &body).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (400, Some("unknown_credential_configuration"))
    );

    // The older single `proof` form is accepted.
    let body = json!({
        "credential_configuration_id": "EmployeeIdCredential",
        "proof": {"proof_type": "jwt", "jwt": proof(&holder, &env.base, &nonce, now())},
    });
    let (status, answer) = env.post_json("/credential", Some(&token2), &body).await;
    assert_eq!(status, 200, "{answer}");
    env.stop().await;
}

async fn offer_creation_needs_the_issue_scope_and_valid_claims(db: Database) {
    let env = start(db).await;
    let body = json!({"type": "EmployeeIdCredential", "claims": employee()});
    let (status, _) = env.post_json("/admin/offers", None, &body).await;
    assert_eq!(status, 401);
    let (_, read_only) = env
        .running
        .state
        .issuer
        .store
        .create_token("r", &BTreeSet::from([Scope::Read]), "test")
        .await
        .unwrap();
    let (status, answer) = env.post_json("/admin/offers", Some(&read_only), &body).await;
    assert_eq!(status, 403, "{answer}");

    // Bad claims fail now, naming the claim.
    let mut bad = employee();
    bad["employee_number"] = json!("lower case!");
    let (status, answer) = env
        .post_json(
            "/admin/offers",
            Some(&env.admin),
            &json!({"type": "EmployeeIdCredential", "claims": bad}),
        )
        .await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["field"], "/claims/employee_number");
    let (status, answer) = env
        .post_json(
            "/admin/offers",
            Some(&env.admin),
            &json!({"type": "NoSuchCredential", "claims": {}}),
        )
        .await;
    assert_eq!(status, 400, "{answer}");

    // Idempotency: the same key gives the same offer, without its secrets.
    let keyed = json!({"type": "EmployeeIdCredential", "claims": employee(), "idempotency_key": "hr-42"});
    let first = env.offer(keyed.clone()).await;
    let (status, second) = env.post_json("/admin/offers", Some(&env.admin), &keyed).await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(second["offer_id"], first["offer_id"]);
    assert!(second["tx_code"].is_null());
    assert!(second["note"].is_string());
    let mut changed = keyed.clone();
    changed["claims"]["position"] = json!("Director");
    let (status, _) = env.post_json("/admin/offers", Some(&env.admin), &changed).await;
    assert_eq!(status, 409);
    let creates = env
        .running
        .state
        .issuer
        .store
        .audit_entries(0, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "offer.create")
        .count();
    assert_eq!(creates, 1);

    // QR codes of the offer link.
    let png = env
        .http
        .get(first["qr_png_url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(png.status().as_u16(), 200);
    assert_eq!(png.headers()["content-type"], "image/png");
    let bytes = png.bytes().await.unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let svg = env
        .http
        .get(first["qr_svg_url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    assert!(svg.text().await.unwrap().contains("<svg"));
    let missing = env
        .http
        .get(format!("{}/offers/not-an-offer/qr.png", env.base))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status().as_u16(), 404);
    env.stop().await;
}

async fn deferred_issuance_waits_for_approval(db: Database) {
    let env = start(db).await;
    let offer = env
        .offer(json!({"type": "EmployeeIdCredential", "claims": employee(), "approval_required": true}))
        .await;
    let token = env.access_token(&offer).await;
    let holder = SigningKey::generate(KeyType::P256).unwrap();
    let (status, body) = env.credential_request(&token, &holder).await;
    assert_eq!(status, 202, "{body}");
    let transaction_id = body["transaction_id"].as_str().unwrap().to_owned();
    assert!(body["interval"].as_u64().unwrap() > 0);

    let poll = json!({"transaction_id": transaction_id});
    // Still waiting: 202 with the same transaction_id (OpenID4VCI 1.0 §9.2).
    let (status, body) = env.post_json("/deferred_credential", Some(&token), &poll).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["transaction_id"], transaction_id.as_str());
    assert!(body["interval"].as_u64().unwrap() > 0);
    assert!(body.get("credentials").is_none());
    let (status, body) = env
        .post_json("/deferred_credential", Some(&token), &json!({"transaction_id": "nope"}))
        .await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_transaction_id")));
    let (status, _) = env.post_json("/deferred_credential", None, &poll).await;
    assert_eq!(status, 401);

    // Approval needs the issue scope.
    let id = offer["offer_id"].as_str().unwrap();
    let (status, _) = env
        .post_json(&format!("/admin/offers/{id}/approve"), None, &json!({}))
        .await;
    assert_eq!(status, 401);
    let (status, body) = env
        .post_json(&format!("/admin/offers/{id}/approve"), Some(&env.admin), &json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["approved"], true);

    let (status, body) = env.post_json("/deferred_credential", Some(&token), &poll).await;
    assert_eq!(status, 200, "{body}");
    check_credential(&env, body["credentials"][0]["credential"].as_str().unwrap(), &holder);
    let (status, body) = env.post_json("/deferred_credential", Some(&token), &poll).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_transaction_id")));
    env.stop().await;
}

/// A wallet with a DID names its key by DID URL (`kid`): the issuer resolves it (did:key
/// from the DID itself, did:dojang from its in-process registry), checks the proof with the
/// key found, and binds the credential to the DID key (`cnf.kid`, the DID as `sub`).
async fn a_proof_naming_a_did_key_binds_the_credential_to_it(db: Database) {
    let env = start_with(DidMethod::Dojang, 6, "holder-did", db).await;
    let resolver = did_core::resolve::KeyResolver;
    let payload = |sd_jwt: &str| -> Value {
        let jwt = sd_jwt.split('~').next().unwrap();
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(jwt.split('.').nth(1).unwrap()).unwrap()).unwrap()
    };

    // did:key.
    let holder = SigningKey::generate(KeyType::P256).unwrap();
    let kid = did_core::resolve::KeyResolver::key_id_for(holder.verifying_key());
    let token = env.access_token(&env.employee_offer().await).await;
    let (status, body) = env.credential_request_by_kid(&token, &holder, &kid).await;
    assert_eq!(status, 200, "{body}");
    let sd_jwt = body["credentials"][0]["credential"].as_str().unwrap();
    let claims = payload(sd_jwt);
    assert_eq!(claims["cnf"], json!({"kid": kid}));
    assert_eq!(claims["sub"], kid.split('#').next().unwrap());
    // The holder presents it; the verifier finds the holder key through the DID.
    let presented = did_core::sd_jwt::SdJwt::parse(sd_jwt)
        .unwrap()
        .bind(
            &did_core::sd_jwt::KeyBinding::new("https://door.example", "n-1", SystemTime::now()),
            &holder,
        )
        .unwrap();
    let options = did_core::sd_jwt::VerifyOptions::sd_jwt_vc().require_key_binding("https://door.example", "n-1");
    let registry = registry_anchor::client::RegistryResolver::new(
        [format!("{}/registry", env.base)],
        registry_anchor::resolution::ResolutionVerifier::new(
            registry_anchor::resolution::parse_registry_key(env.running.registry_key.as_deref().unwrap()).unwrap(),
            env.running.registry_key.clone().unwrap(),
        ),
    )
    .unwrap();
    let both = did_core::resolve::CompositeResolver::new()
        .with("key", std::sync::Arc::new(resolver))
        .with("dojang", std::sync::Arc::new(registry));
    did_core::sd_jwt::verify_with_resolver(&presented, &both, &options, &SystemClock)
        .await
        .unwrap();

    // A DID URL whose key did not sign the proof: refused, and the offer is still there.
    let token = env.access_token(&env.employee_offer().await).await;
    let other = SigningKey::generate(KeyType::P256).unwrap();
    let (status, body) = env.credential_request_by_kid(&token, &other, &kid).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_proof")), "{body}");

    // did:dojang, on the issuer's own registry: a stranger cannot register it over HTTP (the
    // embedded registry takes operations only from the issuer), so it is put there in-process.
    let create_key = SigningKey::generate(KeyType::P256).unwrap();
    let next = SigningKey::generate(KeyType::P256).unwrap();
    let create = registry_anchor::operation::create(
        &create_key,
        registry_anchor::operation::KeyCommitment::of(next.verifying_key()),
        registry_anchor::operation::key_document(other.verifying_key()),
    )
    .unwrap();
    let api = registry_anchor::client::NodeApi::new(&format!("{}/registry", env.base)).unwrap();
    let (status, body) = env
        .credential_request_by_kid(&token, &other, &format!("{}#key-1", create.did()))
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_proof")),
        "not registered yet: {body}"
    );
    let refused = api
        .post_json("/operations", "application/jose", create.as_str().to_owned())
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, registry_anchor::client::NodeApiError::Refused { status: 403, code, .. } if code == "forbidden"),
        "{refused}"
    );
    env.running
        .registry
        .as_ref()
        .unwrap()
        .submit(create.clone())
        .await
        .unwrap();
    let dojang_kid = format!("{}#key-1", create.did());
    let (status, body) = env.credential_request_by_kid(&token, &other, &dojang_kid).await;
    assert_eq!(status, 200, "{body}");
    let claims = payload(body["credentials"][0]["credential"].as_str().unwrap());
    assert_eq!(claims["cnf"], json!({"kid": dojang_kid}));

    // Deferred issuance remembers the DID URL until the offer is approved.
    let offer = env
        .offer(json!({"type": "EmployeeIdCredential", "claims": employee(), "approval_required": true}))
        .await;
    let token = env.access_token(&offer).await;
    let (status, body) = env.credential_request_by_kid(&token, &holder, &kid).await;
    assert_eq!(status, 202, "{body}");
    let poll = json!({"transaction_id": body["transaction_id"]});
    let id = offer["offer_id"].as_str().unwrap();
    let (status, body) = env
        .post_json(&format!("/admin/offers/{id}/approve"), Some(&env.admin), &json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = env.post_json("/deferred_credential", Some(&token), &poll).await;
    assert_eq!(status, 200, "{body}");
    let claims = payload(body["credentials"][0]["credential"].as_str().unwrap());
    assert_eq!(claims["cnf"], json!({"kid": kid}));
    env.stop().await;
}
