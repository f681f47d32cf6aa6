//! A door decision: a door policy written in TOML, the decision engine with an in-memory
//! status list, and a holder presenting an SD-JWT VC over a fresh nonce: allowed. The same
//! presentation shown again is denied (NONCE_REPLAYED), and after HR revokes the credential a
//! new presentation is denied (REVOKED). Reasons are printed in English and Korean.
//!
//! Run it with:
//!
//! ```sh
//! cargo run -p examples --example door_decision
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, missing_docs)]

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use did_core::clock::SystemClock;
use did_core::key::{Algorithm, KeyType, SigningKey};
use did_core::resolve::{CompositeResolver, KeyResolver};
use did_core::sd_jwt::{KeyBinding, SdJwt};
use did_core::status::{MemoryStatusListSource, StatusListClaim, StatusListToken, TokenStatus, TokenStatusList};
use serde_json::json;
use time::OffsetDateTime;
use vc_issuer::issue::{self, Format};
use vc_issuer::key_file::{self, IssuerKey};
use verifier::decision::{Decision, Engine};
use verifier::policy::Policy;
use verifier::reason::ReasonCode;

const LIST_URL: &str = "https://hr.example/status/1";
const INDEX: u64 = 7;

/// The issuer's status list as a signed Token Status List, held in memory.
fn status_source(issuer: &IssuerKey, list: &TokenStatusList, now: u64) -> Arc<MemoryStatusListSource> {
    let token = StatusListToken::new(LIST_URL, now, StatusListClaim::from_list(list).unwrap()).unwrap();
    let signed = token.sign(&issuer.key, Some(&issuer.method)).unwrap();
    Arc::new(MemoryStatusListSource::new().with(LIST_URL, signed))
}

fn show(what: &str, decision: &Decision) {
    println!("  {what}: {}", if decision.allowed() { "ALLOWED" } else { "DENIED" });
    for reason in decision.reasons() {
        println!("    {}: {} / {}", reason.code.code(), reason.en, reason.ko);
    }
}

#[tokio::main]
async fn main() {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    println!("Step 1: an issuer (HR) and a holder, both did:key.");
    let jwk = key_file::generate(Algorithm::Es256).unwrap();
    let issuer = IssuerKey::from_jwk_json(&serde_json::to_string(&jwk).unwrap()).unwrap();
    let holder = SigningKey::generate(KeyType::P256).unwrap();
    let holder_did = KeyResolver::did_for(holder.verifying_key()).unwrap().into_string();

    println!("Step 2: the door's policy, as an operator writes it:");
    let policy_text = format!(
        r#"door = "east"
audience = "https://door.example/east"
[[accept]]
type = "EmployeeIdCredential"
issuers = ["{}"]
claims = [{{ path = "department", in = ["IT", "Security"] }}]"#,
        issuer.did
    );
    println!("{policy_text}");
    let policy = Policy::from_toml(&policy_text).unwrap();

    println!("Step 3: HR issues an employee ID (SD-JWT VC) with status list entry {INDEX}.");
    let claims = json!({
        "vct": "EmployeeIdCredential", "sub": holder_did, "nbf": now, "exp": now + 365 * 86_400,
        "name": "Kim Minji", "department": "IT",
        "status": {"status_list": {"idx": INDEX, "uri": LIST_URL}},
    });
    let disclose = ["/name".to_owned(), "/department".to_owned()];
    let issued = issue::issue(claims, Format::SdJwt, &issuer, &disclose, OffsetDateTime::now_utc()).unwrap();
    let mut list = TokenStatusList::new(2, 1024).unwrap();

    println!("Step 4: the door's engine: DIDs resolved locally, status list from memory.");
    let resolver = Arc::new(CompositeResolver::with_default_methods());
    let engine = Engine::online(resolver.clone(), status_source(&issuer, &list, now));

    println!("Step 5: the door hands out a fresh nonce; the holder shows the department only.");
    let nonce = engine.issue_nonce(&policy, &SystemClock);
    let present = |nonce: &str| {
        let binding = KeyBinding::new(policy.audience.clone(), nonce, SystemTime::now());
        let sd_jwt = SdJwt::parse(&issued).unwrap();
        sd_jwt
            .select(&["/department"])
            .unwrap()
            .bind(&binding, &holder)
            .unwrap()
    };
    let presentation = present(&nonce);
    let first = engine.verify(&presentation, &policy, &SystemClock).await.unwrap();
    show("first presentation", &first);

    println!("Step 6: someone replays the very same presentation.");
    let replay = engine.verify(&presentation, &policy, &SystemClock).await.unwrap();
    show("replayed presentation", &replay);

    println!("Step 7: HR revokes the credential; the door's status list is refreshed.");
    list.set(INDEX, TokenStatus(1)).unwrap();
    let engine = Engine::online(resolver, status_source(&issuer, &list, now));
    let nonce = engine.issue_nonce(&policy, &SystemClock);
    let revoked = engine.verify(&present(&nonce), &policy, &SystemClock).await.unwrap();
    show("presentation after revocation", &revoked);

    let replayed = replay.has(ReasonCode::NonceReplayed);
    let was_revoked = revoked.has(ReasonCode::Revoked);
    if first.allowed() && !replay.allowed() && replayed && !revoked.allowed() && was_revoked {
        println!("Result: allowed once, replay denied, revoked credential denied.");
    } else {
        println!("Result: FAILED");
        std::process::exit(1);
    }
}
