//! Software signing keys. The secret is zeroized on drop and never printed.

use std::fmt;

use async_trait::async_trait;
use rand_core::{OsRng, RngCore as _};
use zeroize::Zeroizing;

use super::jwk::{b64u_decode, b64u_encode};
use super::{Jwk, KeyError, KeyType, Signer, VerifyingKey, backend, multikey};

/// A private key held in process memory.
pub struct SigningKey {
    key_type: KeyType,
    /// EC scalar (big-endian) or Ed25519 seed.
    secret: Zeroizing<Vec<u8>>,
    verifying_key: VerifyingKey,
    key_id: Option<String>,
    backend: backend::Signer,
}

impl SigningKey {
    /// Generates a fresh key from the operating system's random number generator.
    pub fn generate(key_type: KeyType) -> Result<SigningKey, KeyError> {
        let secret = match key_type {
            KeyType::P256 => Zeroizing::new(p256::SecretKey::random(&mut OsRng).to_bytes().to_vec()),
            KeyType::P384 => Zeroizing::new(p384::SecretKey::random(&mut OsRng).to_bytes().to_vec()),
            KeyType::Ed25519 => {
                let mut seed = Zeroizing::new(vec![0u8; 32]);
                OsRng.try_fill_bytes(&mut seed).map_err(|_| KeyError::Rng)?;
                seed
            }
        };
        Self::from_bytes(key_type, &secret)
    }

    /// Imports a secret: the big-endian scalar for P-256/P-384 (32/48 bytes), the
    /// 32-byte seed for Ed25519. The scalar must be in `[1, n-1]`.
    pub fn from_bytes(key_type: KeyType, secret: &[u8]) -> Result<SigningKey, KeyError> {
        use p256::elliptic_curve::sec1::ToEncodedPoint as _;
        if secret.len() != key_type.scalar_len() {
            return Err(KeyError::InvalidKey {
                key_type,
                reason: "secret has the wrong length",
            });
        }
        let invalid = KeyError::InvalidKey {
            key_type,
            reason: "secret scalar out of range",
        };
        let public: Vec<u8> = match key_type {
            KeyType::P256 => p256::SecretKey::from_slice(secret)
                .map_err(|_| invalid)?
                .public_key()
                .to_encoded_point(false)
                .as_bytes()
                .to_vec(),
            KeyType::P384 => p384::SecretKey::from_slice(secret)
                .map_err(|_| invalid)?
                .public_key()
                .to_encoded_point(false)
                .as_bytes()
                .to_vec(),
            KeyType::Ed25519 => {
                let seed: [u8; 32] = secret.try_into().map_err(|_| invalid)?;
                let seed = Zeroizing::new(seed);
                ed25519_dalek::SigningKey::from_bytes(&seed)
                    .verifying_key()
                    .to_bytes()
                    .to_vec()
            }
        };
        let verifying_key = VerifyingKey::from_bytes(key_type, &public)?;
        let backend = backend::Signer::new(key_type, secret, verifying_key.as_bytes())?;
        Ok(SigningKey {
            key_type,
            secret: Zeroizing::new(secret.to_vec()),
            verifying_key,
            key_id: None,
            backend,
        })
    }

    /// Sets the key ID reported through [`Signer::key_id`] (e.g. a DID URL).
    pub fn with_key_id(mut self, key_id: impl Into<String>) -> SigningKey {
        self.key_id = Some(key_id.into());
        self
    }

    /// The secret bytes (scalar or seed), in a buffer that is zeroized on drop.
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        self.secret.clone()
    }

    /// The key type.
    pub fn key_type(&self) -> KeyType {
        self.key_type
    }

    /// The public half.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.verifying_key
    }

    /// Signs `message` synchronously: raw `r || s` for ECDSA, 64 bytes for Ed25519.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        self.backend.sign(message)
    }

    /// Signs `message` with a deterministic nonce: RFC 6979 for ECDSA (P-256 with
    /// SHA-256, P-384 with SHA-384, through the RustCrypto `p256`/`p384` crates on both
    /// backends), plain Ed25519 otherwise (which is deterministic by construction).
    ///
    /// The same key and message always give the same signature, byte for byte, which
    /// is what reproducing published test vectors needs (aws-lc's ECDSA, used by
    /// [`SigningKey::sign`] on the default backend, picks a random nonce). S is not
    /// normalized to the low half, exactly as RFC 6979 yields it.
    pub fn sign_deterministic(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        use p256::ecdsa::signature::Signer as _;
        let invalid = KeyError::InvalidKey {
            key_type: self.key_type,
            reason: "secret scalar out of range",
        };
        match self.key_type {
            KeyType::P256 => {
                let key = p256::ecdsa::SigningKey::from_slice(&self.secret).map_err(|_| invalid)?;
                let signature: p256::ecdsa::Signature = key.sign(message);
                Ok(signature.to_bytes().to_vec())
            }
            KeyType::P384 => {
                let key = p384::ecdsa::SigningKey::from_slice(&self.secret).map_err(|_| invalid)?;
                let signature: p384::ecdsa::Signature = key.sign(message);
                Ok(signature.to_bytes().to_vec())
            }
            KeyType::Ed25519 => self.sign(message),
        }
    }

    /// Imports a private JWK (with `d`). The public members must match the secret.
    pub fn from_jwk(jwk: &Jwk) -> Result<SigningKey, KeyError> {
        let public = VerifyingKey::from_jwk_public_part(jwk)?;
        let d = jwk.d.as_ref().ok_or(KeyError::InvalidJwk("private JWK without d"))?;
        let secret = Zeroizing::new(b64u_decode(d, "d is not base64url")?);
        let key = Self::from_bytes(public.key_type(), &secret)?;
        if key.verifying_key != public {
            return Err(KeyError::InvalidJwk("public members do not match d"));
        }
        Ok(key)
    }

    /// The private JWK, including `d`. Handle with care; it is zeroized on drop.
    pub fn to_jwk(&self) -> Jwk {
        let mut jwk = self.verifying_key.to_jwk();
        jwk.d = Some(Zeroizing::new(b64u_encode(&self.secret)));
        jwk
    }

    /// Imports a `secretKeyMultibase` value (multicodec `p256-priv`, `p384-priv`, `ed25519-priv`).
    pub fn from_multikey(value: &str) -> Result<SigningKey, KeyError> {
        let (key_type, secret) = multikey::decode_secret(value)?;
        Self::from_bytes(key_type, &secret)
    }

    /// The `secretKeyMultibase` form of this key.
    pub fn to_multikey(&self) -> Zeroizing<String> {
        multikey::encode_secret(self.key_type, &self.secret)
    }
}

#[async_trait]
impl Signer for SigningKey {
    fn verifying_key(&self) -> &VerifyingKey {
        &self.verifying_key
    }

    fn key_id(&self) -> Option<&str> {
        self.key_id.as_deref()
    }

    async fn try_sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        self.sign(message)
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("key_type", &self.key_type)
            .field("verifying_key", &self.verifying_key)
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}
