//! The Status List Token as a JWT (`typ: statuslist+jwt`): build, sign, parse, verify.

use std::time::{Duration, UNIX_EPOCH};

use serde_json::{Map, Value};

use super::compress::DecodeLimits;
use super::error::StatusError;
use super::fields::is_url;
use super::token::{StatusListClaim, StatusListReference, TokenStatus};
use crate::clock::Clock;
use crate::jose::{self, Header, VerifyOptions};
use crate::key::{SigningKey, VerifyingKey};
use crate::text::truncated;

/// The JWS `typ` of a Status List Token.
pub const STATUS_LIST_JWT_TYP: &str = "statuslist+jwt";

/// How far in the future a token's `iat` may be before it is refused as not yet valid.
pub const MAX_CLOCK_SKEW: Duration = Duration::from_secs(60);

/// The claims of a Status List Token.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StatusListToken {
    /// `sub`: the URI of this status list; referenced tokens name it in `status_list.uri`.
    pub sub: String,
    /// `iat`: when the token was issued (seconds since the epoch).
    pub iat: u64,
    /// `exp`: when it expires (seconds since the epoch), if it does.
    pub exp: Option<u64>,
    /// `ttl`: how long, in seconds, it may be cached, if given.
    pub ttl: Option<u64>,
    /// `iss`, if present.
    pub iss: Option<String>,
    /// `status_list`.
    pub status_list: StatusListClaim,
}

impl StatusListToken {
    /// A token for the list at `sub`, issued at `iat`.
    pub fn new(sub: impl Into<String>, iat: u64, status_list: StatusListClaim) -> Result<StatusListToken, StatusError> {
        let sub = sub.into();
        if !is_url(&sub) {
            return Err(StatusError::InvalidList("sub is not a URI"));
        }
        Ok(StatusListToken {
            sub,
            iat,
            exp: None,
            ttl: None,
            iss: None,
            status_list,
        })
    }

    /// Sets `exp`.
    pub fn with_exp(mut self, exp: u64) -> StatusListToken {
        self.exp = Some(exp);
        self
    }

    /// Sets `ttl`.
    pub fn with_ttl(mut self, ttl: u64) -> StatusListToken {
        self.ttl = Some(ttl);
        self
    }

    /// Sets `iss`.
    pub fn with_iss(mut self, iss: impl Into<String>) -> StatusListToken {
        self.iss = Some(iss.into());
        self
    }

    /// [`StatusListToken::from_claims`] over JSON bytes (duplicate member names refused).
    pub fn from_claims_json(bytes: &[u8]) -> Result<StatusListToken, StatusError> {
        Self::from_claims(&parse_claims(bytes)?)
    }

    /// Parses the JWT claims: `sub` (a URI), `iat` (integer) and `status_list` are
    /// required; `exp` and `ttl` must be non-negative integers if present.
    pub fn from_claims(claims: &Value) -> Result<StatusListToken, StatusError> {
        let invalid = StatusError::InvalidList;
        let obj = claims.as_object().ok_or(invalid("the claims are not a JSON object"))?;
        let sub = obj
            .get("sub")
            .and_then(Value::as_str)
            .filter(|sub| is_url(sub))
            .ok_or(invalid("sub is missing or not a URI"))?
            .to_owned();
        let iat = obj
            .get("iat")
            .and_then(Value::as_u64)
            .ok_or(invalid("iat is missing or not a non-negative integer"))?;
        let number = |name: &str, error: &'static str| match obj.get(name) {
            None => Ok(None),
            Some(v) => v.as_u64().map(Some).ok_or(invalid(error)),
        };
        let exp = number("exp", "exp is not a non-negative integer")?;
        let ttl = number("ttl", "ttl is not a non-negative integer")?;
        let iss = match obj.get("iss") {
            None => None,
            Some(Value::String(iss)) => Some(iss.clone()),
            Some(_) => return Err(invalid("iss is not a string")),
        };
        let status_list =
            StatusListClaim::from_json_value(obj.get("status_list").ok_or(invalid("status_list is missing"))?)?;
        Ok(StatusListToken {
            sub,
            iat,
            exp,
            ttl,
            iss,
            status_list,
        })
    }

    /// The JWT claims.
    pub fn to_claims(&self) -> Value {
        let mut obj = Map::new();
        obj.insert("sub".into(), self.sub.clone().into());
        obj.insert("iat".into(), self.iat.into());
        if let Some(exp) = self.exp {
            obj.insert("exp".into(), exp.into());
        }
        if let Some(ttl) = self.ttl {
            obj.insert("ttl".into(), ttl.into());
        }
        if let Some(iss) = &self.iss {
            obj.insert("iss".into(), iss.clone().into());
        }
        obj.insert("status_list".into(), self.status_list.to_json_value());
        Value::Object(obj)
    }

    /// Signs the token as a compact JWS with `typ: statuslist+jwt`, the key's algorithm,
    /// and `kid` if given (else the key's own key ID, if it has one).
    pub fn sign(&self, key: &SigningKey, kid: Option<&str>) -> Result<String, StatusError> {
        let mut header = Header::new(key.verifying_key().algorithm()).with_typ(STATUS_LIST_JWT_TYP);
        if let Some(kid) = kid {
            header = header.with_kid(kid);
        }
        Ok(jose::sign_json_with_key(header, &self.to_claims(), key)?)
    }

    /// Parses a Status List Token **without verifying its signature**, e.g. to read the
    /// header's `kid` and find the key. Checks the JWS structure, `typ` and the claims.
    pub fn decode_unverified(compact: &str) -> Result<(Header, StatusListToken), StatusError> {
        let decoded = jose::decode(compact)?;
        let header = decoded.header().clone();
        let typ_ok = header.typ.as_deref().is_some_and(is_status_list_typ);
        if !typ_ok {
            return Err(StatusError::Jws(jose::JwsError::UnexpectedType {
                expected: STATUS_LIST_JWT_TYP.to_owned(),
                found: header.typ.as_deref().map(truncated),
            }));
        }
        let token = Self::from_claims(&parse_claims(decoded.payload())?)?;
        Ok((header, token))
    }

    /// Verifies a Status List Token with `key` (the key the caller trusts for this list)
    /// and checks its claims: `typ` is `statuslist+jwt`, `sub` equals `expected_uri` (the
    /// referenced token's `status_list.uri`), `exp` (if any) is after now, and `iat` is not
    /// more than [`MAX_CLOCK_SKEW`] after now.
    pub fn verify(
        compact: &str,
        key: &VerifyingKey,
        expected_uri: &str,
        clock: &dyn Clock,
    ) -> Result<StatusListToken, StatusError> {
        let verified = jose::verify(compact, key, &VerifyOptions::default().expect_typ(STATUS_LIST_JWT_TYP))?;
        let token = Self::from_claims(&parse_claims(&verified.payload)?)?;
        if token.sub != expected_uri {
            return Err(StatusError::ListUrlMismatch {
                expected: truncated(expected_uri),
                found: truncated(&token.sub),
            });
        }
        let now = clock.now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        if token.exp.is_some_and(|exp| now >= exp) {
            return Err(StatusError::Expired);
        }
        if token.iat > now.saturating_add(MAX_CLOCK_SKEW.as_secs()) {
            return Err(StatusError::NotYetValid);
        }
        Ok(token)
    }

    /// The status `reference` points to in this token's list, with the default
    /// [`DecodeLimits`]. The token's `sub` must equal `reference.uri`.
    pub fn status_of(&self, reference: &StatusListReference) -> Result<TokenStatus, StatusError> {
        self.status_of_with_limits(reference, &DecodeLimits::default())
    }

    /// [`StatusListToken::status_of`] with explicit decoding limits.
    pub fn status_of_with_limits(
        &self,
        reference: &StatusListReference,
        limits: &DecodeLimits,
    ) -> Result<TokenStatus, StatusError> {
        if self.sub != reference.uri {
            return Err(StatusError::ListUrlMismatch {
                expected: truncated(&reference.uri),
                found: truncated(&self.sub),
            });
        }
        self.status_list.decode(limits)?.get(reference.idx)
    }
}

fn parse_claims(payload: &[u8]) -> Result<Value, StatusError> {
    crate::json::parse_object(payload)
        .map(Value::Object)
        .map_err(|_| StatusError::InvalidList("the claims are not a JSON object (or repeat a member name)"))
}

/// `statuslist+jwt`, ignoring ASCII case and an `application/` prefix (RFC 7515 §4.1.9).
fn is_status_list_typ(typ: &str) -> bool {
    let bare = match typ.get(..12) {
        Some(prefix) if prefix.eq_ignore_ascii_case("application/") => typ.get(12..).unwrap_or(typ),
        _ => typ,
    };
    bare.eq_ignore_ascii_case(STATUS_LIST_JWT_TYP)
}
