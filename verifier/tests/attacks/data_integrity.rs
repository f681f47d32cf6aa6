//! Attacks on Data Integrity presentations (ecdsa-jcs-2019 by the holder's did:key).

use did_core::data_integrity::{self, Cryptosuite, ProofOptions};
use did_core::document::Relationship;
use did_core::resolve::KeyResolver;
use serde_json::{Value, json};
use verifier::reason::ReasonCode;

use super::{Attempt, Case, case};
use crate::support::*;

/// An employee vc+jwt by the world's issuer about the holder.
fn vc_jwt(w: &World) -> String {
    let credential = did_core::vc::Credential::from_json(json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "type": ["VerifiableCredential", VCT],
        "issuer": w.issuer_did,
        "validFrom": "2026-01-01T00:00:00Z",
        "validUntil": "2027-06-01T00:00:00Z",
        "credentialSubject": {"id": w.holder_did(), "department": "IT"}
    }))
    .unwrap();
    did_core::vc::jwt::sign_credential(
        &credential,
        did_core::vc::jwt::JwtEncoding::JoseCose,
        &w.issuer_signer(),
    )
    .unwrap()
}

/// The holder's presentation of the credential, with a proof made from `options` (the
/// control's: authentication, the door's nonce as challenge and audience as domain) after
/// `edit`, then `tamper` applied to the signed document.
fn di_vp(w: &World, edit: impl FnOnce(&mut ProofOptions), tamper: impl FnOnce(&mut Value)) -> Attempt {
    di_vp_by(w, &w.holder, edit, tamper)
}

/// As [`di_vp`], signed by `key` (the proof still names the holder's key).
fn di_vp_by(
    w: &World,
    key: &did_core::key::SigningKey,
    edit: impl FnOnce(&mut ProofOptions),
    tamper: impl FnOnce(&mut Value),
) -> Attempt {
    let a = Attempt::new(w);
    let vp = w.enveloped_vp(&vc_jwt(w));
    let mut options = ProofOptions::new(KeyResolver::key_id_for(w.holder.verifying_key()))
        .with_purpose(Relationship::Authentication)
        .with_created(w.now());
    options.challenge = Some(a.nonce.clone());
    options.domain = Some(AUD.to_owned());
    edit(&mut options);
    let mut signed = data_integrity::sign(&vp, Cryptosuite::EcdsaJcs2019, &options, key).unwrap();
    tamper(&mut signed);
    a.input(signed.to_string())
}

/// The Data Integrity control: nothing attacked.
pub fn control(w: &mut World) -> Attempt {
    di_vp(w, |_| {}, |_| {})
}

pub fn cases() -> Vec<Case> {
    vec![
        case(
            "di_vp_wrong_domain",
            "a Data Integrity VP whose proof domain is another verifier",
            ReasonCode::AudienceMismatch,
            |w| di_vp(w, |o| o.domain = Some("https://other-door.example".into()), |_| {}),
        ),
        case(
            "di_vp_assertion_purpose",
            "a Data Integrity VP proof made for assertionMethod, not authentication",
            ReasonCode::HolderBindingInvalid,
            |w| di_vp(w, |o| o.proof_purpose = Relationship::AssertionMethod, |_| {}),
        ),
        case(
            "di_vp_nonce_never_issued",
            "a Data Integrity VP whose challenge the door never issued",
            ReasonCode::NonceUnknown,
            |w| di_vp(w, |o| o.challenge = Some("n-made-up".into()), |_| {}),
        ),
        case(
            "di_vp_tampered_holder",
            "a signed Data Integrity VP whose holder is changed afterwards",
            ReasonCode::BadSignature,
            |w| di_vp(w, |_| {}, |vp| vp["holder"] = json!(other_party().1)),
        ),
        case(
            "di_vp_signed_by_other_key",
            "a Data Integrity VP naming the holder's key, signed by another key",
            ReasonCode::BadSignature,
            |w| di_vp_by(w, &other_party().0, |_| {}, |_| {}),
        ),
        case(
            "di_vp_attacker_verification_method",
            "a Data Integrity VP naming the holder, proved by the attacker's own did:key method",
            ReasonCode::WrongKey,
            |w| {
                let (attacker, _, kid) = other_party();
                di_vp_by(w, &attacker, |o| o.verification_method = kid, |_| {})
            },
        ),
        case(
            "di_vp_unknown_cryptosuite",
            "a Data Integrity VP whose proof's cryptosuite is renamed to an unknown one",
            ReasonCode::AlgorithmNotAllowed,
            |w| di_vp(w, |_| {}, |vp| vp["proof"]["cryptosuite"] = json!("ecdsa-md5-2019")),
        ),
    ]
}
