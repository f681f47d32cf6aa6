//! JSON Canonicalization Scheme (RFC 8785).

use serde_json::Value;

use super::DataIntegrityError;
use super::rdfc::MAX_DOCUMENT_BYTES;

/// The RFC 8785 (JCS) canonical form of `document`.
pub fn canonicalize_jcs(document: &Value) -> Result<String, DataIntegrityError> {
    let canonical =
        serde_json_canonicalizer::to_string(document).map_err(|e| DataIntegrityError::Jcs(e.to_string()))?;
    if canonical.len() > MAX_DOCUMENT_BYTES {
        return Err(DataIntegrityError::TooLarge {
            what: "document",
            limit: MAX_DOCUMENT_BYTES,
        });
    }
    Ok(canonical)
}
