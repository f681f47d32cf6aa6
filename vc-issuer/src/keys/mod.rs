//! The issuer key store: where the issuer's signing key lives, opened (and created on first
//! start) by [`open`] from the `[key]` table ([`KeyConfig`]).
//!
//! - **Key file** (the default): a private JWK, `<data_dir>/issuer-key.jwk`, written
//!   atomically (temporary file, fsync, link or rename) with owner-only permissions (0600 in
//!   a 0700 directory), and refused when group or others can access it. When the variable
//!   named by `passphrase_env` (`DOJANG_KEY_PASSPHRASE`) is set, the file is *sealed*.
//! - **PKCS#11**: a P-256 key on a token, found by label or generated there; the private key
//!   never leaves the token.
//!
//! Why Argon2id + AES-256-GCM for sealing: a passphrase is a low-entropy secret, so what
//! protects a stolen sealed file is the cost of each guess. Argon2id (RFC 9106; 64 MiB, 3
//! passes) makes every guess cost memory as well as time, which is what blunts GPU and ASIC
//! guessing, where PBKDF2 or plain hashing would not. AES-256-GCM (from aws-lc-rs, the crypto
//! library did-core already uses) is authenticated: a wrong passphrase or a modified file is
//! detected instead of yielding a garbage key, and the format tag and KDF parameters are bound
//! as associated data, so nobody can lower the cost recorded in the file. Salt and nonce are
//! fresh for every seal.
//!
//! Why `spawn_blocking`: cryptoki calls are synchronous FFI calls into the module, which may
//! wait on a USB token or a network HSM; Argon2id deliberately burns a fraction of a second
//! of CPU. Either would stall every request sharing the async worker thread, so both run on
//! tokio's blocking pool.
//!
//! Secrets (passphrase, PIN, private key text) are held in [`Zeroizing`] buffers and are
//! never in `Debug` output or error messages.

mod file;
mod named_signer;
mod pkcs11;
mod sealed;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use did_core::key::{Algorithm, Signer, SigningKey};
use zeroize::Zeroizing;

use crate::Error;

pub use named_signer::with_key_id;

/// The variable holding the key file's passphrase, unless `passphrase_env` names another.
pub const DEFAULT_PASSPHRASE_ENV: &str = "DOJANG_KEY_PASSPHRASE";
/// The variable holding the PKCS#11 user PIN, unless `pin_env` names another.
pub const DEFAULT_PIN_ENV: &str = "DOJANG_PKCS11_PIN";
/// The key file's name under the data directory, unless `path` says otherwise.
pub const DEFAULT_KEY_FILE: &str = "issuer-key.jwk";

/// Where the issuer key lives: the `[key]` table of `dojang.toml`.
///
/// ```toml
/// [key]
/// store = "file"                 # the default
/// path = "/var/lib/dojang/issuer-key.jwk"
/// algorithm = "ES256"
/// passphrase_env = "DOJANG_KEY_PASSPHRASE"
/// ```
///
/// ```toml
/// [key]
/// store = "pkcs11"
/// module = "/usr/lib/softhsm/libsofthsm2.so"
/// token_label = "dojang"
/// key_label = "issuer"
/// ```
#[derive(Debug, Clone, serde::Deserialize, PartialEq)]
#[serde(tag = "store", rename_all = "lowercase", deny_unknown_fields)]
pub enum KeyConfig {
    /// A private JWK file, created on first start with owner-only permissions (0600, directory
    /// 0700). If the environment variable named by `passphrase_env` is set, the file is sealed
    /// (Argon2id-derived key, AES-256-GCM, in a JSON envelope); opening a sealed file without
    /// the passphrase, or with a wrong one, fails. An unsealed file stays readable without
    /// one, and is sealed in place when a passphrase is set.
    File {
        /// The key file; `<data_dir>/issuer-key.jwk` by default.
        #[serde(default)]
        path: Option<PathBuf>,
        /// `ES256` (default), `ES384` or `EdDSA`: the type of a new key, and what an existing
        /// one must be when set.
        #[serde(default)]
        algorithm: Option<String>,
        /// The environment variable holding the passphrase; `DOJANG_KEY_PASSPHRASE` by default.
        #[serde(default)]
        passphrase_env: Option<String>,
    },
    /// A P-256 (ES256) key on a PKCS#11 token.
    Pkcs11 {
        /// The PKCS#11 module, e.g. `/usr/lib/softhsm/libsofthsm2.so`.
        module: PathBuf,
        /// The label of the token holding the key.
        token_label: String,
        /// The label (`CKA_LABEL`) of the key pair.
        key_label: String,
        /// The environment variable holding the user PIN; `DOJANG_PKCS11_PIN` by default.
        #[serde(default)]
        pin_env: Option<String>,
        /// Whether to generate the pair on the token if it is missing; `true` by default.
        #[serde(default)]
        create: Option<bool>,
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

impl KeyConfig {
    /// Where generation `generation` of the issuer key lives (see `crate::key_rotation`):
    /// generation 1 is this configuration's key; generation `n` is `issuer-key-<n>.jwk` beside
    /// the key file (same passphrase), or the pair labelled `<key_label>-<n>` on the same token
    /// (made there by the rotation).
    pub fn generation(&self, data_dir: &Path, generation: i64) -> KeyConfig {
        if generation <= 1 {
            return self.clone();
        }
        match self {
            KeyConfig::File {
                path,
                algorithm,
                passphrase_env,
            } => {
                let first = path.clone().unwrap_or_else(|| data_dir.join(DEFAULT_KEY_FILE));
                let stem = first.file_stem().and_then(|s| s.to_str()).unwrap_or("issuer-key");
                let name = match first.extension().and_then(|e| e.to_str()) {
                    Some(extension) => format!("{stem}-{generation}.{extension}"),
                    None => format!("{stem}-{generation}"),
                };
                KeyConfig::File {
                    path: Some(first.with_file_name(name)),
                    algorithm: algorithm.clone(),
                    passphrase_env: passphrase_env.clone(),
                }
            }
            KeyConfig::Pkcs11 {
                module,
                token_label,
                key_label,
                pin_env,
                ..
            } => KeyConfig::Pkcs11 {
                module: module.clone(),
                token_label: token_label.clone(),
                key_label: format!("{key_label}-{generation}"),
                pin_env: pin_env.clone(),
                create: Some(true),
            },
        }
    }

    /// The environment variable holding this store's secret: the key file's passphrase or
    /// the token's PIN.
    pub fn secret_env(&self) -> &str {
        match self {
            KeyConfig::File { passphrase_env, .. } => passphrase_env.as_deref().unwrap_or(DEFAULT_PASSPHRASE_ENV),
            KeyConfig::Pkcs11 { pin_env, .. } => pin_env.as_deref().unwrap_or(DEFAULT_PIN_ENV),
        }
    }
}

/// The opened issuer key.
pub struct OpenedKey {
    /// Signs with the key. Its key ID is the key's did:key verification method (or the `kid`
    /// of the key file) until [`with_key_id`] names the issuer's.
    pub signer: Arc<dyn Signer>,
    /// Whether the key was created by this call (first start).
    pub created: bool,
    /// Where the key is, for logs; no secrets, e.g. `key file ./data/issuer-key.jwk (sealed)`
    /// or `PKCS#11 token 'dojang' key 'issuer'`.
    pub description: String,
}

impl fmt::Debug for OpenedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenedKey")
            .field("algorithm", &self.signer.algorithm())
            .field("key_id", &self.signer.key_id())
            .field("created", &self.created)
            .field("description", &self.description)
            .finish()
    }
}

/// Opens the issuer key `config` describes, creating it on first start. The passphrase or
/// PIN is read from the environment variable [`KeyConfig::secret_env`] names.
pub async fn open(config: &KeyConfig, data_dir: &Path) -> Result<OpenedKey, Error> {
    let secret = secret_from_env(config.secret_env())?;
    open_with_secret(config, data_dir, secret).await
}

/// As [`open`], with the passphrase or PIN given by the caller (e.g. read from a prompt)
/// instead of from the environment. `None` means no passphrase (an owner-only key file) or,
/// for PKCS#11, an error.
pub async fn open_with_secret(
    config: &KeyConfig,
    data_dir: &Path,
    secret: Option<Zeroizing<String>>,
) -> Result<OpenedKey, Error> {
    let secret_env = config.secret_env().to_owned();
    match config {
        KeyConfig::File { path, algorithm, .. } => {
            let path = path.clone().unwrap_or_else(|| data_dir.join(DEFAULT_KEY_FILE));
            let algorithm = algorithm
                .as_deref()
                .map(|name| {
                    Algorithm::from_name(name).map_err(|_| {
                        Error::config("key.algorithm", format!("{name:?} is not one of ES256, ES384, EdDSA"))
                    })
                })
                .transpose()?;
            blocking(move || {
                file::open(&file::FileKey {
                    path: &path,
                    algorithm,
                    passphrase_env: &secret_env,
                    passphrase: secret.as_deref().map(String::as_str),
                })
            })
            .await
        }
        KeyConfig::Pkcs11 {
            module,
            token_label,
            key_label,
            create,
            ..
        } => {
            let pin = secret.ok_or_else(|| {
                Error::config(
                    secret_env.clone(),
                    format!("is not set; it must hold the user PIN of PKCS#11 token '{token_label}'"),
                )
            })?;
            let (module, token_label, key_label) = (module.clone(), token_label.clone(), key_label.clone());
            let create = create.unwrap_or(true);
            blocking(move || {
                pkcs11::open(pkcs11::TokenKey {
                    module: &module,
                    token_label: &token_label,
                    key_label: &key_label,
                    pin_env: &secret_env,
                    pin,
                    create,
                })
            })
            .await
        }
    }
}

/// Opens (or creates, ES256) a software key file at `path` with the same rules as the issuer
/// key file: owner-only, written atomically, sealed when the passphrase variable
/// ([`DEFAULT_PASSPHRASE_ENV`]) is set. For the keys that must stay in software: the
/// in-process registry's operator key and the issuer DID's update keys.
pub async fn open_software_key(path: &Path) -> Result<SigningKey, Error> {
    let secret = secret_from_env(DEFAULT_PASSPHRASE_ENV)?;
    let path = path.to_path_buf();
    blocking(move || {
        file::open_signing_key(&file::FileKey {
            path: &path,
            algorithm: None,
            passphrase_env: DEFAULT_PASSPHRASE_ENV,
            passphrase: secret.as_deref().map(String::as_str),
        })
        .map(|(key, _, _)| key)
    })
    .await
}

/// Reads a secret from the environment: `None` when unset; set but empty or not UTF-8 is an error.
fn secret_from_env(name: &str) -> Result<Option<Zeroizing<String>>, Error> {
    match std::env::var(name) {
        Ok(value) if value.is_empty() => Err(Error::config(
            name,
            "is set but empty; set it to the secret, or unset it",
        )),
        Ok(value) => Ok(Some(Zeroizing::new(value))),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(Error::config(name, "is not valid UTF-8")),
    }
}

/// Runs blocking key-store work on tokio's blocking pool.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> Result<T, Error> + Send + 'static) -> Result<T, Error> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Error::KeyStore(format!("key store task failed: {e}")))?
}
