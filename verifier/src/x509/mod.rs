//! X.509 issuer trust: an issuer is trusted because its signing key is certified by a configured
//! root certificate authority.
//!
//! The certificate chain (`x5c`: standard base64 DER certificates, leaf first) comes either from
//! the credential's JWS header ([`x5c_from_header`]) or from the issuer's verification method
//! (`publicKeyJwk.x5c`, [`x5c_from_jwk`]). [`verify_chain`] checks it against the
//! [`TrustAnchors`] and returns the leaf's key; [`check_key`] then compares that key with the
//! one that signed the credential.
//!
//! Signatures are checked here with aws-lc-rs: ECDSA with SHA-256 or SHA-384 over P-256 and
//! P-384, and Ed25519. Every other algorithm is refused.

mod anchors;
mod chain;

use base64::Engine as _;
use did_core::jose::Header;
use did_core::key::VerifyingKey;
use serde_json::Value;

use crate::reason::{Reason, ReasonCode};

pub use crate::error::TrustAnchorError;
pub use anchors::{MAX_ANCHORS, MAX_PEM_LEN, TrustAnchors};
pub use chain::{certificate_key, verify_chain};

/// The largest DER certificate accepted, in bytes.
pub const MAX_CERT_LEN: usize = 16 * 1024;

/// The most certificates a chain may hold (leaf, intermediates, and optionally the root).
pub const MAX_CHAIN_LEN: usize = 5;

/// The longest base64 string for one certificate: the encoding of [`MAX_CERT_LEN`] bytes.
const MAX_CERT_B64_LEN: usize = MAX_CERT_LEN.div_ceil(3) * 4;

/// Why an issuer's certificate chain was not accepted: a reason code for the decision and a
/// detail for the operator (no personal data).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {detail}")]
pub struct X509Failure {
    code: ReasonCode,
    detail: String,
}

impl X509Failure {
    /// A failure with `code` and `detail`.
    pub fn new(code: ReasonCode, detail: impl Into<String>) -> X509Failure {
        X509Failure {
            code,
            detail: detail.into(),
        }
    }

    pub(crate) fn invalid(detail: impl Into<String>) -> X509Failure {
        X509Failure::new(ReasonCode::X509Invalid, detail)
    }

    /// The reason code: `X509_UNKNOWN_ROOT`, `X509_EXPIRED`, `X509_INVALID` or
    /// `X509_KEY_MISMATCH`.
    pub fn code(&self) -> ReasonCode {
        self.code
    }

    /// What exactly failed.
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// The failure as a decision reason, with its detail.
    pub fn to_reason(&self) -> Reason {
        Reason::with_detail(self.code, self.detail.clone())
    }
}

/// The `x5c` chain of a JWS protected header, if it has one.
///
/// Fails when `x5c` is present but is not a non-empty array of at most [`MAX_CHAIN_LEN`]
/// standard base64 (padded) strings of at most [`MAX_CERT_LEN`] bytes each.
pub fn x5c_from_header(header: &Header) -> Result<Option<Vec<Vec<u8>>>, X509Failure> {
    header.extra.get("x5c").map(decode_x5c).transpose()
}

/// The `x5c` chain of a JWK (e.g. a verification method's `publicKeyJwk`), if it has one.
///
/// Same rules as [`x5c_from_header`]; a value that is not a JSON object has no chain.
pub fn x5c_from_jwk(jwk_json: &Value) -> Result<Option<Vec<Vec<u8>>>, X509Failure> {
    jwk_json.get("x5c").map(decode_x5c).transpose()
}

fn decode_x5c(value: &Value) -> Result<Vec<Vec<u8>>, X509Failure> {
    let Value::Array(items) = value else {
        return Err(X509Failure::invalid("x5c is not an array"));
    };
    if items.is_empty() {
        return Err(X509Failure::invalid("x5c is empty"));
    }
    if items.len() > MAX_CHAIN_LEN {
        return Err(X509Failure::invalid(format!(
            "x5c holds {} certificates, at most {MAX_CHAIN_LEN} are accepted",
            items.len()
        )));
    }
    items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let Value::String(text) = item else {
                return Err(X509Failure::invalid(format!("x5c[{index}] is not a string")));
            };
            if text.len() > MAX_CERT_B64_LEN {
                return Err(X509Failure::invalid(format!("x5c[{index}] is too large")));
            }
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .map_err(|_| X509Failure::invalid(format!("x5c[{index}] is not standard base64")))
        })
        .collect()
}

/// Checks that the certified key (from [`verify_chain`]) is the key that signed the credential.
pub fn check_key(certified: &VerifyingKey, signing: &VerifyingKey) -> Result<(), X509Failure> {
    if certified.key_type() == signing.key_type() && certified.as_bytes() == signing.as_bytes() {
        Ok(())
    } else {
        Err(X509Failure::new(
            ReasonCode::X509KeyMismatch,
            "the leaf certificate's key is not the signing key",
        ))
    }
}
