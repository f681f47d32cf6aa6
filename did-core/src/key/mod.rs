//! Key material: P-256 (ES256, the default), Ed25519 (EdDSA) and P-384 (ES384).
//!
//! - [`VerifyingKey`] holds public material only and verifies signatures.
//! - [`SigningKey`] holds a secret (zeroized on drop) and signs.
//! - [`Signer`] is the seam through which software keys, PKCS#11 HSMs and phone key
//!   stores all sign the same way.
//! - [`Jwk`] (RFC 7517) and Multikey (`publicKeyMultibase`) are the two wire forms.
//!
//! The arithmetic backend is chosen at build time: with the default `aws-lc` feature,
//! signing and verification go through aws-lc-rs (measured about 3.5x faster than
//! the pure-Rust crates for P-256 verification on our 2-core reference machine);
//! without it, the pure-Rust RustCrypto crates (`p256`, `p384`, `ed25519-dalek`) do
//! the work, for targets that cannot build C.
//!
//! Every key type has one accepted encoding in each wire form: compressed SEC1 points with
//! the tag `0x02`/`0x03`, uncompressed ones with `0x04`, coordinates below the field prime,
//! on the curve, and Ed25519 keys with y below the field prime and not of small order.
//! Anything else (compact, hybrid or identity points among them) is refused, whatever the
//! entry point (did:key, Multikey, JWK, X.509, DID documents), so a decoded key encodes back
//! to exactly the bytes it came from and two identifiers never name one key. Compressed
//! points are decompressed by RustCrypto; the backend checks uncompressed points as it
//! parses them; the same refusals are tested under both backends.

mod algorithm;
mod backend;
mod jwk;
mod multikey;
mod point;
mod signer;
mod signing;
mod verifying;

pub use algorithm::{Algorithm, KeyType};
pub use backend::NAME as BACKEND;
pub use jwk::Jwk;
pub use multikey::{MULTICODEC_ED25519_PUB, MULTICODEC_P256_PUB, MULTICODEC_P384_PUB};
pub(crate) use multikey::{read_varint, x25519_from_ed25519};
pub use signer::Signer;
pub use signing::SigningKey;
pub use verifying::VerifyingKey;

/// Why key material was rejected or a signature did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The key type (JWK `kty`/`crv`, multicodec, or verification method type) is not one we support.
    #[error("unsupported key type: {0}")]
    UnsupportedKeyType(String),
    /// The algorithm is not on the allow-list (ES256, ES384, EdDSA), e.g. `none` or `HS256`.
    #[error("unsupported or forbidden algorithm: {0}")]
    UnsupportedAlgorithm(String),
    /// The algorithm does not belong to this key type (e.g. ES384 with a P-256 key).
    #[error("algorithm {algorithm} does not match key type {key_type}")]
    AlgorithmMismatch {
        /// The algorithm that was asked for.
        algorithm: String,
        /// The key's type.
        key_type: KeyType,
    },
    /// The bytes are not a valid key of the stated type (wrong length, point not on the curve, ...).
    #[error("invalid {key_type} key: {reason}")]
    InvalidKey {
        /// The key type that was being decoded.
        key_type: KeyType,
        /// What was wrong with it.
        reason: &'static str,
    },
    /// The key bytes have the wrong length for their type (e.g. a P-256 Multikey that is not
    /// 33 bytes, or an Ed25519 key that is not 32).
    #[error("invalid {key_type} key: {found} bytes where {expected} are expected")]
    WrongKeyLength {
        /// The key type that was being decoded.
        key_type: KeyType,
        /// The length this type's encoding has.
        expected: usize,
        /// The length found.
        found: usize,
    },
    /// A JWK is malformed: a member is missing, of the wrong type, or not canonical base64url.
    #[error("invalid JWK: {0}")]
    InvalidJwk(&'static str),
    /// A JWK that must be public carries private members (`d`, ...).
    #[error("public JWK contains private member \"{0}\"")]
    PrivateMemberInPublicJwk(&'static str),
    /// A Multikey value is malformed (bad multibase, unknown multicodec, wrong length).
    #[error("invalid Multikey: {0}")]
    InvalidMultikey(&'static str),
    /// The signature did not verify. Deliberately carries no detail.
    #[error("signature verification failed")]
    BadSignature,
    /// Signing failed in the backend or in an external signer (HSM, phone key store).
    #[error("signing failed: {0}")]
    SigningFailed(String),
    /// The system random number generator failed.
    #[error("random number generator failed")]
    Rng,
}
