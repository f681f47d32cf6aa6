//! The bundle's compact JWS. did-core's `jose` caps a compact JWS at 1 MiB, too small for a
//! bundle carrying status lists, so this applies the same checks with the bundle's own limit:
//! its header parser (allowed algorithms only, no duplicate members), its `crit` rules, and
//! verification only with the caller's key.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use did_core::jose::Header;
use did_core::key::{Signer, VerifyingKey};

use super::{BUNDLE_TYP, BundleError, MAX_BUNDLE_LEN};
use crate::Error;

/// The largest protected header read (8 KiB, as did-core's).
const MAX_HEADER_LEN: usize = 8 * 1024;

fn bad(message: impl Into<String>) -> Error {
    Error::Bundle(BundleError::Malformed(message.into()))
}

/// Signs `payload` with `signer`: header `alg`, `typ`, and `kid` when the signer has one.
pub(super) async fn sign(payload: &[u8], signer: &dyn Signer) -> Result<String, Error> {
    let mut header = Header::new(signer.algorithm()).with_typ(BUNDLE_TYP);
    if let Some(kid) = signer.key_id() {
        header = header.with_kid(kid);
    }
    let header = header
        .to_json()
        .map_err(|e| BundleError::Signing(format!("cannot encode the header: {e}")))?;
    let mut out = String::new();
    URL_SAFE_NO_PAD.encode_string(header.as_bytes(), &mut out);
    out.push('.');
    URL_SAFE_NO_PAD.encode_string(payload, &mut out);
    let signature = signer
        .try_sign(out.as_bytes())
        .await
        .map_err(|e| BundleError::Signing(e.to_string()))?;
    if signature.len() != signer.algorithm().key_type().signature_len() {
        return Err(BundleError::Signing("it returned a signature of the wrong length".into()).into());
    }
    out.push('.');
    URL_SAFE_NO_PAD.encode_string(&signature, &mut out);
    if out.len() > MAX_BUNDLE_LEN {
        return Err(bad(format!("the bundle is larger than {MAX_BUNDLE_LEN} bytes")));
    }
    Ok(out)
}

/// Checks `compact` against `operator` (never a key the header names) and returns the payload.
pub(super) fn verify(compact: &str, operator: &VerifyingKey) -> Result<Vec<u8>, Error> {
    if compact.len() > MAX_BUNDLE_LEN {
        return Err(bad(format!("larger than {MAX_BUNDLE_LEN} bytes")));
    }
    let compact = compact.trim_end_matches(['\n', '\r']);
    let mut parts = compact.split('.');
    let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad("not a compact JWS (three dot-separated parts)"));
    };
    if header_b64.len() > MAX_HEADER_LEN.div_ceil(3) * 4 {
        return Err(bad("the JWS header is too large"));
    }
    let decode = |text: &str, part: &str| {
        URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|_| bad(format!("the JWS {part} is not base64url")))
    };
    let header = Header::from_json(&decode(header_b64, "header")?).map_err(|e| bad(e.to_string()))?;
    if header.alg != operator.algorithm() {
        return Err(BundleError::WrongKey(format!(
            "signed with {}, but the operator key is {}",
            header.alg,
            operator.algorithm()
        ))
        .into());
    }
    header.check_critical(&[]).map_err(|e| bad(e.to_string()))?;
    if header.b64() == Some(false) {
        return Err(bad("unencoded payloads (b64: false) are refused"));
    }
    if !header
        .typ
        .as_deref()
        .is_some_and(|typ| typ.eq_ignore_ascii_case(BUNDLE_TYP))
    {
        return Err(bad(format!("the JWS typ is not {BUNDLE_TYP}")));
    }
    let signature = decode(signature_b64, "signature")?;
    let signing_input = compact
        .get(..header_b64.len() + 1 + payload_b64.len())
        .ok_or_else(|| bad("not a compact JWS"))?;
    operator
        .verify(signing_input.as_bytes(), &signature)
        .map_err(|_| BundleError::WrongKey("the signature does not verify with the operator key".into()))?;
    decode(payload_b64, "payload")
}
