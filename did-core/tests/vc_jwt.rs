//! VC-JOSE-COSE (`vc+jwt`, `vp+jwt`) and VC 1.1 JWTs: round trips, and every refusal.

use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use did_core::clock::FixedClock;
use did_core::jose::{self, Header, JwsError};
use did_core::key::{KeyType, SigningKey};
use did_core::resolve::{CompositeResolver, KeyResolver};
use did_core::vc::jwt::{self, Binding, JwtEncoding, JwtVerifyOptions};
use did_core::vc::{Credential, CredentialError, DataModel, Presentation, Rule};
use serde_json::{Value, json};

/// 2026-06-01T00:00:00Z, inside every credential's validity period below.
fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_780_272_000)
}

fn key(key_type: KeyType) -> (SigningKey, String) {
    let key = SigningKey::generate(key_type).unwrap();
    let did = KeyResolver::did_for(key.verifying_key()).unwrap().into_string();
    let kid = KeyResolver::key_id_for(key.verifying_key());
    (key.with_key_id(kid), did)
}

fn credential(issuer: &str) -> Credential {
    Credential::from_json(json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "id": "urn:uuid:3978344f-8596-4c3a-a978-8fcaba3903c5",
        "type": ["VerifiableCredential", "EmployeeCredential"],
        "issuer": issuer,
        "validFrom": "2026-01-01T00:00:00Z",
        "validUntil": "2027-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:ana", "employeeId": "E-1024"}
    }))
    .unwrap()
}

fn credential_v1(issuer: &str) -> Credential {
    Credential::from_json(json!({
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "id": "https://province.example/credentials/1872",
        "type": ["VerifiableCredential", "CitizenCard"],
        "issuer": issuer,
        "issuanceDate": "2026-01-01T00:00:00Z",
        "expirationDate": "2027-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:ana", "name": "Ana"}
    }))
    .unwrap()
}

fn clock_at(t: SystemTime) -> FixedClock {
    FixedClock::new(t)
}

async fn verify(token: &str, at: SystemTime) -> Result<jwt::VerifiedCredentialJwt, CredentialError> {
    let clock = clock_at(at);
    let options = JwtVerifyOptions {
        clock: &clock,
        skew: Duration::from_secs(60),
        expected: None,
    };
    jwt::verify_credential(token, &CompositeResolver::with_default_methods(), &options).await
}

async fn verify_vp(token: &str, expected: &Binding) -> Result<jwt::VerifiedPresentationJwt, CredentialError> {
    let clock = clock_at(now());
    let options = JwtVerifyOptions {
        clock: &clock,
        skew: Duration::from_secs(60),
        expected: Some(expected),
    };
    jwt::verify_presentation(token, &CompositeResolver::with_default_methods(), &options).await
}

fn parts(token: &str) -> (Value, Value) {
    let mut it = token.split('.');
    let header = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(it.next().unwrap()).unwrap()).unwrap();
    let payload = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(it.next().unwrap()).unwrap()).unwrap();
    (header, payload)
}

/// Re-signs arbitrary claims with `key`, for tokens our issuer would never produce.
fn forge(header: Header, claims: &Value, key: &SigningKey) -> String {
    jose::sign_json_with_key(header, claims, key).unwrap()
}

#[tokio::test]
async fn vc_jwt_round_trips_for_every_key_type() {
    for key_type in [KeyType::P256, KeyType::P384, KeyType::Ed25519] {
        let (key, did) = key(key_type);
        let original = credential(&did);
        let token = jwt::sign_credential(&original, JwtEncoding::JoseCose, &key).unwrap();
        let (header, payload) = parts(&token);
        assert_eq!(header["typ"], "vc+jwt");
        assert_eq!(header["kid"], json!(KeyResolver::key_id_for(key.verifying_key())));
        assert_eq!(
            Value::Object(original.as_json().clone()),
            payload,
            "the claims set is the credential"
        );
        let verified = verify(&token, now()).await.unwrap();
        assert_eq!(verified.credential, original);
        assert_eq!(verified.encoding, JwtEncoding::JoseCose);
    }
}

#[tokio::test]
async fn vc_1_1_jwt_moves_properties_into_registered_claims_and_back() {
    let (key, did) = key(KeyType::P256);
    let original = credential_v1(&did);
    let token = jwt::sign_credential(&original, JwtEncoding::Vc11, &key).unwrap();
    let (header, payload) = parts(&token);
    assert_eq!(header["typ"], "JWT");
    assert_eq!(payload["iss"], json!(did));
    assert_eq!(payload["sub"], "did:example:ana");
    assert_eq!(payload["jti"], "https://province.example/credentials/1872");
    assert_eq!(payload["nbf"], 1_767_225_600);
    assert_eq!(payload["exp"], 1_798_761_600);
    for moved in ["issuer", "id", "issuanceDate", "expirationDate"] {
        assert!(
            payload["vc"].get(moved).is_none(),
            "{moved} stays in the JWT claims only"
        );
    }
    assert!(payload["vc"]["credentialSubject"].get("id").is_none());
    let verified = verify(&token, now()).await.unwrap();
    assert_eq!(verified.encoding, JwtEncoding::Vc11);
    assert_eq!(verified.credential.model(), DataModel::V1_1);
    assert_eq!(verified.credential.issuer(), did);
    assert_eq!(verified.credential.id(), original.id());
    assert_eq!(verified.credential.valid_from(), original.valid_from());
    assert_eq!(verified.credential.valid_until(), original.valid_until());
    assert_eq!(verified.credential.subjects()[0]["id"], "did:example:ana");
}

#[tokio::test]
async fn vc_1_1_jwt_claims_must_agree_with_the_credential() {
    let (key, did) = key(KeyType::P256);
    let claims = |iss: &str, vc_issuer: &str, nbf: i64| {
        json!({
            "iss": iss, "nbf": nbf, "sub": "did:example:ana",
            "vc": {"@context": ["https://www.w3.org/2018/credentials/v1"], "type": ["VerifiableCredential"],
                   "issuer": vc_issuer, "issuanceDate": "2026-01-01T00:00:00Z", "credentialSubject": {"name": "Ana"}}
        })
    };
    let header = || Header::new(key.verifying_key().algorithm()).with_typ("JWT");
    let ok = forge(header(), &claims(&did, &did, 1_767_225_600), &key);
    verify(&ok, now()).await.unwrap();
    let other_issuer = forge(header(), &claims(&did, "did:example:someone-else", 1_767_225_600), &key);
    assert!(matches!(
        verify(&other_issuer, now()).await,
        Err(CredentialError::Invalid {
            rule: Rule::JwtClaims,
            ..
        })
    ));
    let other_date = forge(header(), &claims(&did, &did, 1_767_225_601), &key);
    assert!(matches!(
        verify(&other_date, now()).await,
        Err(CredentialError::Invalid {
            rule: Rule::JwtClaims,
            ..
        })
    ));
}

#[tokio::test]
async fn a_tampered_payload_fails_the_signature() {
    let (key, did) = key(KeyType::P256);
    let token = jwt::sign_credential(&credential(&did), JwtEncoding::JoseCose, &key).unwrap();
    let mut claims = parts(&token).1;
    claims["credentialSubject"]["employeeId"] = json!("E-0001");
    let mut pieces: Vec<String> = token.split('.').map(str::to_owned).collect();
    pieces[1] = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
    let tampered = pieces.join(".");
    assert!(matches!(
        verify(&tampered, now()).await,
        Err(CredentialError::Jws(JwsError::BadSignature))
    ));
}

#[tokio::test]
async fn a_key_of_another_did_is_not_the_issuers() {
    let (issuer_key, issuer) = key(KeyType::P256);
    let (mallory, _) = key(KeyType::P256);
    // Signed by Mallory's own did:key method, claiming the province as issuer.
    let token = jwt::sign_credential(&credential(&issuer), JwtEncoding::JoseCose, &mallory).unwrap();
    assert!(matches!(
        verify(&token, now()).await,
        Err(CredentialError::KeyNotControlled { .. })
    ));
    // Signed by Mallory but naming the issuer's method as kid: the signature fails.
    let kid = KeyResolver::key_id_for(issuer_key.verifying_key());
    let header = Header::new(mallory.verifying_key().algorithm())
        .with_typ("vc+jwt")
        .with_kid(kid);
    let forged = forge(header, &Value::Object(credential(&issuer).as_json().clone()), &mallory);
    assert!(matches!(verify(&forged, now()).await, Err(CredentialError::Jws(_))));
    // An issuer that is not a DID has no keys we can find.
    let https = jwt::sign_credential(
        &credential("https://province.example"),
        JwtEncoding::JoseCose,
        &issuer_key,
    )
    .unwrap();
    assert!(matches!(
        verify(&https, now()).await,
        Err(CredentialError::KeyNotControlled { .. })
    ));
}

#[tokio::test]
async fn validity_and_jwt_times_use_the_injected_clock() {
    let (key, did) = key(KeyType::Ed25519);
    let token = jwt::sign_credential(&credential(&did), JwtEncoding::JoseCose, &key).unwrap();
    let before = SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_225_600 - 120);
    assert!(matches!(
        verify(&token, before).await,
        Err(CredentialError::NotYetValid { .. })
    ));
    let after = SystemTime::UNIX_EPOCH + Duration::from_secs(1_798_761_600 + 120);
    assert!(matches!(
        verify(&token, after).await,
        Err(CredentialError::Expired { .. })
    ));
    // Within the 60 s skew either side.
    verify(&token, SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_225_600 - 30))
        .await
        .unwrap();
    // A JWT exp earlier than validUntil is enforced too.
    let mut claims = Value::Object(credential(&did).as_json().clone());
    claims["exp"] = json!(1_780_000_000);
    let header = Header::new(key.verifying_key().algorithm()).with_typ("vc+jwt");
    let short = forge(header, &claims, &key);
    assert!(matches!(
        verify(&short, now()).await,
        Err(CredentialError::Expired { .. })
    ));
}

#[tokio::test]
async fn malformed_envelopes_are_refused() {
    let (key, did) = key(KeyType::P256);
    let claims = Value::Object(credential(&did).as_json().clone());
    // typ JWT and no vc claim: not a credential JWT at all.
    let plain = forge(
        Header::new(key.verifying_key().algorithm()).with_typ("JWT"),
        &claims,
        &key,
    );
    assert!(matches!(
        verify(&plain, now()).await,
        Err(CredentialError::Invalid {
            rule: Rule::JwtClaims,
            ..
        })
    ));
    // vc+jwt must not also carry a vc claim.
    let mut both = claims.clone();
    both["vc"] = json!({});
    let both = forge(
        Header::new(key.verifying_key().algorithm()).with_typ("vc+jwt"),
        &both,
        &key,
    );
    assert!(matches!(
        verify(&both, now()).await,
        Err(CredentialError::Invalid {
            rule: Rule::JwtClaims,
            ..
        })
    ));
    // iss that disagrees with issuer.
    let mut iss = claims.clone();
    iss["iss"] = json!("did:example:other");
    let iss = forge(
        Header::new(key.verifying_key().algorithm()).with_typ("vc+jwt"),
        &iss,
        &key,
    );
    assert!(matches!(
        verify(&iss, now()).await,
        Err(CredentialError::Invalid {
            rule: Rule::JwtClaims,
            ..
        })
    ));
    // alg none.
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"vc+jwt"}"#),
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap())
    );
    assert!(matches!(
        verify(&none, now()).await,
        Err(CredentialError::Jws(JwsError::ForbiddenAlgorithm(_)))
    ));
    // Unknown crit.
    let crit = forge(
        Header::new(key.verifying_key().algorithm())
            .with_typ("vc+jwt")
            .with_crit(["exp2"])
            .with_member("exp2", 1),
        &claims,
        &key,
    );
    assert!(matches!(verify(&crit, now()).await, Err(CredentialError::Jws(_))));
    // Garbage.
    assert!(matches!(verify("not.a.jwt", now()).await, Err(CredentialError::Jws(_))));
    // An invalid credential inside a valid signature.
    let mut invalid = claims;
    invalid.as_object_mut().unwrap().remove("credentialSubject");
    let invalid = forge(
        Header::new(key.verifying_key().algorithm()).with_typ("vc+jwt"),
        &invalid,
        &key,
    );
    assert!(matches!(
        verify(&invalid, now()).await,
        Err(CredentialError::Invalid {
            rule: Rule::CredentialSubject,
            ..
        })
    ));
}

fn presentation(holder: &str, vc_jwt: &str) -> Presentation {
    Presentation::from_json(json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": holder,
        "verifiableCredential": [{
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": "EnvelopedVerifiableCredential",
            "id": format!("data:application/vc+jwt,{vc_jwt}")
        }]
    }))
    .unwrap()
}

#[tokio::test]
async fn vp_jwt_binds_nonce_and_audience() {
    let (issuer_key, issuer) = key(KeyType::P256);
    let (holder_key, holder) = key(KeyType::Ed25519);
    let vc = jwt::sign_credential(&credential(&issuer), JwtEncoding::JoseCose, &issuer_key).unwrap();
    let binding = Binding {
        nonce: Some("n-0S6_WzA2Mj".into()),
        aud: Some("https://door.example/7".into()),
    };
    let t = time::OffsetDateTime::from(now());
    let token = jwt::sign_presentation(
        &presentation(&holder, &vc),
        JwtEncoding::JoseCose,
        &binding,
        t,
        &holder_key,
    )
    .unwrap();
    assert_eq!(parts(&token).0["typ"], "vp+jwt");
    let verified = verify_vp(&token, &binding).await.unwrap();
    assert_eq!(verified.presentation.holder(), Some(holder.as_str()));
    assert_eq!(verified.presentation.credentials().len(), 1);

    let other_nonce = Binding {
        nonce: Some("another".into()),
        ..binding.clone()
    };
    assert!(matches!(
        verify_vp(&token, &other_nonce).await,
        Err(CredentialError::Binding { what: "nonce", .. })
    ));
    let other_aud = Binding {
        aud: Some("https://elsewhere.example".into()),
        ..binding.clone()
    };
    assert!(matches!(
        verify_vp(&token, &other_aud).await,
        Err(CredentialError::Binding { what: "aud", .. })
    ));
    let unbound = jwt::sign_presentation(
        &presentation(&holder, &vc),
        JwtEncoding::JoseCose,
        &Binding::default(),
        t,
        &holder_key,
    )
    .unwrap();
    assert!(matches!(
        verify_vp(&unbound, &binding).await,
        Err(CredentialError::Binding { found: None, .. })
    ));

    // Signed by the issuer's key on the holder's behalf: not the holder's key.
    let stolen = jwt::sign_presentation(
        &presentation(&holder, &vc),
        JwtEncoding::JoseCose,
        &binding,
        t,
        &issuer_key,
    )
    .unwrap();
    assert!(matches!(
        verify_vp(&stolen, &binding).await,
        Err(CredentialError::KeyNotControlled { .. })
    ));
}

#[tokio::test]
async fn vp_1_1_jwt_round_trips() {
    let (issuer_key, issuer) = key(KeyType::P256);
    let (holder_key, holder) = key(KeyType::P256);
    let vc = jwt::sign_credential(&credential_v1(&issuer), JwtEncoding::Vc11, &issuer_key).unwrap();
    let vp = Presentation::from_json(json!({
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "type": ["VerifiablePresentation"],
        "holder": holder,
        "verifiableCredential": [vc]
    }))
    .unwrap();
    let binding = Binding {
        nonce: Some("abc".into()),
        aud: Some("did:example:verifier".into()),
    };
    let token = jwt::sign_presentation(
        &vp,
        JwtEncoding::Vc11,
        &binding,
        time::OffsetDateTime::from(now()),
        &holder_key,
    )
    .unwrap();
    let (header, payload) = parts(&token);
    assert_eq!(header["typ"], "JWT");
    assert_eq!(payload["iss"], json!(holder));
    assert!(payload["vp"].get("holder").is_none());
    let verified = verify_vp(&token, &binding).await.unwrap();
    assert_eq!(verified.encoding, JwtEncoding::Vc11);
    assert_eq!(verified.presentation.holder(), Some(holder.as_str()));
    let inner = match &verified.presentation.credentials()[0] {
        did_core::vc::EmbeddedCredential::Jwt(jwt) => jwt.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(verify(&inner, now()).await.unwrap().credential.issuer(), issuer);
}
