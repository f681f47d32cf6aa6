//! Sealing a private JWK with a passphrase: Argon2id derives a 256-bit key from the
//! passphrase and a random salt; AES-256-GCM encrypts the JWK under a random nonce. The
//! result is a JSON envelope:
//!
//! ```json
//! {"format":"dojang-sealed-key/1",
//!  "kdf":{"name":"argon2id","version":19,"m_cost":65536,"t_cost":3,"p_cost":1},
//!  "cipher":"A256GCM","salt":"…","nonce":"…","ciphertext":"…"}
//! ```
//!
//! The format tag, the KDF parameters and the cipher name are the AEAD's associated data,
//! so changing any of them (e.g. lowering the cost) makes opening fail.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand_core::{OsRng, RngCore as _};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// The envelope's format tag.
pub(super) const FORMAT: &str = "dojang-sealed-key/1";
/// The only KDF.
const KDF_NAME: &str = "argon2id";
/// The only cipher (JOSE's name for AES-256-GCM).
const CIPHER: &str = "A256GCM";

/// Argon2id memory cost for new envelopes, in KiB (64 MiB: RFC 9106's second recommended option).
const M_COST: u32 = 64 * 1024;
/// Argon2id passes for new envelopes.
const T_COST: u32 = 3;
/// Argon2id lanes for new envelopes.
const P_COST: u32 = 1;
/// Salt length for new envelopes.
const SALT_LEN: usize = 16;
/// AES-GCM tag length.
const TAG_LEN: usize = 16;

/// Upper bounds on what an envelope may ask for, so a damaged or hostile file cannot make
/// opening take gigabytes or minutes.
const MAX_M_COST: u32 = 1024 * 1024;
const MAX_T_COST: u32 = 64;
const MAX_P_COST: u32 = 16;
const MAX_CIPHERTEXT: usize = 64 * 1024;

/// Why an envelope could not be opened or made. Carries no secret.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum SealError {
    /// The envelope is not well formed; says what is wrong.
    Malformed(String),
    /// Authentication failed: a wrong passphrase, or a modified file.
    WrongPassphrase,
    /// The KDF, the cipher or the random number generator failed.
    Crypto(&'static str),
}

impl std::fmt::Display for SealError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SealError::Malformed(why) => write!(f, "damaged sealed key: {why}"),
            SealError::WrongPassphrase => f.write_str("wrong passphrase, or the sealed key was modified"),
            SealError::Crypto(what) => write!(f, "sealing failed: {what}"),
        }
    }
}

/// The envelope as stored.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope {
    format: String,
    kdf: Kdf,
    cipher: String,
    salt: String,
    nonce: String,
    ciphertext: String,
}

/// Argon2id parameters as stored.
#[derive(Serialize, Deserialize, Clone, Copy)]
#[serde(deny_unknown_fields)]
struct Kdf {
    name: KdfName,
    version: u32,
    m_cost: u32,
    t_cost: u32,
    p_cost: u32,
}

/// The KDF name; only `argon2id` parses.
#[derive(Serialize, Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum KdfName {
    Argon2id,
}

impl Kdf {
    /// The associated data binding the format, the parameters and the cipher.
    fn aad(&self) -> String {
        format!(
            "{FORMAT};{KDF_NAME};v={};m={};t={};p={};{CIPHER}",
            self.version, self.m_cost, self.t_cost, self.p_cost
        )
    }

    /// Derives the 256-bit AES key from `passphrase` and `salt`.
    fn derive(&self, passphrase: &str, salt: &[u8]) -> Result<Zeroizing<[u8; 32]>, SealError> {
        let version = argon2::Version::try_from(self.version)
            .map_err(|_| SealError::Malformed(format!("unknown Argon2 version {}", self.version)))?;
        let params = argon2::Params::new(self.m_cost, self.t_cost, self.p_cost, Some(32))
            .map_err(|e| SealError::Malformed(format!("Argon2 parameters: {e}")))?;
        let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, version, params);
        let mut key = Zeroizing::new([0u8; 32]);
        argon
            .hash_password_into(passphrase.as_bytes(), salt, key.as_mut_slice())
            .map_err(|_| SealError::Crypto("Argon2id key derivation"))?;
        Ok(key)
    }
}

/// Tells a sealed envelope from a plain JWK without copying any private member.
#[derive(Deserialize)]
struct Probe {
    format: Option<String>,
    kty: Option<String>,
}

/// What a key file holds.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Contents {
    /// A sealed envelope.
    Sealed,
    /// A plain JWK.
    Plain,
}

/// Tells what `text` holds: a sealed envelope, a plain JWK, or neither.
pub(super) fn classify(text: &str) -> Result<Contents, String> {
    let probe: Probe = serde_json::from_str(text).map_err(|e| format!("not a JSON object ({e})"))?;
    match (probe.format, probe.kty) {
        (Some(format), _) if format == FORMAT => Ok(Contents::Sealed),
        (Some(format), _) => Err(format!("unknown sealed-key format {format:?} (expected {FORMAT:?})")),
        (None, Some(_)) => Ok(Contents::Plain),
        (None, None) => Err("neither a JWK (no \"kty\") nor a sealed key (no \"format\")".to_owned()),
    }
}

/// Seals `plaintext` under `passphrase`, with a fresh salt and nonce.
pub(super) fn seal(plaintext: &[u8], passphrase: &str) -> Result<String, SealError> {
    let kdf = Kdf {
        name: KdfName::Argon2id,
        version: u32::from(argon2::Version::V0x13),
        m_cost: M_COST,
        t_cost: T_COST,
        p_cost: P_COST,
    };
    let mut salt = [0u8; SALT_LEN];
    let mut nonce = [0u8; NONCE_LEN];
    OsRng
        .try_fill_bytes(&mut salt)
        .map_err(|_| SealError::Crypto("random salt"))?;
    OsRng
        .try_fill_bytes(&mut nonce)
        .map_err(|_| SealError::Crypto("random nonce"))?;
    let key = cipher_key(&*kdf.derive(passphrase, &salt)?)?;
    // Room for the tag up front, so appending it never reallocates and leaves a plaintext copy behind.
    let mut buffer = Zeroizing::new(Vec::with_capacity(plaintext.len() + TAG_LEN));
    buffer.extend_from_slice(plaintext);
    key.seal_in_place_append_tag(
        Nonce::assume_unique_for_key(nonce),
        Aad::from(kdf.aad().as_bytes()),
        &mut *buffer,
    )
    .map_err(|_| SealError::Crypto("AES-256-GCM encryption"))?;
    let envelope = Envelope {
        format: FORMAT.to_owned(),
        kdf,
        cipher: CIPHER.to_owned(),
        salt: URL_SAFE_NO_PAD.encode(salt),
        nonce: URL_SAFE_NO_PAD.encode(nonce),
        ciphertext: URL_SAFE_NO_PAD.encode(buffer.as_slice()),
    };
    serde_json::to_string_pretty(&envelope).map_err(|_| SealError::Crypto("encoding the envelope"))
}

/// Opens an envelope with `passphrase`, returning the plaintext.
pub(super) fn unseal(text: &str, passphrase: &str) -> Result<Zeroizing<Vec<u8>>, SealError> {
    let envelope: Envelope = serde_json::from_str(text).map_err(|e| SealError::Malformed(e.to_string()))?;
    if envelope.format != FORMAT {
        return Err(SealError::Malformed(format!("format {:?}", envelope.format)));
    }
    if envelope.cipher != CIPHER {
        return Err(SealError::Malformed(format!("unknown cipher {:?}", envelope.cipher)));
    }
    let kdf = envelope.kdf;
    if kdf.m_cost > MAX_M_COST || kdf.t_cost > MAX_T_COST || kdf.p_cost > MAX_P_COST {
        return Err(SealError::Malformed(format!(
            "Argon2 cost m={} t={} p={} is over the limit m={MAX_M_COST} t={MAX_T_COST} p={MAX_P_COST}",
            kdf.m_cost, kdf.t_cost, kdf.p_cost
        )));
    }
    let salt = decode(&envelope.salt, "salt")?;
    if !(8..=64).contains(&salt.len()) {
        return Err(SealError::Malformed("salt must be 8 to 64 bytes".to_owned()));
    }
    let nonce: [u8; NONCE_LEN] = decode(&envelope.nonce, "nonce")?
        .try_into()
        .map_err(|_| SealError::Malformed(format!("nonce must be {NONCE_LEN} bytes")))?;
    if envelope.ciphertext.len() > MAX_CIPHERTEXT {
        return Err(SealError::Malformed("ciphertext too long".to_owned()));
    }
    let mut buffer = Zeroizing::new(decode(&envelope.ciphertext, "ciphertext")?);
    if buffer.len() < TAG_LEN {
        return Err(SealError::Malformed("ciphertext shorter than the tag".to_owned()));
    }
    let key = cipher_key(&*kdf.derive(passphrase, &salt)?)?;
    let plaintext_len = key
        .open_in_place(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(kdf.aad().as_bytes()),
            buffer.as_mut_slice(),
        )
        .map_err(|_| SealError::WrongPassphrase)?
        .len();
    buffer.truncate(plaintext_len);
    Ok(buffer)
}

/// The AES-256-GCM key for `bytes`.
fn cipher_key(bytes: &[u8; 32]) -> Result<LessSafeKey, SealError> {
    UnboundKey::new(&AES_256_GCM, bytes)
        .map(LessSafeKey::new)
        .map_err(|_| SealError::Crypto("AES-256-GCM key"))
}

/// Decodes one base64url member.
fn decode(value: &str, member: &str) -> Result<Vec<u8>, SealError> {
    URL_SAFE_NO_PAD
        .decode(value)
        .map_err(|_| SealError::Malformed(format!("{member} is not base64url")))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn round_trip_and_tampering() {
        let sealed = seal(b"{\"kty\":\"EC\"}", "correct horse").unwrap();
        assert_eq!(classify(&sealed), Ok(Contents::Sealed));
        assert_eq!(
            unseal(&sealed, "correct horse").unwrap().as_slice(),
            b"{\"kty\":\"EC\"}"
        );
        assert_eq!(unseal(&sealed, "wrong horse").unwrap_err(), SealError::WrongPassphrase);
        // Lowering the cost changes the associated data (and the key): refused.
        let weaker = sealed.replace("\"t_cost\": 3", "\"t_cost\": 1");
        assert_ne!(weaker, sealed);
        assert_eq!(
            unseal(&weaker, "correct horse").unwrap_err(),
            SealError::WrongPassphrase
        );
        let greedy = sealed.replace("\"m_cost\": 65536", "\"m_cost\": 4000000000");
        assert!(matches!(unseal(&greedy, "correct horse"), Err(SealError::Malformed(_))));
    }
}
