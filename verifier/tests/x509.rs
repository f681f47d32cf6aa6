//! X.509 issuer trust: chains built with rcgen, checked against configured roots.

use std::time::SystemTime;

use base64::Engine as _;
use did_core::jose::{self, Header, VerifyOptions};
use did_core::key::{Algorithm, KeyType, SigningKey};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType, IsCa, KeyPair, KeyUsagePurpose,
    PublicKeyData, SignatureAlgorithm,
};
use serde_json::json;
use time::OffsetDateTime;
use verifier::reason::ReasonCode;
use verifier::x509::{self, MAX_CHAIN_LEN, TrustAnchors, X509Failure};

/// 2026-06-01T00:00:00Z.
fn now() -> SystemTime {
    SystemTime::from(OffsetDateTime::from_unix_timestamp(1_780_272_000).unwrap())
}

fn ymd(year: i32) -> OffsetDateTime {
    rcgen::date_time_ymd(year, 1, 1)
}

/// Valid at [`now`].
const VALID: (i32, i32) = (2026, 2027);
const EXPIRED: (i32, i32) = (2025, 2026);
const NOT_YET: (i32, i32) = (2027, 2028);

type Ca = CertifiedIssuer<'static, KeyPair>;

fn params(cn: &str, ca: bool, (from, until): (i32, i32)) -> CertificateParams {
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.distinguished_name = DistinguishedName::new();
    p.distinguished_name.push(DnType::CommonName, cn);
    p.not_before = ymd(from);
    p.not_after = ymd(until);
    if ca {
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    } else {
        p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    }
    p
}

fn root_with(cn: &str, alg: &'static SignatureAlgorithm, validity: (i32, i32)) -> Ca {
    CertifiedIssuer::self_signed(params(cn, true, validity), KeyPair::generate_for(alg).unwrap()).unwrap()
}

fn root(cn: &str) -> Ca {
    root_with(cn, &rcgen::PKCS_ECDSA_P256_SHA256, VALID)
}

fn intermediate_with(parent: &Ca, p: CertificateParams) -> Ca {
    CertifiedIssuer::signed_by(
        p,
        KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap(),
        parent,
    )
    .unwrap()
}

fn intermediate(cn: &str, parent: &Ca) -> Ca {
    intermediate_with(parent, params(cn, true, VALID))
}

/// A did-core key as rcgen's subject key, so the leaf certifies a key did-core signs with.
struct Subject(Vec<u8>, &'static SignatureAlgorithm);

impl PublicKeyData for Subject {
    fn der_bytes(&self) -> &[u8] {
        &self.0
    }
    fn algorithm(&self) -> &'static SignatureAlgorithm {
        self.1
    }
}

fn subject_of(key: &SigningKey) -> Subject {
    let alg = match key.key_type() {
        KeyType::P256 => &rcgen::PKCS_ECDSA_P256_SHA256,
        KeyType::P384 => &rcgen::PKCS_ECDSA_P384_SHA384,
        KeyType::Ed25519 => &rcgen::PKCS_ED25519,
        other => panic!("{other:?}"),
    };
    Subject(key.verifying_key().as_bytes().to_vec(), alg)
}

fn leaf_with(key: &SigningKey, parent: &Ca, p: CertificateParams) -> Vec<u8> {
    p.signed_by(&subject_of(key), parent).unwrap().der().to_vec()
}

fn leaf(key: &SigningKey, parent: &Ca) -> Vec<u8> {
    leaf_with(key, parent, params("Door Issuer Leaf", false, VALID))
}

fn anchors(roots: &[&Ca]) -> TrustAnchors {
    TrustAnchors::from_der(roots.iter().map(|r| r.der().to_vec()).collect()).unwrap()
}

fn p256() -> SigningKey {
    SigningKey::generate(KeyType::P256).unwrap()
}

/// root → intermediate → leaf (P-256) and the leaf's key.
fn three_level() -> (Ca, Ca, SigningKey, Vec<Vec<u8>>) {
    let root = root("Dojang Test Root");
    let inter = intermediate("Dojang Test Issuing CA", &root);
    let key = p256();
    let chain = vec![leaf(&key, &inter), inter.der().to_vec()];
    (root, inter, key, chain)
}

fn failure(result: Result<did_core::key::VerifyingKey, X509Failure>) -> X509Failure {
    match result {
        Ok(_) => panic!("the chain was accepted"),
        Err(failure) => failure,
    }
}

#[test]
fn root_intermediate_leaf_certifies_the_leaf_key() {
    let (root, _inter, key, chain) = three_level();
    let certified = x509::verify_chain(&chain, &anchors(&[&root]), now()).unwrap();
    assert_eq!(certified.as_bytes(), key.verifying_key().as_bytes());
    x509::check_key(&certified, key.verifying_key()).unwrap();
}

#[test]
fn a_leaf_directly_under_the_root_is_accepted() {
    let root = root("Dojang Test Root");
    let key = p256();
    let certified = x509::verify_chain(&[leaf(&key, &root)], &anchors(&[&root]), now()).unwrap();
    x509::check_key(&certified, key.verifying_key()).unwrap();
}

#[test]
fn a_chain_that_ends_with_the_root_itself_is_accepted() {
    let (root, _inter, key, mut chain) = three_level();
    chain.push(root.der().to_vec());
    let certified = x509::verify_chain(&chain, &anchors(&[&root]), now()).unwrap();
    x509::check_key(&certified, key.verifying_key()).unwrap();
}

#[test]
fn p384_root_and_ed25519_leaf() {
    let root = root_with("Dojang P-384 Root", &rcgen::PKCS_ECDSA_P384_SHA384, VALID);
    let key = SigningKey::generate(KeyType::Ed25519).unwrap();
    let certified = x509::verify_chain(&[leaf(&key, &root)], &anchors(&[&root]), now()).unwrap();
    assert_eq!(certified.key_type(), KeyType::Ed25519);
    x509::check_key(&certified, key.verifying_key()).unwrap();

    let ed_root = root_with("Dojang Ed25519 Root", &rcgen::PKCS_ED25519, VALID);
    let key = SigningKey::generate(KeyType::P384).unwrap();
    let certified = x509::verify_chain(&[leaf(&key, &ed_root)], &anchors(&[&ed_root]), now()).unwrap();
    assert_eq!(certified.key_type(), KeyType::P384);
}

#[test]
fn an_unknown_root_is_refused() {
    let (_root, _inter, _key, chain) = three_level();
    let other = root("Some Other Root");
    let failure = failure(x509::verify_chain(&chain, &anchors(&[&other]), now()));
    assert_eq!(failure.code(), ReasonCode::X509UnknownRoot, "{failure}");

    // A different root that happens to carry the trusted root's name does not verify it.
    let impostor = root("Dojang Test Root");
    let failure = failure_of(&chain, &impostor);
    assert_eq!(failure.code(), ReasonCode::X509UnknownRoot, "{failure}");
}

fn failure_of(chain: &[Vec<u8>], root: &Ca) -> X509Failure {
    failure(x509::verify_chain(chain, &anchors(&[root]), now()))
}

#[test]
fn an_expired_leaf_is_refused() {
    let root = root("Dojang Test Root");
    let key = p256();
    let chain = [leaf_with(&key, &root, params("Old Leaf", false, EXPIRED))];
    let failure = failure_of(&chain, &root);
    assert_eq!(failure.code(), ReasonCode::X509Expired, "{failure}");
}

#[test]
fn a_leaf_not_yet_valid_is_refused() {
    let root = root("Dojang Test Root");
    let key = p256();
    let chain = [leaf_with(&key, &root, params("Future Leaf", false, NOT_YET))];
    let failure = failure_of(&chain, &root);
    assert_eq!(failure.code(), ReasonCode::X509Expired, "{failure}");
}

#[test]
fn an_expired_intermediate_is_refused() {
    let root = root("Dojang Test Root");
    let inter = intermediate_with(&root, params("Old CA", true, EXPIRED));
    let key = p256();
    let chain = [leaf(&key, &inter), inter.der().to_vec()];
    let failure = failure_of(&chain, &root);
    assert_eq!(failure.code(), ReasonCode::X509Expired, "{failure}");
}

#[test]
fn an_expired_root_is_refused() {
    let root = root_with("Old Root", &rcgen::PKCS_ECDSA_P256_SHA256, EXPIRED);
    let key = p256();
    let failure = failure_of(&[leaf(&key, &root)], &root);
    assert_eq!(failure.code(), ReasonCode::X509Expired, "{failure}");
}

#[test]
fn an_intermediate_that_is_not_a_ca_is_refused() {
    let root = root("Dojang Test Root");
    let mut p = params("Not A CA", false, VALID);
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyCertSign];
    let inter = intermediate_with(&root, p);
    let key = p256();
    let chain = [leaf(&key, &inter), inter.der().to_vec()];
    let failure = failure_of(&chain, &root);
    assert_eq!(failure.code(), ReasonCode::X509Invalid, "{failure}");
    assert!(failure.detail().contains("not a CA"), "{failure}");
}

#[test]
fn an_intermediate_without_key_cert_sign_is_refused() {
    let root = root("Dojang Test Root");
    let mut p = params("No CertSign CA", true, VALID);
    p.key_usages = vec![KeyUsagePurpose::CrlSign];
    let inter = intermediate_with(&root, p);
    let key = p256();
    let chain = [leaf(&key, &inter), inter.der().to_vec()];
    let failure = failure_of(&chain, &root);
    assert_eq!(failure.code(), ReasonCode::X509Invalid, "{failure}");
}

#[test]
fn a_leaf_without_digital_signature_is_refused() {
    let root = root("Dojang Test Root");
    let mut p = params("Encipher Only", false, VALID);
    p.key_usages = vec![KeyUsagePurpose::KeyAgreement];
    let key = p256();
    let failure = failure_of(&[leaf_with(&key, &root, p)], &root);
    assert_eq!(failure.code(), ReasonCode::X509Invalid, "{failure}");
}

#[test]
fn a_broken_signature_is_refused() {
    let (root, _inter, _key, mut chain) = three_level();
    let der = &mut chain[0];
    let at = der.windows(16).position(|w| w == b"Door Issuer Leaf").unwrap();
    der[at] = b'E';
    let failure = failure_of(&chain, &root);
    assert_eq!(failure.code(), ReasonCode::X509Invalid, "{failure}");
    assert!(failure.detail().contains("signature"), "{failure}");
}

#[test]
fn a_chain_in_the_wrong_order_is_refused() {
    let (root, _inter, _key, mut chain) = three_level();
    chain.reverse();
    let failure = failure_of(&chain, &root);
    assert_eq!(failure.code(), ReasonCode::X509Invalid, "{failure}");
}

#[test]
fn garbage_is_refused() {
    let root = root("Dojang Test Root");
    for chain in [
        vec![],
        vec![vec![]],
        vec![b"not a certificate".to_vec()],
        vec![vec![0x30, 0x82, 0xff, 0xff, 0x00]],
        vec![vec![0u8; 20_000]],
    ] {
        let failure = failure_of(&chain, &root);
        assert_eq!(failure.code(), ReasonCode::X509Invalid, "{failure}");
    }
    // Trailing bytes after a good certificate.
    let key = p256();
    let mut der = leaf(&key, &root);
    der.push(0);
    assert_eq!(failure_of(&[der], &root).code(), ReasonCode::X509Invalid);
}

#[test]
fn too_many_certificates_are_refused() {
    let root = root("Dojang Test Root");
    let mut cas = vec![intermediate("CA 0", &root)];
    for i in 1..MAX_CHAIN_LEN {
        let next = intermediate(&format!("CA {i}"), cas.last().unwrap());
        cas.push(next);
    }
    let key = p256();
    let mut chain = vec![leaf(&key, cas.last().unwrap())];
    chain.extend(cas.iter().rev().map(|ca| ca.der().to_vec()));
    assert_eq!(chain.len(), MAX_CHAIN_LEN + 1);
    let failure = failure_of(&chain, &root);
    assert_eq!(failure.code(), ReasonCode::X509Invalid, "{failure}");
    // One fewer intermediate fits.
    let mut chain = vec![leaf(&key, &cas[MAX_CHAIN_LEN - 2])];
    chain.extend(cas[..MAX_CHAIN_LEN - 1].iter().rev().map(|ca| ca.der().to_vec()));
    assert_eq!(chain.len(), MAX_CHAIN_LEN);
    x509::verify_chain(&chain, &anchors(&[&root]), now()).unwrap();
}

#[test]
fn a_different_signing_key_is_a_mismatch() {
    let (root, _inter, _key, chain) = three_level();
    let certified = x509::verify_chain(&chain, &anchors(&[&root]), now()).unwrap();
    let failure = x509::check_key(&certified, p256().verifying_key()).unwrap_err();
    assert_eq!(failure.code(), ReasonCode::X509KeyMismatch);
    assert_eq!(failure.to_reason().code, ReasonCode::X509KeyMismatch);
}

#[test]
fn pem_with_two_roots() {
    let first = root("First Root");
    let second = root("Second Root");
    let pem = format!("# trusted roots\n{}\n{}", first.pem(), second.pem());
    let anchors = TrustAnchors::from_pem(pem.as_bytes()).unwrap();
    assert_eq!(anchors.len(), 2);
    assert!(!anchors.is_empty());
    for ca in [&first, &second] {
        let key = p256();
        x509::verify_chain(&[leaf(&key, ca)], &anchors, now()).unwrap();
    }
}

#[test]
fn bad_anchors_are_refused() {
    let not_ca = CertifiedIssuer::self_signed(
        params("Not A Root", false, VALID),
        KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap(),
    )
    .unwrap();
    for result in [
        TrustAnchors::from_der(vec![not_ca.der().to_vec()]),
        TrustAnchors::from_pem(not_ca.pem().as_bytes()),
        TrustAnchors::from_pem(b"no pem here"),
        TrustAnchors::from_pem(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
        TrustAnchors::from_pem(b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n"),
        TrustAnchors::from_der(vec![b"garbage".to_vec()]),
    ] {
        assert!(matches!(result, Err(verifier::Error::TrustAnchor(_))), "{result:?}");
    }
    assert!(TrustAnchors::from_der(vec![]).unwrap().is_empty());
}

fn b64(der: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(der)
}

#[test]
fn x5c_from_a_jwk() {
    let (root, _inter, key, chain) = three_level();
    let mut jwk = serde_json::to_value(key.verifying_key().to_jwk()).unwrap();
    assert_eq!(x509::x5c_from_jwk(&jwk).unwrap(), None);
    jwk["x5c"] = json!(chain.iter().map(|c| b64(c)).collect::<Vec<_>>());
    let decoded = x509::x5c_from_jwk(&jwk).unwrap().unwrap();
    assert_eq!(decoded, chain);
    x509::verify_chain(&decoded, &anchors(&[&root]), now()).unwrap();

    for bad in [
        json!("MIIB"),
        json!([]),
        json!([1]),
        json!(["not base64!"]),
        json!(vec!["QUJD"; 6]),
        json!([base64::engine::general_purpose::URL_SAFE_NO_PAD.encode([0xfb, 0xff])]),
    ] {
        let failure = x509::x5c_from_jwk(&json!({ "kty": "EC", "x5c": bad })).unwrap_err();
        assert_eq!(failure.code(), ReasonCode::X509Invalid, "{bad}: {failure}");
    }
}

#[test]
fn x5c_in_a_real_jws_header() {
    let (root, _inter, key, chain) = three_level();
    let x5c: Vec<String> = chain.iter().map(|c| b64(c)).collect();
    let header = Header::new(Algorithm::Es256)
        .with_typ("JWT")
        .with_member("x5c", json!(x5c));
    let token = jose::sign_with_key(header, br#"{"iss":"https://issuer.example","sub":"ana"}"#, &key).unwrap();

    let decoded = jose::decode(&token).unwrap();
    let chain = x509::x5c_from_header(decoded.header()).unwrap().unwrap();
    let certified = x509::verify_chain(&chain, &anchors(&[&root]), now()).unwrap();
    x509::check_key(&certified, key.verifying_key()).unwrap();
    let verified = jose::verify(&token, &certified, &VerifyOptions::default()).unwrap();
    assert_eq!(verified.payload, br#"{"iss":"https://issuer.example","sub":"ana"}"#);

    // A token signed by another key with the same x5c: the certified key does not verify it.
    let other = p256();
    let header = Header::new(Algorithm::Es256).with_member("x5c", json!(x5c));
    let forged = jose::sign_with_key(header, b"{}", &other).unwrap();
    let decoded = jose::decode(&forged).unwrap();
    let chain = x509::x5c_from_header(decoded.header()).unwrap().unwrap();
    let certified = x509::verify_chain(&chain, &anchors(&[&root]), now()).unwrap();
    assert_eq!(
        x509::check_key(&certified, other.verifying_key()).unwrap_err().code(),
        ReasonCode::X509KeyMismatch
    );
    assert!(jose::verify(&forged, &certified, &VerifyOptions::default()).is_err());

    // No x5c: nothing to check.
    let plain = jose::sign_with_key(Header::new(Algorithm::Es256), b"{}", &key).unwrap();
    assert_eq!(
        x509::x5c_from_header(jose::decode(&plain).unwrap().header()).unwrap(),
        None
    );
}

/// A root and leaf made with openssl (not rcgen): SKI/AKI extensions, critical basicConstraints
/// and keyUsage. The same root is the fuzz target's anchor. Valid 2026-11-22 to 2036-11-19.
const OPENSSL_ROOT: &str = "-----BEGIN CERTIFICATE-----
MIIBnDCCAUGgAwIBAgIUf/Nyk5ORz7FuzMqvVqwV9T08jDIwCgYIKoZIzj0EAwIw
GzEZMBcGA1UEAwwQRG9qYW5nIEZ1enogUm9vdDAeFw0yNjExMjIwNjE0MzBaFw0z
NjExMTkwNjE0MzBaMBsxGTAXBgNVBAMMEERvamFuZyBGdXp6IFJvb3QwWTATBgcq
hkjOPQIBBggqhkjOPQMBBwNCAASeN+3RZ4v2RN47EVHymVlvndeFGTXksLDrS82w
6FO89kLkK3TbJUfabjB+gZC2KchQk/+LC838aLEwkSgBu9pyo2MwYTAdBgNVHQ4E
FgQUUo8Cci6xSKyax/kbgZSlRqD4FoowHwYDVR0jBBgwFoAUUo8Cci6xSKyax/kb
gZSlRqD4FoowDwYDVR0TAQH/BAUwAwEB/zAOBgNVHQ8BAf8EBAMCAQYwCgYIKoZI
zj0EAwIDSQAwRgIhAL5cuIAxg5rg3hMxEPkFdu1FQvwr8jr1B2cPZOqjGRQLAiEA
12mm80BA88daXzcRfZ55akQvMM9IjxHuQZd2vQSmPwE=
-----END CERTIFICATE-----
";
const OPENSSL_LEAF: &str = "-----BEGIN CERTIFICATE-----
MIIBmTCCAT6gAwIBAgIUH/ja5JqbU+FXf2VFDjiZXP77NF0wCgYIKoZIzj0EAwIw
GzEZMBcGA1UEAwwQRG9qYW5nIEZ1enogUm9vdDAeFw0yNjExMjIwNjE0MzBaFw0z
NjExMTkwNjE0MzBaMBsxGTAXBgNVBAMMEERvamFuZyBGdXp6IExlYWYwWTATBgcq
hkjOPQIBBggqhkjOPQMBBwNCAASCJrrLwRw5Iq7GZdg8jmGvBW7+SdR4ZpelgOoT
163ypJikPPy+YuJsFSctdSLcjNSHczCzvK6m/51MzDrfDT7Eo2AwXjAMBgNVHRMB
Af8EAjAAMA4GA1UdDwEB/wQEAwIHgDAdBgNVHQ4EFgQUVGqLoJTQOmAsfaFEAryV
0G1Jf8AwHwYDVR0jBBgwFoAUUo8Cci6xSKyax/kbgZSlRqD4FoowCgYIKoZIzj0E
AwIDSQAwRgIhAJgED+EQYDGDrBBhx3Vi7M9+F1o1u87Dr6oaNDpdS705AiEA9Ho8
eNL/KgjIRUDKaQ3FF3Sf7/TqA2it2RGxIoKesEc=
-----END CERTIFICATE-----
";

#[test]
fn an_openssl_chain_verifies() {
    let anchors = TrustAnchors::from_pem(OPENSSL_ROOT.as_bytes()).unwrap();
    let leaf = x509_parser::pem::parse_x509_pem(OPENSSL_LEAF.as_bytes())
        .unwrap()
        .1
        .contents;
    // 2030-01-01T00:00:00Z.
    let at = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_893_456_000);
    let key = x509::verify_chain(std::slice::from_ref(&leaf), &anchors, at).unwrap();
    assert_eq!(key.key_type(), KeyType::P256);
    // Before the root's validity.
    let failure = failure(x509::verify_chain(&[leaf], &anchors, now()));
    assert_eq!(failure.code(), ReasonCode::X509Expired, "{failure}");
}

#[test]
fn a_roots_path_length_applies_when_the_root_is_not_sent() {
    let mut p = params("Dojang Leaf-Only Root", true, VALID);
    p.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    let root = CertifiedIssuer::self_signed(p, KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap()).unwrap();
    let inter = intermediate("Dojang Issuing CA", &root);
    let key = p256();
    let failure = failure_of(&[leaf(&key, &inter), inter.der().to_vec()], &root);
    assert_eq!(failure.code(), ReasonCode::X509Invalid, "{failure}");
    assert!(failure.detail().contains("pathLenConstraint"), "{failure}");
    // A leaf right under it is within the constraint.
    assert!(x509::verify_chain(&[leaf(&key, &root)], &anchors(&[&root]), now()).is_ok());
}

#[test]
fn a_critical_name_constraint_is_refused_not_ignored() {
    let root = root("Dojang Test Root");
    let mut p = params("Constrained CA", true, VALID);
    p.name_constraints = Some(rcgen::NameConstraints {
        permitted_subtrees: vec![rcgen::GeneralSubtree::DnsName("example.com".into())],
        excluded_subtrees: vec![],
    });
    let inter = intermediate_with(&root, p);
    let key = p256();
    let failure = failure_of(&[leaf(&key, &inter), inter.der().to_vec()], &root);
    assert_eq!(failure.code(), ReasonCode::X509Invalid, "{failure}");
    assert!(failure.detail().contains("critical extension"), "{failure}");
}
