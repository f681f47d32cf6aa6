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
        from_w3c(&crate::prepare::prepare(Value::Object(map), issuer, now)?)
    };
    claims
        .entry("iat")
        .or_insert(Value::Number(Number::from(now.unix_timestamp())));
    let holder = claims.get("sub").and_then(Value::as_str).and_then(did_key);
    Ok((claims, holder))
}

/// The SD-JWT claims pointers for `pointers` given against `input`, for `--disclose`.
///
/// A W3C credential's subject claims move to the top of the SD-JWT VC claims (see
/// [`claims_for`]), so a pointer into the credential as its author wrote it,
/// `/credentialSubject/name` (or `/credentialSubject/0/name` for a subject array), names
/// `/name` there, and `/credentialSubject/id` names `sub`. Pointers already into the
/// claims (`/name`), and every pointer for input that is SD-JWT VC claims already (it has
/// `vct`), are kept as they are.
pub fn disclosure_pointers(input: &Value, pointers: &[String]) -> Vec<String> {
    let w3c = input.get("vct").is_none();
    pointers
        .iter()
        .map(|pointer| {
            let rest = w3c
                .then(|| pointer.strip_prefix("/credentialSubject"))
                .flatten()
                .filter(|rest| rest.starts_with('/'))
                .map(|rest| {
                    let single = input.get("credentialSubject").is_some_and(Value::is_object);
                    match rest.strip_prefix("/0") {
                        Some(tail) if !single && (tail.is_empty() || tail.starts_with('/')) => tail,
                        _ => rest,
                    }
                });
            match rest {
                Some("/id") => "/sub".to_owned(),
                Some(rest) if !rest.is_empty() => rest.to_owned(),
                _ => pointer.clone(),
            }
        })
        .collect()
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

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing)]
    use serde_json::json;

    use super::disclosure_pointers;

    #[test]
    fn pointers_into_the_credential_name_the_claims_they_become() {
        let pointers = |input: &serde_json::Value, given: &[&str]| {
            disclosure_pointers(input, &given.iter().map(|p| (*p).to_owned()).collect::<Vec<_>>())
        };
        let single = json!({"credentialSubject": {"id": "did:example:1", "name": "Ana"}});
        assert_eq!(
            pointers(
                &single,
                &[
                    "/credentialSubject/name",
                    "/credentialSubject/id",
                    "/name",
                    "/credentialSubject"
                ]
            ),
            ["/name", "/sub", "/name", "/credentialSubject"]
        );
        // A subject whose claim is called "0" keeps it; an array's first subject drops its index.
        assert_eq!(pointers(&single, &["/credentialSubject/0"]), ["/0"]);
        let array = json!({"credentialSubject": [{"name": "Ana", "groups": ["a"]}]});
        assert_eq!(
            pointers(&array, &["/credentialSubject/0/name", "/credentialSubject/0/groups/0"]),
            ["/name", "/groups/0"]
        );
        // SD-JWT VC claims are pointed into as they are.
        let native = json!({"vct": "https://example/vct", "credentialSubject": {"name": "x"}});
        assert_eq!(
            pointers(&native, &["/credentialSubject/name"]),
            ["/credentialSubject/name"]
        );
    }
}
