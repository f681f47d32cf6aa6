//! X.509 issuer trust in door decisions: an issuer whose key a configured root certifies (via
//! `x5c` in the SD-JWT header) is trusted under `x509 = "trust"`; an unknown root, an expired
//! certificate or a chain for another key is a denial with its own reason.

use crate::support;

use did_core::key::{KeyType, SigningKey};
use support::pki::{Ca, anchors, issue_with_chain, leaf, root};
use support::*;
use verifier::policy::{Policy, X509Mode};
use verifier::reason::ReasonCode;

async fn decide(world: &World, policy: &Policy, roots: &Ca, issued: &str) -> Vec<ReasonCode> {
    let engine = world.engine().with_x509_roots(anchors(&[roots]));
    let nonce = engine.issue_nonce(policy, &world.clock);
    let presentation = world.present(issued, &nonce);
    engine
        .verify(&presentation, policy, &world.clock)
        .await
        .unwrap()
        .codes()
}

fn x509_policy(world: &World, mode: X509Mode) -> Policy {
    let mut policy = world.policy();
    // Not on any list: trust has to come from the certificate.
    policy.accept[0].issuers.clear();
    policy.x509 = mode;
    policy
}

#[tokio::test]
async fn a_certified_issuer_is_trusted_under_x509_trust() {
    let world = World::new();
    let root = root("Province Root CA");
    let issued = issue_with_chain(&world, &[leaf(&world.issuer, &root, (2026, 2027))]);
    let trust = x509_policy(&world, X509Mode::Trust);
    assert_eq!(decide(&world, &trust, &root, &issued).await, [ReasonCode::Allowed]);
    // Under the default mode the certificate is checked but the list decides.
    let optional = x509_policy(&world, X509Mode::Optional);
    assert_eq!(
        decide(&world, &optional, &root, &issued).await,
        [ReasonCode::UntrustedIssuer]
    );
    // Required: listed and certified.
    let mut required = world.policy();
    required.x509 = X509Mode::Required;
    assert_eq!(decide(&world, &required, &root, &issued).await, [ReasonCode::Allowed]);
    let bare = world.issue(&world.claims());
    assert_eq!(decide(&world, &required, &root, &bare).await, [ReasonCode::X509Missing]);
}

#[tokio::test]
async fn a_chain_to_an_unknown_root_is_refused() {
    let world = World::new();
    let door_root = root("Province Root CA");
    let rogue = root("Province Root CA");
    let issued = issue_with_chain(&world, &[leaf(&world.issuer, &rogue, (2026, 2027))]);
    let codes = decide(&world, &x509_policy(&world, X509Mode::Trust), &door_root, &issued).await;
    assert!(codes.contains(&ReasonCode::X509UnknownRoot), "{codes:?}");
}

#[tokio::test]
async fn an_expired_certificate_is_refused() {
    let world = World::new();
    let root = root("Province Root CA");
    let issued = issue_with_chain(&world, &[leaf(&world.issuer, &root, (2024, 2025))]);
    let codes = decide(&world, &x509_policy(&world, X509Mode::Trust), &root, &issued).await;
    assert!(codes.contains(&ReasonCode::X509Expired), "{codes:?}");
}

#[tokio::test]
async fn a_certificate_for_another_key_is_refused() {
    let world = World::new();
    let root = root("Province Root CA");
    let other = SigningKey::generate(KeyType::P256).unwrap();
    let issued = issue_with_chain(&world, &[leaf(&other, &root, (2026, 2027))]);
    let codes = decide(&world, &x509_policy(&world, X509Mode::Trust), &root, &issued).await;
    assert!(codes.contains(&ReasonCode::X509KeyMismatch), "{codes:?}");
    assert!(codes.contains(&ReasonCode::UntrustedIssuer), "{codes:?}");
}
