//! VC Data Model 2.0 (and 1.1) checks: the W3C test-suite inputs, then each rule on its own.

use std::time::{Duration, SystemTime};

use did_core::vc::{Credential, CredentialError, DataModel, EmbeddedCredential, Presentation, Rule};
use serde_json::{Value, json};

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/vc-model");

fn load(file: &str) -> Value {
    serde_json::from_slice(&std::fs::read(format!("{VECTORS}/{file}")).unwrap()).unwrap()
}

/// What the upstream harness does before posting an input: supply the issuer.
fn with_harness_issuer(mut value: Value) -> Value {
    let map = value.as_object_mut().unwrap();
    match map.get_mut("issuer") {
        None => {
            map.insert("issuer".into(), json!("did:example:issuer"));
        }
        Some(Value::Object(issuer)) if !issuer.contains_key("id") => {
            issuer.insert("id".into(), json!("did:example:issuer"));
        }
        Some(_) => {}
    }
    value
}

fn rule_of(result: Result<impl std::fmt::Debug, CredentialError>) -> Rule {
    match result {
        Err(CredentialError::Invalid { rule, .. }) => rule,
        other => panic!("expected a rule violation, got {other:?}"),
    }
}

/// The rule each invalid input must be refused under. `credential-type-unmapped-fail.json`
/// is a JSON-LD matter (`@vocab: null`): see `data_integrity` tests for the expansion check.
const INVALID: &[(&str, Rule)] = &[
    ("credential-no-type-fail.json", Rule::Type),
    ("credential-missing-required-type-fail.json", Rule::Type),
    ("credential-context-combo3-fail.json", Rule::Context),
    ("credential-missing-base-context-fail-or-inject.json", Rule::Context),
    ("credential-issuer-no-url-fail.json", Rule::Issuer),
    ("credential-issuer-null-fail.json", Rule::Issuer),
    ("credential-id-not-url-fail.json", Rule::Id),
    ("credential-subject-no-claims-fail.json", Rule::CredentialSubject),
    ("credential-validfrom-invalid-fail.json", Rule::ValidFrom),
    ("credential-status-missing-type-fail.json", Rule::CredentialStatus),
];

#[test]
fn every_manifest_case_is_covered() {
    let manifest = load("manifest.json");
    let cases = manifest["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 20);
    for case in cases {
        let file = case["file"].as_str().unwrap();
        let name = file.rsplit('/').next().unwrap();
        let accept = case["expected"] == "accept";
        assert_eq!(accept, file.starts_with("valid/"), "{file}");
        if !accept && name != "credential-type-unmapped-fail.json" {
            assert!(INVALID.iter().any(|(n, _)| *n == name), "{file} has no expected rule");
        }
    }
}

#[test]
fn valid_inputs_are_accepted() {
    for entry in std::fs::read_dir(format!("{VECTORS}/valid")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let value = load(&format!("valid/{name}"));
        if name.starts_with("presentation") {
            Presentation::from_json(value).unwrap_or_else(|e| panic!("{name}: {e}"));
        } else {
            let credential =
                Credential::from_json(with_harness_issuer(value)).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(credential.model(), DataModel::V2);
            assert_eq!(credential.issuer(), "did:example:issuer");
        }
    }
}

#[test]
fn invalid_inputs_are_refused_under_the_named_rule() {
    for (name, rule) in INVALID {
        let value = with_harness_issuer(load(&format!("invalid/{name}")));
        assert_eq!(rule_of(Credential::from_json(value)), *rule, "{name}");
    }
}

#[test]
fn the_multiple_subjects_example_yields_both_subjects() {
    let credential =
        Credential::from_json(with_harness_issuer(load("valid/credential-subject-multiple-ok.json"))).unwrap();
    let ids: Vec<_> = credential
        .subjects()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["did:example:subject", "did:example:other:subject"]);
}

#[test]
fn an_offset_valid_from_is_read_in_its_zone() {
    let credential = Credential::from_json(with_harness_issuer(load("valid/credential-validfrom-tz-ok.json"))).unwrap();
    // 2023-02-25T19:10:39-06:00 is 2023-02-26T01:10:39Z.
    assert_eq!(credential.valid_from().unwrap().unix_timestamp(), 1_677_373_839);
}

fn base() -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "id": "urn:uuid:0d4e1d62-5b5e-4b55-9d1b-7c9e2a0c1f00",
        "type": ["VerifiableCredential", "EmployeeCredential"],
        "issuer": "did:example:province",
        "validFrom": "2026-01-01T00:00:00Z",
        "validUntil": "2027-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:ana", "employeeId": "E-1024"}
    })
}

fn with(member: &str, value: Value) -> Value {
    let mut credential = base();
    credential[member] = value;
    credential
}

fn without(member: &str) -> Value {
    let mut credential = base();
    credential.as_object_mut().unwrap().remove(member);
    credential
}

fn refused(value: Value) -> Rule {
    rule_of(Credential::from_json(value))
}

#[test]
fn context_rules() {
    assert_eq!(refused(without("@context")), Rule::Context);
    assert_eq!(
        refused(with("@context", json!("https://www.w3.org/ns/credentials/v2"))),
        Rule::Context
    );
    assert_eq!(refused(with("@context", json!([]))), Rule::Context);
    assert_eq!(
        refused(with("@context", json!(["https://www.w3.org/ns/credentials/v2", 7]))),
        Rule::Context
    );
    assert_eq!(
        refused(with(
            "@context",
            json!([
                "https://www.w3.org/ns/credentials/examples/v2",
                "https://www.w3.org/ns/credentials/v2"
            ])
        )),
        Rule::Context
    );
    // An embedded context object is allowed after the base context.
    Credential::from_json(with(
        "@context",
        json!(["https://www.w3.org/ns/credentials/v2", {"@vocab": "https://example.org/#"}]),
    ))
    .unwrap();
}

#[test]
fn type_rules() {
    assert_eq!(refused(with("type", json!([]))), Rule::Type);
    assert_eq!(refused(with("type", json!(["VerifiableCredential", 3]))), Rule::Type);
    assert_eq!(refused(with("type", json!("EmployeeCredential"))), Rule::Type);
    let single = Credential::from_json(with("type", json!("VerifiableCredential"))).unwrap();
    assert_eq!(single.types(), ["VerifiableCredential"]);
}

#[test]
fn issuer_rules() {
    assert_eq!(refused(without("issuer")), Rule::Issuer);
    assert_eq!(refused(with("issuer", json!({"name": "Province"}))), Rule::Issuer);
    assert_eq!(refused(with("issuer", json!({"id": "province"}))), Rule::Issuer);
    assert_eq!(refused(with("issuer", json!(42))), Rule::Issuer);
    let object = Credential::from_json(with(
        "issuer",
        json!({"id": "https://province.example", "name": "Province"}),
    ))
    .unwrap();
    assert_eq!(object.issuer(), "https://province.example");
}

#[test]
fn subject_rules() {
    assert_eq!(refused(without("credentialSubject")), Rule::CredentialSubject);
    assert_eq!(refused(with("credentialSubject", json!([]))), Rule::CredentialSubject);
    assert_eq!(
        refused(with("credentialSubject", json!([{"id": "did:example:a"}, {}]))),
        Rule::CredentialSubject
    );
    assert_eq!(
        refused(with("credentialSubject", json!("did:example:ana"))),
        Rule::CredentialSubject
    );
    assert_eq!(
        refused(with("credentialSubject", json!({"id": "not a url"}))),
        Rule::CredentialSubject
    );
    // A subject without an id is fine (a bearer credential).
    Credential::from_json(with("credentialSubject", json!({"employeeId": "E-1"}))).unwrap();
}

#[test]
fn validity_period_rules() {
    assert_eq!(refused(with("validFrom", json!("2026-01-01"))), Rule::ValidFrom);
    assert_eq!(
        refused(with("validFrom", json!("2026-01-01T00:00:00"))),
        Rule::ValidFrom,
        "zone is required"
    );
    assert_eq!(
        refused(with("validFrom", json!("2026-01-01t00:00:00z"))),
        Rule::ValidFrom
    );
    assert_eq!(refused(with("validFrom", json!(1767225600))), Rule::ValidFrom);
    assert_eq!(refused(with("validUntil", json!("next year"))), Rule::ValidUntil);
    assert_eq!(
        refused(with("validUntil", json!("2025-12-31T23:59:59Z"))),
        Rule::ValidityPeriod
    );
    Credential::from_json(with("validFrom", json!("2026-01-01T00:00:00.123+09:00"))).unwrap();
}

#[test]
fn typed_entry_rules() {
    assert_eq!(
        refused(with(
            "credentialStatus",
            json!([{"type": "X"}, {"id": "https://s.example/1"}])
        )),
        Rule::CredentialStatus
    );
    assert_eq!(
        refused(with("credentialStatus", json!({"type": "X", "id": "no url"}))),
        Rule::CredentialStatus
    );
    assert_eq!(
        refused(with("credentialStatus", json!("https://s.example/1"))),
        Rule::CredentialStatus
    );
    assert_eq!(
        refused(with("credentialSchema", json!({"type": "JsonSchema"}))),
        Rule::CredentialSchema
    );
    assert_eq!(
        refused(with("credentialSchema", json!({"id": "https://schema.example/e.json"}))),
        Rule::CredentialSchema
    );
    assert_eq!(
        refused(with("evidence", json!([{"id": "https://ev.example/1"}]))),
        Rule::Evidence
    );
    assert_eq!(
        refused(with("termsOfUse", json!({"id": "https://tou.example"}))),
        Rule::TermsOfUse
    );
    assert_eq!(
        refused(with("refreshService", json!({"url": "https://r.example"}))),
        Rule::RefreshService
    );
    let full = Credential::from_json(json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:province",
        "credentialSubject": {"id": "did:example:ana"},
        "credentialStatus": [{"id": "https://s.example/1#3", "type": "BitstringStatusListEntry"}],
        "credentialSchema": {"id": "https://schema.example/e.json", "type": "JsonSchema"},
        "evidence": [{"type": ["Evidence", "DocumentVerification"]}],
        "termsOfUse": {"type": "TrustFrameworkPolicy"},
        "refreshService": {"type": "VerifiableCredentialRefreshService2021", "url": "https://r.example"}
    }))
    .unwrap();
    assert_eq!(full.statuses().len(), 1);
}

/// VC DM 2.0 §5.3, as the W3C data model suite checks an issuer: each related resource has a
/// URL id of its own and a well-formed digest.
#[test]
fn related_resource_rules() {
    let sri = "sha384-S57yQDg1MTzF56Oi9DbSQ14u7jBy0RDdx0YbeV7shwhCS88G8SCXeFq82PafhCrW";
    let multibase = "uEiBZlVztZpfWHgPyslVv6-UwirFoQoRvW1htfx963sknNA";
    let good = |entries: Value| Credential::from_json(with("relatedResource", entries));
    good(json!([
        {"id": "https://www.w3.org/ns/credentials/v2", "digestSRI": sri},
        {"id": "https://example.org/image.png", "digestMultibase": multibase, "mediaType": "image/png"}
    ]))
    .unwrap();
    for bad in [
        json!({"digestSRI": sri}),
        json!({"id": "not a url", "digestSRI": sri}),
        json!({"id": "https://example.org/a"}),
        json!({"id": "https://example.org/a", "digestSRI": "md5-abc"}),
        json!({"id": "https://example.org/a", "digestSRI": "sha256-c2hvcnQ="}),
        json!({"id": "https://example.org/a", "digestMultibase": "not multibase"}),
        json!({"id": "https://example.org/a", "digestMultibase": "uAA"}),
        json!({"id": "https://example.org/a", "digestSRI": sri, "mediaType": 7}),
        json!([{"id": "https://example.org/a", "digestSRI": sri}, {"id": "https://example.org/a", "digestSRI": sri}]),
        json!("https://example.org/a"),
    ] {
        assert_eq!(
            refused(with("relatedResource", bad.clone())),
            Rule::RelatedResource,
            "{bad}"
        );
    }
}

#[test]
fn language_value_rules() {
    assert_eq!(refused(with("name", json!(7))), Rule::LanguageValue);
    assert_eq!(
        refused(with("description", json!({"@value": "x", "@direction": "up"}))),
        Rule::LanguageValue
    );
    assert_eq!(
        refused(with("name", json!({"@value": "x", "extra": 1}))),
        Rule::LanguageValue
    );
    Credential::from_json(with(
        "name",
        json!([{"@value": "Carte", "@language": "fr", "@direction": "ltr"}, "Card"]),
    ))
    .unwrap();
}

#[test]
fn id_must_be_a_url() {
    assert_eq!(refused(with("id", json!("0d4e1d62"))), Rule::Id);
    assert_eq!(refused(with("id", json!(17))), Rule::Id);
}

#[test]
fn vc_1_1_is_read_with_issuance_and_expiration_dates() {
    let v1 = json!({
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "type": ["VerifiableCredential"],
        "issuer": {"id": "did:example:province"},
        "issuanceDate": "2020-01-01T00:00:00Z",
        "expirationDate": "2030-01-01T00:00:00",
        "credentialSubject": {"id": "did:example:ana"}
    });
    let credential = Credential::from_json(v1.clone()).unwrap();
    assert_eq!(credential.model(), DataModel::V1_1);
    assert_eq!(credential.valid_from().unwrap().unix_timestamp(), 1_577_836_800);
    assert_eq!(
        credential.valid_until().unwrap().unix_timestamp(),
        1_893_456_000,
        "no zone means UTC"
    );
    let mut missing = v1.clone();
    missing.as_object_mut().unwrap().remove("issuanceDate");
    assert_eq!(refused(missing), Rule::IssuanceDate);
    let mut bad = v1;
    bad["expirationDate"] = json!("soon");
    assert_eq!(refused(bad), Rule::ExpirationDate);
}

#[test]
fn hostile_json_is_refused_with_a_typed_error() {
    assert!(matches!(
        Credential::from_slice(b"[1,2]"),
        Err(CredentialError::NotAnObject)
    ));
    assert!(matches!(
        Credential::from_slice(b"{\"a\":"),
        Err(CredentialError::InvalidJson(_))
    ));
    let duplicate = br#"{"@context":["https://www.w3.org/ns/credentials/v2"],"type":"VerifiableCredential","issuer":"did:example:a","issuer":"did:example:b","credentialSubject":{"x":1}}"#;
    assert!(matches!(
        Credential::from_slice(duplicate),
        Err(CredentialError::InvalidJson(_))
    ));
    let huge = vec![b' '; did_core::vc::MAX_CREDENTIAL_LEN + 1];
    assert!(matches!(
        Credential::from_slice(&huge),
        Err(CredentialError::TooLarge { .. })
    ));
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert!(Credential::from_slice(format!("{{\"a\":{deep}}}").as_bytes()).is_err());
}

#[test]
fn validity_is_checked_against_the_clock_with_skew() {
    let credential = Credential::from_json(base()).unwrap();
    let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_225_600); // 2026-01-01T00:00:00Z
    let end = SystemTime::UNIX_EPOCH + Duration::from_secs(1_798_761_600); // 2027-01-01T00:00:00Z
    let skew = Duration::from_secs(60);
    credential.check_validity(start, Duration::ZERO).unwrap();
    credential
        .check_validity(start - Duration::from_secs(30), skew)
        .unwrap();
    let early = credential.check_validity(start - Duration::from_secs(30), Duration::from_secs(10));
    assert!(matches!(early, Err(CredentialError::NotYetValid { .. })), "{early:?}");
    credential.check_validity(end + Duration::from_secs(59), skew).unwrap();
    let late = credential.check_validity(end + Duration::from_secs(61), skew);
    match late {
        Err(e @ CredentialError::Expired { .. }) => {
            assert_eq!(e.code(), "EXPIRED");
            assert!(e.to_string().contains("2027-01-01T00:00:00Z"), "{e}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn presentation_rules() {
    let vp = |extra: Value| {
        let mut p = json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"]});
        for (k, v) in extra.as_object().unwrap() {
            p[k] = v.clone();
        }
        Presentation::from_json(p)
    };
    assert_eq!(rule_of(vp(json!({"type": ["VerifiableCredential"]}))), Rule::Type);
    assert_eq!(rule_of(vp(json!({"holder": "someone"}))), Rule::Holder);
    assert_eq!(
        rule_of(vp(json!({"verifiableCredential": [42]}))),
        Rule::VerifiableCredential
    );
    match vp(json!({"verifiableCredential": [base(), without("issuer")]})) {
        Err(CredentialError::Invalid {
            rule: Rule::Issuer, at, ..
        }) => assert_eq!(at, "$.verifiableCredential[1].issuer"),
        other => panic!("{other:?}"),
    }
    let ok = vp(json!({
        "holder": {"id": "did:example:ana"},
        "verifiableCredential": [
            base(),
            {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": "EnvelopedVerifiableCredential", "id": "data:application/vc+jwt,eyJhbGciOiJFUzI1NiJ9.e30.c2ln"},
            "eyJhbGciOiJFUzI1NiJ9.e30.c2ln"
        ]
    }))
    .unwrap();
    assert_eq!(ok.holder(), Some("did:example:ana"));
    match ok.credentials() {
        [
            EmbeddedCredential::Object(c),
            EmbeddedCredential::Enveloped { media_type, token },
            EmbeddedCredential::Jwt(jwt),
        ] => {
            assert_eq!(c.issuer(), "did:example:province");
            assert_eq!(media_type, "application/vc+jwt");
            assert_eq!(token, "eyJhbGciOiJFUzI1NiJ9.e30.c2ln");
            assert_eq!(jwt, token);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        rule_of(vp(
            json!({"verifiableCredential": {"type": "EnvelopedVerifiableCredential", "id": "https://x.example"}})
        )),
        Rule::VerifiableCredential
    );
}
