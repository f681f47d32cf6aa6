#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! X.509 issuer trust in door decisions: an issuer whose key a configured root certifies (via
//! `x5c` in the SD-JWT header) is trusted under `x509 = "trust"`; an unknown root, an expired
//! certificate or a chain for another key is a denial with its own reason.

mod support;

use did_core::key::{KeyType, SigningKey};
use did_core::sd_jwt::{self, IssueOptions};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType, IsCa, KeyPair, KeyUsagePurpose,
    PublicKeyData, SignatureAlgorithm,
};
use support::*;
use verifier::policy::{Policy, X509Mode};
use verifier::reason::ReasonCode;
use verifier::x509::TrustAnchors;

type Ca = CertifiedIssuer<'static, KeyPair>;

fn params(cn: &str, ca: bool, (from, until): (i32, i32)) -> CertificateParams {
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.distinguished_name = DistinguishedName::new();
    p.distinguished_name.push(DnType::CommonName, cn);
    p.not_before = rcgen::date_time_ymd(from, 1, 1);
    p.not_after = rcgen::date_time_ymd(until, 1, 1);
    if ca {
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign];
    } else {
        p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    }
    p
}

fn root(cn: &str) -> Ca {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    CertifiedIssuer::self_signed(params(cn, true, (2026, 2030)), key).unwrap()
}

struct Subject(Vec<u8>);

impl PublicKeyData for Subject {
    fn der_bytes(&self) -> &[u8] {
        &self.0
    }
    fn algorithm(&self) -> &'static SignatureAlgorithm {
        &rcgen::PKCS_ECDSA_P256_SHA256
    }
}

/// A leaf certifying `key`, valid over `validity` (years).
fn leaf(key: &SigningKey, ca: &Ca, validity: (i32, i32)) -> Vec<u8> {
    params("Province HR issuer", false, validity)
        .signed_by(&Subject(key.verifying_key().as_bytes().to_vec()), ca)
        .unwrap()
        .der()
        .to_vec()
}

/// The world's employee credential with `chain` in its header.
fn issue_with_chain(world: &World, chain: &[Vec<u8>]) -> String {
    let options = IssueOptions::sd_jwt_vc()
        .holder_key(world.holder.verifying_key().clone())
        .kid(&world.kid)
        .disclose("/department")
        .x5c(chain);
    sd_jwt::issue(&world.claims(), &options, &world.issuer).unwrap()
}

async fn decide(world: &World, policy: &Policy, roots: &Ca, issued: &str) -> Vec<ReasonCode> {
    let engine = world
        .engine()
        .with_x509_roots(TrustAnchors::from_der(vec![roots.der().to_vec()]).unwrap());
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
