//! Verification (RFC 9901 §7): issuer signature, disclosures, time, key binding, and the
//! SD-JWT VC rules.

use std::time::Duration;

use serde_json::{Map, Value};

use super::compact::SdJwt;
use super::key_binding::{self, Confirmation, Expectations, KeyBindingClaims, unix_seconds};
use super::process::process;
use super::{Profile, SdJwtError, check_sd_alg};
use crate::clock::Clock;
use crate::document::Relationship;
use crate::jose::{self, Header, JwsError};
use crate::key::VerifyingKey;
use crate::resolve::{ResolutionError, Resolver, resolve_party_key};
use crate::text::truncated;

/// What the verifier accepts.
///
/// ```
/// use did_core::sd_jwt::VerifyOptions;
/// let options = VerifyOptions::sd_jwt_vc().require_key_binding("https://verifier.example", "n-0S6_WzA2Mj");
/// assert!(options.require_key_binding);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyOptions {
    /// Which rules apply. [`Profile::SdJwtVc`] requires `typ` `dc+sd-jwt` (or the legacy
    /// `vc+sd-jwt`), a string `vct` and a string `iss`, all in the signed payload itself.
    pub profile: Profile,
    /// `typ` values accepted for the issuer JWT (ASCII case-insensitive). Empty: any
    /// `typ`, or none. Ignored for [`Profile::SdJwtVc`], which has its own.
    pub accepted_typ: Vec<String>,
    /// Refuse a presentation without a KB-JWT.
    pub require_key_binding: bool,
    /// The KB-JWT's `aud` must equal this, when set.
    pub audience: Option<String>,
    /// The KB-JWT's `nonce` must equal this, when set.
    pub nonce: Option<String>,
    /// The oldest a KB-JWT's `iat` may be (default 5 minutes).
    pub key_binding_max_age: Duration,
    /// Clock skew allowed on `exp`, `nbf`, `iat` and the KB-JWT's `iat` (default 60 s).
    pub skew: Duration,
}

impl Default for VerifyOptions {
    fn default() -> VerifyOptions {
        VerifyOptions::sd_jwt()
    }
}

impl VerifyOptions {
    /// Plain SD-JWT: any `typ`, key binding verified if present but not required.
    pub fn sd_jwt() -> VerifyOptions {
        VerifyOptions {
            profile: Profile::SdJwt,
            accepted_typ: Vec::new(),
            require_key_binding: false,
            audience: None,
            nonce: None,
            key_binding_max_age: Duration::from_secs(300),
            skew: Duration::from_secs(60),
        }
    }

    /// SD-JWT VC (draft-ietf-oauth-sd-jwt-vc).
    pub fn sd_jwt_vc() -> VerifyOptions {
        VerifyOptions {
            profile: Profile::SdJwtVc,
            ..VerifyOptions::sd_jwt()
        }
    }

    /// Accepts `typ` for the issuer JWT (call again to accept several).
    pub fn accept_typ(mut self, typ: impl Into<String>) -> VerifyOptions {
        self.accepted_typ.push(typ.into());
        self
    }

    /// Requires a KB-JWT for `audience` with `nonce`.
    pub fn require_key_binding(mut self, audience: impl Into<String>, nonce: impl Into<String>) -> VerifyOptions {
        self.require_key_binding = true;
        self.audience = Some(audience.into());
        self.nonce = Some(nonce.into());
        self
    }

    /// Sets the oldest a KB-JWT may be.
    pub fn key_binding_max_age(mut self, max_age: Duration) -> VerifyOptions {
        self.key_binding_max_age = max_age;
        self
    }

    /// Sets the allowed clock skew.
    pub fn skew(mut self, skew: Duration) -> VerifyOptions {
        self.skew = skew;
        self
    }
}

/// A verified SD-JWT: the issuer signature, every disclosure, the validity window and
/// (if present) the key binding all checked.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifiedSdJwt {
    /// The issuer JWT's protected header.
    pub header: Header,
    /// The processed claims: disclosed claims in place, `_sd`, `_sd_alg` and undisclosed
    /// digests removed, `cnf` kept.
    pub claims: Map<String, Value>,
    /// The KB-JWT's claims, if a KB-JWT was present and verified.
    pub key_binding: Option<KeyBindingClaims>,
}

impl VerifiedSdJwt {
    /// Whether a KB-JWT was present and verified.
    pub fn key_binding_verified(&self) -> bool {
        self.key_binding.is_some()
    }
}

/// Parses `input` (compact, or the JWS JSON serialization if it starts with `{`) and
/// verifies it with the issuer key the caller chose.
pub fn verify(
    input: &str,
    issuer_key: &VerifyingKey,
    options: &VerifyOptions,
    clock: &dyn Clock,
) -> Result<VerifiedSdJwt, SdJwtError> {
    parse_any(input)?.verify(issuer_key, options, clock)
}

/// As [`verify`], finding the issuer key through `resolver` (see
/// [`SdJwt::verify_with_resolver`]).
pub async fn verify_with_resolver(
    input: &str,
    resolver: &dyn Resolver,
    options: &VerifyOptions,
    clock: &dyn Clock,
) -> Result<VerifiedSdJwt, SdJwtError> {
    parse_any(input)?.verify_with_resolver(resolver, options, clock).await
}

fn parse_any(input: &str) -> Result<SdJwt, SdJwtError> {
    if input.trim_start().starts_with('{') {
        SdJwt::from_json(input)
    } else {
        SdJwt::parse(input)
    }
}

impl SdJwt {
    /// Verifies with `issuer_key`, in order: the issuer signature (through `crate::jose`:
    /// algorithm allow-list and binding to the key, `crit`, no `b64: false`); for the JSON
    /// serialization any one signature suffices; `typ`; `_sd_alg` (only `sha-256`); the
    /// disclosures; `exp`, `nbf`, `iat` against `clock`; the SD-JWT VC rules; and the
    /// KB-JWT, if present or required.
    pub fn verify(
        &self,
        issuer_key: &VerifyingKey,
        options: &VerifyOptions,
        clock: &dyn Clock,
    ) -> Result<VerifiedSdJwt, SdJwtError> {
        let checked = self.check(issuer_key, options, clock, None)?;
        let holder = match &checked.confirmation {
            None => None,
            Some(Confirmation::Key(key)) => Some(key.clone()),
            Some(Confirmation::DidUrl(_)) => {
                return Err(SdJwtError::HolderKey("cnf.kid names a DID key: verify with a resolver"));
            }
        };
        self.finish(checked, holder.as_ref(), options, clock)
    }

    /// Everything but the KB-JWT: the issuer signature, `typ`, the SD-JWT VC rules, the
    /// disclosures and the validity window; and, when a KB-JWT is present, how `cnf` names
    /// the key it must verify with.
    ///
    /// `parsed` is the issuer JWT already decoded and its payload already read (strictly)
    /// before its signature was checked. A compact SD-JWT has one signature, so the JWS that
    /// verifies is that very decoding and its payload those very bytes: neither is decoded
    /// or parsed twice.
    fn check(
        &self,
        issuer_key: &VerifyingKey,
        options: &VerifyOptions,
        clock: &dyn Clock,
        parsed: Option<(jose::Decoded<'_>, Map<String, Value>)>,
    ) -> Result<Checked, SdJwtError> {
        let (verified, payload) = match parsed {
            Some((decoded, payload)) if self.other_signatures.is_empty() => {
                let verified = decoded
                    .verify(issuer_key, &jose::VerifyOptions::default())
                    .map_err(SdJwtError::Jws)?;
                (verified, Some(payload))
            }
            _ => (self.verify_signature(issuer_key)?, None),
        };
        check_typ(&verified.header, options)?;
        let payload = match payload {
            Some(payload) => payload,
            None => verified.payload_object().map_err(|e| match e {
                JwsError::InvalidPayload(_) => SdJwtError::InvalidPayload("not a JSON object"),
                other => SdJwtError::Jws(other),
            })?,
        };
        if options.profile == Profile::SdJwtVc {
            if !payload.get("vct").is_some_and(Value::is_string) {
                return Err(SdJwtError::InvalidVc("vct is missing or not a string"));
            }
            if !payload.get("iss").is_some_and(Value::is_string) {
                return Err(SdJwtError::InvalidVc("iss is missing or not a string"));
            }
        }
        // The key binding needs only `cnf` (which disclosures never touch): the payload
        // itself is processed in place.
        let confirmation = match &self.key_binding_jwt {
            Some(_) => {
                Some(Confirmation::from_claims(&payload)?.ok_or(SdJwtError::HolderKey("the payload has no cnf"))?)
            }
            None => None,
        };
        let mut stripped = payload;
        check_sd_alg(&mut stripped)?;
        let claims = process(stripped, &self.disclosures)?.claims;
        check_time(&claims, options.skew, clock)?;
        if self.key_binding_jwt.is_none() && options.require_key_binding {
            return Err(SdJwtError::KeyBindingRequired);
        }
        Ok(Checked {
            header: verified.header,
            claims,
            confirmation,
        })
    }

    /// Verifies the KB-JWT, if there is one, with `holder`, the key `cnf` names.
    fn finish(
        &self,
        checked: Checked,
        holder: Option<&VerifyingKey>,
        options: &VerifyOptions,
        clock: &dyn Clock,
    ) -> Result<VerifiedSdJwt, SdJwtError> {
        let key_binding = match (&self.key_binding_jwt, holder) {
            (None, _) => None,
            (Some(_), None) => return Err(SdJwtError::HolderKey("the payload has no cnf")),
            (Some(kb), Some(holder)) => {
                let expect = Expectations {
                    audience: options.audience.as_deref(),
                    nonce: options.nonce.as_deref(),
                    max_age: options.key_binding_max_age,
                    skew: options.skew,
                };
                Some(key_binding::verify(self, kb, holder, &expect, clock)?)
            }
        };
        Ok(VerifiedSdJwt {
            header: checked.header,
            claims: checked.claims,
            key_binding,
        })
    }

    /// Verifies with the issuer key found through `resolver` by
    /// [`resolve_party_key`](crate::resolve::resolve_party_key), under `assertionMethod`:
    /// the (first) protected header's `kid` (absolute, or relative to `iss`) must be a method
    /// of `iss`'s DID; without a `kid`, `iss`'s one assertion key. A token without `iss`
    /// speaks for its `kid`'s DID.
    ///
    /// A key `iss` does not control is [`SdJwtError::IssuerKey`]. Then as [`SdJwt::verify`],
    /// except that a KB-JWT of a credential bound to a DID key (`cnf.kid`) is verified with
    /// the key the holder's DID document lists under that id for `authentication`, resolved
    /// through `resolver` after every other check passed: a key the DID no longer lists
    /// (rotated away) is [`SdJwtError::HolderKey`], a DID that cannot be resolved
    /// [`SdJwtError::HolderKeyResolution`].
    pub async fn verify_with_resolver(
        &self,
        resolver: &dyn Resolver,
        options: &VerifyOptions,
        clock: &dyn Clock,
    ) -> Result<VerifiedSdJwt, SdJwtError> {
        let decoded = jose::decode(&self.issuer_jwt)?;
        let payload = crate::json::parse_object(decoded.payload())
            .map_err(|_| SdJwtError::Jws(JwsError::InvalidPayload("not a JSON object")))?;
        let kid = decoded.header().kid.as_deref();
        // The party is `iss`; a token without one speaks for its kid's DID.
        let party = match (payload.get("iss").and_then(Value::as_str), kid) {
            (Some(iss), _) => iss,
            (None, Some(kid)) => kid.split('#').next().unwrap_or_default(),
            (None, None) => return Err(SdJwtError::IssuerKey("neither kid nor iss names a resolvable key")),
        };
        let (key, _) = resolve_party_key(resolver, party, kid, Relationship::AssertionMethod)
            .await
            .map_err(|e| match e {
                ResolutionError::KeyNotControlled { .. } => {
                    SdJwtError::IssuerKey("the signing key is not one of iss's assertion keys")
                }
                other => SdJwtError::KeyResolution(other),
            })?;
        let checked = self.check(&key, options, clock, Some((decoded, payload)))?;
        let holder = match &checked.confirmation {
            None => None,
            Some(Confirmation::Key(key)) => Some(key.clone()),
            Some(Confirmation::DidUrl(did_url)) => Some(resolve_holder_key(resolver, did_url).await?),
        };
        self.finish(checked, holder.as_ref(), options, clock)
    }

    /// Verifies the first issuer signature, or for a general JSON serialization any of
    /// them; the first signature's error if none verifies.
    fn verify_signature(&self, key: &VerifyingKey) -> Result<jose::Verified, SdJwtError> {
        let options = jose::VerifyOptions::default();
        let mut first_error = None;
        for jwt in self.issuer_jwts() {
            match jose::verify(jwt, key, &options) {
                Ok(verified) => return Ok(verified),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        Err(SdJwtError::Jws(first_error.unwrap_or(JwsError::BadSignature)))
    }
}

/// What [`SdJwt::check`] found: all but the key binding verified.
struct Checked {
    header: Header,
    claims: Map<String, Value>,
    /// How `cnf` names the holder key, when a KB-JWT is to be verified.
    confirmation: Option<Confirmation>,
}

/// The key `did_url` (a credential's `cnf.kid`) names now, under `authentication`.
async fn resolve_holder_key(resolver: &dyn Resolver, did_url: &str) -> Result<VerifyingKey, SdJwtError> {
    let did = did_url.split('#').next().unwrap_or_default();
    resolve_party_key(resolver, did, Some(did_url), Relationship::Authentication)
        .await
        .map(|(key, _)| key)
        .map_err(|e| match e {
            ResolutionError::KeyNotControlled { .. }
            | ResolutionError::MethodNotFound(_)
            | ResolutionError::NotAuthorized { .. } => {
                SdJwtError::HolderKey("cnf.kid is not one of the holder DID's authentication keys (rotated away?)")
            }
            other => SdJwtError::HolderKeyResolution(other),
        })
}

fn check_typ(header: &Header, options: &VerifyOptions) -> Result<(), SdJwtError> {
    let found = header.typ.as_deref();
    let ok = match options.profile {
        Profile::SdJwtVc => {
            found.is_some_and(|t| t.eq_ignore_ascii_case("dc+sd-jwt") || t.eq_ignore_ascii_case("vc+sd-jwt"))
        }
        Profile::SdJwt if options.accepted_typ.is_empty() => true,
        Profile::SdJwt => found.is_some_and(|t| options.accepted_typ.iter().any(|a| a.eq_ignore_ascii_case(t))),
    };
    if ok {
        Ok(())
    } else {
        Err(SdJwtError::UnexpectedType {
            found: found.map(truncated),
        })
    }
}

/// `exp`, `nbf` and `iat`, when present, against `clock` with `skew`.
fn check_time(claims: &Map<String, Value>, skew: Duration, clock: &dyn Clock) -> Result<(), SdJwtError> {
    let now = unix_seconds(clock.now()) as f64;
    let skew = skew.as_secs() as f64;
    let time = |name, error| match claims.get(name) {
        None => Ok(None),
        Some(value) => value.as_f64().map(Some).ok_or(SdJwtError::InvalidPayload(error)),
    };
    if let Some(exp) = time("exp", "exp is not a number")?
        && now > exp + skew
    {
        return Err(SdJwtError::Expired);
    }
    if let Some(nbf) = time("nbf", "nbf is not a number")?
        && nbf > now + skew
    {
        return Err(SdJwtError::NotYetValid);
    }
    if let Some(iat) = time("iat", "iat is not a number")?
        && iat > now + skew
    {
        return Err(SdJwtError::IssuedInFuture);
    }
    Ok(())
}
