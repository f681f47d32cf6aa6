//! A small PKI for X.509 issuer-trust tests: roots and leaves certifying did-core keys.

use did_core::key::SigningKey;
use did_core::sd_jwt::{self, IssueOptions};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType, IsCa, KeyPair, KeyUsagePurpose,
    PublicKeyData, SignatureAlgorithm,
};
use verifier::x509::TrustAnchors;

use super::World;

/// A CA: its certificate and key.
pub type Ca = CertifiedIssuer<'static, KeyPair>;

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

/// A P-256 root CA valid 2026–2030 (the world's time is mid-2026).
pub fn root(cn: &str) -> Ca {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    CertifiedIssuer::self_signed(params(cn, true, (2026, 2030)), key).unwrap()
}

/// The door's trust anchors: `roots`.
pub fn anchors(roots: &[&Ca]) -> TrustAnchors {
    TrustAnchors::from_der(roots.iter().map(|r| r.der().to_vec()).collect()).unwrap()
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

/// A leaf certifying the P-256 `key`, issued by `ca`, valid over the `validity` years.
pub fn leaf(key: &SigningKey, ca: &Ca, validity: (i32, i32)) -> Vec<u8> {
    params("Province HR issuer", false, validity)
        .signed_by(&Subject(key.verifying_key().as_bytes().to_vec()), ca)
        .unwrap()
        .der()
        .to_vec()
}

/// The world's employee credential with `chain` (DER, leaf first) in its `x5c` header.
pub fn issue_with_chain(world: &World, chain: &[Vec<u8>]) -> String {
    let options = IssueOptions::sd_jwt_vc()
        .holder_key(world.holder.verifying_key().clone())
        .kid(&world.kid)
        .disclose("/department")
        .x5c(chain);
    sd_jwt::issue(&world.claims(), &options, &world.issuer).unwrap()
}
