//! The JWS JSON serialization of SD-JWT (RFC 9901 §8), flattened and general.
//!
//! The disclosures and the KB-JWT travel in the unprotected header as `disclosures` and
//! `kb_jwt`. Each signature is turned back into the compact `protected.payload.signature`
//! form so that `crate::jose` verifies it exactly as a compact JWS.
//!
//! For the general serialization, `disclosures` and `kb_jwt` may only appear in the
//! first signature's unprotected header (RFC 9901 §8.1); `sd_hash` is computed over the
//! compact form built from the **first** signature; and the SD-JWT is accepted if
//! **any** signature verifies with the caller's key (each is tried in order).

use serde_json::{Map, Value};

use super::compact::SdJwt;
use super::disclosure::Disclosure;
use super::{MAX_DISCLOSURES, MAX_SD_JWT_LEN, SdJwtError};
use crate::json as strict_json;

/// The most signatures a general serialization may carry.
pub const MAX_SIGNATURES: usize = 16;

impl SdJwt {
    /// Parses the JWS JSON serialization (flattened or general).
    ///
    /// Refuses input over [`MAX_SD_JWT_LEN`], duplicate member names, non-string
    /// `payload`/`protected`/`signature`, more than [`MAX_SIGNATURES`] signatures,
    /// `disclosures` or `kb_jwt` outside the first signature's header, and any disclosure
    /// [`Disclosure::parse`] refuses.
    pub fn from_json(json: &str) -> Result<SdJwt, SdJwtError> {
        if json.len() > MAX_SD_JWT_LEN {
            return Err(SdJwtError::TooLarge {
                what: "SD-JWT length",
                limit: MAX_SD_JWT_LEN,
            });
        }
        let map = strict_json::parse_object(json.as_bytes())
            .map_err(|_| SdJwtError::Malformed("not a JSON object (or a duplicate member name)"))?;
        let payload = string_member(&map, "payload")?.ok_or(SdJwtError::Malformed("payload is missing"))?;
        let mut jwts = Vec::new();
        let header = match (map.get("signatures"), map.contains_key("signature")) {
            (None, true) => {
                jwts.push(compact_jws(&map, payload)?);
                map.get("header")
            }
            (Some(Value::Array(signatures)), false) => {
                if signatures.is_empty() || signatures.len() > MAX_SIGNATURES {
                    return Err(SdJwtError::TooLarge {
                        what: "number of signatures",
                        limit: MAX_SIGNATURES,
                    });
                }
                let mut first_header = None;
                for (i, signature) in signatures.iter().enumerate() {
                    let Value::Object(signature) = signature else {
                        return Err(SdJwtError::Malformed("a signature is not an object"));
                    };
                    jwts.push(compact_jws(signature, payload)?);
                    let header = signature.get("header");
                    if i == 0 {
                        first_header = header;
                    } else if let Some(Value::Object(h)) = header
                        && (h.contains_key("disclosures") || h.contains_key("kb_jwt"))
                    {
                        return Err(SdJwtError::Malformed(
                            "disclosures or kb_jwt outside the first signature's header",
                        ));
                    }
                }
                first_header
            }
            _ => return Err(SdJwtError::Malformed("need exactly one of signature and signatures")),
        };
        let (disclosures, key_binding_jwt) = match header {
            None => (Vec::new(), None),
            Some(Value::Object(header)) => (
                disclosures(header)?,
                string_member(header, "kb_jwt")?.map(str::to_owned),
            ),
            Some(_) => return Err(SdJwtError::Malformed("header is not an object")),
        };
        let mut jwts = jwts.into_iter();
        Ok(SdJwt {
            issuer_jwt: jwts.next().unwrap_or_default(),
            other_signatures: jwts.collect(),
            disclosures,
            key_binding_jwt,
        })
    }
}

fn string_member<'a>(map: &'a Map<String, Value>, name: &'static str) -> Result<Option<&'a str>, SdJwtError> {
    match map.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(SdJwtError::Malformed("a member that must be a string is not")),
    }
}

fn compact_jws(signature: &Map<String, Value>, payload: &str) -> Result<String, SdJwtError> {
    let protected = string_member(signature, "protected")?.ok_or(SdJwtError::Malformed("protected is missing"))?;
    let sig = string_member(signature, "signature")?.ok_or(SdJwtError::Malformed("signature is missing"))?;
    Ok(format!("{protected}.{payload}.{sig}"))
}

fn disclosures(header: &Map<String, Value>) -> Result<Vec<Disclosure>, SdJwtError> {
    match header.get("disclosures") {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => {
            if items.len() > MAX_DISCLOSURES {
                return Err(SdJwtError::TooLarge {
                    what: "number of disclosures",
                    limit: MAX_DISCLOSURES,
                });
            }
            items
                .iter()
                .map(|item| match item {
                    Value::String(encoded) => Disclosure::parse(encoded),
                    _ => Err(SdJwtError::InvalidDisclosure("not a string")),
                })
                .collect()
        }
        Some(_) => Err(SdJwtError::Malformed("disclosures is not an array")),
    }
}
