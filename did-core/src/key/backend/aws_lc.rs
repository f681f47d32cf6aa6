//! aws-lc-rs: AWS-LC's assembly-optimised P-256/P-384 and Ed25519.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, EcdsaKeyPair, Ed25519KeyPair, ParsedPublicKey};

use crate::key::{KeyError, KeyType};

/// A public key parsed once by the backend.
#[derive(Clone)]
pub(crate) struct Verifier(ParsedPublicKey);

impl Verifier {
    pub(crate) fn new(key_type: KeyType, public: &[u8]) -> Result<Verifier, KeyError> {
        let alg: &'static dyn signature::VerificationAlgorithm = match key_type {
            KeyType::P256 => &signature::ECDSA_P256_SHA256_FIXED,
            KeyType::P384 => &signature::ECDSA_P384_SHA384_FIXED,
            KeyType::Ed25519 => &signature::ED25519,
        };
        ParsedPublicKey::new(alg, public)
            .map(Verifier)
            .map_err(|_| KeyError::InvalidKey {
                key_type,
                reason: "rejected by aws-lc",
            })
    }

    pub(crate) fn verify(&self, message: &[u8], sig: &[u8]) -> Result<(), KeyError> {
        self.0.verify_sig(message, sig).map_err(|_| KeyError::BadSignature)
    }
}

enum Pair {
    Ecdsa(EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
}

/// A key pair held by AWS-LC, whose memory it cleanses on free.
pub(crate) struct Signer {
    pair: Pair,
    rng: SystemRandom,
}

impl Signer {
    pub(crate) fn new(key_type: KeyType, secret: &[u8], public: &[u8]) -> Result<Signer, KeyError> {
        let rejected = |_| KeyError::InvalidKey {
            key_type,
            reason: "rejected by aws-lc",
        };
        let pair = match key_type {
            KeyType::P256 => Pair::Ecdsa(
                EcdsaKeyPair::from_private_key_and_public_key(
                    &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                    secret,
                    public,
                )
                .map_err(rejected)?,
            ),
            KeyType::P384 => Pair::Ecdsa(
                EcdsaKeyPair::from_private_key_and_public_key(
                    &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
                    secret,
                    public,
                )
                .map_err(rejected)?,
            ),
            KeyType::Ed25519 => {
                Pair::Ed25519(Ed25519KeyPair::from_seed_and_public_key(secret, public).map_err(rejected)?)
            }
        };
        Ok(Signer {
            pair,
            rng: SystemRandom::new(),
        })
    }

    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        match &self.pair {
            Pair::Ecdsa(pair) => pair
                .sign(&self.rng, message)
                .map(|sig| sig.as_ref().to_vec())
                .map_err(|_| KeyError::SigningFailed("aws-lc ECDSA signing failed".into())),
            Pair::Ed25519(pair) => Ok(pair.sign(message).as_ref().to_vec()),
        }
    }
}
