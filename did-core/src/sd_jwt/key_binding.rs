//! Key Binding JWTs (RFC 9901 §4.3): made by the holder, checked by the verifier.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Deserialize as _;
use serde_json::{Map, Value};

use super::compact::SdJwt;
use super::{SdJwtError, unverified_payload};
use crate::clock::Clock;
use crate::did::DidUrl;
use crate::jose::{self, Header, JwsError};
use crate::key::{Jwk, Signer, SigningKey, VerifyingKey};

/// The `typ` of a KB-JWT.
pub const KB_JWT_TYP: &str = "kb+jwt";

/// What the holder binds a presentation to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyBinding {
    /// The verifier (`aud`).
    pub audience: String,
    /// The verifier's challenge (`nonce`).
    pub nonce: String,
    /// When the KB-JWT is made (`iat`).
    pub issued_at: SystemTime,
}

impl KeyBinding {
    /// A key binding for `audience` and `nonce`, issued at `issued_at`.
    pub fn new(audience: impl Into<String>, nonce: impl Into<String>, issued_at: SystemTime) -> KeyBinding {
        KeyBinding {
            audience: audience.into(),
            nonce: nonce.into(),
            issued_at,
        }
    }
}

/// The claims of a KB-JWT that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeyBindingClaims {
    /// `aud`.
    pub audience: String,
    /// `nonce`.
    pub nonce: String,
    /// `iat`, in seconds since the Unix epoch.
    pub issued_at: u64,
}

impl SdJwt {
    /// Appends a KB-JWT signed with the holder's in-memory key, replacing any there was.
    /// Returns the SD-JWT+KB compact serialization.
    ///
    /// Fails with [`SdJwtError::HolderKey`] if the issuer JWT has a `cnf.jwk` that is
    /// not `holder`'s key. (A `cnf.kid` names a DID key, which only the verifier's
    /// resolution can match to `holder`.)
    pub fn bind(&self, binding: &KeyBinding, holder: &SigningKey) -> Result<String, SdJwtError> {
        let (header, payload) = self.kb_parts(binding, holder.verifying_key())?;
        let kb = jose::sign_json_with_key(header, &payload, holder)?;
        Ok(format!("{}{kb}", self.without_key_binding()))
    }

    /// Appends a KB-JWT signed with any [`Signer`]. Same rules as [`SdJwt::bind`].
    pub async fn bind_with_signer(&self, binding: &KeyBinding, holder: &dyn Signer) -> Result<String, SdJwtError> {
        let (header, payload) = self.kb_parts(binding, holder.verifying_key())?;
        let kb = jose::sign_json(header, &payload, holder).await?;
        Ok(format!("{}{kb}", self.without_key_binding()))
    }

    fn kb_parts(
        &self,
        binding: &KeyBinding,
        holder: &VerifyingKey,
    ) -> Result<(Header, Map<String, Value>), SdJwtError> {
        let payload = unverified_payload(&self.issuer_jwt)?;
        if let Some(cnf_key) = holder_key(&payload)?
            && &cnf_key != holder
        {
            return Err(SdJwtError::HolderKey("the holder key is not the one in cnf"));
        }
        let iat = binding
            .issued_at
            .duration_since(UNIX_EPOCH)
            .map_err(|_| SdJwtError::InvalidKeyBinding("iat before 1970"))?
            .as_secs();
        let mut claims = Map::new();
        claims.insert("iat".to_owned(), Value::from(iat));
        claims.insert("aud".to_owned(), Value::from(binding.audience.as_str()));
        claims.insert("nonce".to_owned(), Value::from(binding.nonce.as_str()));
        claims.insert("sd_hash".to_owned(), Value::from(self.sd_hash()));
        Ok((Header::new(holder.algorithm()).with_typ(KB_JWT_TYP), claims))
    }
}

/// How a credential's `cnf` claim names the holder's key (RFC 7800 §3).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Confirmation {
    /// The key itself (`cnf.jwk`): only that key can ever present the credential.
    Key(VerifyingKey),
    /// A key of the holder's DID (`cnf.kid`, an absolute DID URL with a fragment): whatever
    /// key the DID document lists under that id when the credential is presented, so a key
    /// rotation of the DID moves the credential to the new key.
    DidUrl(String),
}

impl Confirmation {
    /// The confirmation in `claims` (an SD-JWT payload, verified or not), or `None` without
    /// a `cnf`. `cnf.jwk` is read first; a `cnf` with neither a usable `jwk` nor a DID URL
    /// in `kid` is [`SdJwtError::HolderKey`].
    pub fn from_claims(claims: &Map<String, Value>) -> Result<Option<Confirmation>, SdJwtError> {
        Confirmation::from_cnf(claims.get("cnf"))
    }

    fn from_cnf(cnf: Option<&Value>) -> Result<Option<Confirmation>, SdJwtError> {
        let Some(cnf) = cnf else {
            return Ok(None);
        };
        if let Some(jwk) = cnf.get("jwk") {
            let jwk = Jwk::deserialize(jwk).map_err(|_| SdJwtError::HolderKey("cnf.jwk is not a JWK"))?;
            return VerifyingKey::from_jwk(&jwk)
                .map(|key| Some(Confirmation::Key(key)))
                .map_err(|_| SdJwtError::HolderKey("cnf.jwk is not a supported public key"));
        }
        match cnf.get("kid") {
            Some(Value::String(kid)) => {
                check_did_url(kid)?;
                Ok(Some(Confirmation::DidUrl(kid.clone())))
            }
            Some(_) => Err(SdJwtError::HolderKey("cnf.kid is not a string")),
            None => Err(SdJwtError::HolderKey("cnf has neither jwk nor kid")),
        }
    }
}

/// Checks that `did_url` is an absolute DID URL naming one key: `did:…#fragment`.
pub(crate) fn check_did_url(did_url: &str) -> Result<(), SdJwtError> {
    match DidUrl::parse(did_url) {
        Ok(url) if url.has_fragment() => Ok(()),
        _ => Err(SdJwtError::HolderKey(
            "cnf.kid must be an absolute DID URL with a fragment (did:…#key)",
        )),
    }
}

/// The key in the payload's `cnf.jwk`, if there is one.
pub(crate) fn holder_key(payload: &Map<String, Value>) -> Result<Option<VerifyingKey>, SdJwtError> {
    Ok(match Confirmation::from_claims(payload)? {
        Some(Confirmation::Key(key)) => Some(key),
        _ => None,
    })
}

/// What the verifier expects of a KB-JWT.
pub(crate) struct Expectations<'a> {
    pub(crate) audience: Option<&'a str>,
    pub(crate) nonce: Option<&'a str>,
    pub(crate) max_age: Duration,
    pub(crate) skew: Duration,
}

/// Verifies `sd_jwt`'s KB-JWT against `key`, the holder key the verified issuer payload's
/// `cnf` names.
pub(crate) fn verify(
    sd_jwt: &SdJwt,
    kb: &str,
    key: &VerifyingKey,
    expect: &Expectations<'_>,
    clock: &dyn Clock,
) -> Result<KeyBindingClaims, SdJwtError> {
    let options = jose::VerifyOptions::default().expect_typ(KB_JWT_TYP);
    let verified = jose::verify(kb, key, &options).map_err(SdJwtError::KeyBindingJws)?;
    let claims = verified.payload_object().map_err(|e| match e {
        JwsError::InvalidPayload(_) => SdJwtError::InvalidKeyBinding("payload is not a JSON object"),
        other => SdJwtError::KeyBindingJws(other),
    })?;
    let string = |name, error| {
        claims
            .get(name)
            .and_then(Value::as_str)
            .ok_or(SdJwtError::InvalidKeyBinding(error))
    };
    let sd_hash = string("sd_hash", "sd_hash is missing or not a string")?;
    let audience = string("aud", "aud is missing or not a string")?;
    let nonce = string("nonce", "nonce is missing or not a string")?;
    let iat = claims
        .get("iat")
        .and_then(Value::as_u64)
        .ok_or(SdJwtError::InvalidKeyBinding(
            "iat is missing or not a non-negative integer",
        ))?;
    if sd_hash != sd_jwt.sd_hash() {
        return Err(SdJwtError::SdHashMismatch);
    }
    if expect.audience.is_some_and(|expected| expected != audience) {
        return Err(SdJwtError::AudienceMismatch);
    }
    if expect.nonce.is_some_and(|expected| expected != nonce) {
        return Err(SdJwtError::NonceMismatch);
    }
    let now = unix_seconds(clock.now());
    if iat > now.saturating_add(expect.skew.as_secs()) {
        return Err(SdJwtError::KeyBindingInFuture);
    }
    if now.saturating_sub(iat) > expect.max_age.as_secs().saturating_add(expect.skew.as_secs()) {
        return Err(SdJwtError::KeyBindingStale);
    }
    Ok(KeyBindingClaims {
        audience: audience.to_owned(),
        nonce: nonce.to_owned(),
        issued_at: iat,
    })
}

/// Seconds since the Unix epoch (0 before it).
pub(crate) fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}
