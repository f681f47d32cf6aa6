//! The key file store: a private JWK on disk, owner-only (0600 in a 0700 directory) or
//! sealed with a passphrase (see [`super::sealed`]). Blocking; [`super::open`] runs it on
//! tokio's blocking pool.

use std::fs::{self, File};
use std::io::{self, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use did_core::key::{Algorithm, SigningKey};
use rand_core::{OsRng, RngCore as _};
use zeroize::Zeroizing;

use super::OpenedKey;
use super::sealed::{self, Contents};
use crate::key_file::{self, IssuerKey};
use crate::{Error, private_fs};

/// A key file is a few hundred bytes; anything much larger is not one.
const MAX_KEY_FILE: u64 = 64 * 1024;

/// How to open a key file.
pub(super) struct FileKey<'a> {
    /// The key file.
    pub path: &'a Path,
    /// The algorithm asked for in the configuration, if any (ES256 for a new key otherwise).
    pub algorithm: Option<Algorithm>,
    /// The environment variable that holds the passphrase (for messages).
    pub passphrase_env: &'a str,
    /// The passphrase, when that variable is set.
    pub passphrase: Option<&'a str>,
}

/// Opens the key file, creating it (sealed when a passphrase is given) if it does not exist.
pub(super) fn open(spec: &FileKey<'_>) -> Result<OpenedKey, Error> {
    let (key, created, state) = open_signing_key(spec)?;
    Ok(OpenedKey {
        signer: Arc::new(key),
        created,
        description: format!("key file {} ({state})", spec.path.display()),
    })
}

/// [`open`], returning the software key itself (for keys that must be a [`SigningKey`], such
/// as the registry operator's), whether it was made now, and how it is stored.
pub(super) fn open_signing_key(spec: &FileKey<'_>) -> Result<(SigningKey, bool, &'static str), Error> {
    let path = spec.path;
    let (jwk_text, created, state) = match read(path)? {
        Some(text) => {
            let (jwk_text, state) = existing(spec, &text)?;
            (jwk_text, false, state)
        }
        None => {
            let algorithm = spec.algorithm.unwrap_or(Algorithm::Es256);
            let jwk = key_file::generate(algorithm)?;
            let jwk_text = Zeroizing::new(
                serde_json::to_string_pretty(&jwk)
                    .map_err(|e| Error::KeyStore(format!("encoding the new key: {e}")))?,
            );
            let (contents, state) = match spec.passphrase {
                Some(passphrase) => (Zeroizing::new(seal(path, &jwk_text, passphrase)?), "sealed"),
                None => (jwk_text.clone(), "owner-only"),
            };
            if write_new(path, contents.as_bytes())? {
                (jwk_text, true, state)
            } else {
                // Another process created it between our read and our write: use theirs.
                let text =
                    read(path)?.ok_or_else(|| Error::KeyStore(format!("key file {} vanished", path.display())))?;
                let (jwk_text, state) = existing(spec, &text)?;
                (jwk_text, false, state)
            }
        }
    };
    let issuer = IssuerKey::from_jwk_json(&jwk_text).map_err(|e| {
        Error::KeyStore(format!(
            "key file {} does not hold a usable private JWK: {e}",
            path.display()
        ))
    })?;
    let key_algorithm = issuer.key.verifying_key().algorithm();
    if let Some(wanted) = spec.algorithm
        && wanted != key_algorithm
    {
        return Err(Error::config(
            "key.algorithm",
            format!(
                "is {wanted}, but the key file {} holds an {key_algorithm} key; remove the setting or point key.path at another file",
                path.display()
            ),
        ));
    }
    Ok((issuer.key, created, state))
}

/// The JWK text of an existing key file, unsealed if need be (and sealed in place when a
/// passphrase is set but the file is not yet sealed), with how it is stored.
fn existing(spec: &FileKey<'_>, text: &str) -> Result<(Zeroizing<String>, &'static str), Error> {
    let path = spec.path;
    let contents =
        sealed::classify(text).map_err(|why| Error::KeyStore(format!("key file {}: {why}", path.display())))?;
    match (contents, spec.passphrase) {
        (Contents::Sealed, Some(passphrase)) => {
            let plaintext = sealed::unseal(text, passphrase).map_err(|e| {
                Error::KeyStore(format!(
                    "cannot unseal key file {} with the passphrase in {}: {e}",
                    path.display(),
                    spec.passphrase_env
                ))
            })?;
            let jwk_text = std::str::from_utf8(&plaintext)
                .map_err(|_| Error::KeyStore(format!("key file {}: the sealed key is not UTF-8", path.display())))?;
            Ok((Zeroizing::new(jwk_text.to_owned()), "sealed"))
        }
        (Contents::Sealed, None) => Err(Error::KeyStore(format!(
            "key file {} is sealed; set {} to its passphrase",
            path.display(),
            spec.passphrase_env
        ))),
        (Contents::Plain, Some(passphrase)) => {
            // The operator asked for a sealed key: seal this one now, after checking it is one.
            IssuerKey::from_jwk_json(text).map_err(|e| {
                Error::KeyStore(format!(
                    "key file {} does not hold a usable private JWK: {e}",
                    path.display()
                ))
            })?;
            let envelope = seal(path, text, passphrase)?;
            replace(path, envelope.as_bytes())?;
            Ok((Zeroizing::new(text.to_owned()), "sealed on this start"))
        }
        (Contents::Plain, None) => Ok((Zeroizing::new(text.to_owned()), "owner-only")),
    }
}

/// Seals `jwk_text` for `path`.
fn seal(path: &Path, jwk_text: &str, passphrase: &str) -> Result<String, Error> {
    sealed::seal(jwk_text.as_bytes(), passphrase)
        .map_err(|e| Error::KeyStore(format!("key file {}: {e}", path.display())))
}

/// Reads the key file, or `None` if it does not exist. Refuses files that group or others
/// can access, and anything that is not a small regular file.
fn read(path: &Path) -> Result<Option<Zeroizing<String>>, Error> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(format!("opening key file {}", path.display()), e)),
    };
    let metadata = file
        .metadata()
        .map_err(|e| Error::io(format!("reading key file {}", path.display()), e))?;
    if !metadata.is_file() {
        return Err(Error::KeyStore(format!(
            "key file {} is not a regular file",
            path.display()
        )));
    }
    check_owner_only(path, &metadata)?;
    if metadata.len() > MAX_KEY_FILE {
        return Err(Error::KeyStore(format!(
            "key file {} is {} bytes, too large to be a key",
            path.display(),
            metadata.len()
        )));
    }
    // Sized up front so reading does not reallocate and leave copies of the key behind.
    let capacity = usize::try_from(metadata.len()).unwrap_or(0).saturating_add(1);
    let mut text = Zeroizing::new(String::with_capacity(capacity));
    file.take(MAX_KEY_FILE + 1).read_to_string(&mut text).map_err(|e| {
        if e.kind() == io::ErrorKind::InvalidData {
            Error::KeyStore(format!("key file {} is not UTF-8 text", path.display()))
        } else {
            Error::io(format!("reading key file {}", path.display()), e)
        }
    })?;
    Ok(Some(text))
}

/// Refuses a key file that group or others can read or write.
#[cfg(unix)]
fn check_owner_only(path: &Path, metadata: &fs::Metadata) -> Result<(), Error> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = metadata.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(Error::KeyStore(format!(
            "key file {} can be accessed by group or others (mode {mode:03o}); restrict it with `chmod 600 {}`",
            path.display(),
            path.display()
        )));
    }
    Ok(())
}

/// Permissions are not checked where they are not Unix modes.
#[cfg(not(unix))]
fn check_owner_only(_path: &Path, _metadata: &fs::Metadata) -> Result<(), Error> {
    Ok(())
}

/// Writes a new key file atomically without replacing an existing one: the contents go to a
/// temporary file (0600) in the same directory, are synced, then linked into place. Returns
/// `false` if the file appeared meanwhile (the temporary file is removed, nothing replaced).
fn write_new(path: &Path, contents: &[u8]) -> Result<bool, Error> {
    let temp = write_temp(path, contents)?;
    let linked = match fs::hard_link(&temp.0, path) {
        Ok(()) => true,
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => false,
        // Filesystems without hard links: fall back to a rename (which may replace).
        Err(_) => {
            fs::rename(&temp.0, path).map_err(|e| Error::io(format!("writing key file {}", path.display()), e))?;
            true
        }
    };
    drop(temp);
    sync_dir(path);
    Ok(linked)
}

/// Replaces the key file atomically: temporary file (0600), sync, rename.
fn replace(path: &Path, contents: &[u8]) -> Result<(), Error> {
    let temp = write_temp(path, contents)?;
    fs::rename(&temp.0, path).map_err(|e| Error::io(format!("writing key file {}", path.display()), e))?;
    sync_dir(path);
    Ok(())
}

/// A temporary file, removed when dropped (a no-op once it has been renamed away).
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

/// Writes and syncs `contents` to a fresh owner-only file next to `path`, creating the
/// directory (0700) if needed.
fn write_temp(path: &Path, contents: &[u8]) -> Result<TempFile, Error> {
    let dir = parent(path);
    if !dir.exists() {
        private_fs::create_dir(dir).map_err(|e| Error::io(format!("creating key directory {}", dir.display()), e))?;
    }
    let name = path
        .file_name()
        .ok_or_else(|| Error::config("key.path", format!("{} does not name a file", path.display())))?;
    let mut random = [0u8; 8];
    OsRng
        .try_fill_bytes(&mut random)
        .map_err(|_| Error::KeyStore("random number generator failed".to_owned()))?;
    let suffix: String = random.iter().map(|b| format!("{b:02x}")).collect();
    let temp = TempFile(dir.join(format!(".{}.{suffix}.tmp", name.to_string_lossy())));
    let context = || format!("writing key file {}", temp.0.display());
    let mut file = private_fs::create_new(&temp.0).map_err(|e| Error::io(context(), e))?;
    file.write_all(contents).map_err(|e| Error::io(context(), e))?;
    file.sync_all().map_err(|e| Error::io(context(), e))?;
    Ok(temp)
}

/// The directory holding `path` (`.` for a bare file name).
fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// Syncs the directory so the rename or link survives a crash. Best effort: some
/// filesystems refuse to sync directories, and the file itself is already synced.
fn sync_dir(path: &Path) {
    #[cfg(unix)]
    if let Ok(dir) = File::open(parent(path)) {
        let _ = dir.sync_all();
    }
    #[cfg(not(unix))]
    let _ = path;
}
