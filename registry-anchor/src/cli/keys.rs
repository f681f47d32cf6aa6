//! Reading key files.

use std::path::Path;

use did_core::key::{Jwk, SigningKey, VerifyingKey};
use zeroize::Zeroizing;

use super::Failure;

/// The largest key file read.
const MAX_KEY_FILE: u64 = 16 * 1024;

/// Reads a private JWK file.
pub(crate) fn read_signing_key(path: &Path) -> Result<SigningKey, Failure> {
    let len = std::fs::metadata(path)
        .map_err(|e| ("key_file", format!("{}: {e}", path.display())))?
        .len();
    if len > MAX_KEY_FILE {
        return Err((
            "key_file",
            format!("{} is larger than {MAX_KEY_FILE} bytes", path.display()),
        ));
    }
    let text =
        Zeroizing::new(std::fs::read_to_string(path).map_err(|e| ("key_file", format!("{}: {e}", path.display())))?);
    let jwk = Jwk::from_json(&text).map_err(|e| ("invalid_key", format!("{}: {e}", path.display())))?;
    SigningKey::from_jwk(&jwk).map_err(|e| ("invalid_key", format!("{}: {e}", path.display())))
}

/// Reads a registry (operator) public key argument (see [`crate::client::read_registry_key`]).
pub(crate) fn read_registry_key(arg: &str) -> Result<VerifyingKey, Failure> {
    crate::client::read_registry_key(arg).map_err(|e| ("invalid_key", e.to_string()))
}
