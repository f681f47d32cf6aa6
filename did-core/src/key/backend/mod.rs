//! The signature arithmetic, chosen at build time.
//!
//! Both backends take keys already validated by the RustCrypto decoders in
//! [`super::VerifyingKey::from_bytes`], and raw fixed-length signatures.

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
