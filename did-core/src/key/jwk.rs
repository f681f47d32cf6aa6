//! JSON Web Keys (RFC 7517) and their thumbprints (RFC 7638).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::KeyError;

/// A JSON Web Key.
///
/// Only the members we understand are typed; everything else is kept in `extra` so
/// that a round trip loses nothing. The private member `d` is zeroized on drop and
/// never printed by `Debug`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Jwk {
    /// Key type: `EC`, `OKP`, `RSA`, `oct`.
    pub kty: String,
    /// Curve, for `EC` and `OKP` keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crv: Option<String>,
    /// x coordinate (EC) or public key (OKP), base64url.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    /// y coordinate (EC), base64url.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
    /// RSA modulus, base64url (thumbprints only; RSA is not an allowed algorithm).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    /// RSA public exponent, base64url.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
    /// Private key (EC scalar or Ed25519 seed), base64url. Zeroized on drop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub d: Option<Zeroizing<String>>,
    /// Key ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// Intended algorithm. When present it must match the key type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    /// Intended use (`sig` or `enc`).
    #[serde(default, rename = "use", skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
    /// Any other members, kept as they came.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// JWK members that hold private material, for any key type (RFC 7518 §6).
pub(crate) const PRIVATE_MEMBERS: [&str; 7] = ["d", "p", "q", "dp", "dq", "qi", "k"];

impl Jwk {
    /// Parses a JWK from JSON text.
    pub fn from_json(json: &str) -> Result<Jwk, KeyError> {
        serde_json::from_str(json).map_err(|_| KeyError::InvalidJwk("not a JSON object with string members"))
    }

    /// A copy without the private member `d` (and without private RSA/oct members).
    pub fn to_public(&self) -> Jwk {
        let mut public = self.clone();
        public.d = None;
        for member in PRIVATE_MEMBERS {
            public.extra.remove(member);
        }
        public
    }

    /// Returns the name of the first private member this JWK carries, if any.
    pub fn private_member(&self) -> Option<&'static str> {
        if self.d.is_some() {
            return Some("d");
        }
        PRIVATE_MEMBERS.into_iter().find(|m| self.extra.contains_key(*m))
    }

    /// The canonical JSON of the required members (RFC 7638 §3.2): sorted, no whitespace.
    pub fn thumbprint_input(&self) -> Result<String, KeyError> {
        fn member<'a>(v: &'a Option<String>, what: &'static str) -> Result<&'a str, KeyError> {
            v.as_deref().ok_or(KeyError::InvalidJwk(what))
        }
        let kty = self.kty.as_str();
        let s = JsonStr;
        Ok(match kty {
            "EC" => format!(
                r#"{{"crv":{},"kty":"EC","x":{},"y":{}}}"#,
                s(member(&self.crv, "EC JWK without crv")?),
                s(member(&self.x, "EC JWK without x")?),
                s(member(&self.y, "EC JWK without y")?)
            ),
            "OKP" => format!(
                r#"{{"crv":{},"kty":"OKP","x":{}}}"#,
                s(member(&self.crv, "OKP JWK without crv")?),
                s(member(&self.x, "OKP JWK without x")?)
            ),
            "RSA" => format!(
                r#"{{"e":{},"kty":"RSA","n":{}}}"#,
                s(member(&self.e, "RSA JWK without e")?),
                s(member(&self.n, "RSA JWK without n")?)
            ),
            "oct" => {
                let k = self
                    .extra
                    .get("k")
                    .and_then(|v| v.as_str())
                    .ok_or(KeyError::InvalidJwk("oct JWK without k"))?;
                format!(r#"{{"k":{},"kty":"oct"}}"#, s(k))
            }
            _ => {
                return Err(KeyError::UnsupportedKeyType(format!(
                    "kty={}",
                    crate::text::truncated(kty)
                )));
            }
        })
    }

    /// The RFC 7638 JWK thumbprint with SHA-256, base64url without padding.
    pub fn thumbprint(&self) -> Result<String, KeyError> {
        let digest = Sha256::digest(self.thumbprint_input()?.as_bytes());
        Ok(URL_SAFE_NO_PAD.encode(digest))
    }
}

/// A member value as a JSON string literal (RFC 7638 §3.2), written straight into the
/// thumbprint input: between quotes as it is when nothing in it needs escaping (always so for
/// base64url members), otherwise escaped by serde_json, which escapes exactly as JSON requires.
struct JsonStr<'a>(&'a str);

impl fmt::Display for JsonStr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self
            .0
            .bytes()
            .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
        {
            write!(f, "\"{}\"", self.0)
        } else {
            f.write_str(&serde_json::to_string(self.0).unwrap_or_default())
        }
    }
}

impl fmt::Debug for Jwk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Jwk")
            .field("kty", &self.kty)
            .field("crv", &self.crv)
            .field("x", &self.x)
            .field("y", &self.y)
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("d", &self.d.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

/// Strict base64url (no padding, canonical trailing bits) decoding of a JWK member.
pub(crate) fn b64u_decode(value: &str, what: &'static str) -> Result<Vec<u8>, KeyError> {
    URL_SAFE_NO_PAD.decode(value).map_err(|_| KeyError::InvalidJwk(what))
}

/// base64url without padding.
pub(crate) fn b64u_encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}
