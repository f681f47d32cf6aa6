//! The compact JWS both tree heads and co-signatures use: deterministic signing, and the
//! checks shared by both (size, `typ`, `kid`, `alg` bound to the key).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use did_core::jose::{self, Decoded, Header, JwsError, Verified, VerifyOptions};
use did_core::key::{SigningKey, VerifyingKey};
use did_core::resolve::KeyResolver;

use super::TreeHeadError;
use super::error::truncated;

/// `typ` of a signed tree head.
pub const TREE_HEAD_TYP: &str = "dojang-sth+jws";

/// `typ` of a witness co-signature.
pub const COSIGNATURE_TYP: &str = "dojang-cosig+jws";

/// The longest tree head or co-signature JWS accepted, in bytes. A real one is under 1 KiB.
pub const MAX_TREE_HEAD_JWS_LEN: usize = 4096;

/// Signs `payload` with `key` deterministically, with `alg` = the key's algorithm, `kid` =
/// its `did:key` DID URL and the given `typ`.
pub(crate) fn sign(typ: &str, payload: &[u8], key: &SigningKey) -> Result<String, TreeHeadError> {
    let verifying_key = key.verifying_key();
    let header = Header::new(verifying_key.algorithm())
        .with_kid(KeyResolver::key_id_for(verifying_key))
        .with_typ(typ);
    let header_json = header.to_json()?;
    let mut out = String::new();
    URL_SAFE_NO_PAD.encode_string(header_json, &mut out);
    out.push('.');
    URL_SAFE_NO_PAD.encode_string(payload, &mut out);
    let signature = key.sign_deterministic(out.as_bytes())?;
    out.push('.');
    URL_SAFE_NO_PAD.encode_string(signature, &mut out);
    if out.len() > MAX_TREE_HEAD_JWS_LEN {
        return Err(TreeHeadError::TooLarge {
            limit: MAX_TREE_HEAD_JWS_LEN,
        });
    }
    Ok(out)
}

/// Decodes a compact JWS (signature not checked) and requires the exact `typ` and a `kid`.
pub(crate) fn open<'a>(compact: &'a str, typ: &'static str) -> Result<Decoded<'a>, TreeHeadError> {
    if compact.len() > MAX_TREE_HEAD_JWS_LEN {
        return Err(TreeHeadError::TooLarge {
            limit: MAX_TREE_HEAD_JWS_LEN,
        });
    }
    let decoded = jose::decode(compact)?;
    let header = decoded.header();
    // Exactly this spelling: one encoding per head.
    if header.typ.as_deref() != Some(typ) {
        return Err(TreeHeadError::WrongType {
            expected: typ,
            found: header.typ.as_deref().map(truncated),
        });
    }
    if header.kid.is_none() {
        return Err(TreeHeadError::MissingKid);
    }
    Ok(decoded)
}

/// The `kid` of a JWS that went through [`open`].
pub(crate) fn kid_of<'d>(decoded: &'d Decoded<'_>) -> &'d str {
    decoded.header().kid.as_deref().unwrap_or_default()
}

/// Verifies a decoded JWS with `key`: `alg` must be the key's, `kid` its `did:key` DID URL,
/// no `crit` extension (none is defined for tree heads), and the signature must verify.
pub(crate) fn verify(decoded: Decoded<'_>, key: &VerifyingKey) -> Result<Verified, TreeHeadError> {
    let header = decoded.header();
    if header.alg != key.algorithm() {
        return Err(JwsError::AlgorithmMismatch {
            header: header.alg,
            key: key.algorithm(),
        }
        .into());
    }
    let expected = KeyResolver::key_id_for(key);
    let found = kid_of(&decoded);
    if found != expected {
        return Err(TreeHeadError::KidMismatch {
            expected,
            found: truncated(found),
        });
    }
    Ok(decoded.verify(key, &VerifyOptions::default())?)
}
