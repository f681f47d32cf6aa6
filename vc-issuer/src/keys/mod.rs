//! The issuer key store (placeholder until the key-store branch lands).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use did_core::key::Signer;

use crate::Error;

/// Where the issuer key lives.
#[derive(Debug, Clone, serde::Deserialize, PartialEq)]
#[serde(tag = "store", rename_all = "lowercase")]
pub enum KeyConfig {
    /// A key file.
    File {
        /// Path.
        path: Option<PathBuf>,
        /// Algorithm.
        algorithm: Option<String>,
        /// Passphrase variable.
        passphrase_env: Option<String>,
    },
}

impl Default for KeyConfig {
    fn default() -> KeyConfig {
        KeyConfig::File {
            path: None,
            algorithm: None,
            passphrase_env: None,
        }
    }
}

/// An opened key.
pub struct OpenedKey {
    /// The signer.
    pub signer: Arc<dyn Signer>,
    /// Whether it was made now.
    pub created: bool,
    /// For people.
    pub description: String,
}

/// Opens or creates the key.
pub async fn open(_config: &KeyConfig, data_dir: &Path) -> Result<OpenedKey, Error> {
    let path = data_dir.join("issuer-key.jwk");
    let created = !path.exists();
    let key = crate::issuer_did::software_key(&path)?;
    Ok(OpenedKey {
        signer: Arc::new(key),
        created,
        description: format!("key file {}", path.display()),
    })
}

/// Wraps a signer with a key ID.
pub fn with_key_id(signer: Arc<dyn Signer>, kid: String) -> Arc<dyn Signer> {
    Arc::new(Named { signer, kid })
}

struct Named {
    signer: Arc<dyn Signer>,
    kid: String,
}

#[async_trait::async_trait]
impl Signer for Named {
    fn verifying_key(&self) -> &did_core::key::VerifyingKey {
        self.signer.verifying_key()
    }
    fn key_id(&self) -> Option<&str> {
        Some(&self.kid)
    }
    async fn try_sign(&self, message: &[u8]) -> Result<Vec<u8>, did_core::key::KeyError> {
        self.signer.try_sign(message).await
    }
}
