//! The signing seam.

use async_trait::async_trait;

use super::{Algorithm, KeyError, VerifyingKey};

/// Anything that can sign with one key: a software [`super::SigningKey`], a PKCS#11
/// HSM, an Android Keystore or iOS Secure Enclave key behind the mobile bindings.
///
/// Object-safe and `Send + Sync`, meant to be held as `Arc<dyn Signer>`. Signing is
/// async because hardware and remote key stores are.
#[async_trait]
pub trait Signer: Send + Sync {
    /// The public half, which verifiers will use.
    fn verifying_key(&self) -> &VerifyingKey;

    /// The key ID to put in a JWS `kid` header, if the signer knows one
    /// (usually a DID URL such as `did:key:z…#z…`).
    fn key_id(&self) -> Option<&str> {
        None
    }

    /// The algorithm, fixed by the key type.
    fn algorithm(&self) -> Algorithm {
        self.verifying_key().algorithm()
    }

    /// Signs `message`, returning the raw signature (`r || s` for ECDSA).
    async fn try_sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError>;
}
