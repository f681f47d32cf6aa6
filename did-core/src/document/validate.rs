//! The DID Core rules a [`Document`] value can break even after it was built with the right
//! JSON types: DID URL syntax of ids, verification material, duplicate ids, URIs, `@context`.

use std::collections::HashSet;

use serde_json::Value;

use super::uri::check_absolute_uri;
use super::{
    DID_CONTEXT_V1, DID_CONTEXT_V1_1, Document, DocumentError, Location, MethodRef, Relationship, Representation,
    Service, VerificationMethod,
};
use crate::did::{Did, DidUrl, truncated};

impl Document {
    /// Checks the DID Core rules for `representation`; the parsers call this.
    ///
    /// For [`Representation::JsonLd`] `@context` must be present and be the DID v1 or v1.1
    /// context URL or an array starting with one. In every representation: `alsoKnownAs` entries
    /// are absolute URIs; verification method ids are DID URLs (absolute or relative to
    /// `id`), types are non-empty, at most one verification material member is present, a
    /// `publicKeyJwk` has no private members, and no two methods share an id; relationship
    /// references are DID URLs; service ids are URIs (or relative DID URLs), types are a
    /// string or a set of strings, endpoints are a URI, a map or a set of those, and no two
    /// services share an id.
    pub fn validate(&self, representation: Representation) -> Result<(), DocumentError> {
        if representation == Representation::JsonLd {
            check_context(self.context.as_ref())?;
        }
        for (index, uri) in self.also_known_as.iter().enumerate() {
            check_absolute_uri(uri).map_err(|reason| DocumentError::InvalidAlsoKnownAs {
                index,
                value: truncated(uri),
                reason,
            })?;
        }
        let mut method_ids = HashSet::new();
        for (i, method) in self.verification_method.iter().enumerate() {
            check_method(&self.id, method, Location::VerificationMethod(i), &mut method_ids)?;
        }
        for relationship in Relationship::ALL {
            for (index, entry) in self.relationship(relationship).iter().enumerate() {
                match entry {
                    MethodRef::Reference(reference) => {
                        DidUrl::resolve_relative(&self.id, reference).map_err(|source| {
                            DocumentError::InvalidReference {
                                relationship,
                                index,
                                value: truncated(reference),
                                source,
                            }
                        })?;
                    }
                    MethodRef::Embedded(method) => {
                        let at = Location::Relationship(relationship, index);
                        check_method(&self.id, method, at, &mut method_ids)?;
                    }
                }
            }
        }
        let mut service_ids = HashSet::new();
        for (i, service) in self.service.iter().enumerate() {
            let id = check_service(&self.id, service, Location::Service(i))?;
            if !service_ids.insert(id) {
                return Err(DocumentError::DuplicateServiceId {
                    id: truncated(&service.id),
                });
            }
        }
        Ok(())
    }
}

/// `@context` rule of `application/did+ld+json` (DID Core 1.0 §6.3.1, DID 1.1).
fn check_context(context: Option<&Value>) -> Result<(), DocumentError> {
    let is_did_context = |v: &Value| matches!(v.as_str(), Some(DID_CONTEXT_V1 | DID_CONTEXT_V1_1));
    let invalid = |found: &Value| DocumentError::InvalidContext {
        found: truncated(&found.to_string()),
    };
    match context {
        None => Err(DocumentError::MissingContext),
        Some(Value::Array(items)) => match items.first() {
            None => Err(DocumentError::InvalidContext { found: "[]".to_owned() }),
            Some(first) if !is_did_context(first) => Err(invalid(first)),
            Some(_) => match items.iter().find(|item| !(item.is_string() || item.is_object())) {
                Some(item) => Err(invalid(item)),
                None => Ok(()),
            },
        },
        Some(single) if is_did_context(single) => Ok(()),
        Some(other) => Err(invalid(other)),
    }
}

/// One verification method; records its absolute id in `seen`.
fn check_method(
    document_id: &Did,
    method: &VerificationMethod,
    at: Location,
    seen: &mut HashSet<DidUrl>,
) -> Result<(), DocumentError> {
    let id = DidUrl::resolve_relative(document_id, &method.id).map_err(|source| {
        DocumentError::InvalidVerificationMethodId {
            at,
            id: truncated(&method.id),
            source,
        }
    })?;
    if method.type_.is_empty() {
        return Err(DocumentError::WrongType {
            at,
            member: "type",
            expected: "a non-empty string",
        });
    }
    let materials = [
        ("publicKeyJwk", method.public_key_jwk.is_some()),
        ("publicKeyMultibase", method.public_key_multibase.is_some()),
        ("publicKeyBase58", method.public_key_base58.is_some()),
    ];
    let mut present = materials.iter().filter(|(_, present)| *present).map(|(name, _)| *name);
    if let (Some(first), Some(second)) = (present.next(), present.next()) {
        return Err(DocumentError::MultipleVerificationMaterial {
            id: truncated(&method.id),
            first,
            second,
        });
    }
    if let Some(member) = method.public_key_jwk.as_ref().and_then(|jwk| jwk.private_member()) {
        return Err(DocumentError::PrivateKeyMaterial {
            id: truncated(&method.id),
            member,
        });
    }
    if !seen.insert(id) {
        return Err(DocumentError::DuplicateVerificationMethodId {
            id: truncated(&method.id),
        });
    }
    Ok(())
}

/// One service; returns its id in absolute form for the duplicate check.
fn check_service(document_id: &Did, service: &Service, at: Location) -> Result<String, DocumentError> {
    let invalid_id = |reason| DocumentError::InvalidServiceId {
        at,
        id: truncated(&service.id),
        reason,
    };
    let id = match service.id.as_bytes().first() {
        None => return Err(invalid_id("empty")),
        Some(b'#' | b'?' | b'/') => DidUrl::resolve_relative(document_id, &service.id)
            .map_err(|_| invalid_id("not a valid relative DID URL"))?
            .into_string(),
        Some(_) if service.id.starts_with("did:") => DidUrl::parse(&service.id)
            .map_err(|_| invalid_id("not a valid DID URL"))?
            .into_string(),
        Some(_) => {
            check_absolute_uri(&service.id).map_err(invalid_id)?;
            service.id.clone()
        }
    };
    const TYPE: &str = "a non-empty string or a non-empty set of strings";
    let type_ok = match &service.type_ {
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => !items.is_empty() && items.iter().all(|t| t.as_str().is_some_and(|s| !s.is_empty())),
        _ => false,
    };
    if !type_ok {
        return Err(DocumentError::WrongType {
            at,
            member: "type",
            expected: TYPE,
        });
    }
    let endpoint_error = |reason| DocumentError::InvalidServiceEndpoint { at, reason };
    let check_endpoint_item = |item: &Value| match item {
        Value::String(uri) => check_absolute_uri(uri).map_err(endpoint_error),
        Value::Object(_) => Ok(()),
        _ => Err(endpoint_error("must be a URI string, a map, or a set of those")),
    };
    match &service.service_endpoint {
        Value::Array(items) if items.is_empty() => Err(endpoint_error("an empty set")),
        Value::Array(items) => items.iter().try_for_each(check_endpoint_item),
        single => check_endpoint_item(single),
    }?;
    Ok(id)
}
