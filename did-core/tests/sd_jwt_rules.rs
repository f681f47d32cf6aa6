//! SD-JWT round trips with our own keys (P-256, P-384, Ed25519), and one negative case
//! per rule the issuer, parser and verifier enforce. Tokens that break a rule are signed
//! with a real key, so each test fails only for the rule it names.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use did_core::clock::FixedClock;
use did_core::jose::{self, Header, JwsError};
use did_core::key::{KeyType, SigningKey};
use did_core::resolve::KeyResolver;
use did_core::sd_jwt::{
    self, IssueOptions, KeyBinding, MAX_DISCLOSURES, MAX_SD_JWT_LEN, SdJwt, SdJwtError, VerifyOptions,
};
use serde_json::{Map, Value, json};
use sha2::{Digest as _, Sha256};

const AUD: &str = "https://verifier.example";
const NONCE: &str = "n-0S6_WzA2Mj";

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_750_000_000)
}

fn clock() -> FixedClock {
    FixedClock::new(now())
}

fn claims() -> Value {
    json!({
        "iss": "https://issuer.example",
        "vct": "https://credentials.example/identity",
        "iat": 1_749_999_000,
        "exp": 1_760_000_000,
        "sub": "user_42",
        "given_name": "Ada",
        "family_name": "Lovelace",
        "email": "ada@example.com",
        "nationalities": ["GB", "IT", "FR"],
        "address": {"street_address": "12 St James's Sq", "locality": "London", "country": "GB"},
    })
}

fn full_options(holder: &SigningKey) -> IssueOptions {
    IssueOptions::sd_jwt_vc()
        .disclose("/given_name")
        .disclose("/family_name")
        .disclose("/email")
        .disclose("/nationalities/0")
        .disclose("/nationalities/2")
        .disclose("/address")
        .disclose("/address/country")
        .disclose("/address/street_address")
        .decoys(3)
        .holder_key(holder.verifying_key().clone())
}

fn kb_options() -> VerifyOptions {
    VerifyOptions::sd_jwt_vc().require_key_binding(AUD, NONCE)
}

fn binding() -> KeyBinding {
    KeyBinding::new(AUD, NONCE, now())
}

struct Fixture {
    issuer: SigningKey,
    holder: SigningKey,
    issued: String,
}

fn fixture() -> Fixture {
    let issuer = SigningKey::generate(KeyType::P256).unwrap();
    let holder = SigningKey::generate(KeyType::P256).unwrap();
    let issued = sd_jwt::issue(&claims(), &full_options(&holder), &issuer).unwrap();
    Fixture { issuer, holder, issued }
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn disclosure(array: &Value) -> (String, String) {
    let encoded = b64(&serde_json::to_vec(array).unwrap());
    let digest = b64(&Sha256::digest(encoded.as_bytes()));
    (encoded, digest)
}

/// Signs `payload` as an SD-JWT issuer JWT and appends `disclosures`.
fn signed(issuer: &SigningKey, payload: &Value, disclosures: &[&str]) -> String {
    let header = Header::new(issuer.verifying_key().algorithm()).with_typ("dc+sd-jwt");
    let jwt = jose::sign_json_with_key(header, payload, issuer).unwrap();
    let mut out = format!("{jwt}~");
    for d in disclosures {
        out.push_str(d);
        out.push('~');
    }
    out
}

fn verify_plain(input: &str, issuer: &SigningKey) -> Result<sd_jwt::VerifiedSdJwt, SdJwtError> {
    sd_jwt::verify(input, issuer.verifying_key(), &VerifyOptions::sd_jwt(), &clock())
}

fn payload_of(compact: &str) -> Map<String, Value> {
    let jwt = compact.split('~').next().unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(jwt.split('.').nth(1).unwrap()).unwrap()).unwrap()
}

// ---------------------------------------------------------------------------
// Round trips
// ---------------------------------------------------------------------------

#[test]
fn round_trip_every_key_type_yields_exactly_the_chosen_claims() {
    for (issuer_type, holder_type) in [
        (KeyType::P256, KeyType::P256),
        (KeyType::P384, KeyType::Ed25519),
        (KeyType::Ed25519, KeyType::P384),
    ] {
        let issuer = SigningKey::generate(issuer_type).unwrap();
        let holder = SigningKey::generate(holder_type).unwrap();
        let issued = sd_jwt::issue(&claims(), &full_options(&holder), &issuer).unwrap();
        let presentation = SdJwt::parse(&issued)
            .unwrap()
            .select(&["/given_name", "/nationalities/2", "/address/street_address"])
            .unwrap()
            .bind(&binding(), &holder)
            .unwrap();
        let verified = sd_jwt::verify(&presentation, issuer.verifying_key(), &kb_options(), &clock()).unwrap();
        let expected = json!({
            "iss": "https://issuer.example",
            "vct": "https://credentials.example/identity",
            "iat": 1_749_999_000,
            "exp": 1_760_000_000,
            "sub": "user_42",
            "given_name": "Ada",
            // Index 2 of the full array; elements 0 and 2 were disclosable, 1 always visible.
            "nationalities": ["IT", "FR"],
            // address revealed for street_address; country stays hidden (recursive).
            "address": {"street_address": "12 St James's Sq", "locality": "London"},
            "cnf": {"jwk": serde_json::to_value(holder.verifying_key().to_jwk()).unwrap()},
        });
        assert_eq!(
            Value::Object(verified.claims),
            expected,
            "{issuer_type:?}/{holder_type:?}"
        );
        let kb = verified.key_binding.unwrap();
        assert_eq!((kb.audience.as_str(), kb.nonce.as_str()), (AUD, NONCE));
    }
}

#[test]
fn disclosable_pointers_name_every_disclosure_where_it_lands() {
    let f = fixture();
    let mut pointers = SdJwt::parse(&f.issued).unwrap().disclosable_pointers().unwrap();
    pointers.sort();
    let mut expected = vec![
        "/given_name",
        "/family_name",
        "/email",
        "/nationalities/0",
        "/nationalities/2",
        "/address",
        "/address/country",
        "/address/street_address",
    ];
    expected.sort();
    assert_eq!(pointers, expected);
    // A name holding '/' or '~' is escaped as RFC 6901 says, and select() takes it back.
    let odd = json!({"iss": "https://issuer.example", "vct": "x", "a/b~c": 1});
    let issued = sd_jwt::issue(&odd, &IssueOptions::sd_jwt_vc().disclose("/a~1b~0c"), &f.issuer).unwrap();
    let parsed = SdJwt::parse(&issued).unwrap();
    assert_eq!(parsed.disclosable_pointers().unwrap(), vec!["/a~1b~0c"]);
    assert_eq!(parsed.select(&["/a~1b~0c"]).unwrap().disclosures().len(), 1);
}

#[test]
fn full_disclosure_gives_back_the_claims() {
    let f = fixture();
    let verified = sd_jwt::verify(
        &f.issued,
        f.issuer.verifying_key(),
        &VerifyOptions::sd_jwt_vc(),
        &clock(),
    )
    .unwrap();
    let mut got = verified.claims;
    assert!(got.remove("cnf").is_some());
    assert_eq!(Value::Object(got), claims());
    assert!(verified.key_binding.is_none());
}

#[test]
fn presentation_without_key_binding_verifies_when_not_required() {
    let f = fixture();
    let presentation = SdJwt::parse(&f.issued)
        .unwrap()
        .select(&["/email"])
        .unwrap()
        .to_compact();
    assert!(presentation.ends_with('~'));
    let verified = sd_jwt::verify(
        &presentation,
        f.issuer.verifying_key(),
        &VerifyOptions::sd_jwt_vc(),
        &clock(),
    )
    .unwrap();
    assert_eq!(verified.claims["email"], "ada@example.com");
    assert!(!verified.claims.contains_key("given_name"));
    assert!(!verified.claims.contains_key("address"));
    assert_eq!(verified.claims["nationalities"], json!(["IT"]));
}

#[tokio::test]
async fn issue_and_bind_with_async_signer() {
    let issuer = SigningKey::generate(KeyType::Ed25519).unwrap();
    let holder = SigningKey::generate(KeyType::P256).unwrap();
    let issued = sd_jwt::issue_with_signer(&claims(), &full_options(&holder).kid("issuer#1"), &issuer)
        .await
        .unwrap();
    let presentation = SdJwt::parse(&issued)
        .unwrap()
        .select(&["/family_name"])
        .unwrap()
        .bind_with_signer(&binding(), &holder)
        .await
        .unwrap();
    let verified = sd_jwt::verify(&presentation, issuer.verifying_key(), &kb_options(), &clock()).unwrap();
    assert_eq!(verified.claims["family_name"], "Lovelace");
    assert_eq!(verified.header.kid.as_deref(), Some("issuer#1"));
}

#[test]
fn issuance_shape_salts_decoys_sorted_digests() {
    let f = fixture();
    let payload = payload_of(&f.issued);
    assert_eq!(payload["_sd_alg"], "sha-256");
    let top: Vec<&str> = payload["_sd"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    // given_name, family_name, email, address + 3 decoys.
    assert_eq!(top.len(), 4 + 3);
    let mut sorted = top.clone();
    sorted.sort_unstable();
    assert_eq!(top, sorted, "digests are sorted");
    assert_eq!(payload["nationalities"].as_array().unwrap().len(), 3);
    assert_eq!(payload["nationalities"][1], "IT");
    assert!(payload["nationalities"][0]["..."].is_string());
    let sd = SdJwt::parse(&f.issued).unwrap();
    assert_eq!(sd.disclosures().len(), 8);
    for d in sd.disclosures() {
        assert_eq!(URL_SAFE_NO_PAD.decode(d.salt()).unwrap().len(), 16, "128-bit salt");
    }
    let salts: std::collections::BTreeSet<_> = sd.disclosures().iter().map(|d| d.salt()).collect();
    assert_eq!(salts.len(), 8, "fresh salts");
    assert_eq!(
        payload["cnf"]["jwk"],
        serde_json::to_value(f.holder.verifying_key().to_jwk()).unwrap()
    );
    let header = jose::decode(sd.issuer_jwt()).unwrap().header().clone();
    assert_eq!(header.typ.as_deref(), Some("dc+sd-jwt"));
    // Nothing disclosable leaks into the payload.
    let text = serde_json::to_string(&payload).unwrap();
    for secret in ["Ada", "Lovelace", "ada@example.com", "12 St James"] {
        assert!(!text.contains(secret), "{secret} in payload");
    }
}

#[test]
fn legacy_vc_typ_is_accepted() {
    let issuer = SigningKey::generate(KeyType::P256).unwrap();
    let issued = sd_jwt::issue(
        &claims(),
        &IssueOptions::sd_jwt_vc().typ("vc+sd-jwt").disclose("/email"),
        &issuer,
    )
    .unwrap();
    sd_jwt::verify(&issued, issuer.verifying_key(), &VerifyOptions::sd_jwt_vc(), &clock()).unwrap();
}

#[tokio::test]
async fn verify_with_resolver_uses_kid_or_did_key_iss() {
    let issuer = SigningKey::generate(KeyType::P256).unwrap();
    let did = KeyResolver::did_for(issuer.verifying_key()).unwrap();
    let kid = KeyResolver::key_id_for(issuer.verifying_key());
    let mut with_did = claims();
    with_did["iss"] = json!(did.as_str());
    let resolver = KeyResolver;
    // kid names the method.
    let issued = sd_jwt::issue(
        &with_did,
        &IssueOptions::sd_jwt_vc().kid(kid.clone()).disclose("/email"),
        &issuer,
    )
    .unwrap();
    let verified = sd_jwt::verify_with_resolver(&issued, &resolver, &VerifyOptions::sd_jwt_vc(), &clock())
        .await
        .unwrap();
    assert_eq!(verified.claims["email"], "ada@example.com");
    // No kid: iss is a did:key with one key.
    let issued = sd_jwt::issue(&with_did, &IssueOptions::sd_jwt_vc().disclose("/email"), &issuer).unwrap();
    sd_jwt::verify_with_resolver(&issued, &resolver, &VerifyOptions::sd_jwt_vc(), &clock())
        .await
        .unwrap();
    // kid of another DID than iss.
    let other = SigningKey::generate(KeyType::P256).unwrap();
    let other_kid = KeyResolver::key_id_for(other.verifying_key());
    let issued = sd_jwt::issue(&with_did, &IssueOptions::sd_jwt_vc().kid(other_kid.clone()), &other).unwrap();
    let err = sd_jwt::verify_with_resolver(&issued, &resolver, &VerifyOptions::sd_jwt_vc(), &clock())
        .await
        .unwrap_err();
    assert!(matches!(err, SdJwtError::IssuerKey(_)), "{err:?}");
    // An https iss and no kid: nothing to resolve.
    let issued = sd_jwt::issue(&claims(), &IssueOptions::sd_jwt_vc(), &issuer).unwrap();
    let err = sd_jwt::verify_with_resolver(&issued, &resolver, &VerifyOptions::sd_jwt_vc(), &clock())
        .await
        .unwrap_err();
    assert!(matches!(err, SdJwtError::IssuerKey(_)), "{err:?}");
    // A kid DID URL whose key did not sign: signature fails.
    let issued = sd_jwt::issue(&with_did, &IssueOptions::sd_jwt_vc().kid(kid), &other).unwrap();
    let err = sd_jwt::verify_with_resolver(&issued, &resolver, &VerifyOptions::sd_jwt_vc(), &clock())
        .await
        .unwrap_err();
    assert_eq!(err, SdJwtError::Jws(JwsError::BadSignature));
}

// ---------------------------------------------------------------------------
// Verifier: disclosure rules
// ---------------------------------------------------------------------------

#[test]
fn tampered_disclosure_is_unreferenced() {
    let f = fixture();
    let sd = SdJwt::parse(&f.issued).unwrap();
    let original = sd.disclosures()[0].clone();
    let mut array = json!([original.salt(), original.name(), "Mallory"]);
    if original.name().is_none() {
        array = json!([original.salt(), "Mallory"]);
    }
    let (forged, _) = disclosure(&array);
    let tampered = f.issued.replace(original.encoded(), &forged);
    assert_eq!(
        verify_plain(&tampered, &f.issuer).unwrap_err(),
        SdJwtError::UnreferencedDisclosure
    );
}

#[test]
fn duplicate_disclosure_is_refused() {
    let f = fixture();
    let first = SdJwt::parse(&f.issued).unwrap().disclosures()[0].encoded().to_owned();
    let doubled = format!("{}{first}~", f.issued);
    assert_eq!(
        verify_plain(&doubled, &f.issuer).unwrap_err(),
        SdJwtError::DuplicateDisclosure
    );
}

#[test]
fn unreferenced_disclosure_is_refused() {
    let f = fixture();
    let (extra, _) = disclosure(&json!(["c2FsdHNhbHRzYWx0", "role", "admin"]));
    let padded = format!("{}{extra}~", f.issued);
    assert_eq!(
        verify_plain(&padded, &f.issuer).unwrap_err(),
        SdJwtError::UnreferencedDisclosure
    );
}

#[test]
fn digest_appearing_twice_is_refused() {
    let issuer = SigningKey::generate(KeyType::P256).unwrap();
    let (d, digest) = disclosure(&json!(["salt-1", "given_name", "Ada"]));
    let payload = json!({"_sd": [digest], "nested": {"_sd": [digest]}, "_sd_alg": "sha-256"});
    assert_eq!(
        verify_plain(&signed(&issuer, &payload, &[&d]), &issuer).unwrap_err(),
        SdJwtError::DuplicateDigest
    );
    // Decoys count too.
    let payload = json!({"_sd": ["decoy", "decoy"]});
    assert_eq!(
        verify_plain(&signed(&issuer, &payload, &[]), &issuer).unwrap_err(),
        SdJwtError::DuplicateDigest
    );
}

#[test]
fn disclosure_kind_must_match_its_place() {
    let issuer = SigningKey::generate(KeyType::P256).unwrap();
    let (element, element_digest) = disclosure(&json!(["salt-1", "GB"]));
    let payload = json!({"_sd": [element_digest]});
    let err = verify_plain(&signed(&issuer, &payload, &[&element]), &issuer).unwrap_err();
    assert!(matches!(err, SdJwtError::DisclosureKindMismatch(_)), "{err:?}");
    let (property, property_digest) = disclosure(&json!(["salt-2", "name", "GB"]));
    let payload = json!({"list": [{"...": property_digest}]});
    let err = verify_plain(&signed(&issuer, &payload, &[&property]), &issuer).unwrap_err();
    assert!(matches!(err, SdJwtError::DisclosureKindMismatch(_)), "{err:?}");
}

#[test]
fn disclosed_name_already_present_is_refused() {
    let issuer = SigningKey::generate(KeyType::P256).unwrap();
    let (d, digest) = disclosure(&json!(["salt-1", "given_name", "Mallory"]));
    let payload = json!({"_sd": [digest], "given_name": "Ada"});
    assert_eq!(
        verify_plain(&signed(&issuer, &payload, &[&d]), &issuer).unwrap_err(),
        SdJwtError::ClaimConflict("given_name".into())
    );
}

#[test]
fn reserved_disclosure_names_are_refused() {
    let issuer = SigningKey::generate(KeyType::P256).unwrap();
    for name in ["_sd", "...", "_sd_alg"] {
        let (d, digest) = disclosure(&json!(["salt-1", name, "x"]));
        let payload = json!({"_sd": [digest]});
        let err = verify_plain(&signed(&issuer, &payload, &[&d]), &issuer).unwrap_err();
        assert!(matches!(err, SdJwtError::InvalidDisclosure(_)), "{name}: {err:?}");
    }
}

#[test]
fn malformed_disclosures_are_refused() {
    let issuer = SigningKey::generate(KeyType::P256).unwrap();
    let payload = json!({});
    for bad in [
        b64(b"{\"not\":\"an array\"}"),
        b64(b"[\"only-salt\"]"),
        b64(b"[\"s\",\"n\",\"v\",\"extra\"]"),
        b64(b"[1,\"n\",\"v\"]"),
        b64(b"[\"s\",2,\"v\"]"),
        b64(b"[\"s\",\"n\",{\"a\":1,\"a\":2}]"),
        "WyJzIiwibiIsInYiXQ==".to_owned(), // padded
        "not base64!".to_owned(),
    ] {
        let err = verify_plain(&signed(&issuer, &payload, &[&bad]), &issuer).unwrap_err();
        assert!(matches!(err, SdJwtError::InvalidDisclosure(_)), "{bad}: {err:?}");
    }
}

#[test]
fn only_sha_256_is_accepted() {
    let issuer = SigningKey::generate(KeyType::P256).unwrap();
    let payload = json!({"_sd_alg": "sha-512", "sub": "x"});
    assert_eq!(
        verify_plain(&signed(&issuer, &payload, &[]), &issuer).unwrap_err(),
        SdJwtError::UnsupportedHashAlgorithm("sha-512".into())
    );
    // Absent means sha-256.
    verify_plain(&signed(&issuer, &json!({"sub": "x"}), &[]), &issuer).unwrap();
}

#[test]
fn undisclosed_digests_are_removed() {
    let issuer = SigningKey::generate(KeyType::P256).unwrap();
    let payload = json!({"_sd": ["decoy-1"], "list": [{"...": "decoy-2"}, 1], "_sd_alg": "sha-256"});
    let verified = verify_plain(&signed(&issuer, &payload, &[]), &issuer).unwrap();
    assert_eq!(Value::Object(verified.claims), json!({"list": [1]}));
}

// ---------------------------------------------------------------------------
// Verifier: signature, typ, time
// ---------------------------------------------------------------------------

#[test]
fn alg_none_is_refused() {
    let header = b64(br#"{"alg":"none","typ":"dc+sd-jwt"}"#);
    let payload = b64(br#"{"iss":"https://issuer.example","vct":"x"}"#);
    let token = format!("{header}.{payload}.~");
    let issuer = SigningKey::generate(KeyType::P256).unwrap();
    let err = verify_plain(&token, &issuer).unwrap_err();
    assert!(
        matches!(err, SdJwtError::Jws(JwsError::ForbiddenAlgorithm(_))),
        "{err:?}"
    );
}

#[test]
fn signature_by_another_key_is_refused() {
    let f = fixture();
    let other = SigningKey::generate(KeyType::P256).unwrap();
    assert_eq!(
        verify_plain(&f.issued, &other).unwrap_err(),
        SdJwtError::Jws(JwsError::BadSignature)
    );
    let p384 = SigningKey::generate(KeyType::P384).unwrap();
    assert!(matches!(
        verify_plain(&f.issued, &p384).unwrap_err(),
        SdJwtError::Jws(JwsError::AlgorithmMismatch { .. })
    ));
}

#[test]
fn tampered_payload_is_refused() {
    let f = fixture();
    let mut parts: Vec<String> = f.issued.splitn(2, '~').map(str::to_owned).collect();
    let mut jws: Vec<String> = parts[0].split('.').map(str::to_owned).collect();
    let mut payload = payload_of(&f.issued);
    payload.insert("sub".into(), json!("mallory"));
    jws[1] = b64(&serde_json::to_vec(&payload).unwrap());
    parts[0] = jws.join(".");
    assert_eq!(
        verify_plain(&parts.join("~"), &f.issuer).unwrap_err(),
        SdJwtError::Jws(JwsError::BadSignature)
    );
}

#[test]
fn vc_rules_typ_vct_iss() {
    let issuer = SigningKey::generate(KeyType::P256).unwrap();
    let vc = VerifyOptions::sd_jwt_vc();
    let wrong_typ = sd_jwt::issue(&claims(), &IssueOptions::sd_jwt().typ("JWT"), &issuer).unwrap();
    let err = sd_jwt::verify(&wrong_typ, issuer.verifying_key(), &vc, &clock()).unwrap_err();
    assert_eq!(
        err,
        SdJwtError::UnexpectedType {
            found: Some("JWT".into())
        }
    );
    // Plain SD-JWT with an accepted typ list.
    let plain = VerifyOptions::sd_jwt().accept_typ("example+sd-jwt");
    assert!(matches!(
        sd_jwt::verify(&wrong_typ, issuer.verifying_key(), &plain, &clock()).unwrap_err(),
        SdJwtError::UnexpectedType { .. }
    ));
    let mut no_vct = claims();
    no_vct.as_object_mut().unwrap().remove("vct");
    let issued = sd_jwt::issue(&no_vct, &IssueOptions::sd_jwt(), &issuer).unwrap();
    assert!(matches!(
        sd_jwt::verify(&issued, issuer.verifying_key(), &vc, &clock()).unwrap_err(),
        SdJwtError::InvalidVc(_)
    ));
    let mut numeric_vct = claims();
    numeric_vct["vct"] = json!(7);
    let issued = sd_jwt::issue(&numeric_vct, &IssueOptions::sd_jwt(), &issuer).unwrap();
    assert!(matches!(
        sd_jwt::verify(&issued, issuer.verifying_key(), &vc, &clock()).unwrap_err(),
        SdJwtError::InvalidVc(_)
    ));
    let mut no_iss = claims();
    no_iss.as_object_mut().unwrap().remove("iss");
    let issued = sd_jwt::issue(&no_iss, &IssueOptions::sd_jwt_vc(), &issuer).unwrap();
    assert!(matches!(
        sd_jwt::verify(&issued, issuer.verifying_key(), &vc, &clock()).unwrap_err(),
        SdJwtError::InvalidVc(_)
    ));
}

#[test]
fn validity_window_is_checked_with_skew() {
    let f = fixture();
    let options = VerifyOptions::sd_jwt_vc();
    let at = |unix: u64| FixedClock::new(UNIX_EPOCH + Duration::from_secs(unix));
    // exp 1_760_000_000: within skew is fine, beyond is expired.
    sd_jwt::verify(&f.issued, f.issuer.verifying_key(), &options, &at(1_760_000_050)).unwrap();
    assert_eq!(
        sd_jwt::verify(&f.issued, f.issuer.verifying_key(), &options, &at(1_760_000_061)).unwrap_err(),
        SdJwtError::Expired
    );
    // iat 1_749_999_000 in the future.
    assert_eq!(
        sd_jwt::verify(&f.issued, f.issuer.verifying_key(), &options, &at(1_749_998_000)).unwrap_err(),
        SdJwtError::IssuedInFuture
    );
    let mut not_before = claims();
    not_before["nbf"] = json!(1_750_000_500);
    let issued = sd_jwt::issue(&not_before, &IssueOptions::sd_jwt_vc(), &f.issuer).unwrap();
    assert_eq!(
        sd_jwt::verify(&issued, f.issuer.verifying_key(), &options, &clock()).unwrap_err(),
        SdJwtError::NotYetValid
    );
    let skewed = options.clone().skew(Duration::from_secs(600));
    sd_jwt::verify(&issued, f.issuer.verifying_key(), &skewed, &clock()).unwrap();
}

// ---------------------------------------------------------------------------
// Key binding
// ---------------------------------------------------------------------------

fn presentation(f: &Fixture, binding: &KeyBinding) -> String {
    SdJwt::parse(&f.issued)
        .unwrap()
        .select(&["/given_name"])
        .unwrap()
        .bind(binding, &f.holder)
        .unwrap()
}

fn verify_kb(f: &Fixture, input: &str, options: &VerifyOptions) -> Result<sd_jwt::VerifiedSdJwt, SdJwtError> {
    sd_jwt::verify(input, f.issuer.verifying_key(), options, &clock())
}

#[test]
fn key_binding_required_but_missing() {
    let f = fixture();
    let bare = SdJwt::parse(&f.issued)
        .unwrap()
        .select(&["/given_name"])
        .unwrap()
        .to_compact();
    assert_eq!(
        verify_kb(&f, &bare, &kb_options()).unwrap_err(),
        SdJwtError::KeyBindingRequired
    );
}

#[test]
fn key_binding_sd_hash_must_match() {
    let f = fixture();
    let bound = presentation(&f, &binding());
    let kb = bound.rsplit('~').next().unwrap();
    // Same KB-JWT, but a different disclosure set.
    let other = SdJwt::parse(&f.issued)
        .unwrap()
        .select(&["/family_name"])
        .unwrap()
        .to_compact();
    assert_eq!(
        verify_kb(&f, &format!("{other}{kb}"), &kb_options()).unwrap_err(),
        SdJwtError::SdHashMismatch
    );
    // Dropping a disclosure from a bound presentation.
    let full = SdJwt::parse(&f.issued).unwrap().bind(&binding(), &f.holder).unwrap();
    let sd = SdJwt::parse(&full).unwrap();
    let dropped = full.replacen(&format!("~{}~", sd.disclosures()[0].encoded()), "~", 1);
    assert_eq!(
        verify_kb(&f, &dropped, &kb_options()).unwrap_err(),
        SdJwtError::SdHashMismatch
    );
}

#[test]
fn key_binding_nonce_and_audience_must_match() {
    let f = fixture();
    let wrong_nonce = presentation(&f, &KeyBinding::new(AUD, "other-nonce", now()));
    assert_eq!(
        verify_kb(&f, &wrong_nonce, &kb_options()).unwrap_err(),
        SdJwtError::NonceMismatch
    );
    let wrong_aud = presentation(&f, &KeyBinding::new("https://evil.example", NONCE, now()));
    assert_eq!(
        verify_kb(&f, &wrong_aud, &kb_options()).unwrap_err(),
        SdJwtError::AudienceMismatch
    );
}

#[test]
fn key_binding_iat_must_be_fresh_and_not_future() {
    let f = fixture();
    let stale = presentation(&f, &KeyBinding::new(AUD, NONCE, now() - Duration::from_secs(3600)));
    assert_eq!(
        verify_kb(&f, &stale, &kb_options()).unwrap_err(),
        SdJwtError::KeyBindingStale
    );
    let relaxed = kb_options().key_binding_max_age(Duration::from_secs(7200));
    verify_kb(&f, &stale, &relaxed).unwrap();
    let future = presentation(&f, &KeyBinding::new(AUD, NONCE, now() + Duration::from_secs(600)));
    assert_eq!(
        verify_kb(&f, &future, &kb_options()).unwrap_err(),
        SdJwtError::KeyBindingInFuture
    );
    let slightly_future = presentation(&f, &KeyBinding::new(AUD, NONCE, now() + Duration::from_secs(30)));
    verify_kb(&f, &slightly_future, &kb_options()).unwrap();
}

#[test]
fn key_binding_signed_by_another_key_is_refused() {
    let f = fixture();
    let mallory = SigningKey::generate(KeyType::P256).unwrap();
    // The holder API refuses a key that is not the cnf key.
    let sd = SdJwt::parse(&f.issued).unwrap().select(&["/given_name"]).unwrap();
    assert!(matches!(
        sd.bind(&binding(), &mallory).unwrap_err(),
        SdJwtError::HolderKey(_)
    ));
    // Forged by hand: a KB-JWT with the right sd_hash, signed by Mallory.
    let prefix = sd.to_compact();
    let sd_hash = b64(&Sha256::digest(prefix.as_bytes()));
    let kb_claims = json!({"iat": 1_750_000_000u64, "aud": AUD, "nonce": NONCE, "sd_hash": sd_hash});
    let kb = jose::sign_json_with_key(
        Header::new(mallory.verifying_key().algorithm()).with_typ("kb+jwt"),
        &kb_claims,
        &mallory,
    )
    .unwrap();
    assert_eq!(
        verify_kb(&f, &format!("{prefix}{kb}"), &kb_options()).unwrap_err(),
        SdJwtError::KeyBindingJws(JwsError::BadSignature)
    );
    // And by the holder but with the wrong typ.
    let kb = jose::sign_json_with_key(
        Header::new(f.holder.verifying_key().algorithm()).with_typ("JWT"),
        &kb_claims,
        &f.holder,
    )
    .unwrap();
    assert!(matches!(
        verify_kb(&f, &format!("{prefix}{kb}"), &kb_options()).unwrap_err(),
        SdJwtError::KeyBindingJws(JwsError::UnexpectedType { .. })
    ));
    // The right holder key and claims verify (the forgery helper is sound).
    let kb = jose::sign_json_with_key(
        Header::new(f.holder.verifying_key().algorithm()).with_typ("kb+jwt"),
        &kb_claims,
        &f.holder,
    )
    .unwrap();
    verify_kb(&f, &format!("{prefix}{kb}"), &kb_options()).unwrap();
}

#[test]
fn key_binding_without_cnf_is_refused() {
    let issuer = SigningKey::generate(KeyType::P256).unwrap();
    let holder = SigningKey::generate(KeyType::P256).unwrap();
    let issued = sd_jwt::issue(&claims(), &IssueOptions::sd_jwt_vc().disclose("/email"), &issuer).unwrap();
    let bound = SdJwt::parse(&issued).unwrap().bind(&binding(), &holder).unwrap();
    let err = sd_jwt::verify(&bound, issuer.verifying_key(), &kb_options(), &clock()).unwrap_err();
    assert!(matches!(err, SdJwtError::HolderKey(_)), "{err:?}");
}

// ---------------------------------------------------------------------------
// Issuer input rules
// ---------------------------------------------------------------------------

#[test]
fn reserved_claims_cannot_be_made_disclosable() {
    let issuer = SigningKey::generate(KeyType::P256).unwrap();
    for pointer in ["/iss", "/vct", "/exp", "/status", "/cnf"] {
        let mut c = claims();
        c["status"] = json!({"status_list": {"idx": 1, "uri": "https://s.example"}});
        c["cnf"] = json!({"kid": "x"});
        let err = sd_jwt::issue(&c, &IssueOptions::sd_jwt_vc().disclose(pointer), &issuer).unwrap_err();
        assert!(matches!(err, SdJwtError::ReservedClaim(_)), "{pointer}: {err:?}");
    }
    // iat and sub may be selectively disclosed in SD-JWT VC.
    sd_jwt::issue(
        &claims(),
        &IssueOptions::sd_jwt_vc().disclose("/iat").disclose("/sub"),
        &issuer,
    )
    .unwrap();
    // Plain SD-JWT lets /iss be disclosable.
    sd_jwt::issue(&claims(), &IssueOptions::sd_jwt().disclose("/iss"), &issuer).unwrap();
}

#[test]
fn claims_with_reserved_names_are_refused() {
    let issuer = SigningKey::generate(KeyType::P256).unwrap();
    for bad in [
        json!({"_sd": ["x"]}),
        json!({"a": {"...": "x"}}),
        json!({"a": [{"_sd": []}]}),
        json!({"_sd_alg": "sha-256"}),
        json!(["not", "an", "object"]),
    ] {
        let err = sd_jwt::issue(&bad, &IssueOptions::sd_jwt(), &issuer).unwrap_err();
        assert!(matches!(err, SdJwtError::InvalidClaims(_)), "{bad}: {err:?}");
    }
    let holder = SigningKey::generate(KeyType::P256).unwrap();
    let err = sd_jwt::issue(
        &json!({"cnf": {}}),
        &IssueOptions::sd_jwt().holder_key(holder.verifying_key().clone()),
        &issuer,
    )
    .unwrap_err();
    assert!(matches!(err, SdJwtError::InvalidClaims(_)));
    let mut no_vct = claims();
    no_vct.as_object_mut().unwrap().remove("vct");
    assert!(matches!(
        sd_jwt::issue(&no_vct, &IssueOptions::sd_jwt_vc(), &issuer).unwrap_err(),
        SdJwtError::InvalidVc(_)
    ));
}

#[test]
fn pointers_are_checked() {
    let issuer = SigningKey::generate(KeyType::P256).unwrap();
    for (pointer, missing) in [
        ("given_name", false),
        ("", false),
        ("/a~2b", false),
        ("/nope", true),
        ("/nationalities/3", true),
        ("/nationalities/01", true),
    ] {
        let err = sd_jwt::issue(&claims(), &IssueOptions::sd_jwt().disclose(pointer), &issuer).unwrap_err();
        if missing {
            assert!(matches!(err, SdJwtError::PointerNotFound(_)), "{pointer}: {err:?}");
        } else {
            assert!(matches!(err, SdJwtError::InvalidPointer(_)), "{pointer}: {err:?}");
        }
    }
    // Escapes: ~1 is '/', ~0 is '~'.
    let c = json!({"a/b": 1, "c~d": 2});
    let issued = sd_jwt::issue(&c, &IssueOptions::sd_jwt().disclose("/a~1b").disclose("/c~0d"), &issuer).unwrap();
    assert_eq!(SdJwt::parse(&issued).unwrap().disclosures().len(), 2);
    let f = fixture();
    let err = SdJwt::parse(&f.issued).unwrap().select(&["/nothing"]).unwrap_err();
    assert!(matches!(err, SdJwtError::PointerNotFound(_)));
}

// ---------------------------------------------------------------------------
// Parsing limits and shapes
// ---------------------------------------------------------------------------

#[test]
fn parse_refuses_bad_shapes_and_limits() {
    assert!(matches!(SdJwt::parse("a.b.c").unwrap_err(), SdJwtError::Malformed(_)));
    assert!(matches!(SdJwt::parse("~").unwrap_err(), SdJwtError::Malformed(_)));
    assert!(matches!(
        SdJwt::parse("a.b.c~~x~").unwrap_err(),
        SdJwtError::Malformed(_)
    ));
    let long = "a".repeat(MAX_SD_JWT_LEN + 1);
    assert!(matches!(SdJwt::parse(&long).unwrap_err(), SdJwtError::TooLarge { .. }));
    let many = format!("a.b.c~{}", "WyJzIiwidiJd~".repeat(MAX_DISCLOSURES + 1));
    assert!(matches!(SdJwt::parse(&many).unwrap_err(), SdJwtError::TooLarge { .. }));
    // A KB-JWT slot that is not a JWT fails at verification, not parsing.
    let f = fixture();
    let with_junk = format!("{}junk", f.issued);
    let err = verify_kb(&f, &with_junk, &VerifyOptions::sd_jwt_vc()).unwrap_err();
    assert!(matches!(err, SdJwtError::KeyBindingJws(_)), "{err:?}");
}

#[test]
fn json_serialization_shapes_are_checked() {
    let f = fixture();
    let sd = SdJwt::parse(&f.issued).unwrap();
    let jws: Vec<&str> = sd.issuer_jwt().split('.').collect();
    let disclosures: Vec<&str> = sd.disclosures().iter().map(|d| d.encoded()).collect();
    let flattened = json!({
        "protected": jws[0], "payload": jws[1], "signature": jws[2],
        "header": {"disclosures": disclosures},
    });
    let verified = sd_jwt::verify(
        &flattened.to_string(),
        f.issuer.verifying_key(),
        &VerifyOptions::sd_jwt_vc(),
        &clock(),
    )
    .unwrap();
    assert_eq!(verified.claims["given_name"], "Ada");
    // disclosures in a later signature's header.
    let general = json!({
        "payload": jws[1],
        "signatures": [
            {"protected": jws[0], "signature": jws[2]},
            {"protected": jws[0], "signature": jws[2], "header": {"disclosures": disclosures}},
        ],
    });
    assert!(matches!(
        SdJwt::from_json(&general.to_string()).unwrap_err(),
        SdJwtError::Malformed(_)
    ));
    // A general form where no signature is by the key.
    let other = SigningKey::generate(KeyType::P256).unwrap();
    let general = json!({"payload": jws[1], "signatures": [{"protected": jws[0], "signature": jws[2]}]});
    assert_eq!(
        sd_jwt::verify(
            &general.to_string(),
            other.verifying_key(),
            &VerifyOptions::sd_jwt_vc(),
            &clock()
        )
        .unwrap_err(),
        SdJwtError::Jws(JwsError::BadSignature)
    );
    for bad in [
        json!({"payload": jws[1]}),
        json!({"payload": jws[1], "signature": jws[2], "signatures": []}),
        json!({"payload": 1, "protected": jws[0], "signature": jws[2]}),
        json!({"payload": jws[1], "protected": jws[0], "signature": jws[2], "header": {"disclosures": "x"}}),
    ] {
        assert!(SdJwt::from_json(&bad.to_string()).is_err(), "{bad}");
    }
    let dup = format!(
        r#"{{"payload":"{}","payload":"x","protected":"{}","signature":"{}"}}"#,
        jws[1], jws[0], jws[2]
    );
    assert!(matches!(SdJwt::from_json(&dup).unwrap_err(), SdJwtError::Malformed(_)));
}

#[test]
fn deep_recursive_disclosures_are_bounded() {
    // A chain of disclosures, each holding the next one's digest, deeper than MAX_DEPTH.
    let issuer = SigningKey::generate(KeyType::P256).unwrap();
    let mut value = json!("leaf");
    let mut encoded = Vec::new();
    for i in 0..300 {
        let (d, digest) = disclosure(&json!([format!("s{i}"), "n", value]));
        encoded.push(d);
        value = json!({"_sd": [digest]});
    }
    let refs: Vec<&str> = encoded.iter().map(String::as_str).collect();
    let err = verify_plain(&signed(&issuer, &value, &refs), &issuer).unwrap_err();
    assert!(matches!(err, SdJwtError::TooDeep(_)), "{err:?}");
}
