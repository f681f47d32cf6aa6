//! The secret key offer PINs are hashed with (HMAC-SHA-256), kept beside the issuer key and
//! apart from the database: a copy of the database alone no longer gives every live offer's
//! PIN by trying the 10^6 six-digit PINs against a plain SHA-256.
//!
//! The key is 32 random bytes, base64url in one line, in an owner-only file made on first
//! start (`<data_dir>/pin-key`, or `[offers] pin_key_file` for issuers sharing one
//! PostgreSQL database, which must share the file too).

use std::io::{Read as _, Write as _};
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand_core::RngCore as _;
use zeroize::Zeroizing;

use crate::Error;

/// The file name under the data folder.
pub const DEFAULT_FILE: &str = "pin-key";

/// The key's length in bytes.
pub const KEY_LEN: usize = 32;

/// The PIN key.
pub type PinKey = Zeroizing<[u8; KEY_LEN]>;

/// Reads the key at `path`, or makes it there (owner-only, never overwriting) when missing.
pub fn load_or_create(path: &Path) -> Result<PinKey, Error> {
    match std::fs::File::open(path) {
        Ok(mut file) => {
            let mut text = Zeroizing::new(String::new());
            std::io::Read::by_ref(&mut file)
                .take(256)
                .read_to_string(&mut text)
                .map_err(|e| Error::io(format!("cannot read the PIN key {}", path.display()), e))?;
            let bytes =
                Zeroizing::new(URL_SAFE_NO_PAD.decode(text.trim()).map_err(|_| {
                    Error::config("offers.pin_key_file", format!("{} is not base64url", path.display()))
                })?);
            let mut key = Zeroizing::new([0u8; KEY_LEN]);
            if bytes.len() != KEY_LEN {
                return Err(Error::config(
                    "offers.pin_key_file",
                    format!("{} does not hold {KEY_LEN} bytes", path.display()),
                ));
            }
            key.copy_from_slice(&bytes);
            Ok(key)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut key = Zeroizing::new([0u8; KEY_LEN]);
            rand_core::OsRng.fill_bytes(&mut *key);
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                crate::private_fs::create_dir(dir)
                    .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
            }
            let mut file = crate::private_fs::create_new(path)
                .map_err(|e| Error::io(format!("cannot create the PIN key {}", path.display()), e))?;
            let text = Zeroizing::new(URL_SAFE_NO_PAD.encode(*key));
            file.write_all(format!("{}\n", text.as_str()).as_bytes())
                .and_then(|()| file.sync_all())
                .map_err(|e| Error::io(format!("cannot write the PIN key {}", path.display()), e))?;
            Ok(key)
        }
        Err(e) => Err(Error::io(format!("cannot read the PIN key {}", path.display()), e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_made_once_then_read_back_and_a_bad_file_is_refused() {
        let dir = std::env::temp_dir().join(format!("dojang-pin-key-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join(DEFAULT_FILE);
        let made = load_or_create(&path).ok();
        let read = load_or_create(&path).ok();
        assert!(made.is_some() && made == read);
        std::fs::write(&path, "short").ok();
        assert!(matches!(load_or_create(&path), Err(Error::Config { .. })));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
