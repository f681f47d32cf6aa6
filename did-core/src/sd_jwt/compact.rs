//! The SD-JWT container and its compact serialization (RFC 9901 §4):
//! `<issuer-jwt>~<disclosure>~…~[<kb-jwt>]`.

use std::fmt;

use super::disclosure::{self, Disclosure};
use super::{MAX_DISCLOSURES, MAX_SD_JWT_LEN, SdJwtError};

/// A parsed, **unverified** SD-JWT or SD-JWT+KB.
///
/// Parsing checks the structure and each disclosure's shape; nothing in it is trusted
/// before [`super::verify`] (or [`SdJwt::verify`]) succeeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdJwt {
    /// The issuer-signed JWT in compact form (for the JSON serialization: built from the
    /// first signature).
    pub(crate) issuer_jwt: String,
    /// Compact forms of the other signatures of a general JWS JSON serialization.
    pub(crate) other_signatures: Vec<String>,
    pub(crate) disclosures: Vec<Disclosure>,
    pub(crate) key_binding_jwt: Option<String>,
}

impl SdJwt {
    /// Parses the compact serialization.
    ///
    /// Refuses input over [`MAX_SD_JWT_LEN`], more than [`MAX_DISCLOSURES`] disclosures,
    /// input without `~`, an empty issuer JWT or disclosure, and any disclosure
    /// [`Disclosure::parse`] refuses. The JWTs are only checked when verifying.
    pub fn parse(compact: &str) -> Result<SdJwt, SdJwtError> {
        if compact.len() > MAX_SD_JWT_LEN {
            return Err(SdJwtError::TooLarge {
                what: "SD-JWT length",
                limit: MAX_SD_JWT_LEN,
            });
        }
        let tildes = compact.bytes().filter(|b| *b == b'~').count();
        if tildes == 0 {
            return Err(SdJwtError::Malformed("no '~': not an SD-JWT"));
        }
        if tildes - 1 > MAX_DISCLOSURES {
            return Err(SdJwtError::TooLarge {
                what: "number of disclosures",
                limit: MAX_DISCLOSURES,
            });
        }
        let mut parts = compact.split('~');
        let issuer_jwt = parts.next().unwrap_or_default();
        if issuer_jwt.is_empty() {
            return Err(SdJwtError::Malformed("empty issuer-signed JWT"));
        }
        let mut rest: Vec<&str> = parts.collect();
        let key_binding_jwt = match rest.pop() {
            Some("") | None => None,
            Some(kb) => Some(kb.to_owned()),
        };
        let disclosures = rest
            .into_iter()
            .map(|encoded| {
                if encoded.is_empty() {
                    Err(SdJwtError::Malformed("empty disclosure"))
                } else {
                    Disclosure::parse(encoded)
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(SdJwt {
            issuer_jwt: issuer_jwt.to_owned(),
            other_signatures: Vec::new(),
            disclosures,
            key_binding_jwt,
        })
    }

    /// The issuer-signed JWT, compact.
    pub fn issuer_jwt(&self) -> &str {
        &self.issuer_jwt
    }

    /// The disclosures, in the order received.
    pub fn disclosures(&self) -> &[Disclosure] {
        &self.disclosures
    }

    /// The Key Binding JWT, if any.
    pub fn key_binding_jwt(&self) -> Option<&str> {
        self.key_binding_jwt.as_deref()
    }

    /// `<issuer-jwt>~<disclosure>~…~`: the SD-JWT without its KB-JWT, the string
    /// `sd_hash` is computed over.
    pub fn without_key_binding(&self) -> String {
        let mut out = String::with_capacity(
            self.issuer_jwt.len() + self.disclosures.iter().map(|d| d.encoded().len() + 1).sum::<usize>() + 1,
        );
        out.push_str(&self.issuer_jwt);
        out.push('~');
        for disclosure in &self.disclosures {
            out.push_str(disclosure.encoded());
            out.push('~');
        }
        out
    }

    /// The compact serialization, with the KB-JWT if there is one.
    pub fn to_compact(&self) -> String {
        let mut out = self.without_key_binding();
        if let Some(kb) = &self.key_binding_jwt {
            out.push_str(kb);
        }
        out
    }

    /// `base64url(SHA-256(without_key_binding()))`, the KB-JWT's `sd_hash`.
    pub(crate) fn sd_hash(&self) -> String {
        disclosure::digest(&self.without_key_binding())
    }

    /// Every compact form of the issuer JWT: the first signature, then the others.
    pub(crate) fn issuer_jwts(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.issuer_jwt.as_str()).chain(self.other_signatures.iter().map(String::as_str))
    }
}

impl fmt::Display for SdJwt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_compact())
    }
}
