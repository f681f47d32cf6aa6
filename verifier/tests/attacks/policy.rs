//! Validity, status, trust, offline data and VP-JWT presentations.

use std::time::Duration;

use did_core::status::{StatusListClaim, StatusListToken};
use did_core::vc::jwt::{self, Binding, JwtEncoding};
use did_core::vc::{Credential, Presentation};
use serde_json::{Value, json};
use time::OffsetDateTime;
use verifier::decision::Engine;
use verifier::policy::Hours;
use verifier::reason::ReasonCode;

use super::{Attempt, Case, case};
use crate::support::*;

/// The control with the issuer's claims changed by `edit` (issued by did-core as usual).
fn claims(w: &World, edit: impl FnOnce(&World, &mut Value)) -> Attempt {
    let a = Attempt::new(w);
    let mut claims = w.claims();
    edit(w, &mut claims);
    let input = w.present(&w.issue(&claims), &a.nonce);
    a.input(input)
}

/// The control presented to `attempt`'s door.
fn at_door(w: &World, a: Attempt) -> Attempt {
    let input = w.present(&w.issue(&w.claims()), &a.nonce);
    a.input(input)
}

/// The status list, with the world's statuses, as a token for `uri` signed by `key`/`kid`.
fn list_token(w: &World, uri: &str, key: &did_core::key::SigningKey, kid: &str) -> String {
    let claim = StatusListClaim::from_list(&w.statuses).unwrap();
    StatusListToken::new(uri, T0, claim)
        .unwrap()
        .sign(key, Some(kid))
        .unwrap()
}

/// An employee vc+jwt by the world's issuer about `subject`.
fn vc_jwt(w: &World, subject: &str) -> String {
    vc_jwt_signed(w, employee(w, subject), &w.issuer_signer())
}

/// `credential` as a vc+jwt signed by `key` (its key ID as `kid`).
fn vc_jwt_signed(_w: &World, credential: Value, key: &did_core::key::SigningKey) -> String {
    let credential = Credential::from_json(credential).unwrap();
    jwt::sign_credential(&credential, JwtEncoding::JoseCose, key).unwrap()
}

/// The employee credential the world's issuer makes about `subject`.
fn employee(w: &World, subject: &str) -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "type": ["VerifiableCredential", VCT],
        "issuer": w.issuer_did,
        "validFrom": "2026-01-01T00:00:00Z",
        "validUntil": "2027-06-01T00:00:00Z",
        "credentialSubject": {"id": subject, "department": "IT"}
    })
}

/// A vp+jwt by the holder carrying `vc`, bound to `nonce` and `aud`, signed by `key`.
fn vp_jwt(w: &World, vc: &str, nonce: &str, aud: &str, key: &did_core::key::SigningKey) -> String {
    let vp = Presentation::from_json(w.enveloped_vp(vc)).unwrap();
    let binding = Binding {
        nonce: Some(nonce.to_owned()),
        aud: Some(aud.to_owned()),
    };
    let now = OffsetDateTime::from(w.now());
    jwt::sign_presentation(&vp, JwtEncoding::JoseCose, &binding, now, key).unwrap()
}

/// The VP control: the holder presents a credential about themselves.
pub fn vp_control(w: &mut World) -> Attempt {
    let a = Attempt::new(w);
    let input = vp_jwt(w, &vc_jwt(w, &w.holder_did()), &a.nonce, AUD, &w.holder_signer());
    a.input(input)
}

pub fn cases() -> Vec<Case> {
    vec![
        // Validity.
        case(
            "expired_skew_plus_one",
            "exp exactly skew + 1 s ago",
            ReasonCode::Expired,
            |w| claims(w, |_, c| c["exp"] = (T0 + 3600 - 61).into()),
        ),
        case("expired_long_ago", "exp a day before now", ReasonCode::Expired, |w| {
            claims(w, |_, c| c["exp"] = (T0 + 3600 - 86400).into())
        }),
        case(
            "not_yet_valid_nbf",
            "nbf skew + 1 s in the future",
            ReasonCode::NotYetValid,
            |w| claims(w, |_, c| c["nbf"] = (T0 + 3600 + 61).into()),
        ),
        case(
            "issued_in_future",
            "iat an hour in the future",
            ReasonCode::NotYetValid,
            |w| claims(w, |_, c| c["iat"] = (T0 + 7200).into()),
        ),
        // Status.
        case("revoked", "status list says revoked (1)", ReasonCode::Revoked, |w| {
            w.set_status(1);
            at_door(w, Attempt::new(w))
        }),
        case(
            "suspended",
            "status list says suspended (2)",
            ReasonCode::Suspended,
            |w| {
                w.set_status(2);
                at_door(w, Attempt::new(w))
            },
        ),
        case(
            "status_list_signed_by_other_key",
            "a forged status list (all valid) for a revoked credential, other key, issuer's kid",
            ReasonCode::StatusInvalid,
            |w| {
                let (attacker, _, _) = other_party();
                let kid = w.kid.clone();
                w.set_status(1);
                w.statuses = did_core::status::TokenStatusList::new(2, 1024).unwrap();
                let engine = w.engine_with_status(list_token(w, LIST_URL, &attacker, &kid));
                at_door(w, Attempt::with(w, engine, w.policy()))
            },
        ),
        case(
            "status_list_by_other_issuer",
            "a status list properly signed by another DID, served at the issuer's URL",
            ReasonCode::StatusInvalid,
            |w| {
                let (attacker, _, kid) = other_party();
                let engine = w.engine_with_status(list_token(w, LIST_URL, &attacker, &kid));
                at_door(w, Attempt::with(w, engine, w.policy()))
            },
        ),
        case(
            "status_list_for_other_uri",
            "the issuer's genuine list for another URI, served at the credential's URI",
            ReasonCode::StatusInvalid,
            |w| {
                let token = list_token(w, "https://hr.example/status/2", &w.issuer, &w.kid);
                let engine = w.engine_with_status(token);
                at_door(w, Attempt::with(w, engine, w.policy()))
            },
        ),
        case(
            "status_list_expired",
            "the issuer's genuine list, expired 59 minutes ago (an old list replayed)",
            ReasonCode::StatusInvalid,
            |w| {
                let claim = StatusListClaim::from_list(&w.statuses).unwrap();
                let token = StatusListToken::new(LIST_URL, T0, claim)
                    .unwrap()
                    .with_exp(T0 + 60)
                    .sign(&w.issuer, Some(&w.kid))
                    .unwrap();
                let engine = w.engine_with_status(token);
                at_door(w, Attempt::with(w, engine, w.policy()))
            },
        ),
        case(
            "status_index_out_of_range",
            "status idx beyond the list's length",
            ReasonCode::StatusInvalid,
            |w| claims(w, |_, c| c["status"]["status_list"]["idx"] = 1_000_000.into()),
        ),
        // Trust and policy.
        case(
            "untrusted_issuer",
            "a well-formed credential self-issued by the attacker's did:key",
            ReasonCode::UntrustedIssuer,
            |w| {
                let a = Attempt::new(w);
                let (attacker, did, kid) = other_party();
                let mut claims = w.claims();
                claims["iss"] = json!(did);
                claims.as_object_mut().unwrap().remove("status");
                let input = w.present(&w.issue_with(&claims, &attacker, &kid), &a.nonce);
                a.input(input)
            },
        ),
        case(
            "iss_swapped_key_not_controlled",
            "iss names another trusted DID; signed by the real issuer's key and kid",
            ReasonCode::WrongKey,
            |w| {
                let (_, other_did, _) = other_party();
                let mut policy = w.policy();
                policy.accept[0].issuers.push(other_did.clone());
                let a = Attempt::with(w, w.engine(), policy);
                let mut claims = w.claims();
                claims["iss"] = json!(other_did);
                let input = w.present(&w.issue(&claims), &a.nonce);
                a.input(input)
            },
        ),
        case(
            "wrong_credential_type",
            "vct CitizenCard, not the door's type",
            ReasonCode::WrongCredentialType,
            |w| claims(w, |_, c| c["vct"] = "CitizenCard".into()),
        ),
        case(
            "claim_rejected",
            "department Sales, not IT or Security",
            ReasonCode::ClaimRejected,
            |w| claims(w, |_, c| c["department"] = "Sales".into()),
        ),
        case(
            "claim_value_array_confusion",
            "department [\"IT\"], an array holding an allowed value",
            ReasonCode::ClaimRejected,
            |w| claims(w, |_, c| c["department"] = json!(["IT"])),
        ),
        case(
            "claim_value_object_confusion",
            "department {\"in\": [\"IT\"]}, an object mimicking the rule",
            ReasonCode::ClaimRejected,
            |w| claims(w, |_, c| c["department"] = json!({"in": ["IT"]})),
        ),
        case(
            "claim_withheld",
            "the holder withholds the department",
            ReasonCode::ClaimMissing,
            |w| {
                let a = Attempt::new(w);
                let input = w.present_with(&w.issue(&w.claims()), &a.nonce, AUD, &["/name"], &w.holder);
                a.input(input)
            },
        ),
        case(
            "outside_hours",
            "the door opens 18:00-20:00 KST; it is 10:00",
            ReasonCode::OutsideHours,
            |w| {
                let mut policy = w.policy();
                policy.hours = vec![Hours {
                    days: vec![],
                    from: "18:00".into(),
                    to: "20:00".into(),
                    utc_offset: "+09:00".into(),
                }];
                at_door(w, Attempt::with(w, w.engine(), policy))
            },
        ),
        // Offline.
        case(
            "bundle_stale",
            "offline trust bundle expired a second ago",
            ReasonCode::BundleStale,
            |w| {
                let trust = w.offline_trust(Duration::from_secs(60), w.now() - Duration::from_secs(1));
                at_door(w, Attempt::with(w, Engine::offline(trust), w.policy()))
            },
        ),
        case(
            "status_stale",
            "bundled status list fetched longer ago than max_status_age",
            ReasonCode::StatusStale,
            |w| {
                let policy = w.policy();
                let old = policy.max_status_age() + Duration::from_secs(1);
                let trust = w.offline_trust(old, w.now() + Duration::from_secs(86400));
                at_door(w, Attempt::with(w, Engine::offline(trust), policy))
            },
        ),
        // VP-JWT.
        case(
            "vp_foreign_credential",
            "a vp+jwt by the holder carrying a credential about someone else",
            ReasonCode::HolderMismatch,
            |w| {
                let a = Attempt::new(w);
                let (_, victim, _) = other_party();
                let input = vp_jwt(w, &vc_jwt(w, &victim), &a.nonce, AUD, &w.holder_signer());
                a.input(input)
            },
        ),
        case(
            "vp_nonce_never_issued",
            "a vp+jwt over a nonce the door never issued",
            ReasonCode::NonceUnknown,
            |w| {
                let a = Attempt::new(w);
                let input = vp_jwt(w, &vc_jwt(w, &w.holder_did()), "n-made-up", AUD, &w.holder_signer());
                a.input(input)
            },
        ),
        case(
            "vp_wrong_audience",
            "a vp+jwt addressed to another verifier",
            ReasonCode::AudienceMismatch,
            |w| {
                let a = Attempt::new(w);
                let vc = vc_jwt(w, &w.holder_did());
                let input = vp_jwt(w, &vc, &a.nonce, "https://other-door.example", &w.holder_signer());
                a.input(input)
            },
        ),
        case(
            "vp_replayed",
            "the same fully valid vp+jwt shown a second time",
            ReasonCode::NonceReplayed,
            |w| {
                let mut a = vp_control(w);
                a.before.push(a.input.clone());
                a
            },
        ),
        case(
            "vp_expired_credential",
            "a valid vp+jwt carrying an expired vc+jwt",
            ReasonCode::Expired,
            |w| {
                let a = Attempt::new(w);
                let mut credential = employee(w, &w.holder_did());
                credential["validUntil"] = json!("2026-05-31T00:00:00Z");
                let vc = vc_jwt_signed(w, credential, &w.issuer_signer());
                let input = vp_jwt(w, &vc, &a.nonce, AUD, &w.holder_signer());
                a.input(input)
            },
        ),
        case(
            "vp_credential_kid_not_controlled",
            "a vc+jwt naming the trusted issuer, signed by the attacker's did:key method",
            ReasonCode::WrongKey,
            |w| {
                let a = Attempt::new(w);
                let (attacker, _, kid) = other_party();
                let vc = vc_jwt_signed(w, employee(w, &w.holder_did()), &with_kid(&attacker, &kid));
                let input = vp_jwt(w, &vc, &a.nonce, AUD, &w.holder_signer());
                a.input(input)
            },
        ),
        case(
            "bare_vc_jwt_with_door_nonce",
            "a vc+jwt (no presentation) carrying the door's nonce as a claim",
            ReasonCode::HolderBindingMissing,
            |w| {
                let a = Attempt::new(w);
                let mut credential = employee(w, &w.holder_did());
                credential["nonce"] = json!(a.nonce);
                let input = vc_jwt_signed(w, credential, &w.issuer_signer());
                a.input(input)
            },
        ),
        case(
            "vp_signed_by_other_key",
            "a vp+jwt naming the holder, signed by another key under the holder's kid",
            ReasonCode::BadSignature,
            |w| {
                let a = Attempt::new(w);
                let kid = did_core::resolve::KeyResolver::key_id_for(w.holder.verifying_key());
                let forger = with_kid(&other_party().0, &kid);
                let input = vp_jwt(w, &vc_jwt(w, &w.holder_did()), &a.nonce, AUD, &forger);
                a.input(input)
            },
        ),
    ]
}
