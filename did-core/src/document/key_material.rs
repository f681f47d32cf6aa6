//! Reading the public key of a verification method.

use super::{DocumentError, VerificationMethod};
use crate::did::truncated;
use crate::key::{KeyError, KeyType, VerifyingKey};

impl VerificationMethod {
    /// The method's public key, from whichever material it carries:
    ///
    /// - `publicKeyJwk` → [`VerifyingKey::from_jwk`] (a `kty` other than `EC`/`OKP` is
    ///   [`KeyError::UnsupportedKeyType`]);
    /// - `publicKeyMultibase` → [`VerifyingKey::from_multikey`];
    /// - `publicKeyBase58` (legacy) → raw key bytes for `Ed25519VerificationKey2018` and
    ///   SEC1 bytes for `P256Key2021`.
    ///
    /// Key errors come back as [`DocumentError::InvalidKey`]; no material, or base58 material of
    /// another type, is [`DocumentError::UnsupportedVerificationMaterial`].
    pub fn verifying_key(&self) -> Result<VerifyingKey, DocumentError> {
        let invalid = |source: KeyError| DocumentError::InvalidKey {
            id: truncated(&self.id),
            source,
        };
        if let Some(jwk) = &self.public_key_jwk {
            if !matches!(jwk.kty.as_str(), "EC" | "OKP") {
                return Err(invalid(KeyError::UnsupportedKeyType(format!(
                    "kty={}",
                    truncated(&jwk.kty)
                ))));
            }
            return VerifyingKey::from_jwk(jwk).map_err(invalid);
        }
        if let Some(multibase) = &self.public_key_multibase {
            return VerifyingKey::from_multikey(multibase).map_err(invalid);
        }
        if let Some(base58) = &self.public_key_base58 {
            let key_type = match self.type_.as_str() {
                "Ed25519VerificationKey2018" => Some(KeyType::Ed25519),
                "P256Key2021" => Some(KeyType::P256),
                _ => None,
            };
            if let Some(key_type) = key_type {
                let (_, bytes) = crate::multibase::decode(&format!("z{base58}")).map_err(|_| {
                    invalid(KeyError::InvalidKey {
                        key_type,
                        reason: "publicKeyBase58 is not base58btc",
                    })
                })?;
                return VerifyingKey::from_bytes(key_type, &bytes).map_err(invalid);
            }
        }
        Err(DocumentError::UnsupportedVerificationMaterial {
            id: truncated(&self.id),
            method_type: truncated(&self.type_),
        })
    }
}
