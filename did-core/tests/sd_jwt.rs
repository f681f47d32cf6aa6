//! SD-JWT (RFC 9901) and SD-JWT VC against the published examples: every presentation
//! verifies to its `verified_contents.json`, issuer digests match the disclosures, holder
//! selection reproduces each presentation's disclosure set, and re-issuing the examples'
//! claims with our own salts gives the same payload structure.
//!
//! Vectors are copied under `tests/vectors/sd-jwt/` (see `SOURCES.md` there).

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use did_core::clock::FixedClock;
use did_core::key::{Jwk, KeyType, SigningKey, VerifyingKey};
use did_core::sd_jwt::{self, Disclosure, IssueOptions, KeyBinding, SdJwt, SdJwtError, VerifyOptions};
use serde_json::{Map, Value, json};

fn path(rel: &str) -> String {
    format!("{}/tests/vectors/sd-jwt/{rel}", env!("CARGO_MANIFEST_DIR"))
}

fn text(rel: &str) -> String {
    std::fs::read_to_string(path(rel))
        .unwrap_or_else(|e| panic!("{rel}: {e}"))
        .trim()
        .to_owned()
}

fn json_file(rel: &str) -> Value {
    serde_json::from_str(&text(rel)).unwrap()
}

fn exists(rel: &str) -> bool {
    std::path::Path::new(&path(rel)).exists()
}

fn key(name: &str) -> VerifyingKey {
    let jwk: Jwk = serde_json::from_value(json_file("keys.json")[name].clone()).unwrap();
    VerifyingKey::from_jwk(&jwk).unwrap()
}

fn holder_signing_key() -> SigningKey {
    let jwk: Jwk = serde_json::from_value(json_file("keys.json")["holder_private"].clone()).unwrap();
    SigningKey::from_jwk(&jwk).unwrap()
}

fn clock_at(unix: u64) -> FixedClock {
    FixedClock::new(UNIX_EPOCH + Duration::from_secs(unix))
}

/// KB-JWT `iat` of the RFC 9901 examples (2025-05-29).
const RFC_KB_IAT: u64 = 1_748_536_865;
/// KB-JWT `iat` of the SD-JWT VC examples.
const VC_KB_IAT: u64 = 1_787_325_881;
const NONCE: &str = "1234567890";
const RFC_AUD: &str = "https://verifier.example.org";
const VC_AUD: &str = "https://example.com/verifier";

/// The RFC 9901 examples that have a presentation, with the holder's selection from each
/// `specification.yml` (`holder_disclosed_claims`) written as JSON Pointers.
const RFC_PRESENTATIONS: [(&str, &[&str]); 5] = [
    (
        "simple",
        &["/given_name", "/family_name", "/address", "/nationalities/0"],
    ),
    ("simple_structured", &["/address/region", "/address/country"]),
    (
        "complex_ekyc",
        &[
            "/verified_claims/verification/time",
            "/verified_claims/verification/evidence/0/method",
            "/verified_claims/claims/given_name",
            "/verified_claims/claims/family_name",
            "/verified_claims/claims/address",
        ],
    ),
    (
        "jsonld",
        &[
            "/credentialSubject/type",
            "/credentialSubject/dateOfVaccination",
            "/credentialSubject/order",
            "/credentialSubject/vaccine/type",
            "/credentialSubject/vaccine/atcCode",
            "/credentialSubject/vaccine/medicinalProductName",
        ],
    ),
    ("arf-pid", &["/nationalities/0", "/age_equal_or_over/18"]),
];

/// The SD-JWT VC examples, their holder selection, and whether they carry a KB-JWT.
const VC_PRESENTATIONS: [(&str, &[&str], bool); 3] = [
    ("01", &["/address", "/is_over_65"], true),
    ("02", &["/address", "/is_over_65"], false),
    ("03-pid", &["/nationalities/0", "/age_equal_or_over/18"], true),
];

fn has_kb(compact: &str) -> bool {
    !compact.ends_with('~')
}

fn rfc_options(kb: bool) -> VerifyOptions {
    let options = VerifyOptions::sd_jwt()
        .accept_typ("example+sd-jwt")
        .accept_typ("dc+sd-jwt");
    if kb {
        options.require_key_binding(RFC_AUD, NONCE)
    } else {
        options
    }
}

fn disclosure_set(sd: &SdJwt) -> BTreeSet<String> {
    sd.disclosures().iter().map(|d| d.encoded().to_owned()).collect()
}

/// The issuance: the file if present, else the presentation's issuer JWT with every
/// disclosure from `disclosures.json`.
fn issuance(dir: &str) -> SdJwt {
    if exists(&format!("{dir}/sd_jwt_issuance.txt")) {
        return SdJwt::parse(&text(&format!("{dir}/sd_jwt_issuance.txt"))).unwrap();
    }
    let presentation = SdJwt::parse(&text(&format!("{dir}/sd_jwt_presentation.txt"))).unwrap();
    let mut compact = format!("{}~", presentation.issuer_jwt());
    for d in json_file(&format!("{dir}/disclosures.json")).as_array().unwrap() {
        compact.push_str(d["disclosure"].as_str().unwrap());
        compact.push('~');
    }
    SdJwt::parse(&compact).unwrap()
}

// ---------------------------------------------------------------------------
// Verifier: presentation → verified_contents.json
// ---------------------------------------------------------------------------

#[test]
fn rfc9901_presentations_verify_to_verified_contents() {
    for (dir, _) in RFC_PRESENTATIONS {
        let presentation = text(&format!("rfc9901-examples/{dir}/sd_jwt_presentation.txt"));
        let kb = has_kb(&presentation);
        let verified = sd_jwt::verify(
            &presentation,
            &key("issuer"),
            &rfc_options(kb),
            &clock_at(RFC_KB_IAT + 10),
        )
        .unwrap_or_else(|e| panic!("{dir}: {e}"));
        let expected = json_file(&format!("rfc9901-examples/{dir}/verified_contents.json"));
        assert_eq!(Value::Object(verified.claims.clone()), expected, "{dir}");
        assert_eq!(verified.key_binding_verified(), kb, "{dir}");
        if kb {
            let claims = verified.key_binding.unwrap();
            let kb_file = format!("rfc9901-examples/{dir}/kb_jwt_payload.json");
            if exists(&kb_file) {
                assert_eq!(claims.issued_at, json_file(&kb_file)["iat"].as_u64().unwrap(), "{dir}");
            }
            assert_eq!(claims.nonce, NONCE);
        }
    }
}

#[test]
fn sd_jwt_vc_presentations_verify_to_verified_contents() {
    for (dir, _, kb) in VC_PRESENTATIONS {
        let presentation = text(&format!("sd-jwt-vc-examples/{dir}/sd_jwt_presentation.txt"));
        assert_eq!(has_kb(&presentation), kb, "{dir}");
        let mut options = VerifyOptions::sd_jwt_vc();
        if kb {
            options = options.require_key_binding(VC_AUD, NONCE);
        }
        let verified = sd_jwt::verify(&presentation, &key("issuer"), &options, &clock_at(VC_KB_IAT + 10))
            .unwrap_or_else(|e| panic!("{dir}: {e}"));
        let expected = json_file(&format!("sd-jwt-vc-examples/{dir}/verified_contents.json"));
        assert_eq!(Value::Object(verified.claims.clone()), expected, "{dir}");
        assert_eq!(verified.key_binding_verified(), kb, "{dir}");
        assert_eq!(verified.header.typ.as_deref(), Some("dc+sd-jwt"));
    }
}

#[test]
fn json_serialization_presentations_verify() {
    let expected = json!({
        "iss": "https://issuer.example.com",
        "iat": 1683000000,
        "exp": 1883000000,
        "given_name": "John",
        "family_name": "Doe",
        "cnf": {"jwk": json_file("keys.json")["holder"]},
    });
    for dir in ["json_serialization_flattened", "json_serialization_general"] {
        let input = text(&format!("rfc9901-examples/{dir}/sd_jwt_presentation.json"));
        let verified = sd_jwt::verify(&input, &key("issuer"), &rfc_options(true), &clock_at(RFC_KB_IAT + 10))
            .unwrap_or_else(|e| panic!("{dir}: {e}"));
        assert_eq!(Value::Object(verified.claims.clone()), expected, "{dir}");
        assert!(verified.key_binding_verified());
    }
    // The general form's second signature is by issuer-key-2: that key alone suffices.
    let general = text("rfc9901-examples/json_serialization_general/sd_jwt_presentation.json");
    let verified = sd_jwt::verify(
        &general,
        &key("issuer_key_2"),
        &rfc_options(true),
        &clock_at(RFC_KB_IAT + 10),
    )
    .unwrap();
    assert_eq!(Value::Object(verified.claims), expected);
    // The flattened form has one signature, by the first issuer key only.
    let flattened = text("rfc9901-examples/json_serialization_flattened/sd_jwt_presentation.json");
    let err = sd_jwt::verify(
        &flattened,
        &key("issuer_key_2"),
        &rfc_options(true),
        &clock_at(RFC_KB_IAT),
    )
    .unwrap_err();
    assert!(matches!(err, SdJwtError::Jws(_)), "{err:?}");
}

#[test]
fn json_serialization_issuance_fully_discloses_user_claims() {
    let input = text("rfc9901-examples/json_serialization_flattened/sd_jwt_issuance.json");
    let verified = sd_jwt::verify(&input, &key("issuer"), &rfc_options(false), &clock_at(RFC_KB_IAT)).unwrap();
    assert_eq!(verified.claims["sub"], "john_doe_42");
    assert_eq!(verified.claims["birthdate"], "1940-01-01");
    assert!(!verified.key_binding_verified());
}

#[test]
fn full_issuances_verify_to_user_claims() {
    // README: full disclosure of the issuance gives user_claims.json plus iss/iat/exp/cnf.
    for (dir, base) in [
        ("simple", "rfc9901-examples"),
        ("arf-pid", "rfc9901-examples"),
        ("jsonld", "rfc9901-examples"),
    ] {
        let issuance = text(&format!("{base}/{dir}/sd_jwt_issuance.txt"));
        let verified = sd_jwt::verify(&issuance, &key("issuer"), &rfc_options(false), &clock_at(RFC_KB_IAT)).unwrap();
        let mut claims = verified.claims;
        for name in ["iat", "exp", "cnf"] {
            claims.remove(name);
        }
        let user = json_file(&format!("{base}/{dir}/user_claims.json"));
        if !user.as_object().unwrap().contains_key("iss") {
            claims.remove("iss");
        }
        assert_eq!(Value::Object(claims), user, "{dir}");
    }
    for dir in ["01", "03-pid"] {
        let issuance = text(&format!("sd-jwt-vc-examples/{dir}/sd_jwt_issuance.txt"));
        let verified = sd_jwt::verify(
            &issuance,
            &key("issuer"),
            &VerifyOptions::sd_jwt_vc(),
            &clock_at(VC_KB_IAT),
        )
        .unwrap();
        let user = json_file(&format!("sd-jwt-vc-examples/{dir}/user_claims.json"));
        for (name, value) in user.as_object().unwrap() {
            assert_eq!(&verified.claims[name], value, "{dir} {name}");
        }
    }
}

// ---------------------------------------------------------------------------
// Issuer payload: digests match the disclosures
// ---------------------------------------------------------------------------

/// Every digest in a payload: `_sd` entries and `...` values, at any depth.
fn payload_digests(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (name, v) in map {
                match (name.as_str(), v) {
                    ("_sd", Value::Array(ds)) => out.extend(ds.iter().map(|d| d.as_str().unwrap().to_owned())),
                    ("...", Value::String(d)) => out.push(d.clone()),
                    _ => payload_digests(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| payload_digests(i, out)),
        _ => {}
    }
}

#[test]
fn disclosure_digests_match_issuer_payloads() {
    let mut checked = 0;
    for base in ["rfc9901-examples", "sd-jwt-vc-examples"] {
        for entry in std::fs::read_dir(path(base)).unwrap() {
            let dir = entry.unwrap().file_name().into_string().unwrap();
            let rel = format!("{base}/{dir}");
            if !exists(&format!("{rel}/disclosures.json")) || !exists(&format!("{rel}/sd_jwt_payload.json")) {
                continue;
            }
            let payload = json_file(&format!("{rel}/sd_jwt_payload.json"));
            let mut digests = Vec::new();
            payload_digests(&payload, &mut digests);
            let listed = json_file(&format!("{rel}/disclosures.json"));
            // Recursive disclosures hold digests in their values too.
            for d in listed.as_array().unwrap() {
                payload_digests(d["contents"].as_array().unwrap().last().unwrap(), &mut digests);
            }
            let unique: BTreeSet<_> = digests.iter().cloned().collect();
            assert_eq!(unique.len(), digests.len(), "{rel}: a digest repeats");
            for d in listed.as_array().unwrap() {
                let parsed = Disclosure::parse(d["disclosure"].as_str().unwrap()).unwrap();
                assert_eq!(parsed.digest(), d["digest"].as_str().unwrap(), "{rel}");
                assert!(unique.contains(parsed.digest()), "{rel}: digest not in payload");
                let contents = d["contents"].as_array().unwrap();
                assert_eq!(parsed.salt(), contents[0].as_str().unwrap());
                assert_eq!(parsed.value(), contents.last().unwrap());
                assert_eq!(
                    parsed.name(),
                    if contents.len() == 3 {
                        contents[1].as_str()
                    } else {
                        None
                    }
                );
            }
            if exists(&format!("{rel}/decoy_digests.json")) {
                for decoy in json_file(&format!("{rel}/decoy_digests.json")).as_array().unwrap() {
                    let digest = decoy.get("digest").and_then(Value::as_str).or(decoy.as_str()).unwrap();
                    assert!(unique.contains(digest), "{rel}: decoy not in payload");
                }
            }
            // The issuance's JWT carries exactly this payload.
            if exists(&format!("{rel}/sd_jwt_issuance.txt")) {
                let sd = SdJwt::parse(&text(&format!("{rel}/sd_jwt_issuance.txt"))).unwrap();
                let payload_b64 = sd.issuer_jwt().split('.').nth(1).unwrap();
                let signed: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload_b64).unwrap()).unwrap();
                assert_eq!(signed, payload, "{rel}");
            }
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} examples checked");
}

// ---------------------------------------------------------------------------
// Holder: selection reproduces the presentation's disclosures
// ---------------------------------------------------------------------------

#[test]
fn holder_selection_reproduces_rfc9901_presentations() {
    for (dir, pointers) in RFC_PRESENTATIONS {
        let rel = format!("rfc9901-examples/{dir}");
        let selected = issuance(&rel).select(pointers).unwrap_or_else(|e| panic!("{dir}: {e}"));
        let presented = SdJwt::parse(&text(&format!("{rel}/sd_jwt_presentation.txt"))).unwrap();
        assert_eq!(disclosure_set(&selected), disclosure_set(&presented), "{dir}");
    }
}

#[test]
fn holder_selection_reproduces_vc_presentations() {
    for (dir, pointers, _) in VC_PRESENTATIONS {
        let rel = format!("sd-jwt-vc-examples/{dir}");
        let source = if exists(&format!("{rel}/sd_jwt_issuance.txt")) {
            rel.clone()
        } else {
            "sd-jwt-vc-examples/01".into()
        };
        let selected = issuance(&source).select(pointers).unwrap();
        let presented = SdJwt::parse(&text(&format!("{rel}/sd_jwt_presentation.txt"))).unwrap();
        assert_eq!(disclosure_set(&selected), disclosure_set(&presented), "{dir}");
    }
}

#[test]
fn holder_selection_reproduces_json_serialization_presentation() {
    let issuance = SdJwt::from_json(&text(
        "rfc9901-examples/json_serialization_flattened/sd_jwt_issuance.json",
    ))
    .unwrap();
    let presented = SdJwt::from_json(&text(
        "rfc9901-examples/json_serialization_flattened/sd_jwt_presentation.json",
    ))
    .unwrap();
    let selected = issuance.select(&["/given_name", "/family_name"]).unwrap();
    assert_eq!(disclosure_set(&selected), disclosure_set(&presented));
}

#[test]
fn holder_rebinds_example_presentation_with_example_key() {
    let rel = "rfc9901-examples/simple";
    let now = SystemTime::now();
    let presentation = issuance(rel)
        .select(&["/given_name", "/family_name", "/address", "/nationalities/0"])
        .unwrap()
        .bind(&KeyBinding::new(RFC_AUD, "fresh-nonce", now), &holder_signing_key())
        .unwrap();
    // Exp is 2029: verify at now (before that) with a fresh KB.
    let options = VerifyOptions::sd_jwt().require_key_binding(RFC_AUD, "fresh-nonce");
    let clock = FixedClock::new(now);
    let verified = sd_jwt::verify(&presentation, &key("issuer"), &options, &clock).unwrap();
    assert_eq!(
        Value::Object(verified.claims),
        json_file(&format!("{rel}/verified_contents.json"))
    );
}

#[test]
fn vc_example_with_kid_header_keeps_it() {
    let presentation = text("sd-jwt-vc-examples/01/sd_jwt_presentation.txt");
    let options = VerifyOptions::sd_jwt_vc().require_key_binding(VC_AUD, NONCE);
    let verified = sd_jwt::verify(&presentation, &key("issuer"), &options, &clock_at(VC_KB_IAT)).unwrap();
    assert_eq!(verified.header.kid.as_deref(), Some("doc-signer-05-25-2022"));
}

// ---------------------------------------------------------------------------
// Issuer: re-issuing the examples' claims gives the same structure
// ---------------------------------------------------------------------------

/// The payload with every digest replaced by `"D"` and every `_sd` array sorted, so two
/// issuances of the same claims with different salts compare equal.
fn skeleton(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = match (k.as_str(), v) {
                        ("_sd", Value::Array(ds)) => Value::Array(ds.iter().map(|_| json!("D")).collect()),
                        ("...", Value::String(_)) => json!("D"),
                        _ => skeleton(v),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(skeleton).collect()),
        other => other.clone(),
    }
}

fn address_claims() -> Value {
    json_file("rfc9901-examples/address_only_flat/user_claims.json")
}

#[test]
fn reissued_examples_have_the_example_structure() {
    let cases: [(&str, Value, &[&str]); 7] = [
        ("address_only_flat", address_claims(), &["/address"]),
        (
            "address_only_structured",
            address_claims(),
            &[
                "/address/street_address",
                "/address/locality",
                "/address/region",
                "/address/country",
            ],
        ),
        (
            "address_only_structured_one_open",
            address_claims(),
            &["/address/street_address", "/address/locality", "/address/region"],
        ),
        (
            "address_only_recursive",
            address_claims(),
            &[
                "/address",
                "/address/street_address",
                "/address/locality",
                "/address/region",
                "/address/country",
            ],
        ),
        (
            "simple",
            json_file("rfc9901-examples/simple/user_claims.json"),
            &[
                "/given_name",
                "/family_name",
                "/email",
                "/phone_number",
                "/phone_number_verified",
                "/address",
                "/birthdate",
                "/updated_at",
                "/nationalities/0",
                "/nationalities/1",
            ],
        ),
        (
            "complex_ekyc",
            json_file("rfc9901-examples/complex_ekyc/user_claims.json"),
            &[
                "/verified_claims/verification/time",
                "/verified_claims/verification/verification_process",
                "/verified_claims/verification/evidence/0",
                "/verified_claims/verification/evidence/0/type",
                "/verified_claims/verification/evidence/0/method",
                "/verified_claims/verification/evidence/0/time",
                "/verified_claims/verification/evidence/0/document",
                "/verified_claims/claims/given_name",
                "/verified_claims/claims/family_name",
                "/verified_claims/claims/nationalities",
                "/verified_claims/claims/birthdate",
                "/verified_claims/claims/place_of_birth",
                "/verified_claims/claims/address",
                "/birth_middle_name",
                "/salutation",
                "/msisdn",
            ],
        ),
        (
            "arf-pid",
            json_file("rfc9901-examples/arf-pid/user_claims.json"),
            &[
                "/given_name",
                "/family_name",
                "/birthdate",
                "/address",
                "/address/street_address",
                "/address/locality",
                "/address/postal_code",
                "/address/country",
                "/nationalities",
                "/sex",
                "/birth_family_name",
                "/place_of_birth",
                "/place_of_birth/locality",
                "/place_of_birth/country",
                "/age_equal_or_over",
                "/age_equal_or_over/12",
                "/age_equal_or_over/14",
                "/age_equal_or_over/16",
                "/age_equal_or_over/18",
                "/age_equal_or_over/21",
                "/age_equal_or_over/65",
                "/age_in_years",
                "/age_birth_year",
                "/issuance_date",
                "/expiry_date",
                "/issuing_authority",
                "/issuing_country",
            ],
        ),
    ];
    let issuer = SigningKey::generate(KeyType::P256).unwrap();
    for (dir, claims, pointers) in cases {
        let mut options = IssueOptions::sd_jwt();
        for p in pointers {
            options = options.disclose(*p);
        }
        let issued = sd_jwt::issue(&claims, &options, &issuer).unwrap_or_else(|e| panic!("{dir}: {e}"));
        let sd = SdJwt::parse(&issued).unwrap();
        let payload_b64 = sd.issuer_jwt().split('.').nth(1).unwrap();
        let mut ours: Map<String, Value> =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload_b64).unwrap()).unwrap();
        assert_eq!(ours.remove("_sd_alg"), Some(json!("sha-256")));
        let mut theirs = json_file(&format!("rfc9901-examples/{dir}/sd_jwt_payload.json"))
            .as_object()
            .unwrap()
            .clone();
        for name in ["_sd_alg", "iat", "exp", "cnf"] {
            theirs.remove(name);
        }
        if !claims.as_object().unwrap().contains_key("iss") {
            theirs.remove("iss");
        }
        assert_eq!(
            skeleton(&Value::Object(ours)),
            skeleton(&Value::Object(theirs)),
            "{dir}"
        );
        assert_eq!(sd.disclosures().len(), pointers.len(), "{dir}");
        // Fully disclosed, it verifies back to the claims.
        let verified = sd_jwt::verify(
            &issued,
            issuer.verifying_key(),
            &VerifyOptions::sd_jwt(),
            &FixedClock::new(SystemTime::now()),
        )
        .unwrap();
        assert_eq!(Value::Object(verified.claims), claims, "{dir}");
    }
}
