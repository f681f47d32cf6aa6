//! Attacks on the issuer JWT's JOSE layer: algorithms, keys named by the token, `crit`,
//! signature encodings, strict JSON, numbers and sizes.

use aws_lc_rs::hmac;
use serde_json::json;
use verifier::reason::ReasonCode;

use super::{Attempt, Case, case, present};
use crate::support::*;

/// The control's issuer JWT parts and a fresh attempt.
fn start(w: &World) -> (Attempt, Parts) {
    (Attempt::new(w), w.parts(&w.claims()))
}

/// The control with the issuer JWT's header changed by `edit`, re-signed by the issuer.
fn with_header(w: &World, edit: impl FnOnce(&mut serde_json::Value)) -> Attempt {
    let (a, mut p) = start(w);
    edit(&mut p.header);
    let jwt = w.issuer_jwt(&p.header_json(), &p.payload_json());
    present(w, a, &jwt, &p)
}

/// The control with the issuer JWT's signature replaced by `forge(real_signature)`.
fn with_signature(w: &World, forge: impl FnOnce(Vec<u8>) -> Vec<u8>) -> Attempt {
    let (a, p) = start(w);
    let jwt = raw_jws(&p.header_json(), &p.payload_json(), |input| {
        forge(w.issuer.sign(input).unwrap())
    });
    present(w, a, &jwt, &p)
}

/// The control with the header changed by `edit` and signed by a fresh attacker key.
fn attacker_signed(
    w: &World,
    edit: impl FnOnce(&mut serde_json::Value, &str, &str, &did_core::key::SigningKey),
) -> Attempt {
    let (a, mut p) = start(w);
    let (attacker, did, kid) = other_party();
    edit(&mut p.header, &did, &kid, &attacker);
    let jwt = signed_jws(&p.header_json(), &p.payload_json(), &attacker);
    present(w, a, &jwt, &p)
}

/// The control with the payload text replaced by `edit(payload_json)`, re-signed.
fn with_payload_text(w: &World, edit: impl FnOnce(String) -> String) -> Attempt {
    let (a, p) = start(w);
    let jwt = w.issuer_jwt(&p.header_json(), &edit(p.payload_json()));
    present(w, a, &jwt, &p)
}

/// The P-256 group order.
const P256_N: [u8; 32] = [
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xBC, 0xE6, 0xFA,
    0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51,
];

/// `(r, n - s)`: the other valid signature for the same message.
fn flip_s(signature: Vec<u8>) -> Vec<u8> {
    let (r, s) = signature.split_at(32);
    let mut flipped = [0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let mut d = i16::from(P256_N[i]) - i16::from(s[i]) - borrow;
        borrow = i16::from(d < 0);
        if d < 0 {
            d += 256;
        }
        flipped[i] = d as u8;
    }
    [r, &flipped[..]].concat()
}

/// The control whose issuer signature is the malleated `(r, n - s)`.
pub fn high_s(w: &mut World) -> Attempt {
    with_signature(w, flip_s)
}

fn der_integer(bytes: &[u8]) -> Vec<u8> {
    let mut v: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
    if v.first().is_none_or(|b| b & 0x80 != 0) {
        v.insert(0, 0);
    }
    let mut out = vec![0x02, v.len() as u8];
    out.extend(v);
    out
}

/// The ASN.1 DER `ECDSA-Sig-Value` of a raw `r || s` signature (what X.509 and many libraries
/// produce, and JOSE forbids).
fn to_der(signature: Vec<u8>) -> Vec<u8> {
    let (r, s) = signature.split_at(32);
    let body = [der_integer(r), der_integer(s)].concat();
    let mut out = vec![0x30, body.len() as u8];
    out.extend(body);
    out
}

pub fn cases() -> Vec<Case> {
    vec![
        case(
            "alg_none_signature_stripped",
            "alg none with the signature removed",
            ReasonCode::AlgorithmNotAllowed,
            |w| {
                let (a, mut p) = start(w);
                p.header["alg"] = json!("none");
                let jwt = format!("{}.{}.", b64(p.header_json()), b64(p.payload_json()));
                present(w, a, &jwt, &p)
            },
        ),
        case(
            "alg_none_with_signature",
            "alg none over a real issuer signature",
            ReasonCode::AlgorithmNotAllowed,
            |w| with_header(w, |h| h["alg"] = json!("none")),
        ),
        case(
            "alg_lowercase_es256",
            "alg spelled es256 (a parser that case-folds would accept it)",
            ReasonCode::AlgorithmNotAllowed,
            |w| with_header(w, |h| h["alg"] = json!("es256")),
        ),
        case(
            "hs256_public_key_as_secret",
            "HS256 keyed with the issuer's public key bytes (key confusion)",
            ReasonCode::AlgorithmNotAllowed,
            |w| {
                let (a, mut p) = start(w);
                p.header["alg"] = json!("HS256");
                let secret = w.issuer.verifying_key().as_bytes().to_vec();
                let jwt = raw_jws(&p.header_json(), &p.payload_json(), |input| {
                    let key = hmac::Key::new(hmac::HMAC_SHA256, &secret);
                    hmac::sign(&key, input).as_ref().to_vec()
                });
                present(w, a, &jwt, &p)
            },
        ),
        case(
            "es384_header_on_p256_key",
            "algorithm confusion: ES384 named, P-256 key",
            ReasonCode::AlgorithmNotAllowed,
            |w| with_header(w, |h| h["alg"] = json!("ES384")),
        ),
        case(
            "eddsa_header_on_p256_key",
            "algorithm confusion: EdDSA named, P-256 key",
            ReasonCode::AlgorithmNotAllowed,
            |w| with_header(w, |h| h["alg"] = json!("EdDSA")),
        ),
        case(
            "jwk_header_injection",
            "attacker's public key embedded as jwk (no kid), attacker-signed",
            ReasonCode::BadSignature,
            |w| {
                attacker_signed(w, |h, _, _, key| {
                    h.as_object_mut().unwrap().remove("kid");
                    h["jwk"] = serde_json::to_value(key.verifying_key().to_jwk()).unwrap();
                })
            },
        ),
        case(
            "jku_header_elsewhere",
            "jku pointing at an attacker's JWK Set, attacker-signed, issuer's kid",
            ReasonCode::BadSignature,
            |w| attacker_signed(w, |h, _, _, _| h["jku"] = json!("https://attacker.example/jwks.json")),
        ),
        case(
            "x5u_header_elsewhere",
            "x5u pointing at an attacker's certificate, attacker-signed, issuer's kid",
            ReasonCode::BadSignature,
            |w| attacker_signed(w, |h, _, _, _| h["x5u"] = json!("https://attacker.example/cert.pem")),
        ),
        case(
            "kid_names_attacker_did_key",
            "kid is the attacker's did:key method, attacker-signed, iss unchanged",
            ReasonCode::WrongKey,
            |w| attacker_signed(w, |h, _, kid, _| h["kid"] = json!(kid)),
        ),
        case(
            "kid_path_traversal_in_fragment",
            "kid `<issuer>#../<attacker key>`: a path trick in the fragment, attacker-signed (no such key)",
            ReasonCode::IssuerKeyUnresolved,
            |w| {
                let issuer = w.issuer_did.clone();
                attacker_signed(w, move |h, _, kid, _| {
                    let fragment = kid.split('#').nth(1).unwrap();
                    h["kid"] = json!(format!("{issuer}#../{fragment}"));
                })
            },
        ),
        case(
            "kid_relative_path_to_attacker",
            "kid `../../<attacker did>#key`: a relative reference out of the issuer's DID",
            ReasonCode::WrongKey,
            |w| attacker_signed(w, |h, _, kid, _| h["kid"] = json!(format!("../../{kid}"))),
        ),
        case(
            "forged_signature_issuer_kid",
            "signed by another key, header names the issuer's kid",
            ReasonCode::BadSignature,
            |w| attacker_signed(w, |_, _, _, _| {}),
        ),
        case(
            "crit_unknown_extension",
            "crit lists an extension the verifier does not understand (issuer-signed)",
            ReasonCode::UnsupportedHeader,
            |w| {
                with_header(w, |h| {
                    h["crit"] = json!(["exp_override"]);
                    h["exp_override"] = json!(true);
                })
            },
        ),
        case(
            "crit_lists_standard_header",
            "crit lists alg, a standard header (RFC 7515 forbids)",
            ReasonCode::UnsupportedHeader,
            |w| with_header(w, |h| h["crit"] = json!(["alg"])),
        ),
        case(
            "b64_false_unencoded_payload",
            "b64: false under crit (RFC 7797 unencoded payload)",
            ReasonCode::UnsupportedHeader,
            |w| {
                with_header(w, |h| {
                    h["b64"] = json!(false);
                    h["crit"] = json!(["b64"]);
                })
            },
        ),
        case(
            "signature_der_encoded",
            "the real signature DER-encoded instead of raw r||s",
            ReasonCode::BadSignature,
            |w| with_signature(w, to_der),
        ),
        case(
            "signature_truncated",
            "the real signature missing its last byte",
            ReasonCode::BadSignature,
            |w| {
                with_signature(w, |mut s| {
                    s.pop();
                    s
                })
            },
        ),
        case(
            "signature_wrong_length",
            "the real signature with 32 zero bytes appended (96 bytes)",
            ReasonCode::BadSignature,
            |w| {
                with_signature(w, |mut s| {
                    s.extend([0u8; 32]);
                    s
                })
            },
        ),
        case("signature_all_zero", "r = s = 0", ReasonCode::BadSignature, |w| {
            with_signature(w, |_| vec![0u8; 64])
        }),
        case(
            "signature_empty",
            "ES256 header with an empty signature",
            ReasonCode::BadSignature,
            |w| with_signature(w, |_| Vec::new()),
        ),
        case(
            "header_duplicate_alg",
            r#"{"alg":"ES256","alg":"none"} in the issuer-signed header"#,
            ReasonCode::UnsupportedHeader,
            |w| {
                let (a, p) = start(w);
                let header = p
                    .header_json()
                    .replacen(r#""alg":"ES256""#, r#""alg":"ES256","alg":"none""#, 1);
                assert!(header.contains(r#""alg":"none""#));
                let jwt = w.issuer_jwt(&header, &p.payload_json());
                present(w, a, &jwt, &p)
            },
        ),
        case(
            "payload_duplicate_iss",
            "two iss members in the issuer-signed payload (parsers disagree on which wins)",
            ReasonCode::Malformed,
            |w| {
                let attacker = other_party().1;
                with_payload_text(w, move |text| format!(r#"{{"iss":"{attacker}",{}"#, &text[1..]))
            },
        ),
        case(
            "deeply_nested_claim",
            "a claim nested 5000 arrays deep (issuer-signed)",
            ReasonCode::Malformed,
            |w| {
                with_payload_text(w, |text| {
                    format!(r#"{{"deep":{}{},{}"#, "[".repeat(5000), "]".repeat(5000), &text[1..])
                })
            },
        ),
        case(
            "exp_overflows_f64",
            "exp = 1e400, beyond any float (issuer-signed)",
            ReasonCode::Malformed,
            |w| {
                let exp = (T0 + 365 * 86400).to_string();
                with_payload_text(w, move |text| text.replace(&exp, "1e400"))
            },
        ),
        case(
            "exp_huge_negative",
            "exp = -1e300 (issuer-signed)",
            ReasonCode::Expired,
            |w| {
                let exp = (T0 + 365 * 86400).to_string();
                with_payload_text(w, move |text| text.replace(&exp, "-1e300"))
            },
        ),
        case(
            "iat_huge",
            "iat = 1e300, far in the future (issuer-signed)",
            ReasonCode::NotYetValid,
            |w| {
                let (a, mut p) = start(w);
                p.payload["iat"] = json!(1e300);
                let jwt = w.issuer_jwt(&p.header_json(), &p.payload_json());
                present(w, a, &jwt, &p)
            },
        ),
        case(
            "nbf_u64_overflow",
            "nbf = 2^64 (issuer-signed)",
            ReasonCode::NotYetValid,
            |w| {
                with_payload_text(w, move |text| {
                    text.replacen(&format!(r#""nbf":{T0}"#), r#""nbf":18446744073709551616"#, 1)
                })
            },
        ),
        case(
            "oversized_input",
            "a presentation padded past 2 MiB",
            ReasonCode::TooLarge,
            |w| {
                let a = Attempt::new(w);
                let p = w.parts(&w.claims());
                let padding = "A".repeat(2 * 1024 * 1024 + 1);
                let sd = format!("{}{padding}~", w.resigned(&p, &["department"]));
                let input = w.bind(&sd, &a.nonce);
                a.input(input)
            },
        ),
        case("garbage_bytes", "control bytes and noise", ReasonCode::Malformed, |w| {
            Attempt::new(w).input("\u{1}\u{7f}garbage\u{0}%%".into())
        }),
        case("empty_input", "nothing at all", ReasonCode::Malformed, |w| {
            Attempt::new(w).input(String::new())
        }),
        case(
            "only_tildes",
            "an SD-JWT of separators only",
            ReasonCode::Malformed,
            |w| Attempt::new(w).input("~~~~".into()),
        ),
        case(
            "json_document_nested_500k",
            "a JSON credential whose proof is nested 500 000 arrays deep (stack exhaustion bait)",
            ReasonCode::Malformed,
            |w| {
                let depth = 500_000;
                Attempt::new(w).input(format!(r#"{{"proof":{}{}}}"#, "[".repeat(depth), "]".repeat(depth)))
            },
        ),
        case(
            "disclosure_nested_100k",
            "a listed disclosure whose value is nested 100 000 arrays deep",
            ReasonCode::DisclosureInvalid,
            |w| {
                let a = Attempt::new(w);
                let mut p = w.parts(&w.claims());
                let depth = 100_000;
                let deep = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
                let extra = b64(format!(r#"["c2FsdHNhbHRzYWx0","deep",{deep}]"#));
                p.payload["_sd"].as_array_mut().unwrap().push(json!(digest(&extra)));
                let jwt = w.issuer_jwt(&p.header_json(), &p.payload_json());
                let sd = sd_jwt(&jwt, &[p.disclosure("department"), extra]);
                let input = w.bind(&sd, &a.nonce);
                a.input(input)
            },
        ),
        case(
            "truncated_json",
            "a JSON credential cut short",
            ReasonCode::Malformed,
            |w| Attempt::new(w).input(r#"{"@context":["https://www.w3.org/ns/credentials/v2"],"proof":"#.into()),
        ),
    ]
}
