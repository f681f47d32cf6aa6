//! Selective Disclosure for JWTs (SD-JWT, RFC 9901) and SD-JWT VC
//! (draft-ietf-oauth-sd-jwt-vc).
//!
//! The three roles:
//!
//! - **Issuer**: [`issue`] (or [`issue_with_signer`]) turns the claims named by JSON
//!   Pointers in [`IssueOptions`] into disclosures with fresh 128-bit salts, adds decoy
//!   digests, sorts every `_sd` array, adds `_sd_alg: sha-256` and `cnf.jwk` for the
//!   holder, and signs through [`crate::jose`].
//! - **Holder**: [`SdJwt::parse`] the issuance, [`SdJwt::select`] the claims to reveal,
//!   then [`SdJwt::bind`] a Key Binding JWT (or [`SdJwt::to_compact`] without one).
//! - **Verifier**: [`verify`] with a key, or [`verify_with_resolver`] through a DID
//!   resolver, under [`VerifyOptions`] and an injected [`Clock`](crate::clock::Clock).
//!
//! # What is refused
//!
//! - Everything [`crate::jose`] refuses (`alg: none`, an `alg` other than the key's,
//!   unknown `crit`, ...), and `_sd_alg` other than `sha-256`.
//! - A disclosure given twice, one no digest refers to, a digest found twice, a
//!   disclosure of `_sd`, `...` or `_sd_alg`, a disclosed name already in its object, an
//!   array-element disclosure named from `_sd` or a property disclosure from an array.
//! - `exp` past, `nbf` or `iat` in the future (with a configurable skew).
//! - A KB-JWT with the wrong `typ`, not signed by the `cnf.jwk` key, with a wrong
//!   `sd_hash`, `aud` or `nonce`, or an `iat` too old or in the future; a missing KB-JWT
//!   when one is required.
//! - Input over [`MAX_SD_JWT_LEN`], more than [`MAX_DISCLOSURES`] disclosures, nesting
//!   deeper than [`MAX_DEPTH`].
//!
//! # Example
//!
//! ```
//! use std::time::SystemTime;
//! use did_core::clock::FixedClock;
//! use did_core::key::{KeyType, SigningKey};
//! use did_core::sd_jwt::{self, IssueOptions, KeyBinding, SdJwt, VerifyOptions};
//! use serde_json::json;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let issuer = SigningKey::generate(KeyType::P256)?;
//! let holder = SigningKey::generate(KeyType::Ed25519)?;
//! let claims = json!({
//!     "iss": "https://issuer.example",
//!     "vct": "https://credentials.example/identity",
//!     "given_name": "Ada",
//!     "family_name": "Lovelace",
//!     "nationalities": ["GB", "IT"],
//! });
//! let options = IssueOptions::sd_jwt_vc()
//!     .disclose("/given_name")
//!     .disclose("/family_name")
//!     .disclose("/nationalities/1")
//!     .decoys(2)
//!     .holder_key(holder.verifying_key().clone());
//! let issued = sd_jwt::issue(&claims, &options, &issuer)?;
//!
//! // The holder reveals only the given name, bound to the verifier's nonce.
//! let now = SystemTime::now();
//! let presentation = SdJwt::parse(&issued)?
//!     .select(&["/given_name"])?
//!     .bind(&KeyBinding::new("https://verifier.example", "n-42", now), &holder)?;
//!
//! let verified = sd_jwt::verify(
//!     &presentation,
//!     issuer.verifying_key(),
//!     &VerifyOptions::sd_jwt_vc().require_key_binding("https://verifier.example", "n-42"),
//!     &FixedClock::new(now),
//! )?;
//! assert_eq!(verified.claims["given_name"], "Ada");
//! assert!(!verified.claims.contains_key("family_name"));
//! assert_eq!(verified.claims["nationalities"], json!(["GB"]));
//! assert!(verified.key_binding_verified());
//! # Ok(())
//! # }
//! ```

mod compact;
mod disclosure;
mod error;
mod issue;
mod json_serialization;
mod key_binding;
mod pointer;
mod present;
mod process;
mod verify;

use serde_json::{Map, Value};

pub use compact::SdJwt;
pub use disclosure::Disclosure;
pub use error::SdJwtError;
pub use issue::{IssueOptions, issue, issue_with_signer};
pub use json_serialization::MAX_SIGNATURES;
pub use key_binding::{Confirmation, KB_JWT_TYP, KeyBinding, KeyBindingClaims};
pub use verify::{VerifiedSdJwt, VerifyOptions, verify, verify_with_resolver};

use crate::jose::{self, JwsError};

/// The largest SD-JWT accepted, in bytes (2 MiB).
pub const MAX_SD_JWT_LEN: usize = 2 * 1024 * 1024;

/// The most disclosures one SD-JWT may carry.
pub const MAX_DISCLOSURES: usize = 1024;

/// The largest single disclosure, in bytes (512 KiB, room for a portrait).
pub const MAX_DISCLOSURE_LEN: usize = 512 * 1024;

/// The deepest nesting of objects and arrays, disclosed values included.
pub const MAX_DEPTH: usize = 256;

/// Which rules apply beyond RFC 9901.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Profile {
    /// Plain SD-JWT (RFC 9901).
    #[default]
    SdJwt,
    /// SD-JWT VC: `typ` `dc+sd-jwt` (legacy `vc+sd-jwt` accepted), a string `vct`, an
    /// `iss`, and `iss`, `nbf`, `exp`, `cnf`, `vct`, `vct#integrity`, `status` never
    /// selectively disclosed.
    SdJwtVc,
}

/// The payload of `jwt`, decoded without verifying the signature.
fn unverified_payload(jwt: &str) -> Result<Map<String, Value>, SdJwtError> {
    let decoded = jose::decode(jwt)?;
    match crate::json::parse_object(decoded.payload()) {
        Ok(map) => Ok(map),
        Err(_) => Err(SdJwtError::Jws(JwsError::InvalidPayload("not a JSON object"))),
    }
}

/// Removes `_sd_alg` from the top level, refusing anything but `sha-256` (the default
/// when absent).
fn check_sd_alg(payload: &mut Map<String, Value>) -> Result<(), SdJwtError> {
    match payload.remove("_sd_alg") {
        None => Ok(()),
        Some(Value::String(alg)) if alg == "sha-256" => Ok(()),
        Some(Value::String(alg)) => Err(SdJwtError::UnsupportedHashAlgorithm(crate::text::truncated(&alg))),
        Some(_) => Err(SdJwtError::UnsupportedHashAlgorithm("(not a string)".to_owned())),
    }
}
