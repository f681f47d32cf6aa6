//! A small world for decision tests: an issuer with a did:key, a holder, a Token Status List,
//! a door policy and an engine, at a fixed time.
#![allow(dead_code)]

pub mod camera;
pub mod pki;
pub mod registry;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use did_core::clock::FixedClock;
use did_core::key::{KeyType, SigningKey};
use did_core::resolve::{CompositeResolver, KeyResolver};
use did_core::sd_jwt::{self, IssueOptions, KeyBinding, SdJwt};
use did_core::status::{MemoryStatusListSource, StatusListClaim, StatusListToken, TokenStatus, TokenStatusList};
use serde_json::{Value, json};
use verifier::decision::Engine;
use verifier::policy::Policy;

/// 2026-06-01T00:00:00Z, a Monday.
pub const T0: u64 = 1_780_272_000;
/// The door's audience.
pub const AUD: &str = "https://door.example/east";
/// The issuer's status list.
pub const LIST_URL: &str = "https://hr.example/status/1";
/// The credential's index in the status list.
pub const INDEX: u64 = 7;
/// The credential type.
pub const VCT: &str = "EmployeeIdCredential";

pub struct World {
    pub issuer: SigningKey,
    pub issuer_did: String,
    pub kid: String,
    pub holder: SigningKey,
    pub statuses: TokenStatusList,
    pub clock: FixedClock,
}

pub fn at(seconds: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(seconds)
}

impl World {
    pub fn new() -> World {
        let issuer = SigningKey::generate(KeyType::P256).unwrap();
        let issuer_did = KeyResolver::did_for(issuer.verifying_key()).unwrap().into_string();
        let kid = KeyResolver::key_id_for(issuer.verifying_key());
        World {
            issuer,
            issuer_did,
            kid,
            holder: SigningKey::generate(KeyType::P256).unwrap(),
            statuses: TokenStatusList::new(2, 1024).unwrap(),
            // Monday 10:00 KST.
            clock: FixedClock::new(at(T0 + 3600)),
        }
    }

    pub fn now(&self) -> SystemTime {
        use did_core::clock::Clock as _;
        self.clock.now()
    }

    /// The claims of an employee ID, valid for a year from T0.
    pub fn claims(&self) -> Value {
        json!({
            "iss": self.issuer_did,
            "vct": VCT,
            "iat": T0,
            "nbf": T0,
            "exp": T0 + 365 * 86400,
            "name": "Kim Minji",
            "birthdate": "1990-04-01",
            "department": "IT",
            "age_over_19": true,
            "status": {"status_list": {"idx": INDEX, "uri": LIST_URL}},
        })
    }

    /// Issues `claims` as an SD-JWT VC bound to the holder's key, signed by `key`.
    pub fn issue_with(&self, claims: &Value, key: &SigningKey, kid: &str) -> String {
        let mut options = IssueOptions::sd_jwt_vc()
            .holder_key(self.holder.verifying_key().clone())
            .kid(kid);
        for pointer in ["/name", "/birthdate", "/department", "/age_over_19"] {
            if claims.pointer(pointer).is_some() {
                options = options.disclose(pointer);
            }
        }
        sd_jwt::issue(claims, &options, key).unwrap()
    }

    pub fn issue(&self, claims: &Value) -> String {
        self.issue_with(claims, &self.issuer, &self.kid)
    }

    /// The holder's presentation of `issued`, disclosing `disclose`, bound to `nonce`/`aud`.
    pub fn present_with(&self, issued: &str, nonce: &str, aud: &str, disclose: &[&str], holder: &SigningKey) -> String {
        let kb = KeyBinding::new(aud, nonce, self.now());
        SdJwt::parse(issued)
            .unwrap()
            .select(disclose)
            .unwrap()
            .bind(&kb, holder)
            .unwrap()
    }

    pub fn present(&self, issued: &str, nonce: &str) -> String {
        self.present_with(issued, nonce, AUD, &["/department"], &self.holder)
    }

    /// The status list token as the issuer publishes it now.
    pub fn status_token(&self) -> String {
        let claim = StatusListClaim::from_list(&self.statuses).unwrap();
        StatusListToken::new(LIST_URL, T0, claim)
            .unwrap()
            .sign(&self.issuer, Some(&self.kid))
            .unwrap()
    }

    pub fn set_status(&mut self, status: u8) {
        self.statuses.set(INDEX, TokenStatus(status)).unwrap();
    }

    pub fn status_source(&self) -> MemoryStatusListSource {
        MemoryStatusListSource::new().with(LIST_URL, self.status_token())
    }

    pub fn engine(&self) -> Engine {
        Engine::online(
            Arc::new(CompositeResolver::with_default_methods()),
            Arc::new(self.status_source()),
        )
    }

    /// A presentation by the holder carrying the `vc+jwt` `vc` (unsigned JSON).
    pub fn enveloped_vp(&self, vc: &str) -> Value {
        json!({
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiablePresentation"],
            "holder": self.holder_did(),
            "verifiableCredential": [{
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": "EnvelopedVerifiableCredential",
                "id": format!("data:application/vc+jwt,{vc}")
            }]
        })
    }

    pub fn policy(&self) -> Policy {
        Policy::from_toml(&format!(
            r#"
            door = "east"
            audience = "{AUD}"
            [[accept]]
            type = "{VCT}"
            issuers = ["{}"]
            claims = [{{ path = "department", in = ["IT", "Security"] }}]
            "#,
            self.issuer_did
        ))
        .unwrap()
    }
}

// ---------------------------------------------------------------------------------------------
// Raw building blocks for crafted (attack) inputs: every part of an SD-JWT+KB can be rebuilt
// byte by byte and signed with any key, so a test can change exactly one thing.
// ---------------------------------------------------------------------------------------------

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use did_core::sd_jwt::Disclosure;
use sha2::{Digest as _, Sha256};

/// Unpadded base64url.
pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes unpadded base64url.
pub fn unb64(text: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(text).unwrap()
}

/// A compact JWS over the exact `header` and `payload` bytes, with whatever `sign` returns
/// over the signing input as the signature.
pub fn raw_jws(header: &str, payload: &str, sign: impl FnOnce(&[u8]) -> Vec<u8>) -> String {
    let input = format!("{}.{}", b64(header), b64(payload));
    let signature = sign(input.as_bytes());
    format!("{input}.{}", b64(signature))
}

/// A compact JWS signed by `key` (raw `r || s`), whatever the header says.
pub fn signed_jws(header: &str, payload: &str, key: &SigningKey) -> String {
    raw_jws(header, payload, |input| key.sign(input).unwrap())
}

/// The SD-JWT `sd_hash` of `presentation` (everything up to and including the last `~`).
pub fn sd_hash(presentation: &str) -> String {
    b64(Sha256::digest(presentation.as_bytes()))
}

/// A disclosure for `[salt, name, value]` (or `[salt, value]` without a name), exactly as given.
pub fn disclosure(salt: &str, name: Option<&str>, value: &Value) -> String {
    let array = match name {
        Some(name) => json!([salt, name, value]),
        None => json!([salt, value]),
    };
    b64(serde_json::to_string(&array).unwrap())
}

/// The digest an issuer lists for an encoded disclosure.
pub fn digest(disclosure: &str) -> String {
    b64(Sha256::digest(disclosure.as_bytes()))
}

/// An issued SD-JWT taken apart: the issuer JWT's header and payload as JSON, and the
/// encoded disclosures.
#[derive(Debug, Clone)]
pub struct Parts {
    pub header: Value,
    pub payload: Value,
    pub disclosures: Vec<String>,
}

impl Parts {
    /// The disclosure of claim `name`.
    pub fn disclosure(&self, name: &str) -> String {
        self.disclosures
            .iter()
            .find(|d| Disclosure::parse(d).unwrap().name() == Some(name))
            .unwrap_or_else(|| panic!("no disclosure for {name}"))
            .clone()
    }

    /// The issuer JWT's header as JSON text.
    pub fn header_json(&self) -> String {
        serde_json::to_string(&self.header).unwrap()
    }

    /// The issuer JWT's payload as JSON text.
    pub fn payload_json(&self) -> String {
        serde_json::to_string(&self.payload).unwrap()
    }
}

/// Takes an issued (or presented) compact SD-JWT apart.
pub fn parts_of(issued: &str) -> Parts {
    let mut pieces = issued.split('~');
    let jwt = pieces.next().unwrap();
    let disclosures = pieces.filter(|p| !p.is_empty()).map(str::to_owned).collect();
    let mut segments = jwt.split('.');
    let header = serde_json::from_slice(&unb64(segments.next().unwrap())).unwrap();
    let payload = serde_json::from_slice(&unb64(segments.next().unwrap())).unwrap();
    Parts {
        header,
        payload,
        disclosures,
    }
}

/// An SD-JWT without key binding: `jwt~d1~d2~`.
pub fn sd_jwt(jwt: &str, disclosures: &[String]) -> String {
    let mut out = format!("{jwt}~");
    for d in disclosures {
        out.push_str(d);
        out.push('~');
    }
    out
}

/// A copy of `key` carrying `kid` as its key ID (so did-core's signers put it in `kid`).
pub fn with_kid(key: &SigningKey, kid: &str) -> SigningKey {
    SigningKey::from_bytes(key.key_type(), &key.to_bytes())
        .unwrap()
        .with_key_id(kid)
}

/// A fresh P-256 key with its did:key and key ID: an attacker, or another party.
pub fn other_party() -> (SigningKey, String, String) {
    let key = SigningKey::generate(KeyType::P256).unwrap();
    let did = KeyResolver::did_for(key.verifying_key()).unwrap().into_string();
    let kid = KeyResolver::key_id_for(key.verifying_key());
    (key, did, kid)
}

impl World {
    /// Issues `claims` and takes the result apart.
    pub fn parts(&self, claims: &Value) -> Parts {
        parts_of(&self.issue(claims))
    }

    /// The issuer JWT over exactly `header` and `payload` (JSON text), signed by the issuer.
    pub fn issuer_jwt(&self, header: &str, payload: &str) -> String {
        signed_jws(header, payload, &self.issuer)
    }

    /// `parts` reassembled as an SD-JWT disclosing only `disclose` (claim names), re-signed by
    /// the issuer: identical to what the issuer would have issued with this header and payload.
    pub fn resigned(&self, parts: &Parts, disclose: &[&str]) -> String {
        let jwt = self.issuer_jwt(&parts.header_json(), &parts.payload_json());
        let disclosures: Vec<String> = disclose.iter().map(|name| parts.disclosure(name)).collect();
        sd_jwt(&jwt, &disclosures)
    }

    /// The KB-JWT claims the holder makes for `sd` (an SD-JWT ending in `~`) now.
    pub fn kb_claims(&self, sd: &str, nonce: &str) -> Value {
        json!({
            "iat": self.now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs(),
            "aud": AUD,
            "nonce": nonce,
            "sd_hash": sd_hash(sd),
        })
    }

    /// `sd` with a KB-JWT of exactly `header` and `claims`, signed by `key`.
    pub fn bind_raw(&self, sd: &str, header: &str, claims: &Value, key: &SigningKey) -> String {
        format!("{sd}{}", signed_jws(header, &claims.to_string(), key))
    }

    /// `sd` with the holder's ordinary KB-JWT over `nonce` for the door.
    pub fn bind(&self, sd: &str, nonce: &str) -> String {
        self.bind_raw(
            sd,
            r#"{"alg":"ES256","typ":"kb+jwt"}"#,
            &self.kb_claims(sd, nonce),
            &self.holder,
        )
    }

    /// The holder's did:key.
    pub fn holder_did(&self) -> String {
        KeyResolver::did_for(self.holder.verifying_key()).unwrap().into_string()
    }

    /// The holder's key with its did:key key ID, for signing presentations.
    pub fn holder_signer(&self) -> SigningKey {
        with_kid(&self.holder, &KeyResolver::key_id_for(self.holder.verifying_key()))
    }

    /// The issuer's key with its key ID, for signing VC-JWTs.
    pub fn issuer_signer(&self) -> SigningKey {
        with_kid(&self.issuer, &self.kid)
    }

    /// A status source serving exactly `token` at the list URL.
    pub fn status_source_with(&self, token: String) -> MemoryStatusListSource {
        MemoryStatusListSource::new().with(LIST_URL, token)
    }

    /// An online engine whose status source serves `token` at the list URL.
    pub fn engine_with_status(&self, token: String) -> Engine {
        Engine::online(
            Arc::new(CompositeResolver::with_default_methods()),
            Arc::new(self.status_source_with(token)),
        )
    }

    /// Offline trust as a bundle gives it: this world's status list fetched `fetched_ago`
    /// before now, the issuer trusted for the credential type, the bundle expiring at
    /// `expires_at`.
    pub fn offline_trust(&self, fetched_ago: Duration, expires_at: SystemTime) -> verifier::decision::OfflineTrust {
        verifier::decision::OfflineTrust {
            resolver: Arc::new(CompositeResolver::with_default_methods()),
            status: Arc::new(self.status_source()),
            status_fetched_at: std::collections::HashMap::from([(LIST_URL.to_owned(), self.now() - fetched_ago)]),
            issuers: std::collections::HashMap::from([(VCT.to_owned(), vec![self.issuer_did.clone()])]),
            expires_at,
            registry_signed_at: None,
        }
    }
}
