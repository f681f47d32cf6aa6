//! Public keys that verify signatures and need no secret.

use std::fmt;

use super::jwk::{b64u_decode, b64u_encode};
use super::{Algorithm, Jwk, KeyError, KeyType, backend, multikey, point};

/// A public key of a supported type, validated on construction, ready to verify.
///
/// Only canonical encodings are accepted (see [`VerifyingKey::from_bytes`]): EC points lie
/// on the curve with coordinates below the field prime; Ed25519 points decompress, are
/// canonical and not of small order. The backend's parsed form is built once here, so
/// [`VerifyingKey::verify`] does no parsing on the hot path.
#[derive(Clone)]
pub struct VerifyingKey {
    key_type: KeyType,
    /// SEC1 uncompressed point (EC) or the 32-byte Ed25519 public key.
    bytes: Box<[u8]>,
    backend: backend::Verifier,
}

impl VerifyingKey {
    /// Decodes a key from its raw bytes: a SEC1 point (compressed or uncompressed) for
    /// P-256 and P-384, the 32-byte public key for Ed25519.
    ///
    /// Only the canonical encoding is accepted (no compact, hybrid or identity points, no
    /// coordinate at or above the field prime, nothing off the curve or of small order), so
    /// encoding the key again in the same form gives back exactly these bytes.
    pub fn from_bytes(key_type: KeyType, bytes: &[u8]) -> Result<VerifyingKey, KeyError> {
        let canonical = match key_type {
            KeyType::P256 | KeyType::P384 => point::ec(key_type, bytes)?,
            KeyType::Ed25519 => point::ed25519(bytes)?,
        };
        let backend = backend::Verifier::new(key_type, &canonical)?;
        Ok(VerifyingKey {
            key_type,
            bytes: canonical,
            backend,
        })
    }

    /// The key type.
    pub fn key_type(&self) -> KeyType {
        self.key_type
    }

    /// The one algorithm this key verifies.
    pub fn algorithm(&self) -> Algorithm {
        self.key_type.algorithm()
    }

    /// SEC1 uncompressed point (EC) or the 32-byte Ed25519 key.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// SEC1 compressed point (EC) or the 32-byte Ed25519 key: the form Multikey uses.
    pub fn to_compressed_bytes(&self) -> Vec<u8> {
        use p256::elliptic_curve::sec1::ToEncodedPoint as _;
        let compressed = match self.key_type {
            KeyType::P256 => {
                p256::PublicKey::from_sec1_bytes(&self.bytes).map(|p| p.to_encoded_point(true).as_bytes().to_vec())
            }
            KeyType::P384 => {
                p384::PublicKey::from_sec1_bytes(&self.bytes).map(|p| p.to_encoded_point(true).as_bytes().to_vec())
            }
            KeyType::Ed25519 => return self.bytes.to_vec(),
        };
        // The bytes were validated on construction, so decoding them again cannot fail.
        compressed.unwrap_or_default()
    }

    /// Verifies `signature` over `message` with this key's algorithm.
    ///
    /// ECDSA signatures are the raw fixed-length `r || s` form used by JOSE and Data
    /// Integrity. High-S signatures are accepted (P-256/P-384 do not require low-S).
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), KeyError> {
        if signature.len() != self.key_type.signature_len() {
            return Err(KeyError::BadSignature);
        }
        self.backend.verify(message, signature)
    }

    /// Verifies with an algorithm named by the message (e.g. a JWS header), refusing an
    /// algorithm that does not belong to this key type.
    pub fn verify_with(&self, algorithm: Algorithm, message: &[u8], signature: &[u8]) -> Result<(), KeyError> {
        if algorithm != self.algorithm() {
            return Err(KeyError::AlgorithmMismatch {
                algorithm: algorithm.name().to_owned(),
                key_type: self.key_type,
            });
        }
        self.verify(message, signature)
    }

    /// Reads a public JWK. Private members, unsupported curves, a mismatching `alg`
    /// and non-canonical base64url are errors.
    pub fn from_jwk(jwk: &Jwk) -> Result<VerifyingKey, KeyError> {
        if let Some(member) = jwk.private_member() {
            return Err(KeyError::PrivateMemberInPublicJwk(member));
        }
        Self::from_jwk_public_part(jwk)
    }

    /// Reads the public part of a JWK that may also hold a private key.
    pub(crate) fn from_jwk_public_part(jwk: &Jwk) -> Result<VerifyingKey, KeyError> {
        let key_type = KeyType::from_jwk_params(&jwk.kty, jwk.crv.as_deref().unwrap_or_default())?;
        if let Some(alg) = jwk.alg.as_deref() {
            let alg = Algorithm::from_name(alg)?;
            if alg.key_type() != key_type {
                return Err(KeyError::AlgorithmMismatch {
                    algorithm: alg.name().to_owned(),
                    key_type,
                });
            }
        }
        let x = b64u_decode(
            jwk.x.as_deref().ok_or(KeyError::InvalidJwk("missing x"))?,
            "x is not base64url",
        )?;
        if x.len() != key_type.scalar_len() {
            return Err(KeyError::InvalidJwk("x has the wrong length for the curve"));
        }
        match key_type {
            KeyType::Ed25519 => {
                if jwk.y.is_some() {
                    return Err(KeyError::InvalidJwk("OKP JWK must not have y"));
                }
                Self::from_bytes(key_type, &x)
            }
            KeyType::P256 | KeyType::P384 => {
                let y = b64u_decode(
                    jwk.y.as_deref().ok_or(KeyError::InvalidJwk("missing y"))?,
                    "y is not base64url",
                )?;
                if y.len() != key_type.scalar_len() {
                    return Err(KeyError::InvalidJwk("y has the wrong length for the curve"));
                }
                let mut sec1 = Vec::with_capacity(1 + 2 * x.len());
                sec1.push(0x04);
                sec1.extend_from_slice(&x);
                sec1.extend_from_slice(&y);
                Self::from_bytes(key_type, &sec1)
            }
        }
    }

    /// The public JWK (`kty`, `crv`, `x`, and `y` for EC keys).
    pub fn to_jwk(&self) -> Jwk {
        let n = self.key_type.scalar_len();
        let (x, y) = match self.key_type {
            KeyType::Ed25519 => (b64u_encode(&self.bytes), None),
            KeyType::P256 | KeyType::P384 => (
                b64u_encode(self.bytes.get(1..1 + n).unwrap_or_default()),
                Some(b64u_encode(self.bytes.get(1 + n..).unwrap_or_default())),
            ),
        };
        Jwk {
            kty: self.key_type.jwk_kty().to_owned(),
            crv: Some(self.key_type.jwk_crv().to_owned()),
            x: Some(x),
            y,
            ..Jwk::default()
        }
    }

    /// The RFC 7638 thumbprint of the public JWK.
    pub fn thumbprint(&self) -> String {
        // A JWK we built ourselves always has the required members.
        self.to_jwk().thumbprint().unwrap_or_default()
    }

    /// Decodes a Multikey `publicKeyMultibase` value (`z` + base58btc of multicodec + key).
    pub fn from_multikey(value: &str) -> Result<VerifyingKey, KeyError> {
        let (key_type, bytes) = multikey::decode_public(value)?;
        Self::from_bytes(key_type, &bytes)
    }

    /// Encodes this key as a Multikey `publicKeyMultibase` value.
    pub fn to_multikey(&self) -> String {
        multikey::encode_public(self.key_type, &self.to_compressed_bytes())
    }
}

impl PartialEq for VerifyingKey {
    fn eq(&self, other: &Self) -> bool {
        self.key_type == other.key_type && self.bytes == other.bytes
    }
}

impl Eq for VerifyingKey {}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("key_type", &self.key_type)
            .field("multikey", &self.to_multikey())
            .finish()
    }
}
