//! DID documents (DID Core 1.0 §5–§6 and the DID 1.1 data model).
//!
//! - [`Document`], [`VerificationMethod`], [`Service`] and [`MethodRef`] are plain data that
//!   serializes back to the JSON it was parsed from (unknown members are kept).
//! - [`Document::from_json`] / [`Document::from_json_ld`] parse `application/did+json` and
//!   `application/did+ld+json`: the text is read into a JSON value (over [`MAX_JSON_LEN`]
//!   bytes or with a repeated member is an error), walked into the typed model (wrong JSON
//!   types, missing members and bad DID syntax are typed [`DocumentError`]s naming the rule
//!   and the [`Location`]), then [`Document::validate`]d.
//! - [`Document::verification_method`], [`Document::methods_for`], [`Document::authorizes`]
//!   and [`Document::dereference`] look things up by absolute or relative DID URL.
//! - [`VerificationMethod::verifying_key`] reads the public key.

mod dereference;
mod error;
mod key_material;
mod model;
mod parse;
pub(crate) mod uri;
mod validate;

use serde_json::Value;

pub use dereference::Resource;
pub use error::{DocumentError, Location};
pub use model::{Document, MethodRef, Relationship, Representation, Service, VerificationMethod};

/// Largest DID document JSON text accepted, in bytes (256 KiB).
pub const MAX_JSON_LEN: usize = 256 * 1024;

/// The DID Core 1.0 JSON-LD context URL.
pub const DID_CONTEXT_V1: &str = "https://www.w3.org/ns/did/v1";

/// The DID 1.1 JSON-LD context URL.
pub const DID_CONTEXT_V1_1: &str = "https://www.w3.org/ns/did/v1.1";

impl Document {
    /// Parses an `application/did+json` document.
    ///
    /// ```
    /// use did_core::document::Document;
    ///
    /// let doc = Document::from_json(r##"{"id": "did:example:123", "authentication": ["#key-1"]}"##)?;
    /// assert_eq!(doc.id.as_str(), "did:example:123");
    /// # Ok::<(), did_core::document::DocumentError>(())
    /// ```
    pub fn from_json(json: &str) -> Result<Document, DocumentError> {
        Self::from_value(parse::json_text(json)?, Representation::Json)
    }

    /// Parses an `application/did+ld+json` document: as [`Document::from_json`], and `@context`
    /// must be present and start with the DID v1 or v1.1 context.
    pub fn from_json_ld(json: &str) -> Result<Document, DocumentError> {
        Self::from_value(parse::json_text(json)?, Representation::JsonLd)
    }

    /// Builds and validates a document from a JSON value. No size limit or duplicate-member
    /// check applies here: the value is already in memory and its maps have unique keys.
    pub fn from_value(value: Value, representation: Representation) -> Result<Document, DocumentError> {
        let document = parse::document(value)?;
        document.validate(representation)?;
        Ok(document)
    }
}

impl<'de> serde::Deserialize<'de> for Document {
    /// Deserializes and validates as `application/did+json`.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Document, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Document::from_value(value, Representation::Json).map_err(serde::de::Error::custom)
    }
}

impl<'de> serde::Deserialize<'de> for VerificationMethod {
    /// Deserializes a verification method, checking member types and the controller DID.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<VerificationMethod, D::Error> {
        let value = Value::deserialize(deserializer)?;
        parse::verification_method(value, Location::VerificationMethod(0)).map_err(serde::de::Error::custom)
    }
}

impl<'de> serde::Deserialize<'de> for Service {
    /// Deserializes a service, checking that `id`, `type` and `serviceEndpoint` are present.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Service, D::Error> {
        let value = Value::deserialize(deserializer)?;
        parse::service(value, Location::Service(0)).map_err(serde::de::Error::custom)
    }
}
