//! JSON Web Signature (RFC 7515), compact serialization only.
//!
//! The public interface is:
//!
//! - [`decode`] parses a compact JWS without verifying it, so a caller can read the
//!   header's `kid` and look up the key;
//! - [`verify`] (or [`Decoded::verify`]) checks it with the key the **caller** passes
//!   and returns a [`Verified`] witness;
//! - [`sign`] (any [`crate::key::Signer`]) and [`sign_with_key`] produce one;
//!   [`sign_json`], [`sign_json_with_key`] and [`verify_json`] do the same for JSON claims.
//!
//! # What is refused, and why
//!
//! - Algorithms other than ES256, ES384 and EdDSA: `none`, HMAC (the public-key-as-HMAC-secret
//!   confusion), RSA, and anything spelled differently (`es256`). The header's `alg` must
//!   also equal the key's algorithm.
//! - Keys named by the token itself (`jwk`, `jku`, `x5u`, `x5c`): kept in
//!   [`Header::extra`], never used to verify.
//! - Duplicate member names anywhere in the header, which different parsers resolve
//!   differently.
//! - Padded or non-canonical base64url, so each token has exactly one encoding.
//! - `crit` extensions the caller did not declare understood (RFC 7515 §4.1.11), and
//!   unencoded payloads (`b64: false`, RFC 7797).
//! - Input over [`MAX_JWS_LEN`] and headers over [`MAX_HEADER_LEN`].
//!
//! Signature failures are reported as the opaque [`JwsError::BadSignature`].
//!
//! # Example
//!
//! ```
//! use did_core::jose::{self, Header, VerifyOptions};
//! use did_core::key::{Algorithm, KeyType, SigningKey};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let key = SigningKey::generate(KeyType::P256)?;
//! let token = jose::sign_with_key(Header::new(Algorithm::Es256).with_typ("JWT"), b"{\"sub\":\"me\"}", &key)?;
//! let verified = jose::verify(&token, key.verifying_key(), &VerifyOptions::default())?;
//! assert_eq!(verified.payload, b"{\"sub\":\"me\"}");
//! # Ok(())
//! # }
//! ```

mod compact;
mod header;

use std::fmt;

pub use compact::{
    Decoded, MAX_HEADER_LEN, MAX_JWS_LEN, Verified, VerifyOptions, decode, sign, sign_json, sign_json_with_key,
    sign_with_key, verify, verify_json,
};
pub use header::Header;

use crate::key::{Algorithm, KeyError};

/// One of the three parts of a compact JWS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Part {
    /// The protected header.
    Header,
    /// The payload.
    Payload,
    /// The signature.
    Signature,
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Part::Header => "header",
            Part::Payload => "payload",
            Part::Signature => "signature",
        })
    }
}

/// Why a JWS was refused, or could not be produced.
///
/// Strings that come from the token are truncated to 64 characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JwsError {
    /// The structure is wrong, e.g. not exactly three `.`-separated parts.
    #[error("malformed JWS: {0}")]
    Malformed(&'static str),
    /// A part is not canonical unpadded base64url (padding, bad characters, or
    /// non-zero trailing bits).
    #[error("JWS {part} is not canonical base64url")]
    InvalidBase64 {
        /// The part that failed to decode.
        part: Part,
    },
    /// The protected header is not a JSON object, repeats a member name, lacks a string
    /// `alg`, or has a member of the wrong type.
    #[error("invalid JWS header: {0}")]
    InvalidHeader(&'static str),
    /// `alg` is not one of ES256, ES384, EdDSA (e.g. `none`, `HS256`, `RS256`, `es256`).
    #[error("forbidden JWS algorithm: {0}")]
    ForbiddenAlgorithm(String),
    /// The header's `alg` is not the algorithm of the key.
    #[error("JWS algorithm {header} does not match the key's algorithm {key}")]
    AlgorithmMismatch {
        /// The algorithm named by the header.
        header: Algorithm,
        /// The algorithm of the key used to verify or sign.
        key: Algorithm,
    },
    /// `crit` lists an extension the caller did not declare understood.
    #[error("unsupported critical JWS header parameter: {0}")]
    UnsupportedCritical(String),
    /// `crit` is empty, not an array of strings, names a standard header parameter, or
    /// names a member absent from the header.
    #[error("invalid crit header: {0}")]
    InvalidCritical(&'static str),
    /// The header says `b64: false` (RFC 7797 unencoded payload), which we refuse.
    #[error("unencoded JWS payloads (b64: false) are not supported")]
    UnencodedPayload,
    /// `typ` is missing or not the media type the caller expected.
    #[error("unexpected JWS typ {found:?}, expected {expected:?}")]
    UnexpectedType {
        /// The media type the caller asked for.
        expected: String,
        /// The header's `typ`, if any.
        found: Option<String>,
    },
    /// The input, or the header, exceeds a size limit.
    #[error("JWS exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The limit in bytes: [`MAX_JWS_LEN`] or [`MAX_HEADER_LEN`].
        limit: usize,
    },
    /// The payload is not the JSON that was asked for (only from the `*_json` functions).
    #[error("invalid JWS payload: {0}")]
    InvalidPayload(&'static str),
    /// The signature did not verify. Deliberately carries no detail.
    #[error("JWS signature verification failed")]
    BadSignature,
    /// The signer failed.
    #[error("JWS signing failed: {0}")]
    Key(#[from] KeyError),
}

use crate::text::truncated as truncate;
