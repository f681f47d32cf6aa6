//! Credentials bound to a holder's DID key (`cnf.kid`) rather than to a key (`cnf.jwk`): the
//! key binding follows the DID's key rotations, and a key the DID no longer lists is refused.

use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use did_core::clock::FixedClock;
use did_core::did::Did;
use did_core::document::{Document, Representation};
use did_core::jose::JwsError;
use did_core::key::{KeyType, SigningKey};
use did_core::resolve::{CompositeResolver, Resolution, ResolutionError, ResolutionOptions, Resolver};
use did_core::sd_jwt::{self, Confirmation, IssueOptions, KeyBinding, SdJwt, SdJwtError, VerifyOptions};
use serde_json::{Value, json};

const HOLDER: &str = "did:example:holder";
const HOLDER_KEY: &str = "did:example:holder#key-1";
const AUD: &str = "https://door.example";
const NONCE: &str = "n-4711";

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_750_000_000)
}

/// The holder's DID: a document listing one key as `#key-1`, which a rotation replaces;
/// `did:key` issuers are resolved as usual.
struct HolderDid {
    document: Mutex<Option<Value>>,
}

impl HolderDid {
    fn listing(key: &SigningKey) -> HolderDid {
        let holder = HolderDid {
            document: Mutex::new(None),
        };
        holder.rotate_to(key);
        holder
    }

    fn rotate_to(&self, key: &SigningKey) {
        let document = json!({
            "id": HOLDER,
            "verificationMethod": [{
                "id": HOLDER_KEY, "type": "Multikey", "controller": HOLDER,
                "publicKeyMultibase": key.verifying_key().to_multikey(),
            }],
            "authentication": [HOLDER_KEY],
        });
        *self.document.lock().unwrap() = Some(document);
    }

    fn deactivate(&self) {
        *self.document.lock().unwrap() = None;
    }
}

#[async_trait]
impl Resolver for HolderDid {
    async fn resolve(&self, did: &Did, options: &ResolutionOptions) -> Result<Resolution, ResolutionError> {
        if did.method() != "example" {
            return CompositeResolver::with_default_methods().resolve(did, options).await;
        }
        let document = self.document.lock().unwrap().clone().ok_or(ResolutionError::NotFound)?;
        let document = Document::from_value(document, Representation::Json).unwrap();
        Ok(Resolution::new(document, Representation::Json))
    }
}

struct Fixture {
    issued: String,
    holder: SigningKey,
    did: HolderDid,
    clock: FixedClock,
}

fn fixture() -> Fixture {
    let issuer = SigningKey::generate(KeyType::P256).unwrap();
    let iss = did_core::resolve::KeyResolver::did_for(issuer.verifying_key()).unwrap();
    let claims = json!({"iss": iss.as_str(), "vct": "https://example.com/employee", "department": "HR"});
    let options = IssueOptions::sd_jwt_vc()
        .disclose("/department")
        .holder_did_url(HOLDER_KEY);
    let issued = sd_jwt::issue(&claims, &options, &issuer).unwrap();
    let holder = SigningKey::generate(KeyType::P256).unwrap();
    let did = HolderDid::listing(&holder);
    Fixture {
        issued,
        holder,
        did,
        clock: FixedClock::new(now()),
    }
}

fn present(issued: &str, key: &SigningKey) -> String {
    SdJwt::parse(issued)
        .unwrap()
        .bind(&KeyBinding::new(AUD, NONCE, now()), key)
        .unwrap()
}

async fn verify(f: &Fixture, presentation: &str) -> Result<sd_jwt::VerifiedSdJwt, SdJwtError> {
    let options = VerifyOptions::sd_jwt_vc().require_key_binding(AUD, NONCE);
    sd_jwt::verify_with_resolver(presentation, &f.did, &options, &f.clock).await
}

#[test]
fn cnf_carries_the_did_url_and_nothing_else() {
    let f = fixture();
    let parsed = SdJwt::parse(&f.issued).unwrap();
    let payload: Value = {
        let jwt = parsed.issuer_jwt();
        let bytes = base64::Engine::decode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            jwt.split('.').nth(1).unwrap(),
        )
        .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    };
    assert_eq!(payload["cnf"], json!({"kid": HOLDER_KEY}));
    let claims = payload.as_object().unwrap();
    assert_eq!(
        Confirmation::from_claims(claims).unwrap(),
        Some(Confirmation::DidUrl(HOLDER_KEY.into()))
    );
}

#[tokio::test]
async fn the_key_binding_follows_the_dids_current_key() {
    let f = fixture();
    let verified = verify(&f, &present(&f.issued, &f.holder)).await.unwrap();
    assert!(verified.key_binding_verified());
    assert_eq!(verified.claims["cnf"], json!({"kid": HOLDER_KEY}));

    // Another key than the DID's: refused.
    let thief = SigningKey::generate(KeyType::P256).unwrap();
    let err = verify(&f, &present(&f.issued, &thief)).await.unwrap_err();
    assert_eq!(err, SdJwtError::KeyBindingJws(JwsError::BadSignature), "{err:?}");

    // The DID rotates to a new key: the old key is refused, the new one accepted, with the
    // very same credential.
    let new_key = SigningKey::generate(KeyType::P256).unwrap();
    f.did.rotate_to(&new_key);
    let err = verify(&f, &present(&f.issued, &f.holder)).await.unwrap_err();
    assert_eq!(err, SdJwtError::KeyBindingJws(JwsError::BadSignature), "{err:?}");
    verify(&f, &present(&f.issued, &new_key)).await.unwrap();

    // The DID cannot be resolved: the binding cannot be checked.
    f.did.deactivate();
    let err = verify(&f, &present(&f.issued, &new_key)).await.unwrap_err();
    assert_eq!(err, SdJwtError::HolderKeyResolution(ResolutionError::NotFound));
    assert_eq!(err.code(), "SD_JWT_HOLDER_KEY_UNRESOLVED");
}

#[tokio::test]
async fn without_a_key_binding_the_did_is_not_resolved() {
    let f = fixture();
    f.did.deactivate();
    let verified = sd_jwt::verify_with_resolver(&f.issued, &f.did, &VerifyOptions::sd_jwt_vc(), &f.clock)
        .await
        .unwrap();
    assert!(!verified.key_binding_verified());
}

#[tokio::test]
async fn a_did_url_naming_no_authentication_key_is_refused() {
    let f = fixture();
    // The document lists #key-1 for authentication only; #key-2 is nowhere.
    let issuer = SigningKey::generate(KeyType::P256).unwrap();
    let iss = did_core::resolve::KeyResolver::did_for(issuer.verifying_key()).unwrap();
    let claims = json!({"iss": iss.as_str(), "vct": "https://example.com/employee"});
    let options = IssueOptions::sd_jwt_vc().holder_did_url(format!("{HOLDER}#key-2"));
    let issued = sd_jwt::issue(&claims, &options, &issuer).unwrap();
    let err = verify(&f, &present(&issued, &f.holder)).await.unwrap_err();
    assert!(matches!(err, SdJwtError::HolderKey(_)), "{err:?}");
}

#[test]
fn a_did_bound_credential_needs_a_resolver() {
    let f = fixture();
    let issuer_key = {
        // The sync API has no resolver: it cannot find the holder key, and says so.
        let parsed = SdJwt::parse(&f.issued).unwrap();
        let payload = did_core::jose::decode(parsed.issuer_jwt()).unwrap();
        let claims: Value = serde_json::from_slice(payload.payload()).unwrap();
        let iss = claims["iss"].as_str().unwrap().to_owned();
        did_core::key::VerifyingKey::from_multikey(iss.trim_start_matches("did:key:")).unwrap()
    };
    let options = VerifyOptions::sd_jwt_vc().require_key_binding(AUD, NONCE);
    let err = sd_jwt::verify(&present(&f.issued, &f.holder), &issuer_key, &options, &f.clock).unwrap_err();
    assert!(
        matches!(err, SdJwtError::HolderKey(m) if m.contains("resolver")),
        "{err:?}"
    );
}

#[test]
fn the_issuer_refuses_what_is_not_one_did_key() {
    let issuer = SigningKey::generate(KeyType::P256).unwrap();
    let claims = json!({"iss": "https://issuer.example", "vct": "https://example.com/employee"});
    for bad in [
        "did:example:holder",
        "https://holder.example#key-1",
        "#key-1",
        "did:example:holder#",
    ] {
        let options = IssueOptions::sd_jwt_vc().holder_did_url(bad);
        let err = sd_jwt::issue(&claims, &options, &issuer).unwrap_err();
        assert!(matches!(err, SdJwtError::HolderKey(_)), "{bad}: {err:?}");
    }
    let both = IssueOptions::sd_jwt_vc()
        .holder_did_url(HOLDER_KEY)
        .holder_key(issuer.verifying_key().clone());
    assert!(matches!(
        sd_jwt::issue(&claims, &both, &issuer),
        Err(SdJwtError::InvalidClaims(_))
    ));
}

#[test]
fn a_cnf_with_neither_jwk_nor_a_did_url_is_refused() {
    for cnf in [
        json!({}),
        json!({"kid": 7}),
        json!({"kid": "key-1"}),
        json!({"jku": "https://x"}),
    ] {
        let claims = json!({ "cnf": cnf });
        let err = Confirmation::from_claims(claims.as_object().unwrap()).unwrap_err();
        assert!(matches!(err, SdJwtError::HolderKey(_)), "{cnf}: {err:?}");
    }
}
