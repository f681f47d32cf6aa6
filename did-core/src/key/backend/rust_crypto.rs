//! Pure-Rust RustCrypto backend, for targets that cannot build C.

use ed25519_dalek::Verifier as _;
use p256::ecdsa::signature::Signer as _;
use zeroize::Zeroizing;

use crate::key::{KeyError, KeyType};

#[derive(Clone)]
pub(crate) enum Verifier {
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
    Ed25519(ed25519_dalek::VerifyingKey),
}

impl Verifier {
    pub(crate) fn new(key_type: KeyType, public: &[u8]) -> Result<Verifier, KeyError> {
        let invalid = KeyError::InvalidKey {
            key_type,
            reason: "rejected by RustCrypto",
        };
        Ok(match key_type {
            KeyType::P256 => Verifier::P256(p256::ecdsa::VerifyingKey::from_sec1_bytes(public).map_err(|_| invalid)?),
            KeyType::P384 => Verifier::P384(p384::ecdsa::VerifyingKey::from_sec1_bytes(public).map_err(|_| invalid)?),
            KeyType::Ed25519 => {
                let raw: [u8; 32] = public.try_into().map_err(|_| invalid.clone())?;
                Verifier::Ed25519(ed25519_dalek::VerifyingKey::from_bytes(&raw).map_err(|_| invalid)?)
            }
        })
    }

    pub(crate) fn verify(&self, message: &[u8], sig: &[u8]) -> Result<(), KeyError> {
        let bad = |_| KeyError::BadSignature;
        match self {
            Verifier::P256(key) => key
                .verify(message, &p256::ecdsa::Signature::from_slice(sig).map_err(bad)?)
                .map_err(bad),
            Verifier::P384(key) => key
                .verify(message, &p384::ecdsa::Signature::from_slice(sig).map_err(bad)?)
                .map_err(bad),
            Verifier::Ed25519(key) => {
                let sig = ed25519_dalek::Signature::from_slice(sig).map_err(bad)?;
                key.verify_strict(message, &sig).map_err(bad)
            }
        }
    }
}

pub(crate) enum Signer {
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
    Ed25519(ed25519_dalek::SigningKey),
}

impl Signer {
    pub(crate) fn new(key_type: KeyType, secret: &[u8], _public: &[u8]) -> Result<Signer, KeyError> {
        let invalid = KeyError::InvalidKey {
            key_type,
            reason: "rejected by RustCrypto",
        };
        Ok(match key_type {
            KeyType::P256 => Signer::P256(p256::ecdsa::SigningKey::from_slice(secret).map_err(|_| invalid)?),
            KeyType::P384 => Signer::P384(p384::ecdsa::SigningKey::from_slice(secret).map_err(|_| invalid)?),
            KeyType::Ed25519 => {
                let seed: Zeroizing<[u8; 32]> = Zeroizing::new(secret.try_into().map_err(|_| invalid)?);
                Signer::Ed25519(ed25519_dalek::SigningKey::from_bytes(&seed))
            }
        })
    }

    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        Ok(match self {
            Signer::P256(key) => {
                let sig: p256::ecdsa::Signature = key.sign(message);
                sig.to_bytes().to_vec()
            }
            Signer::P384(key) => {
                let sig: p384::ecdsa::Signature = key.sign(message);
                sig.to_bytes().to_vec()
            }
            Signer::Ed25519(key) => ed25519_dalek::Signer::sign(key, message).to_bytes().to_vec(),
        })
    }
}
