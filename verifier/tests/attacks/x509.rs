//! X.509 issuer trust: chains that must not make an issuer trusted.

use did_core::key::{KeyType, SigningKey};
use verifier::policy::X509Mode;
use verifier::reason::ReasonCode;

use super::support::World;
use super::support::pki::{Ca, anchors, issue_with_chain, leaf, root};
use super::{Attempt, Case, case};

/// A door that trusts issuers certified by `door_root` (and lists none), shown `issued`.
fn at_certifying_door(world: &World, door_root: &Ca, issued: &str, mode: X509Mode) -> Attempt {
    let mut policy = world.policy();
    if mode == X509Mode::Trust {
        policy.accept[0].issuers.clear();
    }
    policy.x509 = mode;
    let engine = world.engine().with_x509_roots(anchors(&[door_root]));
    let attempt = Attempt::with(world, engine, policy);
    let input = world.present(issued, &attempt.nonce);
    attempt.input(input)
}

pub fn cases() -> Vec<Case> {
    vec![
        case(
            "control_x509_certified_issuer",
            "nothing: the issuer's key is certified by the door's root and the issuer is on no list",
            ReasonCode::Allowed,
            |w| {
                let root = root("Province Root CA");
                let issued = issue_with_chain(w, &[leaf(&w.issuer, &root, (2026, 2027))]);
                at_certifying_door(w, &root, &issued, X509Mode::Trust)
            },
        ),
        case(
            "x509_unknown_root",
            "a chain to a root with the door root's name but another key",
            ReasonCode::X509UnknownRoot,
            |w| {
                let (door, rogue) = (root("Province Root CA"), root("Province Root CA"));
                let issued = issue_with_chain(w, &[leaf(&w.issuer, &rogue, (2026, 2027))]);
                at_certifying_door(w, &door, &issued, X509Mode::Trust)
            },
        ),
        case(
            "x509_expired_certificate",
            "a leaf certificate that expired in 2025",
            ReasonCode::X509Expired,
            |w| {
                let root = root("Province Root CA");
                let issued = issue_with_chain(w, &[leaf(&w.issuer, &root, (2024, 2025))]);
                at_certifying_door(w, &root, &issued, X509Mode::Trust)
            },
        ),
        case(
            "x509_not_yet_valid_certificate",
            "a leaf certificate valid only from 2027",
            ReasonCode::X509Expired,
            |w| {
                let root = root("Province Root CA");
                let issued = issue_with_chain(w, &[leaf(&w.issuer, &root, (2027, 2028))]);
                at_certifying_door(w, &root, &issued, X509Mode::Trust)
            },
        ),
        case(
            "x509_certifies_another_key",
            "a genuine certificate for another key, copied into the header",
            ReasonCode::X509KeyMismatch,
            |w| {
                let root = root("Province Root CA");
                let other = SigningKey::generate(KeyType::P256).unwrap();
                let issued = issue_with_chain(w, &[leaf(&other, &root, (2026, 2027))]);
                at_certifying_door(w, &root, &issued, X509Mode::Trust)
            },
        ),
        case(
            "x509_garbage_chain",
            "an x5c entry that is not a certificate",
            ReasonCode::X509Invalid,
            |w| {
                let root = root("Province Root CA");
                let issued = issue_with_chain(w, &[b"not a certificate".to_vec()]);
                at_certifying_door(w, &root, &issued, X509Mode::Trust)
            },
        ),
        case(
            "x509_missing_when_required",
            "no chain at a door whose policy requires one",
            ReasonCode::X509Missing,
            |w| {
                let root = root("Province Root CA");
                let issued = w.issue(&w.claims());
                at_certifying_door(w, &root, &issued, X509Mode::Required)
            },
        ),
    ]
}
