//! The decision engine end to end on SD-JWT VCs: allow, every policy reason, nonces used once,
//! offline data and its staleness, and what a decision never reveals.

use crate::support;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use did_core::resolve::CompositeResolver;
use did_core::status::MemoryStatusListSource;
use support::*;
use verifier::decision::{Engine, OfflineTrust};
use verifier::policy::{Hours, StaleAction};
use verifier::reason::ReasonCode;

#[tokio::test]
async fn a_fresh_presentation_is_allowed_once() {
    let world = World::new();
    let engine = world.engine();
    let policy = world.policy();
    let nonce = engine.issue_nonce(&policy, &world.clock);
    let presentation = world.present(&world.issue(&world.claims()), &nonce);
    let decision = engine.verify(&presentation, &policy, &world.clock).await.unwrap();
    assert!(decision.allowed(), "{decision:?}");
    assert_eq!(decision.codes(), [ReasonCode::Allowed]);
    assert_eq!(decision.credential_type(), Some(VCT));
    assert_eq!(decision.issuer(), Some(world.issuer_did.as_str()));
    assert_eq!(decision.disclosed().unwrap()["department"], "IT");
    assert!(decision.disclosed().unwrap().get("birthdate").is_none());
    assert_eq!(
        decision.holder(),
        Some(world.holder.verifying_key().thumbprint().as_str())
    );

    let again = engine.verify(&presentation, &policy, &world.clock).await.unwrap();
    assert!(!again.allowed());
    assert_eq!(again.codes(), [ReasonCode::NonceReplayed]);
}

#[tokio::test]
async fn a_decision_serializes_without_personal_data() {
    let world = World::new();
    let engine = world.engine();
    let policy = world.policy();
    let nonce = engine.issue_nonce(&policy, &world.clock);
    let presentation = world.present_with(
        &world.issue(&world.claims()),
        &nonce,
        AUD,
        &["/department", "/name", "/birthdate"],
        &world.holder,
    );
    let decision = engine.verify(&presentation, &policy, &world.clock).await.unwrap();
    assert!(decision.allowed());
    let json = serde_json::to_string(&decision).unwrap();
    for secret in [
        "Kim Minji",
        "1990-04-01",
        "\"IT\"",
        &world.holder.verifying_key().thumbprint(),
    ] {
        assert!(!json.contains(secret), "{secret} leaked: {json}");
    }
    assert!(json.contains("\"ALLOWED\"") && json.contains("허용"));
}

#[tokio::test]
async fn nonces_must_be_issued_live_and_for_this_door() {
    let world = World::new();
    let engine = world.engine();
    let policy = world.policy();
    let issued = world.issue(&world.claims());

    let made_up = engine
        .verify(&world.present(&issued, "made-up"), &policy, &world.clock)
        .await
        .unwrap();
    assert_eq!(made_up.codes(), [ReasonCode::NonceUnknown]);

    let nonce = engine.issue_nonce(&policy, &world.clock);
    let elsewhere = world.present_with(
        &issued,
        &nonce,
        "https://other.example",
        &["/department"],
        &world.holder,
    );
    let wrong_aud = engine.verify(&elsewhere, &policy, &world.clock).await.unwrap();
    assert!(wrong_aud.has(ReasonCode::AudienceMismatch), "{wrong_aud:?}");
    // A failed attempt does not burn the nonce: the real holder still gets in.
    let right = engine
        .verify(&world.present(&issued, &nonce), &policy, &world.clock)
        .await
        .unwrap();
    assert!(right.allowed(), "{right:?}");

    let late = engine.issue_nonce(&policy, &world.clock);
    world.clock.advance(policy.nonce_ttl() + Duration::from_secs(1));
    let expired = engine
        .verify(&world.present(&issued, &late), &policy, &world.clock)
        .await
        .unwrap();
    assert_eq!(expired.codes(), [ReasonCode::NonceExpired]);
}

#[tokio::test]
async fn a_bare_credential_lacks_holder_binding() {
    let world = World::new();
    let decision = world
        .engine()
        .verify(&world.issue(&world.claims()), &world.policy(), &world.clock)
        .await
        .unwrap();
    assert!(!decision.allowed());
    assert!(decision.has(ReasonCode::HolderBindingMissing), "{decision:?}");

    let mut relaxed = world.policy();
    relaxed.require_holder_binding = false;
    let decision = world
        .engine()
        .verify(&world.issue(&world.claims()), &relaxed, &world.clock)
        .await
        .unwrap();
    assert!(decision.allowed(), "{decision:?}");
}

async fn decide(world: &World, policy: &verifier::policy::Policy, claims: serde_json::Value) -> Vec<ReasonCode> {
    let engine = world.engine();
    let nonce = engine.issue_nonce(policy, &world.clock);
    let presentation = world.present(&world.issue(&claims), &nonce);
    engine
        .verify(&presentation, policy, &world.clock)
        .await
        .unwrap()
        .codes()
}

#[tokio::test]
async fn status_revoked_and_suspended() {
    let mut world = World::new();
    world.set_status(1);
    assert_eq!(
        decide(&world, &world.policy(), world.claims()).await,
        [ReasonCode::Revoked]
    );
    world.set_status(2);
    assert_eq!(
        decide(&world, &world.policy(), world.claims()).await,
        [ReasonCode::Suspended]
    );
    world.set_status(0);
    assert_eq!(
        decide(&world, &world.policy(), world.claims()).await,
        [ReasonCode::Allowed]
    );
}

#[tokio::test]
async fn policy_reasons() {
    let world = World::new();
    let policy = world.policy();

    let mut other_type = world.claims();
    other_type["vct"] = "CitizenCard".into();
    assert_eq!(
        decide(&world, &policy, other_type).await,
        [ReasonCode::WrongCredentialType]
    );

    let mut sales = world.claims();
    sales["department"] = "Sales".into();
    assert_eq!(decide(&world, &policy, sales).await, [ReasonCode::ClaimRejected]);

    let mut untrusted = policy.clone();
    untrusted.accept[0].issuers = vec!["did:web:someone-else.example".into()];
    assert_eq!(
        decide(&world, &untrusted, world.claims()).await,
        [ReasonCode::UntrustedIssuer]
    );

    // The holder withholds the department.
    let engine = world.engine();
    let nonce = engine.issue_nonce(&policy, &world.clock);
    let withheld = world.present_with(&world.issue(&world.claims()), &nonce, AUD, &["/name"], &world.holder);
    let decision = engine.verify(&withheld, &policy, &world.clock).await.unwrap();
    assert_eq!(decision.codes(), [ReasonCode::ClaimMissing]);

    let mut closed = policy.clone();
    closed.hours = vec![Hours {
        days: vec![],
        from: "18:00".into(),
        to: "20:00".into(),
        utc_offset: "+09:00".into(),
    }];
    assert_eq!(
        decide(&world, &closed, world.claims()).await,
        [ReasonCode::OutsideHours]
    );

    let mut expired = world.claims();
    expired["exp"] = (T0 + 60).into();
    assert_eq!(decide(&world, &policy, expired).await, [ReasonCode::Expired]);
}

#[tokio::test]
async fn an_unreachable_status_list_means_cannot_check() {
    let world = World::new();
    let engine = Engine::online(
        Arc::new(CompositeResolver::with_default_methods()),
        Arc::new(MemoryStatusListSource::new()),
    );
    let policy = world.policy();
    let nonce = engine.issue_nonce(&policy, &world.clock);
    let presentation = world.present(&world.issue(&world.claims()), &nonce);
    let error = engine.verify(&presentation, &policy, &world.clock).await.unwrap_err();
    assert!(matches!(error, verifier::Error::Unavailable(_)), "{error}");
}

fn offline(world: &World, fetched_ago: Duration, expires_in: Duration) -> OfflineTrust {
    OfflineTrust {
        resolver: Arc::new(CompositeResolver::with_default_methods()),
        status: Arc::new(world.status_source()),
        status_fetched_at: HashMap::from([(LIST_URL.to_owned(), world.now() - fetched_ago)]),
        issuers: HashMap::from([(VCT.to_owned(), vec![world.issuer_did.clone()])]),
        expires_at: world.now() + expires_in,
        registry_signed_at: None,
    }
}

#[tokio::test]
async fn offline_data_is_used_within_its_bounds() {
    let world = World::new();
    let mut policy = world.policy();
    // The bundle, not the policy, says whom to trust.
    policy.accept[0].issuers.clear();
    let day = Duration::from_secs(86400);

    let fresh = Engine::offline(offline(&world, Duration::from_secs(60), day));
    let nonce = fresh.issue_nonce(&policy, &world.clock);
    let presentation = world.present(&world.issue(&world.claims()), &nonce);
    let decision = fresh.verify(&presentation, &policy, &world.clock).await.unwrap();
    assert!(decision.allowed(), "{decision:?}");
    assert!(!decision.stale_bundle());

    let old_list = Engine::offline(offline(&world, 2 * day, day));
    let nonce = old_list.issue_nonce(&policy, &world.clock);
    let presentation = world.present(&world.issue(&world.claims()), &nonce);
    let decision = old_list.verify(&presentation, &policy, &world.clock).await.unwrap();
    assert_eq!(decision.codes(), [ReasonCode::StatusStale]);

    let expired = Engine::offline(offline(&world, Duration::from_secs(60), Duration::ZERO));
    let nonce = expired.issue_nonce(&policy, &world.clock);
    let presentation = world.present(&world.issue(&world.claims()), &nonce);
    let decision = expired.verify(&presentation, &policy, &world.clock).await.unwrap();
    assert_eq!(decision.codes(), [ReasonCode::BundleStale]);
    assert!(decision.stale_bundle());

    policy.on_stale_bundle = StaleAction::Allow;
    let nonce = expired.issue_nonce(&policy, &world.clock);
    let presentation = world.present(&world.issue(&world.claims()), &nonce);
    let decision = expired.verify(&presentation, &policy, &world.clock).await.unwrap();
    assert!(decision.allowed() && decision.stale_bundle(), "{decision:?}");
}

#[tokio::test]
async fn an_unreachable_issuer_did_means_cannot_check() {
    let world = World::new();
    // A did:web whose host refuses connections, and no trust bundle to fall back on.
    let did = "did:web:127.0.0.1%3A9";
    let mut claims = world.claims();
    claims["iss"] = did.into();
    let issued = world.issue_with(&claims, &world.issuer, &format!("{did}#key-1"));
    let engine = world.engine();
    let policy = world.policy();
    let nonce = engine.issue_nonce(&policy, &world.clock);
    let error = engine
        .verify(&world.present(&issued, &nonce), &policy, &world.clock)
        .await
        .unwrap_err();
    assert!(matches!(error, verifier::Error::Unavailable(_)), "{error}");
    // The nonce was not spent: the holder can try again once the network is back.
    assert_eq!(engine.nonces().check(&nonce, world.now()), Ok(()));
}

/// A status list source whose published bytes can change between decisions; each fetch is a
/// new allocation, as from the network, so the cache compares bytes, not pointers.
struct Republished(std::sync::Mutex<Vec<u8>>);

#[async_trait::async_trait]
impl did_core::status::StatusListSource for Republished {
    async fn fetch(&self, url: &str) -> Result<Arc<[u8]>, did_core::status::StatusError> {
        if url != LIST_URL {
            return Err(did_core::status::StatusError::NotFound(url.to_owned()));
        }
        Ok(Arc::from(self.0.lock().unwrap().clone()))
    }
}

#[tokio::test]
async fn a_republished_status_list_is_seen_by_the_next_decision() {
    // One engine, so its verified-list cache is shared between the decisions.
    let mut world = World::new();
    let source = Arc::new(Republished(std::sync::Mutex::new(world.status_token().into_bytes())));
    let engine = Engine::online(Arc::new(CompositeResolver::with_default_methods()), source.clone());
    let policy = world.policy();
    let issued = world.issue(&world.claims());
    let decide = async |engine: &Engine, world: &World| {
        let nonce = engine.issue_nonce(&policy, &world.clock);
        engine
            .verify(&world.present(&issued, &nonce), &policy, &world.clock)
            .await
            .unwrap()
            .codes()
    };
    assert_eq!(decide(&engine, &world).await, [ReasonCode::Allowed]);
    assert_eq!(
        decide(&engine, &world).await,
        [ReasonCode::Allowed],
        "served from the cache"
    );
    world.set_status(1);
    *source.0.lock().unwrap() = world.status_token().into_bytes();
    assert_eq!(
        decide(&engine, &world).await,
        [ReasonCode::Revoked],
        "new bytes are verified afresh"
    );
    // A list signed by someone else at the same URL is not taken for the issuer's.
    let forger = did_core::key::SigningKey::generate(did_core::key::KeyType::P256).unwrap();
    world.set_status(0);
    let forged = did_core::status::StatusListToken::new(
        LIST_URL,
        T0,
        did_core::status::StatusListClaim::from_list(&world.statuses).unwrap(),
    )
    .unwrap()
    .sign(&forger, None)
    .unwrap();
    *source.0.lock().unwrap() = forged.into_bytes();
    assert_eq!(decide(&engine, &world).await, [ReasonCode::StatusInvalid]);
}
