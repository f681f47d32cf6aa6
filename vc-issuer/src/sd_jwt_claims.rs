//! Turning a W3C credential into SD-JWT VC claims.

use did_core::did::Did;
use did_core::key::VerifyingKey;
use did_core::vc::Credential;
use serde_json::{Map, Number, Value};
use time::OffsetDateTime;

use crate::Error;
use crate::key_file::IssuerKey;

/// The SD-JWT VC claims set for `input`.
///
/// - Input that already has `vct` is taken as SD-JWT VC claims: `iss` is set to the key's DID
///   (or must equal it) and `iat` to `now` when absent.
/// - A W3C credential becomes `iss`, `vct` (its most specific `type`), `iat`, `nbf`/`exp` (from
///   `validFrom`/`validUntil`), `sub` (the subject's `id`) and the subject's claims at the top.
///
/// The holder key (`cnf.jwk`) is the subject's key when `sub` is a did:key.
pub fn claims_for(
    input: Value,
    issuer: &IssuerKey,
    now: OffsetDateTime,
) -> Result<(Map<String, Value>, Option<VerifyingKey>), Error> {
    let Value::Object(map) = input else {
        return Err(did_core::vc::CredentialError::NotAnObject.into());
    };
    let mut claims = if map.contains_key("vct") {
        native(map, issuer)?
    } else {
        from_w3c(&crate::issue::prepare(Value::Object(map), issuer, now)?)
    };
    claims
        .entry("iat")
        .or_insert(Value::Number(Number::from(now.unix_timestamp())));
    let holder = claims.get("sub").and_then(Value::as_str).and_then(did_key);
    Ok((claims, holder))
}

fn native(mut map: Map<String, Value>, issuer: &IssuerKey) -> Result<Map<String, Value>, Error> {
    match map.get("iss").and_then(Value::as_str) {
        None => {
            map.insert("iss".into(), Value::String(issuer.did.clone()));
        }
        Some(iss) if iss == issuer.did => {}
        Some(iss) => {
            return Err(Error::issuer_not_controlled(iss, &issuer.did));
        }
    }
    Ok(map)
}

fn from_w3c(credential: &Credential) -> Map<String, Value> {
    let mut claims = Map::new();
    claims.insert("iss".into(), Value::String(credential.issuer().to_owned()));
    let vct = credential
        .types()
        .iter()
        .rev()
        .find(|t| *t != "VerifiableCredential")
        .cloned()
        .unwrap_or_else(|| "VerifiableCredential".to_owned());
    claims.insert("vct".into(), Value::String(vct));
    if let Some(from) = credential.valid_from() {
        claims.insert("nbf".into(), Value::Number(Number::from(from.unix_timestamp())));
    }
    if let Some(until) = credential.valid_until() {
        claims.insert("exp".into(), Value::Number(Number::from(until.unix_timestamp())));
    }
    if let Some(subject) = credential.subjects().first() {
        for (name, value) in subject.iter() {
            let name = if name == "id" { "sub" } else { name.as_str() };
            claims.entry(name).or_insert_with(|| value.clone());
        }
    }
    claims
}

/// The key of a did:key DID.
fn did_key(did: &str) -> Option<VerifyingKey> {
    let did = Did::parse(did).ok()?;
    if did.method() != "key" {
        return None;
    }
    VerifyingKey::from_multikey(did.method_specific_id()).ok()
}
