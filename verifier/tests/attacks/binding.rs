//! Attacks on holder binding: the KB-JWT, the nonce and the audience.

use std::time::Duration;

use serde_json::{Value, json};
use verifier::reason::ReasonCode;

use super::{Attempt, Case, case};
use crate::support::*;

const KB_HEADER: &str = r#"{"alg":"ES256","typ":"kb+jwt"}"#;

/// The control's SD-JWT (department disclosed) and a fresh attempt.
fn start(w: &World) -> (Attempt, String) {
    let a = Attempt::new(w);
    let sd = w.resigned(&w.parts(&w.claims()), &["department"]);
    (a, sd)
}

/// The control with the KB-JWT claims changed by `edit`, signed by the holder.
fn with_kb_claims(w: &World, edit: impl FnOnce(&mut Value)) -> Attempt {
    let (a, sd) = start(w);
    let mut claims = w.kb_claims(&sd, &a.nonce);
    edit(&mut claims);
    let input = w.bind_raw(&sd, KB_HEADER, &claims, &w.holder);
    a.input(input)
}

/// The control with a KB-JWT of `header`, signed by the holder.
fn with_kb_header(w: &World, header: &str) -> Attempt {
    let (a, sd) = start(w);
    let claims = w.kb_claims(&sd, &a.nonce);
    let input = w.bind_raw(&sd, header, &claims, &w.holder);
    a.input(input)
}

fn now_secs(w: &World) -> u64 {
    w.now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

pub fn cases() -> Vec<Case> {
    vec![
        case(
            "kb_missing",
            "the SD-JWT presented without a KB-JWT",
            ReasonCode::HolderBindingMissing,
            |w| {
                let (a, sd) = start(w);
                a.input(sd)
            },
        ),
        case(
            "kb_signed_by_thief",
            "a stolen credential bound by a key other than cnf",
            ReasonCode::HolderBindingInvalid,
            |w| {
                let (a, sd) = start(w);
                let claims = w.kb_claims(&sd, &a.nonce);
                let input = w.bind_raw(&sd, KB_HEADER, &claims, &other_party().0);
                a.input(input)
            },
        ),
        case(
            "kb_jwk_header_injection",
            "a thief's KB-JWT embedding the thief's key as jwk",
            ReasonCode::HolderBindingInvalid,
            |w| {
                let (a, sd) = start(w);
                let (thief, _, _) = other_party();
                let jwk = serde_json::to_value(thief.verifying_key().to_jwk()).unwrap();
                let header = json!({"alg": "ES256", "typ": "kb+jwt", "jwk": jwk}).to_string();
                let claims = w.kb_claims(&sd, &a.nonce);
                let input = w.bind_raw(&sd, &header, &claims, &thief);
                a.input(input)
            },
        ),
        case(
            "kb_sd_hash_over_other_disclosures",
            "KB-JWT made over the department alone, then birthdate added",
            ReasonCode::HolderBindingInvalid,
            |w| {
                let a = Attempt::new(w);
                let p = w.parts(&w.claims());
                let bound = w.resigned(&p, &["department"]);
                let shown = format!("{bound}{}~", p.disclosure("birthdate"));
                let claims = w.kb_claims(&bound, &a.nonce);
                let input = w.bind_raw(&shown, KB_HEADER, &claims, &w.holder);
                a.input(input)
            },
        ),
        case(
            "kb_wrong_audience",
            "KB-JWT addressed to another verifier",
            ReasonCode::AudienceMismatch,
            |w| with_kb_claims(w, |c| c["aud"] = json!("https://other-door.example")),
        ),
        case(
            "kb_nonce_never_issued",
            "KB-JWT over a nonce the door never issued",
            ReasonCode::NonceUnknown,
            |w| with_kb_claims(w, |c| c["nonce"] = json!("n-made-up-by-the-attacker")),
        ),
        case(
            "kb_nonce_from_other_door",
            "KB-JWT over a nonce another door's engine issued",
            ReasonCode::NonceUnknown,
            |w| {
                let other = w.engine().issue_nonce(&w.policy(), &w.clock);
                with_kb_claims(w, |c| c["nonce"] = json!(other))
            },
        ),
        case(
            "kb_nonce_expired",
            "a genuine presentation arriving after the nonce's TTL",
            ReasonCode::NonceExpired,
            |w| {
                let (a, sd) = start(w);
                let input = w.bind(&sd, &a.nonce);
                a.clock.advance(a.policy.nonce_ttl() + Duration::from_secs(1));
                a.input(input)
            },
        ),
        case(
            "replay_of_valid_presentation",
            "the same fully valid presentation shown a second time",
            ReasonCode::NonceReplayed,
            |w| {
                let (mut a, sd) = start(w);
                let input = w.bind(&sd, &a.nonce);
                a.before.push(input.clone());
                a.input(input)
            },
        ),
        case(
            "kb_iat_in_future",
            "KB-JWT iat skew + 1 s in the future",
            ReasonCode::HolderBindingInvalid,
            |w| {
                let iat = now_secs(w) + 61;
                with_kb_claims(w, |c| c["iat"] = json!(iat))
            },
        ),
        case(
            "kb_iat_stale",
            "KB-JWT iat older than max age (300 s) + skew (60 s)",
            ReasonCode::HolderBindingInvalid,
            |w| {
                let iat = now_secs(w) - 361;
                with_kb_claims(w, |c| c["iat"] = json!(iat))
            },
        ),
        case(
            "kb_iat_u64_max",
            "KB-JWT iat = u64::MAX (overflow bait)",
            ReasonCode::HolderBindingInvalid,
            |w| with_kb_claims(w, |c| c["iat"] = json!(u64::MAX)),
        ),
        case(
            "kb_iat_negative",
            "KB-JWT iat = -1",
            ReasonCode::HolderBindingInvalid,
            |w| with_kb_claims(w, |c| c["iat"] = json!(-1)),
        ),
        case(
            "kb_typ_not_kb_jwt",
            "KB-JWT with typ JWT instead of kb+jwt",
            ReasonCode::HolderBindingInvalid,
            |w| with_kb_header(w, r#"{"alg":"ES256","typ":"JWT"}"#),
        ),
        case(
            "kb_alg_none",
            "KB-JWT with alg none and no signature",
            ReasonCode::AlgorithmNotAllowed,
            |w| {
                let (a, sd) = start(w);
                let claims = w.kb_claims(&sd, &a.nonce);
                let kb = format!(
                    "{}.{}.",
                    b64(r#"{"alg":"none","typ":"kb+jwt"}"#),
                    b64(claims.to_string())
                );
                a.input(format!("{sd}{kb}"))
            },
        ),
        case(
            "kb_without_sd_hash",
            "KB-JWT claims without sd_hash",
            ReasonCode::HolderBindingInvalid,
            |w| with_kb_claims(w, |c| _ = c.as_object_mut().unwrap().remove("sd_hash")),
        ),
    ]
}
