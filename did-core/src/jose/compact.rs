//! JWS Compact Serialization (RFC 7515 §7.1): decode, verify, sign.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::header::Header;
use super::{JwsError, Part, truncate};
use crate::json::{self as strict_json, StrictJsonError};
use crate::key::{Algorithm, KeyError, Signer, SigningKey, VerifyingKey};

/// The largest compact JWS accepted or produced, in bytes (1 MiB).
pub const MAX_JWS_LEN: usize = 1024 * 1024;

/// The largest decoded protected header accepted or produced, in bytes (8 KiB).
pub const MAX_HEADER_LEN: usize = 8 * 1024;

/// Length of the unpadded base64url encoding of `n` bytes.
const fn encoded_len(n: usize) -> usize {
    n / 3 * 4 + (n % 3 * 4).div_ceil(3)
}

/// The largest signature of an allowed algorithm (ES384: 96 bytes).
const MAX_SIGNATURE_LEN: usize = 96;

/// What the caller accepts beyond the defaults. `Default` understands no critical
/// extensions and does not check `typ`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyOptions {
    /// Names of `crit` extensions the caller understands and will process itself.
    /// `b64` (RFC 7797) is always understood: `true` is accepted, `false` refused.
    pub understood_critical: Vec<String>,
    /// If set, `typ` must be present and equal to this media type (compared ignoring
    /// ASCII case and an `application/` prefix, as RFC 7515 §4.1.9 allows).
    pub expected_typ: Option<String>,
}

impl VerifyOptions {
    /// Adds a `crit` extension name the caller understands.
    pub fn understand(mut self, name: impl Into<String>) -> VerifyOptions {
        self.understood_critical.push(name.into());
        self
    }

    /// Requires `typ` to be `typ`.
    pub fn expect_typ(mut self, typ: impl Into<String>) -> VerifyOptions {
        self.expected_typ = Some(typ.into());
        self
    }
}

/// A compact JWS whose structure, header and algorithm were checked but whose
/// signature was **not**. Read [`Decoded::header`] (e.g. `kid`) to find the key, then
/// call [`Decoded::verify`]. Nothing in it should be trusted before that.
#[derive(Debug, Clone)]
pub struct Decoded<'a> {
    header: Header,
    payload: Vec<u8>,
    signing_input: &'a str,
    signature: Vec<u8>,
}

impl<'a> Decoded<'a> {
    /// The unverified protected header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The unverified decoded payload.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// The JWS Signing Input: `BASE64URL(header) || '.' || BASE64URL(payload)`, as received.
    pub fn signing_input(&self) -> &'a str {
        self.signing_input
    }

    /// The decoded signature bytes.
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// Verifies with `key`, the key the caller chose (never one named by the header).
    ///
    /// Checks, in order: `alg` equals the key's algorithm, the `crit` rules, `b64` absent
    /// or `true`, the expected `typ`, and finally the signature.
    pub fn verify(self, key: &VerifyingKey, options: &VerifyOptions) -> Result<Verified, JwsError> {
        if self.header.alg != key.algorithm() {
            return Err(JwsError::AlgorithmMismatch {
                header: self.header.alg,
                key: key.algorithm(),
            });
        }
        self.header.check_critical(&options.understood_critical)?;
        if self.header.b64() == Some(false) {
            return Err(JwsError::UnencodedPayload);
        }
        if let Some(expected) = &options.expected_typ {
            let found = self.header.typ.as_deref();
            if !found.is_some_and(|found| media_type_eq(expected, found)) {
                return Err(JwsError::UnexpectedType {
                    expected: expected.clone(),
                    found: found.map(truncate),
                });
            }
        }
        key.verify(self.signing_input.as_bytes(), &self.signature)
            .map_err(|_| JwsError::BadSignature)?;
        Ok(Verified {
            header: self.header,
            payload: self.payload,
        })
    }
}

/// A JWS whose signature verified with the caller's key. Only [`verify`] and
/// [`Decoded::verify`] make one.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Verified {
    /// The protected header.
    pub header: Header,
    /// The decoded payload.
    pub payload: Vec<u8>,
}

impl Verified {
    /// Parses the payload as JSON, refusing duplicate member names at any depth.
    pub fn payload_json<T: DeserializeOwned>(&self) -> Result<T, JwsError> {
        parse_payload_json(&self.payload)
    }

    /// Parses the payload as a JSON object (a JWT claims set) in one pass, refusing duplicate
    /// member names at any depth. Cheaper than `payload_json::<Map<_, _>>()`, which builds a
    /// `Value` first and converts it.
    pub fn payload_object(&self) -> Result<serde_json::Map<String, serde_json::Value>, JwsError> {
        strict_json::parse_object(&self.payload).map_err(|e| match e {
            StrictJsonError::DuplicateMember { .. } => JwsError::InvalidPayload("duplicate member name"),
            StrictJsonError::NotAnObject | StrictJsonError::Invalid { .. } => {
                JwsError::InvalidPayload("not a JSON object")
            }
        })
    }
}

/// Decodes a compact JWS without verifying its signature.
///
/// Refuses input over [`MAX_JWS_LEN`], anything but exactly three `.`-separated parts,
/// padded or non-canonical base64url, a header over [`MAX_HEADER_LEN`] or that
/// [`Header::from_json`] refuses (not an object, duplicate names, `alg` missing or not
/// allowed, malformed `crit`). A signature longer than any allowed algorithm's is
/// [`JwsError::BadSignature`] at once.
pub fn decode(compact: &str) -> Result<Decoded<'_>, JwsError> {
    if compact.len() > MAX_JWS_LEN {
        return Err(JwsError::TooLarge { limit: MAX_JWS_LEN });
    }
    let mut parts = compact.split('.');
    let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwsError::Malformed("a compact JWS has exactly three parts"));
    };
    if header_b64.len() > encoded_len(MAX_HEADER_LEN) {
        return Err(JwsError::TooLarge { limit: MAX_HEADER_LEN });
    }
    let signing_input = compact
        .get(..header_b64.len() + 1 + payload_b64.len())
        .ok_or(JwsError::Malformed("a compact JWS has exactly three parts"))?;

    let header_json = b64_decode(header_b64, Part::Header)?;
    let header = Header::from_json(&header_json)?;
    let payload = match URL_SAFE_NO_PAD.decode(payload_b64) {
        Ok(payload) => payload,
        // An RFC 7797 payload is not base64url: name the real reason.
        Err(_) if header.b64() == Some(false) => return Err(JwsError::UnencodedPayload),
        Err(_) => return Err(JwsError::InvalidBase64 { part: Part::Payload }),
    };
    if signature_b64.len() > encoded_len(MAX_SIGNATURE_LEN) {
        return Err(JwsError::BadSignature);
    }
    let signature = b64_decode(signature_b64, Part::Signature)?;
    Ok(Decoded {
        header,
        payload,
        signing_input,
        signature,
    })
}

/// Decodes and verifies a compact JWS with `key`, the key the caller chose.
///
/// Header members that carry or point to keys (`jwk`, `jku`, `x5u`, `x5c`, `kid`) are
/// never used to pick a key. Checks, in order: size, structure and base64url, header,
/// `alg` allow-list (ES256, ES384, EdDSA), `alg` equal to the key's algorithm, `crit`,
/// `b64`, `typ` if expected, signature.
pub fn verify(compact: &str, key: &VerifyingKey, options: &VerifyOptions) -> Result<Verified, JwsError> {
    decode(compact)?.verify(key, options)
}

/// Verifies a compact JWS and parses its payload as JSON (duplicate member names refused).
pub fn verify_json<T: DeserializeOwned>(
    compact: &str,
    key: &VerifyingKey,
    options: &VerifyOptions,
) -> Result<(Header, T), JwsError> {
    let verified = verify(compact, key, options)?;
    let claims = verified.payload_json()?;
    Ok((verified.header, claims))
}

/// Signs `payload` with any [`Signer`] (software key, HSM, phone key store).
///
/// `header.alg` must equal the signer's algorithm. If the header has no `kid` and the
/// signer knows its key ID, it is set. The header is serialized compactly with `alg`
/// first.
pub async fn sign(mut header: Header, payload: &[u8], signer: &dyn Signer) -> Result<String, JwsError> {
    let alg = signer.algorithm();
    prepare(&mut header, alg, signer.key_id())?;
    let mut out = signing_input(&header, payload)?;
    let signature = signer.try_sign(out.as_bytes()).await?;
    append_signature(&mut out, alg, &signature)?;
    Ok(out)
}

/// Signs `payload` synchronously with an in-memory key. Same rules as [`sign`].
pub fn sign_with_key(mut header: Header, payload: &[u8], key: &SigningKey) -> Result<String, JwsError> {
    let alg = key.verifying_key().algorithm();
    prepare(&mut header, alg, Signer::key_id(key))?;
    let mut out = signing_input(&header, payload)?;
    let signature = key.sign(out.as_bytes())?;
    append_signature(&mut out, alg, &signature)?;
    Ok(out)
}

/// Serializes `claims` as JSON and signs it with any [`Signer`].
pub async fn sign_json<T: Serialize + ?Sized>(
    header: Header,
    claims: &T,
    signer: &dyn Signer,
) -> Result<String, JwsError> {
    let payload = claims_to_json(claims)?;
    sign(header, &payload, signer).await
}

/// Serializes `claims` as JSON and signs it with an in-memory key.
pub fn sign_json_with_key<T: Serialize + ?Sized>(
    header: Header,
    claims: &T,
    key: &SigningKey,
) -> Result<String, JwsError> {
    let payload = claims_to_json(claims)?;
    sign_with_key(header, &payload, key)
}

fn claims_to_json<T: Serialize + ?Sized>(claims: &T) -> Result<Vec<u8>, JwsError> {
    serde_json::to_vec(claims).map_err(|_| JwsError::InvalidPayload("claims cannot be serialized as JSON"))
}

fn parse_payload_json<T: DeserializeOwned>(payload: &[u8]) -> Result<T, JwsError> {
    let value = strict_json::parse_value(payload).map_err(|e| match e {
        StrictJsonError::DuplicateMember { .. } => JwsError::InvalidPayload("duplicate member name"),
        StrictJsonError::NotAnObject | StrictJsonError::Invalid { .. } => JwsError::InvalidPayload("not valid JSON"),
    })?;
    serde_json::from_value(value).map_err(|_| JwsError::InvalidPayload("JSON does not have the expected shape"))
}

/// Checks `alg` against the key and fills in `kid`.
fn prepare(header: &mut Header, key_alg: Algorithm, key_id: Option<&str>) -> Result<(), JwsError> {
    if header.alg != key_alg {
        return Err(JwsError::AlgorithmMismatch {
            header: header.alg,
            key: key_alg,
        });
    }
    if header.kid.is_none() {
        header.kid = key_id.map(str::to_owned);
    }
    Ok(())
}

/// Builds `BASE64URL(header) || '.' || BASE64URL(payload)`, refusing headers we would
/// not accept ourselves and output over [`MAX_JWS_LEN`].
fn signing_input(header: &Header, payload: &[u8]) -> Result<String, JwsError> {
    header.check_critical_shape()?;
    match header.extra.get("b64") {
        None => {}
        Some(serde_json::Value::Bool(true)) => {}
        Some(serde_json::Value::Bool(false)) => return Err(JwsError::UnencodedPayload),
        Some(_) => return Err(JwsError::InvalidHeader("b64 is not a boolean")),
    }
    let json = header.to_json()?;
    if json.len() > MAX_HEADER_LEN {
        return Err(JwsError::TooLarge { limit: MAX_HEADER_LEN });
    }
    let signature_len = encoded_len(header.alg.key_type().signature_len());
    let total = encoded_len(json.len()) + 1 + encoded_len(payload.len()) + 1 + signature_len;
    if total > MAX_JWS_LEN {
        return Err(JwsError::TooLarge { limit: MAX_JWS_LEN });
    }
    let mut out = String::with_capacity(total);
    URL_SAFE_NO_PAD.encode_string(json, &mut out);
    out.push('.');
    URL_SAFE_NO_PAD.encode_string(payload, &mut out);
    Ok(out)
}

/// Appends `'.' || BASE64URL(signature)`, refusing a signature of the wrong length
/// (e.g. DER from a misbehaving external signer).
fn append_signature(out: &mut String, alg: Algorithm, signature: &[u8]) -> Result<(), JwsError> {
    if signature.len() != alg.key_type().signature_len() {
        return Err(JwsError::Key(KeyError::SigningFailed(
            "signer returned a signature of the wrong length".into(),
        )));
    }
    out.push('.');
    URL_SAFE_NO_PAD.encode_string(signature, out);
    Ok(())
}

fn b64_decode(text: &str, part: Part) -> Result<Vec<u8>, JwsError> {
    URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| JwsError::InvalidBase64 { part })
}

/// Media type comparison for `typ` (RFC 7515 §4.1.9): ASCII case-insensitive, with
/// an optional `application/` prefix.
fn media_type_eq(a: &str, b: &str) -> bool {
    fn strip(s: &str) -> &str {
        match s.get(..12) {
            Some(prefix) if prefix.eq_ignore_ascii_case("application/") => s.get(12..).unwrap_or(s),
            _ => s,
        }
    }
    strip(a).eq_ignore_ascii_case(strip(b))
}
