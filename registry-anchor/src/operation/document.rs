//! From the document an operation carries (no `id`) to the DID document a resolver returns, and
//! the did:dojang rules on top of DID Core's.

use did_core::did::{Did, DidUrl};
use did_core::document::{Document, Relationship, Representation};
use serde_json::{Map, Value};

use super::OperationError;

/// The verification method types a did:dojang document may use.
pub const METHOD_TYPES: [&str; 2] = ["Multikey", "JsonWebKey"];

/// The stored form of a document with one key: `#key-1`, a Multikey, used for
/// `authentication` and `assertionMethod` (what `did create` and the issuer register).
pub fn key_document(key: &did_core::key::VerifyingKey) -> Map<String, Value> {
    let mut method = Map::new();
    method.insert("id".into(), "#key-1".into());
    method.insert("type".into(), "Multikey".into());
    method.insert("publicKeyMultibase".into(), key.to_multikey().into());
    let mut document = Map::new();
    document.insert("verificationMethod".into(), Value::Array(vec![Value::Object(method)]));
    document.insert("authentication".into(), Value::Array(vec!["#key-1".into()]));
    document.insert("assertionMethod".into(), Value::Array(vec!["#key-1".into()]));
    document
}

/// Builds and checks the DID document of `did` from the stored form `content`.
///
/// `content` must not contain `id`; `id` becomes `did`, and a verification method without
/// `controller` (in `verificationMethod` or embedded in a relationship) gets `did` as its
/// controller. The result must then be a valid DID document (`application/did+json`, and
/// `application/did+ld+json` too if `@context` is present) in which every verification method
/// has an id of this DID, a type in [`METHOD_TYPES`] with readable key material of a supported
/// key type, and every relationship reference names a method of the document.
pub fn build_document(did: &Did, content: &Map<String, Value>) -> Result<Document, OperationError> {
    if content.contains_key("id") {
        return Err(OperationError::DocumentRule(
            "the document must not contain id: the resolver fills in the DID",
        ));
    }
    let mut value = content.clone();
    value.insert("id".into(), did.as_str().into());
    if let Some(Value::Array(methods)) = value.get_mut("verificationMethod") {
        methods.iter_mut().for_each(|m| default_controller(m, did));
    }
    for relationship in Relationship::ALL {
        if let Some(Value::Array(entries)) = value.get_mut(relationship.as_str()) {
            entries.iter_mut().for_each(|m| default_controller(m, did));
        }
    }
    let has_context = value.contains_key("@context");
    let document =
        Document::from_value(Value::Object(value), Representation::Json).map_err(OperationError::InvalidDocument)?;
    if has_context {
        document
            .validate(Representation::JsonLd)
            .map_err(OperationError::InvalidDocument)?;
    }
    for method in document.all_verification_methods() {
        let id = DidUrl::resolve_relative(did, &method.id)
            .map_err(|_| OperationError::DocumentRule("a verification method id is not a DID URL"))?;
        if id.did_str() != did.as_str() || id.fragment().is_none() {
            return Err(OperationError::DocumentRule(
                "verification method ids must be fragments of the DID itself (e.g. #key-1)",
            ));
        }
        let material_matches = match method.type_.as_str() {
            "Multikey" => method.public_key_multibase.is_some(),
            "JsonWebKey" => method.public_key_jwk.is_some(),
            _ => {
                return Err(OperationError::DocumentRule(
                    "verification method type must be Multikey or JsonWebKey",
                ));
            }
        };
        if !material_matches {
            return Err(OperationError::DocumentRule(
                "Multikey needs publicKeyMultibase and JsonWebKey needs publicKeyJwk",
            ));
        }
        method.verifying_key().map_err(OperationError::InvalidDocument)?;
    }
    for relationship in Relationship::ALL {
        for method in document.methods_for(relationship) {
            method.map_err(OperationError::InvalidDocument)?;
        }
    }
    Ok(document)
}

fn default_controller(method: &mut Value, did: &Did) {
    if let Value::Object(map) = method
        && !map.contains_key("controller")
    {
        map.insert("controller".into(), did.as_str().into());
    }
}
