//! The verification engine on what vc-issuer produces: every format, tampering, status.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use did_core::clock::FixedClock;
use did_core::key::{Algorithm, KeyType, SigningKey};
use did_core::resolve::{CompositeResolver, KeyResolver};
use did_core::status::{BitstringStatusList, BitstringStatusListSubject, MemoryStatusListSource, StatusPurpose};
use did_core::vc::Credential;
use did_core::vc::jwt::{self, Binding, JwtEncoding};
use serde_json::{Value, json};
use time::OffsetDateTime;
use vc_issuer::issue::{self, Format};
use vc_issuer::key_file::{self, IssuerKey};
use verifier::report::{CheckKind, CheckResult, Report};
use verifier::verify::Verifier;

/// 2026-06-01T00:00:00Z.
fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_780_272_000).unwrap()
}

fn issuer(alg: Algorithm) -> IssuerKey {
    let jwk = key_file::generate(alg).unwrap();
    IssuerKey::from_jwk_json(&serde_json::to_string(&jwk).unwrap()).unwrap()
}

fn verifier_with(source: MemoryStatusListSource, binding: Binding) -> Verifier {
    Verifier {
        resolver: Arc::new(CompositeResolver::with_default_methods()),
        clock: Arc::new(FixedClock::new(SystemTime::from(now()) + Duration::from_secs(3600))),
        skew: Duration::from_secs(60),
        binding,
        status_source: Arc::new(source),
        status_cache: None,
        unreachable_status: verifier::verify::UnreachableStatus::Fail,
        holder_subjects: verifier::verify::HolderSubjects::MustBeHolder,
    }
}

fn verifier() -> Verifier {
    verifier_with(MemoryStatusListSource::new(), Binding::default())
}

fn employee(subject: &str) -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "type": ["VerifiableCredential", "EmployeeCredential"],
        "validUntil": "2027-01-01T00:00:00Z",
        "credentialSubject": {"id": subject, "name": "Ana", "employeeId": "E-1024"}
    })
}

fn key_for(format: Format) -> Algorithm {
    match format {
        Format::EddsaRdfc2022 | Format::EddsaJcs2022 => Algorithm::EdDsa,
        Format::EcdsaJcs2019 => Algorithm::Es384,
        _ => Algorithm::Es256,
    }
}

async fn check(output: &str) -> Report {
    verifier().verify(output).await
}

#[tokio::test]
async fn every_format_vc_issuer_produces_verifies() {
    for format in Format::ALL {
        let issuer = issuer(key_for(format));
        let disclose = if format == Format::SdJwt {
            vec!["/name".to_owned()]
        } else {
            vec![]
        };
        let out = issue::issue(employee("did:example:ana"), format, &issuer, &disclose, now()).unwrap();
        let report = check(&out).await;
        assert!(report.verified, "{format}: {report:?}");
        assert_eq!(report.format, format.name(), "{format}");
        assert_eq!(report.issuer.as_deref(), Some(issuer.did.as_str()), "{format}");
        assert!(report.errors.is_empty());
        let claims = report.claims.unwrap();
        let name = claims.get("credentialSubject").map_or(&claims["name"], |s| &s["name"]);
        assert_eq!(name, "Ana", "{format}");
    }
}

#[tokio::test]
async fn tampered_output_of_every_format_is_refused() {
    for format in Format::ALL {
        let issuer = issuer(key_for(format));
        let out = issue::issue(employee("did:example:ana"), format, &issuer, &[], now()).unwrap();
        let tampered = if out.trim_start().starts_with('{') {
            out.replace("E-1024", "E-0001")
        } else {
            // Flip one character of the signature.
            let mut chars: Vec<char> = out.trim_end_matches('~').chars().collect();
            let sig_end = out.trim_end_matches('~').find('~').unwrap_or(chars.len());
            let at = sig_end - 3;
            chars[at] = if chars[at] == 'A' { 'B' } else { 'A' };
            let mut s: String = chars.into_iter().collect();
            if out.ends_with('~') {
                s.push('~');
            }
            s
        };
        let report = check(&tampered).await;
        assert!(!report.verified, "{format}: {report:?}");
        assert!(!report.errors.is_empty(), "{format}");
        assert!(report.claims.is_none(), "no claims from an unverified credential");
    }
}

#[tokio::test]
async fn expiry_is_reported_with_its_code() {
    let issuer = issuer(Algorithm::Es256);
    let out = issue::issue(employee("did:example:ana"), Format::VcJwt, &issuer, &[], now()).unwrap();
    let late = Verifier {
        clock: Arc::new(FixedClock::new(
            SystemTime::from(now()) + Duration::from_secs(400 * 86_400),
        )),
        ..verifier()
    };
    let report = late.verify(&out).await;
    assert!(!report.verified);
    assert_eq!(report.errors[0].code(), "EXPIRED");
}

#[tokio::test]
async fn an_issuer_the_key_does_not_control_is_refused_at_issuance() {
    let issuer = issuer(Algorithm::Es256);
    let mut credential = employee("did:example:ana");
    credential["issuer"] = json!("did:example:someone-else");
    let refused = issue::issue(credential, Format::VcJwt, &issuer, &[], now());
    assert!(
        matches!(refused, Err(vc_issuer::Error::IssuerNotControlled { .. })),
        "{refused:?}"
    );
    let disclose_jwt = issue::issue(
        employee("did:example:ana"),
        Format::VcJwt,
        &issuer,
        &["/name".into()],
        now(),
    );
    assert!(matches!(disclose_jwt, Err(vc_issuer::Error::Unsupported(_))));
    let wrong_key = issue::issue(employee("did:example:ana"), Format::EddsaRdfc2022, &issuer, &[], now());
    assert!(matches!(wrong_key, Err(vc_issuer::Error::Unsupported(_))));
}

#[tokio::test]
async fn sd_jwt_key_binding_is_required_when_a_nonce_is_expected() {
    let holder = SigningKey::generate(KeyType::Ed25519).unwrap();
    let holder_did = KeyResolver::did_for(holder.verifying_key()).unwrap().into_string();
    let issuer = issuer(Algorithm::Es256);
    let issued = issue::issue(employee(&holder_did), Format::SdJwt, &issuer, &["/name".into()], now()).unwrap();
    let binding = Binding {
        nonce: Some("n-42".into()),
        aud: Some("https://door.example".into()),
    };
    let unbound = verifier_with(MemoryStatusListSource::new(), binding.clone())
        .verify(&issued)
        .await;
    assert!(!unbound.verified);
    assert_eq!(unbound.errors[0].code(), "SD_JWT_KEY_BINDING_REQUIRED");

    let kb = did_core::sd_jwt::KeyBinding::new(
        "https://door.example",
        "n-42",
        SystemTime::from(now()) + Duration::from_secs(3590),
    );
    let presented = did_core::sd_jwt::SdJwt::parse(&issued)
        .unwrap()
        .select(&["/name"])
        .unwrap()
        .bind(&kb, &holder)
        .unwrap();
    let bound = verifier_with(MemoryStatusListSource::new(), binding)
        .verify(&presented)
        .await;
    assert!(bound.verified, "{bound:?}");
    assert!(bound.has_check(CheckKind::KeyBinding, CheckResult::Passed));
    assert_eq!(bound.claims.unwrap()["name"], "Ana");
}

#[tokio::test]
async fn a_vp_jwt_reports_each_credential() {
    let issuer = issuer(Algorithm::Es256);
    let holder = SigningKey::generate(KeyType::P256).unwrap();
    let holder_did = KeyResolver::did_for(holder.verifying_key()).unwrap().into_string();
    let kid = KeyResolver::key_id_for(holder.verifying_key());
    let holder = holder.with_key_id(kid);
    let vc = issue::issue(employee(&holder_did), Format::VcJwt, &issuer, &[], now()).unwrap();
    let vp = did_core::vc::Presentation::from_json(json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": holder_did,
        "verifiableCredential": [{"@context": ["https://www.w3.org/ns/credentials/v2"], "type": "EnvelopedVerifiableCredential", "id": format!("data:application/vc+jwt,{vc}")}]
    }))
    .unwrap();
    let binding = Binding {
        nonce: Some("n-1".into()),
        aud: Some("https://door.example".into()),
    };
    let token = jwt::sign_presentation(&vp, JwtEncoding::JoseCose, &binding, now(), &holder).unwrap();
    let report = verifier_with(MemoryStatusListSource::new(), binding)
        .verify(&token)
        .await;
    assert!(report.verified, "{report:?}");
    assert_eq!(report.format, "vp+jwt");
    assert_eq!(report.holder.as_deref(), Some(holder_did.as_str()));
    assert_eq!(report.credentials.len(), 1);
    assert!(report.credentials[0].verified);
    // The same presentation with the wrong nonce.
    let other = verifier_with(
        MemoryStatusListSource::new(),
        Binding {
            nonce: Some("n-2".into()),
            aud: None,
        },
    )
    .verify(&token)
    .await;
    assert!(!other.verified);
    assert_eq!(other.errors[0].code(), "NONCE_MISMATCH");
    // A credential about someone else fails the holder check.
    let foreign = issue::issue(employee("did:example:bob"), Format::VcJwt, &issuer, &[], now()).unwrap();
    let vp = did_core::vc::Presentation::from_json(json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"], "holder": holder_did,
        "verifiableCredential": [{"@context": ["https://www.w3.org/ns/credentials/v2"], "type": "EnvelopedVerifiableCredential", "id": format!("data:application/vc+jwt,{foreign}")}]
    }))
    .unwrap();
    let token = jwt::sign_presentation(&vp, JwtEncoding::JoseCose, &Binding::default(), now(), &holder).unwrap();
    let report = verifier().verify(&token).await;
    assert!(!report.verified);
    assert!(
        report.errors.iter().any(|e| e.code() == "HOLDER_MISMATCH"),
        "{report:?}"
    );
}

/// A status list credential (vc+jwt) by `issuer` with `revoked` set.
fn status_list(issuer: &IssuerKey, url: &str, revoked: u64) -> String {
    let mut list = BitstringStatusList::new(1, 131_072).unwrap();
    list.set(revoked, 1).unwrap();
    let subject = BitstringStatusListSubject::new(StatusPurpose::Revocation, &list)
        .unwrap()
        .with_id(format!("{url}#list"));
    let credential = Credential::from_json(json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer.did,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": subject.to_json_value()
    }))
    .unwrap();
    jwt::sign_credential(&credential, JwtEncoding::JoseCose, &issuer.key).unwrap()
}

fn with_status(index: u64, url: &str) -> Value {
    let mut credential = employee("did:example:ana");
    credential["credentialStatus"] = json!({
        "id": format!("{url}#{index}"),
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": index.to_string(),
        "statusListCredential": url
    });
    credential
}

#[tokio::test]
async fn bitstring_status_revokes_and_unreachable_lists_fail_unless_skipped() {
    let url = "https://status.example/lists/1";
    for format in [Format::VcJwt, Format::EcdsaRdfc2019] {
        let issuer = issuer(Algorithm::Es256);
        let source = || MemoryStatusListSource::new().with(url, status_list(&issuer, url, 94_567));
        let revoked = issue::issue(with_status(94_567, url), format, &issuer, &[], now()).unwrap();
        let report = verifier_with(source(), Binding::default()).verify(&revoked).await;
        assert!(!report.verified, "{format}");
        assert_eq!(report.errors[0].code(), "REVOKED", "{format}");

        let fine = issue::issue(with_status(94_566, url), format, &issuer, &[], now()).unwrap();
        let report = verifier_with(source(), Binding::default()).verify(&fine).await;
        assert!(report.verified, "{format}: {report:?}");
        assert!(report.has_check(CheckKind::Status, CheckResult::Passed));

        // A list that cannot be fetched: not verified, unless the caller chose to skip it.
        let offline = verifier().verify(&fine).await;
        assert!(!offline.verified, "an unchecked status is not verified");
        assert_eq!(offline.errors[0].code(), "STATUS_RETRIEVAL_ERROR", "{format}");
        let skipping = Verifier {
            unreachable_status: verifier::verify::UnreachableStatus::Skip,
            ..verifier()
        };
        let offline = skipping.verify(&fine).await;
        assert!(offline.verified, "{format}: {offline:?}");
        assert!(offline.has_check(CheckKind::Status, CheckResult::Skipped));

        // A list signed by someone else is not trusted.
        let mallory = self::issuer(Algorithm::Es256);
        let forged = MemoryStatusListSource::new().with(url, status_list(&mallory, url, 1));
        let report = verifier_with(forged, Binding::default()).verify(&fine).await;
        assert!(!report.verified);
        assert_eq!(report.errors[0].code(), "STATUS_VERIFICATION_ERROR");
    }
}

/// A Data Integrity status list that names the real issuer but is signed by another DID's key
/// must not be trusted: the proof's method has to belong to the list's issuer.
#[tokio::test]
async fn a_data_integrity_status_list_signed_by_a_stranger_is_refused() {
    let url = "https://status.example/lists/9";
    let issuer = issuer(Algorithm::Es256);
    let mallory = self::issuer(Algorithm::Es256);
    let mut list = BitstringStatusList::new(1, 131_072).unwrap();
    list.set(1, 1).unwrap();
    let subject = BitstringStatusListSubject::new(StatusPurpose::Revocation, &list).unwrap();
    let forged = did_core::data_integrity::sign(
        &json!({
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": url,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": issuer.did,
            "validFrom": "2026-01-01T00:00:00Z",
            "credentialSubject": subject.to_json_value()
        }),
        did_core::data_integrity::Cryptosuite::EcdsaRdfc2019,
        &did_core::data_integrity::ProofOptions::new(mallory.method.clone()),
        &mallory.key,
    )
    .unwrap();
    let fine = issue::issue(with_status(2, url), Format::VcJwt, &issuer, &[], now()).unwrap();
    let source = MemoryStatusListSource::new().with(url, serde_json::to_vec(&forged).unwrap());
    let report = verifier_with(source, Binding::default()).verify(&fine).await;
    assert!(!report.verified, "{report:?}");
    assert_eq!(report.errors[0].code(), "STATUS_VERIFICATION_ERROR");
    assert!(
        report.errors[0].message().contains("not by"),
        "{}",
        report.errors[0].message()
    );
}

#[tokio::test]
async fn duplicate_json_members_are_refused_before_anything_reads_them() {
    let issuer = issuer(Algorithm::Es256);
    let signed = issue::issue(employee("did:example:ana"), Format::EcdsaJcs2019, &issuer, &[], now()).unwrap();
    let twice = signed.replacen("\"type\"", "\"name\": \"A\", \"name\": \"B\", \"type\"", 1);
    let report = check(&twice).await;
    assert!(!report.verified);
    assert_eq!(report.errors[0].code(), "INVALID_JSON", "{report:?}");
}

#[tokio::test]
async fn garbage_is_an_unknown_format() {
    for input in ["", "hello", "{", "{}", "a.b", "[1]"] {
        let report = check(input).await;
        assert!(!report.verified, "{input:?}");
        assert!(!report.errors.is_empty(), "{input:?}");
    }
}
