//! A small world for decision tests: an issuer with a did:key, a holder, a Token Status List,
//! a door policy and an engine, at a fixed time.
#![allow(dead_code)]

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
