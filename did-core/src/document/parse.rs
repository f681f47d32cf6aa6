//! JSON text → `serde_json::Value` (rejecting duplicate members) → [`Document`], with a typed
//! error for every structural problem. Semantic rules are checked afterwards by
//! [`Document::validate`].

use serde_json::{Map, Value};

use super::{DocumentError, Location, MAX_JSON_LEN, MethodRef, Relationship, Service, VerificationMethod};
use crate::did::{Did, DidError, truncated};
use crate::document::Document;
use crate::json::StrictJsonError;
use crate::key::Jwk;

/// Parses JSON text into a `Value`, enforcing the size limit and rejecting duplicate members.
pub(super) fn json_text(json: &str) -> Result<Value, DocumentError> {
    if json.len() > MAX_JSON_LEN {
        return Err(DocumentError::TooLarge {
            size: json.len(),
            limit: MAX_JSON_LEN,
        });
    }
    crate::json::parse_value(json.as_bytes()).map_err(|error| match error {
        StrictJsonError::DuplicateMember { name: member, .. } => DocumentError::DuplicateMember { member },
        StrictJsonError::Invalid { line, column, .. } => DocumentError::InvalidJson { line, column },
        // parse_value reads any value; the caller checks that it is an object.
        StrictJsonError::NotAnObject => DocumentError::InvalidJson { line: 1, column: 1 },
    })
}

/// Builds a [`Document`] from a JSON value, checking JSON types and DID syntax of typed members.
pub(super) fn document(value: Value) -> Result<Document, DocumentError> {
    let Value::Object(mut map) = value else {
        return Err(DocumentError::NotAMap);
    };
    let at = Location::Root;
    let context = map.remove("@context");
    let id = match map.remove("id") {
        None => return Err(DocumentError::MissingMember { at, member: "id" }),
        Some(Value::String(id)) => Did::parse(&id).map_err(|source| match source {
            DidError::NotADid { .. } => DocumentError::IdIsDidUrl { id: truncated(&id) },
            source => DocumentError::InvalidId {
                id: truncated(&id),
                source,
            },
        })?,
        Some(_) => {
            return Err(DocumentError::WrongType {
                at,
                member: "id",
                expected: "a string",
            });
        }
    };
    let mut document = Document::new(id);
    document.context = context;
    document.controller = controllers(map.remove("controller"))?;
    document.also_known_as = strings(
        map.remove("alsoKnownAs"),
        "alsoKnownAs",
        "a set (JSON array) of URI strings",
    )?;
    if let Some(methods) = map.remove("verificationMethod") {
        let Value::Array(methods) = methods else {
            return Err(wrong_type(at, "verificationMethod", "a set (JSON array) of maps"));
        };
        for (i, method) in methods.into_iter().enumerate() {
            document
                .verification_method
                .push(verification_method(method, Location::VerificationMethod(i))?);
        }
    }
    for relationship in Relationship::ALL {
        if let Some(entries) = map.remove(relationship.as_str()) {
            *document.relationship_mut(relationship) = method_refs(entries, relationship)?;
        }
    }
    if let Some(services) = map.remove("service") {
        let Value::Array(services) = services else {
            return Err(wrong_type(at, "service", "a set (JSON array) of maps"));
        };
        for (i, entry) in services.into_iter().enumerate() {
            document.service.push(service(entry, Location::Service(i))?);
        }
    }
    document.extra = map;
    // Lists grow from a capacity of four (fallible collects, pushes); a verifier holding
    // thousands of documents keeps them, so each is trimmed to its length.
    document.verification_method.shrink_to_fit();
    for relationship in Relationship::ALL {
        document.relationship_mut(relationship).shrink_to_fit();
    }
    document.service.shrink_to_fit();
    Ok(document)
}

fn wrong_type(at: Location, member: &'static str, expected: &'static str) -> DocumentError {
    DocumentError::WrongType { at, member, expected }
}

/// `controller`: a DID string or a set of them.
fn controllers(value: Option<Value>) -> Result<Vec<Did>, DocumentError> {
    let parse = |value: &str, index| {
        Did::parse(value).map_err(|source| DocumentError::InvalidController {
            index,
            value: truncated(value),
            source,
        })
    };
    const EXPECTED: &str = "a DID string or a set of DID strings";
    match value {
        None => Ok(Vec::new()),
        Some(Value::String(did)) => Ok(vec![parse(&did, None)?]),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::String(did) => parse(did, Some(i)),
                _ => Err(wrong_type(Location::Root, "controller", EXPECTED)),
            })
            .collect(),
        Some(_) => Err(wrong_type(Location::Root, "controller", EXPECTED)),
    }
}

/// A set of strings at the root (`alsoKnownAs`).
fn strings(value: Option<Value>, member: &'static str, expected: &'static str) -> Result<Vec<String>, DocumentError> {
    match value {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .into_iter()
            .map(|item| match item {
                Value::String(s) => Ok(s),
                _ => Err(wrong_type(Location::Root, member, expected)),
            })
            .collect(),
        Some(_) => Err(wrong_type(Location::Root, member, expected)),
    }
}

/// One verification relationship: a set of DID URL strings and embedded methods.
fn method_refs(value: Value, relationship: Relationship) -> Result<Vec<MethodRef>, DocumentError> {
    let member = relationship.as_str();
    let Value::Array(entries) = value else {
        return Err(wrong_type(
            Location::Root,
            member,
            "a set (JSON array) of DID URLs and verification methods",
        ));
    };
    entries
        .into_iter()
        .enumerate()
        .map(|(i, entry)| {
            let at = Location::Relationship(relationship, i);
            match entry {
                Value::String(reference) => Ok(MethodRef::Reference(reference)),
                Value::Object(_) => verification_method(entry, at).map(MethodRef::Embedded),
                _ => Err(wrong_type(at, member, "a DID URL string or a verification method map")),
            }
        })
        .collect()
}

/// Removes a string member; `Ok(None)` when absent.
fn take_string(
    map: &mut Map<String, Value>,
    at: Location,
    member: &'static str,
) -> Result<Option<String>, DocumentError> {
    match map.remove(member) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(wrong_type(at, member, "a string")),
    }
}

/// Removes a required string member.
fn require_string(map: &mut Map<String, Value>, at: Location, member: &'static str) -> Result<String, DocumentError> {
    take_string(map, at, member)?.ok_or(DocumentError::MissingMember { at, member })
}

/// A verification method map at `at`.
pub(super) fn verification_method(value: Value, at: Location) -> Result<VerificationMethod, DocumentError> {
    let Value::Object(mut map) = value else {
        let member = match at {
            Location::Relationship(relationship, _) => relationship.as_str(),
            _ => "verificationMethod",
        };
        return Err(wrong_type(at, member, "a map"));
    };
    let id = require_string(&mut map, at, "id")?;
    let type_ = require_string(&mut map, at, "type")?;
    let controller = require_string(&mut map, at, "controller")?;
    let controller = Did::parse(&controller).map_err(|source| DocumentError::InvalidVerificationMethodController {
        at,
        value: truncated(&controller),
        source,
    })?;
    let public_key_jwk = match map.remove("publicKeyJwk") {
        None => None,
        Some(jwk @ Value::Object(_)) => Some(
            serde_json::from_value::<Jwk>(jwk)
                .map_err(|_| DocumentError::InvalidPublicKeyJwk { id: truncated(&id) })?,
        ),
        Some(_) => return Err(wrong_type(at, "publicKeyJwk", "a JWK map")),
    };
    let public_key_multibase = take_string(&mut map, at, "publicKeyMultibase")?;
    let public_key_base58 = take_string(&mut map, at, "publicKeyBase58")?;
    Ok(VerificationMethod {
        id,
        type_,
        controller,
        public_key_jwk,
        public_key_multibase,
        public_key_base58,
        extra: map,
    })
}

/// A service map at `at`.
pub(super) fn service(value: Value, at: Location) -> Result<Service, DocumentError> {
    let Value::Object(mut map) = value else {
        return Err(wrong_type(at, "service", "a map"));
    };
    let id = require_string(&mut map, at, "id")?;
    let type_ = map
        .remove("type")
        .ok_or(DocumentError::MissingMember { at, member: "type" })?;
    let service_endpoint = map.remove("serviceEndpoint").ok_or(DocumentError::MissingMember {
        at,
        member: "serviceEndpoint",
    })?;
    Ok(Service {
        id,
        type_,
        service_endpoint,
        extra: map,
    })
}
