//! Attacks on SD-JWT disclosures and the digests that commit to them.

use did_core::sd_jwt::Disclosure;
use serde_json::{Value, json};
use verifier::reason::ReasonCode;

use super::{Attempt, Case, case};
use crate::support::*;

/// The control with the department disclosure replaced by `disclosures(parts)`, bound as usual.
fn with_disclosures(w: &World, disclosures: impl FnOnce(&World, &Parts) -> Vec<String>) -> Attempt {
    let a = Attempt::new(w);
    let p = w.parts(&w.claims());
    let jwt = w.issuer_jwt(&p.header_json(), &p.payload_json());
    let sd = sd_jwt(&jwt, &disclosures(w, &p));
    let input = w.bind(&sd, &a.nonce);
    a.input(input)
}

/// The issuer lists the digest of `extra` in the top-level `_sd` (re-signed), and the holder
/// presents `extra` with the department.
fn issuer_lists(w: &World, extra: String) -> Attempt {
    let a = Attempt::new(w);
    let mut p = w.parts(&w.claims());
    p.payload["_sd"].as_array_mut().unwrap().push(json!(digest(&extra)));
    let jwt = w.issuer_jwt(&p.header_json(), &p.payload_json());
    let sd = sd_jwt(&jwt, &[p.disclosure("department"), extra]);
    let input = w.bind(&sd, &a.nonce);
    a.input(input)
}

/// The control with `_sd_alg` set to `alg` (re-signed).
fn sd_alg(w: &World, alg: &str) -> Attempt {
    let a = Attempt::new(w);
    let mut p = w.parts(&w.claims());
    p.payload["_sd_alg"] = json!(alg);
    let sd = w.resigned(&p, &["department"]);
    let input = w.bind(&sd, &a.nonce);
    a.input(input)
}

/// Issued claims with `edit` applied, the department (or what `disclose` names) disclosed.
fn issued_with(w: &World, edit: impl FnOnce(&mut Value), disclose: &[&str]) -> Attempt {
    let a = Attempt::new(w);
    let mut claims = w.claims();
    edit(&mut claims);
    let input = w.present_with(&w.issue(&claims), &a.nonce, AUD, disclose, &w.holder);
    a.input(input)
}

/// The world's credential revoked, re-serialized by the holder in the JWS JSON serialization
/// (RFC 9901 §8: the same signed bytes), with the department and, if `bind`, a KB-JWT.
fn revoked_as_json(w: &mut World, bind: bool) -> Attempt {
    w.set_status(1);
    let mut policy = w.policy();
    policy.require_holder_binding = bind;
    let a = Attempt::with(w, w.engine(), policy);
    let p = w.parts(&w.claims());
    let sd = w.resigned(&p, &["department"]);
    let jwt = sd.split('~').next().unwrap();
    let mut segments = jwt.split('.');
    let mut header = json!({"disclosures": [p.disclosure("department")]});
    if bind {
        let kb = w.bind(&sd, &a.nonce);
        header["kb_jwt"] = json!(kb.rsplit('~').next().unwrap());
    }
    let input = json!({
        "protected": segments.next().unwrap(),
        "payload": segments.next().unwrap(),
        "signature": segments.next().unwrap(),
        "header": header,
    });
    a.input(input.to_string())
}

pub fn cases() -> Vec<Case> {
    vec![
        case(
            "json_serialized_revoked_bare",
            "a revoked SD-JWT VC re-serialized as JWS JSON, at a door not requiring holder binding",
            ReasonCode::Revoked,
            |w| revoked_as_json(w, false),
        ),
        case(
            "json_serialized_revoked_bound",
            "a revoked SD-JWT VC re-serialized as JWS JSON with its KB-JWT",
            ReasonCode::Revoked,
            |w| revoked_as_json(w, true),
        ),
        case(
            "tampered_disclosure_value",
            "department disclosure re-encoded with IT -> Security, same salt and position",
            ReasonCode::DisclosureInvalid,
            |w| {
                with_disclosures(w, |_, p| {
                    let real = Disclosure::parse(&p.disclosure("department")).unwrap();
                    vec![disclosure(real.salt(), Some("department"), &json!("Security"))]
                })
            },
        ),
        case(
            "disclosure_from_other_credential",
            "the department disclosure of another credential of the same holder",
            ReasonCode::DisclosureInvalid,
            |w| with_disclosures(w, |w, _| vec![w.parts(&w.claims()).disclosure("department")]),
        ),
        case(
            "duplicate_disclosure",
            "the department disclosure presented twice",
            ReasonCode::DisclosureDuplicate,
            |w| {
                with_disclosures(w, |_, p| {
                    let d = p.disclosure("department");
                    vec![d.clone(), d]
                })
            },
        ),
        case(
            "unreferenced_disclosure",
            "an extra made-up disclosure role=admin that no digest lists",
            ReasonCode::DisclosureInvalid,
            |w| {
                with_disclosures(w, |_, p| {
                    vec![
                        p.disclosure("department"),
                        disclosure("c2FsdHNhbHRzYWx0", Some("role"), &json!("admin")),
                    ]
                })
            },
        ),
        case(
            "sd_alg_md5",
            "_sd_alg downgraded to md5 (issuer-signed)",
            ReasonCode::AlgorithmNotAllowed,
            |w| sd_alg(w, "md5"),
        ),
        case(
            "sd_alg_none",
            "_sd_alg none (issuer-signed)",
            ReasonCode::AlgorithmNotAllowed,
            |w| sd_alg(w, "none"),
        ),
        case(
            "disclosure_named_sd",
            "a listed disclosure whose claim name is the reserved _sd",
            ReasonCode::DisclosureInvalid,
            |w| issuer_lists(w, disclosure("c2FsdHNhbHRzYWx0", Some("_sd"), &json!(["x"]))),
        ),
        case(
            "disclosure_named_ellipsis",
            "a listed disclosure whose claim name is the reserved ...",
            ReasonCode::DisclosureInvalid,
            |w| issuer_lists(w, disclosure("c2FsdHNhbHRzYWx0", Some("..."), &json!("x"))),
        ),
        case(
            "array_element_disclosure_as_property",
            "an array-element disclosure [salt, IT] listed in an object's _sd",
            ReasonCode::DisclosureInvalid,
            |w| issuer_lists(w, disclosure("c2FsdHNhbHRzYWx0", None, &json!("IT"))),
        ),
        case(
            "disclosure_conflicts_with_plain_claim",
            "department both plain (Security) and disclosed (IT)",
            ReasonCode::DisclosureInvalid,
            |w| {
                let a = Attempt::new(w);
                let mut p = w.parts(&w.claims());
                p.payload["department"] = json!("Security");
                let sd = w.resigned(&p, &["department"]);
                let input = w.bind(&sd, &a.nonce);
                a.input(input)
            },
        ),
        case(
            "unicode_confusable_claim_name",
            "the issuer's claim is d\u{435}partment (Cyrillic e): the policy's department is missing",
            ReasonCode::ClaimMissing,
            |w| {
                issued_with(
                    w,
                    |c| {
                        let value = c.as_object_mut().unwrap().remove("department").unwrap();
                        c["d\u{435}partment"] = value;
                    },
                    &["/name"],
                )
            },
        ),
        case(
            "unicode_fullwidth_claim_value",
            "department is fullwidth \u{ff29}\u{ff34}, not IT",
            ReasonCode::ClaimRejected,
            |w| issued_with(w, |c| c["department"] = json!("\u{ff29}\u{ff34}"), &["/department"]),
        ),
    ]
}
