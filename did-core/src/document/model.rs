//! The DID document data model (DID Core 1.0 §5, DID 1.1): plain data with public fields.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::did::{Did, DidUrl};
use crate::key::{Jwk, VerifyingKey};

/// A DID document.
///
/// Fields are public plain data; [`Document::validate`] checks the rules a value built by hand
/// may break, and the parsers ([`Document::from_json`], [`Document::from_json_ld`],
/// [`Document::from_value`]) call it. Members this type does not model are kept in `extra`, so a
/// parse → [`Document::to_value`] round trip loses nothing (empty sets are omitted on output, and
/// a one-element `controller` set is written as a string).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Document {
    /// `@context`, kept as it came (required, and checked, only for `application/did+ld+json`).
    #[serde(rename = "@context", skip_serializing_if = "Option::is_none")]
    pub context: Option<Value>,
    /// The DID this document is about.
    pub id: Did,
    /// `controller`: one DID (written as a string) or several.
    #[serde(skip_serializing_if = "Vec::is_empty", serialize_with = "one_or_many")]
    pub controller: Vec<Did>,
    /// `alsoKnownAs`: other URIs for the subject.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also_known_as: Vec<String>,
    /// `verificationMethod`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub verification_method: Vec<VerificationMethod>,
    /// `authentication`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub authentication: Vec<MethodRef>,
    /// `assertionMethod`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub assertion_method: Vec<MethodRef>,
    /// `keyAgreement`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub key_agreement: Vec<MethodRef>,
    /// `capabilityInvocation`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub capability_invocation: Vec<MethodRef>,
    /// `capabilityDelegation`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub capability_delegation: Vec<MethodRef>,
    /// `service`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub service: Vec<Service>,
    /// Every other member, as it came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An entry of a verification relationship: a reference to a method (a DID URL, possibly
/// relative) or a method embedded in place. Untagged on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
#[allow(
    clippy::large_enum_variant,
    reason = "relationship sets are short; an unboxed method keeps matching and building simple"
)]
pub enum MethodRef {
    /// A DID URL naming a verification method, e.g. `#key-1` or `did:example:123#key-1`.
    Reference(String),
    /// A verification method defined inside the relationship.
    Embedded(VerificationMethod),
}

/// A verification method (DID Core 1.0 §5.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VerificationMethod {
    /// The method's DID URL, absolute or relative to the document id (`#key-1`).
    pub id: String,
    /// `type`, e.g. `Multikey`, `JsonWebKey`, `Ed25519VerificationKey2020`.
    #[serde(rename = "type")]
    pub type_: String,
    /// The DID of the controller of this key.
    pub controller: Did,
    /// `publicKeyJwk`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_key_jwk: Option<Jwk>,
    /// `publicKeyMultibase` (a Multikey value for the `Multikey` type).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_key_multibase: Option<String>,
    /// `publicKeyBase58` (legacy suites such as `Ed25519VerificationKey2018`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_key_base58: Option<String>,
    /// Every other member, as it came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A service (DID Core 1.0 §5.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Service {
    /// The service's URI, often a DID URL with a fragment (absolute or relative).
    pub id: String,
    /// `type`: a string or a set of strings.
    #[serde(rename = "type")]
    pub type_: Value,
    /// `serviceEndpoint`: a URI string, a map, or a set of those.
    pub service_endpoint: Value,
    /// Every other member, as it came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A verification relationship (DID Core 1.0 §5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Relationship {
    /// `authentication`.
    Authentication,
    /// `assertionMethod`.
    AssertionMethod,
    /// `keyAgreement`.
    KeyAgreement,
    /// `capabilityInvocation`.
    CapabilityInvocation,
    /// `capabilityDelegation`.
    CapabilityDelegation,
}

impl Relationship {
    /// All relationships, in the order DID Core lists them.
    pub const ALL: [Relationship; 5] = [
        Relationship::Authentication,
        Relationship::AssertionMethod,
        Relationship::KeyAgreement,
        Relationship::CapabilityInvocation,
        Relationship::CapabilityDelegation,
    ];

    /// The JSON member name (`authentication`, `assertionMethod`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Relationship::Authentication => "authentication",
            Relationship::AssertionMethod => "assertionMethod",
            Relationship::KeyAgreement => "keyAgreement",
            Relationship::CapabilityInvocation => "capabilityInvocation",
            Relationship::CapabilityDelegation => "capabilityDelegation",
        }
    }
}

impl std::fmt::Display for Relationship {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A DID document representation (DID Core 1.0 §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Representation {
    /// `application/did+json`: `@context` is optional and not interpreted.
    Json,
    /// `application/did+ld+json`: `@context` is required and must start with the DID context.
    JsonLd,
}

impl Representation {
    /// The media type.
    pub fn media_type(self) -> &'static str {
        match self {
            Representation::Json => "application/did+json",
            Representation::JsonLd => "application/did+ld+json",
        }
    }
}

impl Document {
    /// An empty document for `id`: no context, no methods, no services.
    pub fn new(id: Did) -> Document {
        Document {
            context: None,
            id,
            controller: Vec::new(),
            also_known_as: Vec::new(),
            verification_method: Vec::new(),
            authentication: Vec::new(),
            assertion_method: Vec::new(),
            key_agreement: Vec::new(),
            capability_invocation: Vec::new(),
            capability_delegation: Vec::new(),
            service: Vec::new(),
            extra: Map::new(),
        }
    }

    /// Adds `vm` to `verificationMethod` and a reference to it (its id) to each of
    /// `relationships`.
    pub fn add_verification_method(&mut self, vm: VerificationMethod, relationships: &[Relationship]) {
        for relationship in relationships {
            self.relationship_mut(*relationship)
                .push(MethodRef::Reference(vm.id.clone()));
        }
        self.verification_method.push(vm);
    }

    /// The entries of one verification relationship.
    pub fn relationship(&self, relationship: Relationship) -> &[MethodRef] {
        match relationship {
            Relationship::Authentication => &self.authentication,
            Relationship::AssertionMethod => &self.assertion_method,
            Relationship::KeyAgreement => &self.key_agreement,
            Relationship::CapabilityInvocation => &self.capability_invocation,
            Relationship::CapabilityDelegation => &self.capability_delegation,
        }
    }

    /// The entries of one verification relationship, mutably.
    pub fn relationship_mut(&mut self, relationship: Relationship) -> &mut Vec<MethodRef> {
        match relationship {
            Relationship::Authentication => &mut self.authentication,
            Relationship::AssertionMethod => &mut self.assertion_method,
            Relationship::KeyAgreement => &mut self.key_agreement,
            Relationship::CapabilityInvocation => &mut self.capability_invocation,
            Relationship::CapabilityDelegation => &mut self.capability_delegation,
        }
    }

    /// The document as a JSON value.
    pub fn to_value(&self) -> Value {
        // Serializing plain data with string keys into a `Value` cannot fail.
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// The document as compact JSON text.
    pub fn to_json(&self) -> String {
        self.to_value().to_string()
    }
}

impl VerificationMethod {
    /// A `Multikey` method: `publicKeyMultibase` is the key's Multikey encoding.
    pub fn multikey(id: DidUrl, controller: Did, key: &VerifyingKey) -> VerificationMethod {
        VerificationMethod {
            id: id.into_string(),
            type_: "Multikey".to_owned(),
            controller,
            public_key_jwk: None,
            public_key_multibase: Some(key.to_multikey()),
            public_key_base58: None,
            extra: Map::new(),
        }
    }

    /// A `JsonWebKey` method: `publicKeyJwk` is the key's public JWK.
    pub fn json_web_key(id: DidUrl, controller: Did, key: &VerifyingKey) -> VerificationMethod {
        VerificationMethod {
            id: id.into_string(),
            type_: "JsonWebKey".to_owned(),
            controller,
            public_key_jwk: Some(key.to_jwk()),
            public_key_multibase: None,
            public_key_base58: None,
            extra: Map::new(),
        }
    }
}

impl MethodRef {
    /// The id of the method: the reference itself, or the embedded method's id.
    pub fn id(&self) -> &str {
        match self {
            MethodRef::Reference(id) => id,
            MethodRef::Embedded(vm) => &vm.id,
        }
    }
}

/// Writes a one-element set as a bare string (the common DID Core form) and others as arrays.
fn one_or_many<S: serde::Serializer>(dids: &[Did], serializer: S) -> Result<S::Ok, S::Error> {
    match dids {
        [one] => one.serialize(serializer),
        many => many.serialize(serializer),
    }
}
