//! Resolution options, outputs and the DID Resolution result structure.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::ResolutionError;
use crate::document::{Document, Representation};

/// Options a caller passes to [`super::Resolver::resolve`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResolutionOptions {
    /// The requested media type (`accept`): `application/did+json` or
    /// `application/did+ld+json`. `None` means the method's default.
    pub accept: Option<String>,
    /// Bypass caches and resolve afresh.
    pub no_cache: bool,
}

impl ResolutionOptions {
    /// Asks for a media type (`application/did+json` or `application/did+ld+json`).
    pub fn with_accept(mut self, media_type: impl Into<String>) -> ResolutionOptions {
        self.accept = Some(media_type.into());
        self
    }

    /// Bypasses caches.
    pub fn with_no_cache(mut self) -> ResolutionOptions {
        self.no_cache = true;
        self
    }

    /// The representation asked for, or an error for an unsupported media type.
    pub fn representation(&self) -> Result<Representation, ResolutionError> {
        match self.accept.as_deref() {
            None | Some("application/did+ld+json") => Ok(Representation::JsonLd),
            Some("application/did+json") => Ok(Representation::Json),
            Some(other) => Err(ResolutionError::RepresentationNotSupported(
                other.chars().take(64).collect(),
            )),
        }
    }
}

/// DID document metadata (DID Core 1.0 §7.1.3).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentMetadata {
    /// When the DID was created (XML datetime).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// When the document was last updated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<String>,
    /// `true` when the DID has been deactivated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deactivated: Option<bool>,
    /// The version of the document that was resolved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    /// Other method-specific metadata (e.g. did:dojang registry proofs).
    #[serde(flatten)]
    pub extra: serde_json::Map<String, Value>,
}

/// A successful resolution: the document and its metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    /// The DID document.
    pub document: Document,
    /// Metadata about the document.
    pub document_metadata: DocumentMetadata,
    /// The representation the document is given in.
    pub representation: Representation,
}

impl Resolution {
    /// A resolution with empty metadata.
    pub fn new(document: Document, representation: Representation) -> Resolution {
        Resolution {
            document,
            document_metadata: DocumentMetadata::default(),
            representation,
        }
    }
}

/// DID resolution metadata (DID Core 1.0 §7.1.2).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolutionMetadata {
    /// The media type of the returned document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// The error code when resolution failed (`invalidDid`, `notFound`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// A human-readable explanation of `error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
}

/// The DID Resolution result structure, as a resolver's HTTP binding or the
/// `verifier resolve` command prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolutionResult {
    /// `https://w3id.org/did-resolution/v1`.
    #[serde(rename = "@context")]
    pub context: &'static str,
    /// The document, absent on error.
    pub did_document: Option<Value>,
    /// Resolution metadata, with `error` on failure.
    pub did_resolution_metadata: ResolutionMetadata,
    /// Document metadata, empty on error.
    pub did_document_metadata: DocumentMetadata,
}

impl From<Result<Resolution, ResolutionError>> for ResolutionResult {
    fn from(outcome: Result<Resolution, ResolutionError>) -> ResolutionResult {
        const CONTEXT: &str = "https://w3id.org/did-resolution/v1";
        match outcome {
            Ok(resolution) => ResolutionResult {
                context: CONTEXT,
                did_document: Some(resolution.document.to_value()),
                did_resolution_metadata: ResolutionMetadata {
                    content_type: Some(resolution.representation.media_type().to_owned()),
                    ..ResolutionMetadata::default()
                },
                did_document_metadata: resolution.document_metadata,
            },
            Err(error) => ResolutionResult {
                context: CONTEXT,
                did_document: None,
                did_resolution_metadata: ResolutionMetadata {
                    content_type: None,
                    error: Some(error.code().to_owned()),
                    error_message: Some(error.to_string()),
                },
                did_document_metadata: DocumentMetadata::default(),
            },
        }
    }
}
