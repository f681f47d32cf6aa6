//! Securing a credential in one of the supported formats.

use std::time::SystemTime;

use did_core::secure::{SecureOptions, Secured, secure_with_key};
use serde_json::Value;
use time::OffsetDateTime;

use crate::Error;
use crate::key_file::IssuerKey;

/// The securing formats, defined by did-core's one securing entry point.
pub use did_core::secure::Format;

pub use crate::prepare::prepare;

/// Secures `credential` in `format` with `issuer`'s key. `disclose` lists JSON Pointers of the
/// claims to make selectively disclosable (SD-JWT only), into the credential as given
/// (`/credentialSubject/name`) or into the SD-JWT VC claims it becomes (`/name`). Returns the compact form for JOSE
/// and SD-JWT, pretty JSON for Data Integrity.
///
/// The credential is shaped here (issuer, validity, the SD-JWT VC claims); it is signed by
/// did-core's one securing entry point ([`did_core::secure::secure_with_key`]), as the
/// service's credentials are.
pub fn issue(
    credential: Value,
    format: Format,
    issuer: &IssuerKey,
    disclose: &[String],
    now: OffsetDateTime,
) -> Result<String, Error> {
    if !disclose.is_empty() && format != Format::SdJwt {
        return Err(Error::Unsupported(format!(
            "--disclose applies to sd-jwt only, not {format}"
        )));
    }
    let mut options = SecureOptions::new(issuer.method.clone(), SystemTime::from(now));
    let shaped = if format == Format::SdJwt {
        for pointer in crate::sd_jwt_claims::disclosure_pointers(&credential, disclose) {
            options = options.disclose(pointer);
        }
        let (claims, holder) = crate::sd_jwt_claims::claims_for(credential, issuer, now)?;
        if let Some(holder) = holder {
            options = options.holder_key(holder);
        }
        claims
    } else {
        prepare(credential, issuer, now)?.into_json()
    };
    match secure_with_key(&Value::Object(shaped), format, &options, &issuer.key)? {
        Secured::Compact(compact) => Ok(compact),
        Secured::Document(document) => {
            serde_json::to_string_pretty(&document).map_err(|e| Error::Unsupported(e.to_string()))
        }
    }
}
