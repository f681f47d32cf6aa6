//! Disclosures (RFC 9901 §4.2): `base64url(JSON [salt, name, value])` or `[salt, value]`.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand_core::{OsRng, RngCore as _};
use serde_json::Value;
use sha2::{Digest as _, Sha256};

use super::{MAX_DISCLOSURE_LEN, SdJwtError};
use crate::json as strict_json;
use crate::key::KeyError;

/// Names that can never be disclosed: they carry the SD-JWT machinery itself.
pub(crate) const RESERVED_NAMES: [&str; 3] = ["_sd", "...", "_sd_alg"];

/// One disclosure, kept exactly as received: its digest is over [`Disclosure::encoded`],
/// never over a re-serialization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disclosure {
    encoded: String,
    salt: String,
    name: Option<String>,
    value: Value,
    digest: String,
}

impl Disclosure {
    /// Parses one base64url disclosure.
    ///
    /// Refuses input over [`MAX_DISCLOSURE_LEN`], non-canonical base64url, JSON with
    /// duplicate member names, anything but an array of 2 or 3 elements with a string
    /// salt (and a string name), and the reserved names `_sd`, `...` and `_sd_alg`.
    pub fn parse(encoded: &str) -> Result<Disclosure, SdJwtError> {
        if encoded.len() > MAX_DISCLOSURE_LEN {
            return Err(SdJwtError::TooLarge {
                what: "disclosure length",
                limit: MAX_DISCLOSURE_LEN,
            });
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(encoded)
            .map_err(|_| SdJwtError::InvalidDisclosure("not canonical base64url"))?;
        let value = strict_json::parse_value(&bytes)
            .map_err(|_| SdJwtError::InvalidDisclosure("not valid JSON (or a duplicate member name)"))?;
        let Value::Array(items) = value else {
            return Err(SdJwtError::InvalidDisclosure("not a JSON array"));
        };
        let mut items = items.into_iter();
        let (salt, name, value) = match (items.next(), items.next(), items.next(), items.next()) {
            (Some(salt), Some(value), None, None) => (salt, None, value),
            (Some(salt), Some(name), Some(value), None) => (salt, Some(name), value),
            _ => return Err(SdJwtError::InvalidDisclosure("not an array of 2 or 3 elements")),
        };
        let Value::String(salt) = salt else {
            return Err(SdJwtError::InvalidDisclosure("salt is not a string"));
        };
        let name = match name {
            None => None,
            Some(Value::String(name)) if RESERVED_NAMES.contains(&name.as_str()) => {
                return Err(SdJwtError::InvalidDisclosure(
                    "discloses a reserved name (_sd, ..., _sd_alg)",
                ));
            }
            Some(Value::String(name)) => Some(name),
            Some(_) => return Err(SdJwtError::InvalidDisclosure("claim name is not a string")),
        };
        Ok(Disclosure {
            digest: digest(encoded),
            encoded: encoded.to_owned(),
            salt,
            name,
            value,
        })
    }

    /// Makes a new disclosure with a fresh 128-bit salt from the operating system.
    pub(crate) fn new(name: Option<&str>, value: Value) -> Result<Disclosure, SdJwtError> {
        let salt = random_b64(16)?;
        let array = match name {
            Some(name) => Value::Array(vec![Value::from(salt.as_str()), Value::from(name), value.clone()]),
            None => Value::Array(vec![Value::from(salt.as_str()), value.clone()]),
        };
        let json = serde_json::to_vec(&array).map_err(|_| SdJwtError::InvalidClaims("not serializable"))?;
        let encoded = URL_SAFE_NO_PAD.encode(json);
        Ok(Disclosure {
            digest: digest(&encoded),
            encoded,
            salt,
            name: name.map(str::to_owned),
            value,
        })
    }

    /// The base64url string, exactly as received or produced.
    pub fn encoded(&self) -> &str {
        &self.encoded
    }

    /// The salt.
    pub fn salt(&self) -> &str {
        &self.salt
    }

    /// The claim name, for an object property; `None` for an array element.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The disclosed value (which may itself hold digests, for recursive disclosure).
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// `base64url(SHA-256(encoded))`, the digest that refers to this disclosure.
    pub fn digest(&self) -> &str {
        &self.digest
    }
}

/// `base64url(SHA-256(ascii))`, the one hash `_sd_alg: sha-256` names.
pub(crate) fn digest(ascii: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(ascii.as_bytes()))
}

/// `n` random bytes from the operating system, base64url.
pub(crate) fn random_b64(n: usize) -> Result<String, SdJwtError> {
    let mut bytes = zeroize::Zeroizing::new(vec![0u8; n]);
    OsRng.try_fill_bytes(&mut bytes).map_err(|_| KeyError::Rng)?;
    Ok(URL_SAFE_NO_PAD.encode(&*bytes))
}

/// A decoy digest: the hash of random bytes, indistinguishable from a real digest.
pub(crate) fn decoy_digest() -> Result<String, SdJwtError> {
    Ok(digest(&random_b64(32)?))
}
