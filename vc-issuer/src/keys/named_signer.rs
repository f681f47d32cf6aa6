//! A signer under another key ID: the issuer's DID verification method, known only once
//! the DID is set up (after the key has been opened).

use std::sync::Arc;

use async_trait::async_trait;
use did_core::key::{Algorithm, KeyError, Signer, VerifyingKey};

/// Wraps `signer` so that its [`Signer::key_id`] is `kid`; signing, the public key and the
/// algorithm are the wrapped signer's.
pub fn with_key_id(signer: Arc<dyn Signer>, kid: String) -> Arc<dyn Signer> {
    Arc::new(NamedSigner { inner: signer, kid })
}

/// A signer whose key ID is set here rather than by the key store.
struct NamedSigner {
    inner: Arc<dyn Signer>,
    kid: String,
}

#[async_trait]
impl Signer for NamedSigner {
    fn verifying_key(&self) -> &VerifyingKey {
        self.inner.verifying_key()
    }

    fn key_id(&self) -> Option<&str> {
        Some(&self.kid)
    }

    fn algorithm(&self) -> Algorithm {
        self.inner.algorithm()
    }

    async fn try_sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        self.inner.try_sign(message).await
    }
}
