//! The operation payloads (`create`, `update`, `deactivate`): typed form, strict reading from
//! JSON (every member known, every required member present) and writing back to JSON.

use did_core::did::Did;
use did_core::key::{Jwk, VerifyingKey};
use serde_json::{Map, Value};

use super::OperationError;
use super::canonical::{jcs, parse_did};
use super::error::truncated;
use super::hash::{KeyCommitment, OperationHash};
use super::patch::PatchOperation;

/// What kind of operation a payload is (`type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OperationType {
    /// `create`: the genesis operation; its hash is the DID.
    Create,
    /// `update`: a new document (replacement or JSON Patch) and a new key commitment.
    Update,
    /// `deactivate`: ends the DID; nothing may follow.
    Deactivate,
}

impl OperationType {
    /// The `type` member's value.
    pub fn as_str(self) -> &'static str {
        match self {
            OperationType::Create => "create",
            OperationType::Update => "update",
            OperationType::Deactivate => "deactivate",
        }
    }
}

/// A decoded operation payload.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum OperationPayload {
    /// `create`.
    Create(CreatePayload),
    /// `update`.
    Update(UpdatePayload),
    /// `deactivate`.
    Deactivate(DeactivatePayload),
}

/// The payload of a `create` operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatePayload {
    /// `updateKey`: the public key that signs this operation.
    pub update_key: VerifyingKey,
    /// `nextKeyCommitment`: the commitment to the key that must sign the next operation.
    pub next_key_commitment: KeyCommitment,
    /// `document`: the initial DID document without `id` (relative ids such as `#key-1`).
    pub document: Map<String, Value>,
}

/// The payload of an `update` operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdatePayload {
    /// `did`: the DID updated.
    pub did: Did,
    /// `previous`: the hash of the DID's latest operation.
    pub previous: OperationHash,
    /// `updateKey`: the revealed key, which must match the previous `nextKeyCommitment`.
    pub update_key: VerifyingKey,
    /// `nextKeyCommitment`: the commitment to the key that must sign the next operation.
    pub next_key_commitment: KeyCommitment,
    /// `document` (whole replacement) or `patch` (RFC 6902).
    pub change: DocumentChange,
}

/// The payload of a `deactivate` operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeactivatePayload {
    /// `did`: the DID deactivated.
    pub did: Did,
    /// `previous`: the hash of the DID's latest operation.
    pub previous: OperationHash,
    /// `updateKey`: the revealed key, which must match the previous `nextKeyCommitment`.
    pub update_key: VerifyingKey,
}

/// How an `update` changes the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocumentChange {
    /// `document`: the new document (without `id`) replaces the old one.
    Replace(Map<String, Value>),
    /// `patch`: an RFC 6902 JSON Patch (add, remove, replace, test) applied to the current
    /// document in its stored form (without `id`).
    Patch(Vec<PatchOperation>),
}

impl OperationPayload {
    /// The operation type.
    pub fn operation_type(&self) -> OperationType {
        match self {
            OperationPayload::Create(_) => OperationType::Create,
            OperationPayload::Update(_) => OperationType::Update,
            OperationPayload::Deactivate(_) => OperationType::Deactivate,
        }
    }

    /// The revealed key that signs the operation.
    pub fn update_key(&self) -> &VerifyingKey {
        match self {
            OperationPayload::Create(p) => &p.update_key,
            OperationPayload::Update(p) => &p.update_key,
            OperationPayload::Deactivate(p) => &p.update_key,
        }
    }

    /// `previous`, absent for `create`.
    pub fn previous(&self) -> Option<&OperationHash> {
        match self {
            OperationPayload::Create(_) => None,
            OperationPayload::Update(p) => Some(&p.previous),
            OperationPayload::Deactivate(p) => Some(&p.previous),
        }
    }

    /// `nextKeyCommitment`, absent for `deactivate`.
    pub fn next_key_commitment(&self) -> Option<&KeyCommitment> {
        match self {
            OperationPayload::Create(p) => Some(&p.next_key_commitment),
            OperationPayload::Update(p) => Some(&p.next_key_commitment),
            OperationPayload::Deactivate(_) => None,
        }
    }

    /// The payload as a JSON object (sign its JCS serialization).
    pub fn to_value(&self) -> Value {
        let mut map = Map::new();
        map.insert("type".into(), self.operation_type().as_str().into());
        map.insert("updateKey".into(), jwk_value(self.update_key()));
        if let Some(commitment) = self.next_key_commitment() {
            map.insert("nextKeyCommitment".into(), commitment.to_string().into());
        }
        if let Some(previous) = self.previous() {
            map.insert("previous".into(), previous.to_string().into());
        }
        match self {
            OperationPayload::Create(p) => {
                map.insert("document".into(), Value::Object(p.document.clone()));
            }
            OperationPayload::Update(p) => {
                map.insert("did".into(), p.did.as_str().into());
                match &p.change {
                    DocumentChange::Replace(document) => {
                        map.insert("document".into(), Value::Object(document.clone()));
                    }
                    DocumentChange::Patch(patch) => {
                        map.insert("patch".into(), patch.iter().map(PatchOperation::to_value).collect());
                    }
                }
            }
            OperationPayload::Deactivate(p) => {
                map.insert("did".into(), p.did.as_str().into());
            }
        }
        Value::Object(map)
    }

    /// Reads payload bytes: a JSON object ([`OperationError::InvalidJson`]) whose bytes are
    /// exactly its JCS serialization ([`OperationError::NonCanonicalPayload`], which also
    /// refuses duplicate member names), then [`OperationPayload::from_value`].
    pub fn from_canonical_bytes(bytes: &[u8]) -> Result<OperationPayload, OperationError> {
        let value: Value = serde_json::from_slice(bytes).map_err(|_| OperationError::InvalidJson)?;
        if !value.is_object() {
            return Err(OperationError::InvalidJson);
        }
        if jcs(&value)? != bytes {
            return Err(OperationError::NonCanonicalPayload);
        }
        OperationPayload::from_value(value)
    }

    /// Reads a payload object strictly: `type` known, every member defined for that type,
    /// every required member present and well-formed. Checks that `nextKeyCommitment` does not
    /// commit to `updateKey` itself.
    pub fn from_value(value: Value) -> Result<OperationPayload, OperationError> {
        let Value::Object(mut map) = value else {
            return Err(OperationError::InvalidJson);
        };
        let kind = match take(&mut map, "type")? {
            Value::String(s) if s == "create" => OperationType::Create,
            Value::String(s) if s == "update" => OperationType::Update,
            Value::String(s) if s == "deactivate" => OperationType::Deactivate,
            Value::String(s) => return Err(OperationError::UnknownOperationType(truncated(&s))),
            _ => return Err(invalid("type", "a string")),
        };
        let allowed: &[&str] = match kind {
            OperationType::Create => &["updateKey", "nextKeyCommitment", "document"],
            OperationType::Update => &["did", "previous", "updateKey", "nextKeyCommitment", "document", "patch"],
            OperationType::Deactivate => &["did", "previous", "updateKey"],
        };
        if let Some(member) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(OperationError::UnknownMember {
                at: "payload".into(),
                member: truncated(member),
            });
        }
        let update_key = update_key(take(&mut map, "updateKey")?)?;
        let payload = match kind {
            OperationType::Create => OperationPayload::Create(CreatePayload {
                next_key_commitment: commitment(take(&mut map, "nextKeyCommitment")?)?,
                document: object(take(&mut map, "document")?, "document")?,
                update_key,
            }),
            OperationType::Update => {
                let did = did(take(&mut map, "did")?)?;
                let previous = previous(take(&mut map, "previous")?)?;
                let next_key_commitment = commitment(take(&mut map, "nextKeyCommitment")?)?;
                let change = match (map.remove("document"), map.remove("patch")) {
                    (Some(document), None) => DocumentChange::Replace(object(document, "document")?),
                    (None, Some(patch)) => DocumentChange::Patch(PatchOperation::parse_patch(patch)?),
                    (Some(_), Some(_)) => return Err(invalid("patch", "absent when document is present")),
                    (None, None) => return Err(OperationError::MissingMember("document")),
                };
                OperationPayload::Update(UpdatePayload {
                    did,
                    previous,
                    update_key,
                    next_key_commitment,
                    change,
                })
            }
            OperationType::Deactivate => OperationPayload::Deactivate(DeactivatePayload {
                did: did(take(&mut map, "did")?)?,
                previous: previous(take(&mut map, "previous")?)?,
                update_key,
            }),
        };
        if payload
            .next_key_commitment()
            .is_some_and(|next| next.matches(payload.update_key()))
        {
            return Err(OperationError::KeyReuse);
        }
        Ok(payload)
    }
}

/// The public JWK of `key` as a JSON value: exactly `kty`, `crv`, `x` (and `y`).
pub(crate) fn jwk_value(key: &VerifyingKey) -> Value {
    serde_json::to_value(key.to_jwk()).unwrap_or_default()
}

fn invalid(member: &'static str, expected: &'static str) -> OperationError {
    OperationError::InvalidMember { member, expected }
}

fn take(map: &mut Map<String, Value>, member: &'static str) -> Result<Value, OperationError> {
    map.remove(member).ok_or(OperationError::MissingMember(member))
}

fn object(value: Value, member: &'static str) -> Result<Map<String, Value>, OperationError> {
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(invalid(member, "a JSON object")),
    }
}

fn string(value: Value, member: &'static str) -> Result<String, OperationError> {
    match value {
        Value::String(s) => Ok(s),
        _ => Err(invalid(member, "a string")),
    }
}

fn did(value: Value) -> Result<Did, OperationError> {
    parse_did(&string(value, "did")?)
}

fn previous(value: Value) -> Result<OperationHash, OperationError> {
    OperationHash::parse(&string(value, "previous")?)
}

fn commitment(value: Value) -> Result<KeyCommitment, OperationError> {
    KeyCommitment::parse(&string(value, "nextKeyCommitment")?)
}

/// `updateKey`: a supported public JWK with exactly the members `kty`, `crv`, `x` (and `y`
/// for EC keys), nothing else, so that the key has one encoding and one commitment.
fn update_key(value: Value) -> Result<VerifyingKey, OperationError> {
    let not_minimal = || {
        OperationError::InvalidUpdateKey(did_core::key::KeyError::InvalidJwk(
            "updateKey must be a public JWK with exactly kty, crv, x (and y for EC)",
        ))
    };
    let Value::Object(members) = &value else {
        return Err(invalid("updateKey", "a public JWK object"));
    };
    if members.values().any(|v| !v.is_string()) {
        return Err(not_minimal());
    }
    let jwk: Jwk = serde_json::from_value(value.clone()).map_err(|_| not_minimal())?;
    let key = VerifyingKey::from_jwk(&jwk).map_err(OperationError::InvalidUpdateKey)?;
    if jwk_value(&key) != value {
        return Err(not_minimal());
    }
    Ok(key)
}
