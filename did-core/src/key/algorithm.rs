//! The closed sets of key types and signature algorithms.

use std::fmt;

use super::KeyError;

/// A key type we can sign and verify with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyType {
    /// NIST P-256 (secp256r1), used with ES256. The default.
    P256,
    /// NIST P-384 (secp384r1), used with ES384.
    P384,
    /// Ed25519, used with EdDSA.
    Ed25519,
}

impl KeyType {
    /// The one algorithm this key type signs with.
    pub fn algorithm(self) -> Algorithm {
        match self {
            KeyType::P256 => Algorithm::Es256,
            KeyType::P384 => Algorithm::Es384,
            KeyType::Ed25519 => Algorithm::EdDsa,
        }
    }

    /// The JWK `crv` value (`P-256`, `P-384`, `Ed25519`).
    pub fn jwk_crv(self) -> &'static str {
        match self {
            KeyType::P256 => "P-256",
            KeyType::P384 => "P-384",
            KeyType::Ed25519 => "Ed25519",
        }
    }

    /// The JWK `kty` value (`EC` or `OKP`).
    pub fn jwk_kty(self) -> &'static str {
        match self {
            KeyType::P256 | KeyType::P384 => "EC",
            KeyType::Ed25519 => "OKP",
        }
    }

    /// Length in bytes of a field element / scalar / Ed25519 seed.
    pub fn scalar_len(self) -> usize {
        match self {
            KeyType::P256 | KeyType::Ed25519 => 32,
            KeyType::P384 => 48,
        }
    }

    /// Length in bytes of a raw signature (`r || s` for ECDSA).
    pub fn signature_len(self) -> usize {
        match self {
            KeyType::P256 | KeyType::Ed25519 => 64,
            KeyType::P384 => 96,
        }
    }

    /// Looks up a key type by JWK `kty` and `crv`.
    pub fn from_jwk_params(kty: &str, crv: &str) -> Result<KeyType, KeyError> {
        match (kty, crv) {
            ("EC", "P-256") => Ok(KeyType::P256),
            ("EC", "P-384") => Ok(KeyType::P384),
            ("OKP", "Ed25519") => Ok(KeyType::Ed25519),
            _ => Err(KeyError::UnsupportedKeyType(format!("kty={kty} crv={crv}"))),
        }
    }
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.jwk_crv())
    }
}

/// A JOSE signature algorithm on our allow-list. `none`, HMAC and RSA are not here, by design.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// ECDSA with P-256 and SHA-256 (RFC 7518 §3.4).
    Es256,
    /// ECDSA with P-384 and SHA-384.
    Es384,
    /// EdDSA with Ed25519 (RFC 8037).
    EdDsa,
}

impl Algorithm {
    /// The JOSE `alg` name.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Es256 => "ES256",
            Algorithm::Es384 => "ES384",
            Algorithm::EdDsa => "EdDSA",
        }
    }

    /// Parses a JOSE `alg` name. Case-sensitive, as RFC 7515 requires.
    /// `none`, `HS*`, `RS*`, `PS*` and anything else are [`KeyError::UnsupportedAlgorithm`].
    pub fn from_name(name: &str) -> Result<Algorithm, KeyError> {
        match name {
            "ES256" => Ok(Algorithm::Es256),
            "ES384" => Ok(Algorithm::Es384),
            "EdDSA" => Ok(Algorithm::EdDsa),
            other => Err(KeyError::UnsupportedAlgorithm(truncate(other))),
        }
    }

    /// The key type this algorithm needs.
    pub fn key_type(self) -> KeyType {
        match self {
            Algorithm::Es256 => KeyType::P256,
            Algorithm::Es384 => KeyType::P384,
            Algorithm::EdDsa => KeyType::Ed25519,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

use crate::text::truncated as truncate;
