//! Why a DID document was rejected, and where in it.

use std::fmt;

use super::Relationship;
use crate::did::DidError;
use crate::key::KeyError;

/// Where in a DID document a problem was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Location {
    /// The document's root map.
    Root,
    /// Entry `n` (0-based) of `verificationMethod`.
    VerificationMethod(usize),
    /// Entry `n` (0-based) of a verification relationship (a reference or an embedded method).
    Relationship(Relationship, usize),
    /// Entry `n` (0-based) of `service`.
    Service(usize),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Root => f.write_str("the document"),
            Location::VerificationMethod(i) => write!(f, "verificationMethod[{i}]"),
            Location::Relationship(r, i) => write!(f, "{}[{i}]", r.as_str()),
            Location::Service(i) => write!(f, "service[{i}]"),
        }
    }
}

/// Why a DID document was rejected or could not be used, naming the DID Core rule broken and
/// where. Offending values are truncated to 64 characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DocumentError {
    /// The JSON text is larger than [`MAX_JSON_LEN`](super::MAX_JSON_LEN); it was not parsed.
    #[error("DID document is {size} bytes, over the {limit}-byte limit")]
    TooLarge {
        /// Size of the input in bytes.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The text is not well-formed JSON.
    #[error("DID document is not valid JSON (line {line}, column {column})")]
    InvalidJson {
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
    },
    /// The JSON value is not a map (object), so it cannot be a DID document.
    #[error("a DID document must be a JSON object")]
    NotAMap,
    /// A JSON object has the same member name twice, which makes its meaning ambiguous.
    #[error("duplicate JSON member {member:?}")]
    DuplicateMember {
        /// The repeated member name.
        member: String,
    },
    /// A required member is absent (`id` of the document; `id`, `type`, `controller` of a
    /// verification method; `id`, `type`, `serviceEndpoint` of a service).
    #[error("{at} is missing required member \"{member}\"")]
    MissingMember {
        /// The map the member is missing from.
        at: Location,
        /// The member name.
        member: &'static str,
    },
    /// A member's value has the wrong JSON type (e.g. `id` not a string, `verificationMethod` not
    /// a set of maps).
    #[error("\"{member}\" of {at} must be {expected}")]
    WrongType {
        /// The map that holds the member (for a set entry, the entry).
        at: Location,
        /// The member name.
        member: &'static str,
        /// What the rule requires.
        expected: &'static str,
    },
    /// The document `id` does not conform to DID syntax (DID Core 1.0 §5.1.1).
    #[error("document id {id:?} is not a DID: {source}")]
    InvalidId {
        /// The offending id.
        id: String,
        /// The syntax rule it broke.
        #[source]
        source: DidError,
    },
    /// The document `id` is a DID URL (has a path, query or fragment), not a DID (§5.1.1).
    #[error("document id {id:?} is a DID URL, not a DID")]
    IdIsDidUrl {
        /// The offending id.
        id: String,
    },
    /// A `controller` entry is not a DID (§5.1.2).
    #[error("controller {value:?} is not a DID: {source}")]
    InvalidController {
        /// Index in the set, or `None` when `controller` is a single string.
        index: Option<usize>,
        /// The offending value.
        value: String,
        /// The syntax rule it broke.
        #[source]
        source: DidError,
    },
    /// An `alsoKnownAs` entry is not an absolute URI (RFC 3986) (§5.1.3).
    #[error("alsoKnownAs[{index}] {value:?} is not a URI: {reason}")]
    InvalidAlsoKnownAs {
        /// Index in the set.
        index: usize,
        /// The offending value.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A verification method `id` is not a DID URL, absolute or relative (§5.2).
    #[error("verification method id {id:?} at {at} is not a DID URL: {source}")]
    InvalidVerificationMethodId {
        /// Where the method is.
        at: Location,
        /// The offending id.
        id: String,
        /// The syntax rule it broke.
        #[source]
        source: DidError,
    },
    /// A verification method `controller` is not a DID (§5.2).
    #[error("controller {value:?} of {at} is not a DID: {source}")]
    InvalidVerificationMethodController {
        /// Where the method is.
        at: Location,
        /// The offending value.
        value: String,
        /// The syntax rule it broke.
        #[source]
        source: DidError,
    },
    /// A verification method has more than one of `publicKeyJwk`, `publicKeyMultibase`,
    /// `publicKeyBase58` (§5.2.1).
    #[error("verification method {id:?} has both {first} and {second}")]
    MultipleVerificationMaterial {
        /// The method's id.
        id: String,
        /// One material member.
        first: &'static str,
        /// Another material member.
        second: &'static str,
    },
    /// `publicKeyJwk` is not a JWK object (e.g. missing `kty`, non-string members).
    #[error("publicKeyJwk of verification method {id:?} is not a JWK")]
    InvalidPublicKeyJwk {
        /// The method's id.
        id: String,
    },
    /// `publicKeyJwk` contains a private member such as `d` (§5.2.1).
    #[error("publicKeyJwk of verification method {id:?} contains private member \"{member}\"")]
    PrivateKeyMaterial {
        /// The method's id.
        id: String,
        /// The private member found.
        member: &'static str,
    },
    /// Two verification methods have the same id (after resolving relative ids).
    #[error("duplicate verification method id {id:?}")]
    DuplicateVerificationMethodId {
        /// The repeated id, absolute.
        id: String,
    },
    /// A verification relationship entry is a string that is not a DID URL (§5.3).
    #[error("{relationship} reference {value:?} is not a DID URL: {source}")]
    InvalidReference {
        /// The relationship.
        relationship: Relationship,
        /// Index in the relationship's set.
        index: usize,
        /// The offending reference.
        value: String,
        /// The syntax rule it broke.
        #[source]
        source: DidError,
    },
    /// A service `id` is not a URI or relative DID URL (§5.4).
    #[error("service id {id:?} at {at} is not a URI: {reason}")]
    InvalidServiceId {
        /// Where the service is.
        at: Location,
        /// The offending id.
        id: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A service `serviceEndpoint` is not a URI string, a map, or a set of those (§5.4).
    #[error("serviceEndpoint of {at} is invalid: {reason}")]
    InvalidServiceEndpoint {
        /// Where the service is.
        at: Location,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Two services have the same id (§5.4: consumers MUST produce an error).
    #[error("duplicate service id {id:?}")]
    DuplicateServiceId {
        /// The repeated id.
        id: String,
    },
    /// `application/did+ld+json` requires `@context` (§6.3.1).
    #[error("JSON-LD DID document has no @context")]
    MissingContext,
    /// `@context` is neither a DID context URL (`https://www.w3.org/ns/did/v1` or `.../v1.1`) nor
    /// an array whose first item is one (§6.3.1).
    #[error("@context must be the DID v1 or v1.1 context URL, or an array starting with one; found {found}")]
    InvalidContext {
        /// The offending value (the first item for an array), as JSON text.
        found: String,
    },
    /// A verification relationship references a method that is not in the document.
    #[error("{relationship} references {reference:?}, which is not in the document")]
    DanglingReference {
        /// The relationship.
        relationship: Relationship,
        /// The reference, as written.
        reference: String,
    },
    /// The verification method has no verification material we can read
    /// (`publicKeyJwk`, `publicKeyMultibase`, or `publicKeyBase58` for a known legacy type).
    #[error("verification method {id:?} of type {method_type:?} has no supported verification material")]
    UnsupportedVerificationMaterial {
        /// The method's id.
        id: String,
        /// The method's `type`.
        method_type: String,
    },
    /// The verification material was read but is not a valid or supported key.
    #[error("key of verification method {id:?} is invalid: {source}")]
    InvalidKey {
        /// The method's id.
        id: String,
        /// What the key module rejected.
        #[source]
        source: KeyError,
    },
}
