//! The holder's key: a software key held (and zeroized) by Rust, or a platform key the app
//! supplies through [`PlatformSigner`] (Android Keystore, iOS Secure Enclave).

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use did_core::key::{Algorithm, Jwk, KeyError, KeyType, Signer, SigningKey, VerifyingKey};
use zeroize::Zeroizing;

use crate::DojangError;

/// A P-256 key kept by the platform: Android Keystore, iOS Secure Enclave, or any signer the
/// app has. Dojang never sees the private key; it asks this signer for ES256 signatures.
#[uniffi::export(with_foreign)]
pub trait PlatformSigner: Send + Sync {
    /// The public key as a JWK (JSON text with `kty` `EC`, `crv` `P-256`, `x`, `y`).
    fn public_jwk(&self) -> Result<String, DojangError>;

    /// Signs `message` with ECDSA P-256 over SHA-256 (ES256; Android's `SHA256withECDSA`,
    /// iOS's `ecdsaSignatureMessageX962SHA256`). Either the DER signature those APIs return
    /// or the 64-byte `r || s` is accepted. May block (for a user-presence prompt).
    fn sign(&self, message: Vec<u8>) -> Result<Vec<u8>, DojangError>;
}

/// Adapts a `PlatformSigner` to did-core's `Signer` seam, checking every signature it
/// returns against the key it declared.
pub(crate) struct ForeignSigner {
    inner: Arc<dyn PlatformSigner>,
    key: VerifyingKey,
    /// The last failure, kept whole: did-core's seam carries only text, and the app should
    /// get a `DojangError.Signer` with the signer's own code.
    last_error: Mutex<Option<DojangError>>,
}

impl ForeignSigner {
    /// Reads the signer's public key; only P-256 is accepted (what both platforms' hardware
    /// key stores offer).
    pub(crate) fn new(inner: Arc<dyn PlatformSigner>) -> Result<ForeignSigner, DojangError> {
        let jwk = Jwk::from_json(&inner.public_jwk().map_err(signer_error)?)
            .map_err(|e| DojangError::signer("signer.public_key", format!("the public JWK: {e}")))?;
        if jwk.private_member().is_some() {
            return Err(DojangError::signer(
                "signer.public_key",
                "the public JWK holds a private member",
            ));
        }
        let key = VerifyingKey::from_jwk(&jwk)
            .map_err(|e| DojangError::signer("signer.public_key", format!("the public JWK: {e}")))?;
        if key.key_type() != KeyType::P256 {
            return Err(DojangError::signer(
                "signer.public_key",
                "a platform signer must hold a P-256 key",
            ));
        }
        Ok(ForeignSigner {
            inner,
            key,
            last_error: Mutex::new(None),
        })
    }

    /// The failure of the last signature, if it failed.
    fn take_error(&self) -> Option<DojangError> {
        self.last_error.lock().ok().and_then(|mut slot| slot.take())
    }
}

/// An error the app's signer raised, as a `DojangError::Signer` (kept if it already is one).
fn signer_error(error: DojangError) -> DojangError {
    match error {
        DojangError::Signer { .. } => error,
        other => DojangError::signer(other.code().to_owned(), other.to_string()),
    }
}

/// The raw `r || s` of an ES256 signature given raw or DER-encoded.
pub(crate) fn raw_signature(signature: &[u8]) -> Result<Vec<u8>, DojangError> {
    if signature.len() == 64 {
        return Ok(signature.to_vec());
    }
    p256::ecdsa::Signature::from_der(signature)
        .map(|s| s.to_bytes().to_vec())
        .map_err(|_| {
            DojangError::signer(
                "signer.bad_signature",
                "the signature is neither 64 bytes of r || s nor DER",
            )
        })
}

#[async_trait]
impl Signer for ForeignSigner {
    fn verifying_key(&self) -> &VerifyingKey {
        &self.key
    }

    fn algorithm(&self) -> Algorithm {
        Algorithm::Es256
    }

    async fn try_sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        let signed = self
            .inner
            .sign(message.to_vec())
            .map_err(signer_error)
            .and_then(|signature| raw_signature(&signature))
            .and_then(|raw| {
                self.key.verify(message, &raw).map_err(|_| {
                    DojangError::signer(
                        "signer.wrong_key",
                        "the signature does not verify with the signer's public key",
                    )
                })?;
                Ok(raw)
            });
        signed.map_err(|e| {
            let text = e.to_string();
            if let Ok(mut slot) = self.last_error.lock() {
                *slot = Some(e);
            }
            KeyError::SigningFailed(text)
        })
    }
}

/// The wallet's holder key.
pub(crate) enum HolderKey {
    /// Generated or imported; Rust holds it and zeroizes it on drop.
    Software(Arc<SigningKey>),
    /// Held by the platform.
    Platform(Arc<ForeignSigner>),
}

impl HolderKey {
    /// The key as did-core's signing seam.
    pub(crate) fn signer(&self) -> Arc<dyn Signer> {
        match self {
            HolderKey::Software(key) => key.clone(),
            HolderKey::Platform(signer) => signer.clone(),
        }
    }

    /// The public key.
    pub(crate) fn verifying_key(&self) -> &VerifyingKey {
        match self {
            HolderKey::Software(key) => key.verifying_key(),
            HolderKey::Platform(signer) => &signer.key,
        }
    }

    /// Turns a failure of an operation that signed into the error the app should see: the
    /// platform signer's own, if it was the signer that failed.
    pub(crate) fn explain(&self, error: impl Into<DojangError>) -> DojangError {
        match self {
            HolderKey::Platform(signer) => signer.take_error().unwrap_or_else(|| error.into()),
            HolderKey::Software(_) => error.into(),
        }
    }

    /// A software key's private JWK, for the app to keep in its secure storage.
    pub(crate) fn private_jwk(&self) -> Result<Zeroizing<String>, DojangError> {
        match self {
            HolderKey::Software(key) => serde_json::to_string(&key.to_jwk())
                .map(Zeroizing::new)
                .map_err(|e| DojangError::invalid("key.export", e.to_string())),
            HolderKey::Platform(_) => Err(DojangError::invalid(
                "key.not_exportable",
                "the key is held by the platform signer",
            )),
        }
    }
}

/// Reads a private JWK (P-256, P-384 or Ed25519).
pub(crate) fn software_key_from_jwk(private_jwk: &str) -> Result<SigningKey, DojangError> {
    let jwk = Jwk::from_json(private_jwk).map_err(|e| DojangError::invalid("key.jwk", e.to_string()))?;
    SigningKey::from_jwk(&jwk).map_err(|e| DojangError::invalid("key.jwk", e.to_string()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    struct Der(SigningKey);

    impl PlatformSigner for Der {
        fn public_jwk(&self) -> Result<String, DojangError> {
            Ok(serde_json::to_string(&self.0.verifying_key().to_jwk()).unwrap())
        }
        fn sign(&self, message: Vec<u8>) -> Result<Vec<u8>, DojangError> {
            let raw = self.0.sign(&message).unwrap();
            let signature = p256::ecdsa::Signature::from_slice(&raw).unwrap();
            Ok(signature.to_der().as_bytes().to_vec())
        }
    }

    struct Liar(SigningKey, SigningKey);

    impl PlatformSigner for Liar {
        fn public_jwk(&self) -> Result<String, DojangError> {
            Ok(serde_json::to_string(&self.0.verifying_key().to_jwk()).unwrap())
        }
        fn sign(&self, message: Vec<u8>) -> Result<Vec<u8>, DojangError> {
            Ok(self.1.sign(&message).unwrap())
        }
    }

    #[test]
    fn der_signatures_from_the_platform_are_accepted_and_checked() {
        let key = SigningKey::generate(KeyType::P256).unwrap();
        let public = key.verifying_key().clone();
        let signer = ForeignSigner::new(Arc::new(Der(key))).unwrap();
        let signature = futures::executor::block_on(signer.try_sign(b"hello")).unwrap();
        assert_eq!(signature.len(), 64);
        public.verify(b"hello", &signature).unwrap();
    }

    #[test]
    fn a_signer_using_another_key_is_caught() {
        let liar = Liar(
            SigningKey::generate(KeyType::P256).unwrap(),
            SigningKey::generate(KeyType::P256).unwrap(),
        );
        let signer = ForeignSigner::new(Arc::new(liar)).unwrap();
        let error = futures::executor::block_on(signer.try_sign(b"hello")).unwrap_err();
        assert!(error.to_string().contains("signer.wrong_key"), "{error}");
        assert_eq!(signer.take_error().unwrap().code(), "signer.wrong_key");
    }

    #[test]
    fn only_public_p256_keys_are_accepted_from_the_platform() {
        struct Fixed(String);
        impl PlatformSigner for Fixed {
            fn public_jwk(&self) -> Result<String, DojangError> {
                Ok(self.0.clone())
            }
            fn sign(&self, _: Vec<u8>) -> Result<Vec<u8>, DojangError> {
                Ok(vec![])
            }
        }
        let p256 = SigningKey::generate(KeyType::P256).unwrap();
        let private = serde_json::to_string(&p256.to_jwk()).unwrap();
        let ed = SigningKey::generate(KeyType::Ed25519).unwrap();
        let ed_public = serde_json::to_string(&ed.verifying_key().to_jwk()).unwrap();
        for jwk in [private, ed_public, "{".to_owned()] {
            let error = ForeignSigner::new(Arc::new(Fixed(jwk))).err().unwrap();
            assert_eq!(error.code(), "signer.public_key");
        }
    }
}
