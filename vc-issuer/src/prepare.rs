//! Completing a credential before any format secures it: the issuer named (or checked), the
//! issuance date set. Shared by every securing path (`issue`, and the SD-JWT VC claims of
//! `sd_jwt_claims`).

use did_core::vc::{CONTEXT_V2, Credential};
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::Error;
use crate::key_file::IssuerKey;

/// Completes and checks a credential before it is secured.
///
/// - `issuer`: set to the key's DID when absent; when present (as a URL or an object's `id`)
///   it must be that DID, since a verifier will look the key up there.
/// - VC 2.0 without `validFrom`, or VC 1.1 without `issuanceDate`: set to `now`.
pub fn prepare(credential: Value, issuer: &IssuerKey, now: OffsetDateTime) -> Result<Credential, Error> {
    let Value::Object(mut map) = credential else {
        return Err(did_core::vc::CredentialError::NotAnObject.into());
    };
    match map.get("issuer") {
        None => {
            map.insert("issuer".into(), Value::String(issuer.did.clone()));
        }
        Some(named) => {
            let id = named.as_str().or_else(|| named.get("id").and_then(Value::as_str));
            if id != Some(issuer.did.as_str()) {
                return Err(Error::issuer_not_controlled(id.unwrap_or_default(), &issuer.did));
            }
        }
    }
    let stamp = now
        .replace_nanosecond(0)
        .unwrap_or(now)
        .format(&Rfc3339)
        .map_err(|_| Error::Unsupported("the clock is out of range".into()))?;
    let is_v2 = first_context(&map) == Some(CONTEXT_V2);
    let date_member = if is_v2 { "validFrom" } else { "issuanceDate" };
    map.entry(date_member).or_insert(Value::String(stamp));
    Ok(Credential::from_map(map)?)
}

/// The first `@context` entry, when it is a string.
pub(crate) fn first_context(map: &Map<String, Value>) -> Option<&str> {
    map.get("@context")?.get(0)?.as_str()
}
