//! Verifiable Credentials Data Model 2.0 (and 1.1, read), and the JWT securing formats.
//!
//! - [`Credential`] and [`Presentation`] are built only through their checking constructors,
//!   so holding one means every data-model rule held: `@context` order, `type`, `issuer`
//!   (a URL, or an object with a URL `id`), `credentialSubject`, `validFrom`/`validUntil`
//!   (`xsd:dateTimeStamp`), `credentialStatus`, `credentialSchema`, `evidence`, `termsOfUse`,
//!   `refreshService`, language values. A refusal names the [`Rule`] and the path.
//! - Validity is checked against an injected [`Clock`](crate::clock::Clock) with a skew.
//! - [`jwt`] secures them as VC-JOSE-COSE (`vc+jwt`, `vp+jwt`) or VC 1.1 JWTs.
//!
//! # Example
//!
//! ```
//! use did_core::vc::{Credential, Rule, CredentialError};
//! use serde_json::json;
//!
//! let credential = Credential::from_json(json!({
//!     "@context": ["https://www.w3.org/ns/credentials/v2"],
//!     "type": ["VerifiableCredential", "EmployeeCard"],
//!     "issuer": "did:example:province",
//!     "validFrom": "2026-01-01T00:00:00Z",
//!     "credentialSubject": {"id": "did:example:ana", "employeeId": "E-1024"}
//! }))?;
//! assert_eq!(credential.issuer(), "did:example:province");
//!
//! let no_issuer = Credential::from_json(json!({
//!     "@context": ["https://www.w3.org/ns/credentials/v2"],
//!     "type": ["VerifiableCredential"],
//!     "credentialSubject": {"id": "did:example:ana"}
//! }));
//! assert!(matches!(no_issuer, Err(CredentialError::Invalid { rule: Rule::Issuer, .. })));
//! # Ok::<(), CredentialError>(())
//! ```

mod credential;
mod datetime;
mod error;
pub mod jwt;
mod presentation;
mod rules;

use serde_json::{Map, Value};

pub use credential::Credential;
pub use error::{CredentialError, Rule};
pub use presentation::{EmbeddedCredential, Presentation};

use crate::json::{self as strict_json, StrictJsonError};
pub(crate) use crate::text::truncated;

/// The base context of VC Data Model 2.0.
pub const CONTEXT_V2: &str = "https://www.w3.org/ns/credentials/v2";
/// The base context of VC Data Model 1.1.
pub const CONTEXT_V1: &str = "https://www.w3.org/2018/credentials/v1";

/// The largest credential or presentation JSON text accepted, in bytes (1 MiB).
pub const MAX_CREDENTIAL_LEN: usize = 1024 * 1024;

/// Which version of the data model a credential's `@context` declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DataModel {
    /// VC Data Model 2.0 (`https://www.w3.org/ns/credentials/v2`).
    V2,
    /// VC Data Model 1.1 (`https://www.w3.org/2018/credentials/v1`), read for older wallets.
    V1_1,
}

/// Parses untrusted JSON text as an object, refusing duplicate member names.
pub(crate) fn parse_json_object(bytes: &[u8]) -> Result<Map<String, Value>, CredentialError> {
    strict_json::parse_object(bytes).map_err(|e| match e {
        StrictJsonError::NotAnObject => CredentialError::NotAnObject,
        StrictJsonError::DuplicateMember { name, .. } => {
            CredentialError::InvalidJson(format!("duplicate member {name:?}"))
        }
        StrictJsonError::Invalid { line, column, .. } => {
            CredentialError::InvalidJson(format!("syntax error at line {line}, column {column}"))
        }
    })
}
