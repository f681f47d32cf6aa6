//! The signature arithmetic, chosen at build time.
//!
//! Both backends take public keys in canonical form (an uncompressed SEC1 point, or the 32
//! bytes of an Ed25519 key checked by [`super::VerifyingKey::from_bytes`]) and refuse, as they
//! parse them, points that are off the curve or have coordinates not below the field prime.
//! Signatures are raw and fixed-length.

#[cfg(feature = "aws-lc")]
mod aws_lc;
#[cfg(feature = "aws-lc")]
pub(crate) use aws_lc::{Signer, Verifier};

#[cfg(not(feature = "aws-lc"))]
mod rust_crypto;
#[cfg(not(feature = "aws-lc"))]
pub(crate) use rust_crypto::{Signer, Verifier};

/// The name of the signature backend compiled in (`aws-lc-rs` or `RustCrypto`), for logs and benchmark reports.
pub const NAME: &str = if cfg!(feature = "aws-lc") {
    "aws-lc-rs"
} else {
    "RustCrypto"
};
