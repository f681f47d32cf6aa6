//! The W3C `BitstringStatusListCredential` subject, and the check that reads an entry's
//! status from a (verified) list credential.

use serde_json::{Map, Value};

use super::bitstring::BitstringStatusList;
use super::compress::DecodeLimits;
use super::entry::{BitstringStatusListEntry, CREDENTIAL_TYPE, SUBJECT_TYPE, StatusPurpose};
use super::error::StatusError;
use super::fields::{has_type, optional_url, parse_bytes};
use crate::text::truncated;

/// The `credentialSubject` of a `BitstringStatusListCredential`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BitstringStatusListSubject {
    /// `id`, if present.
    pub id: Option<String>,
    /// `statusPurpose`: one or more purposes.
    pub status_purposes: Vec<StatusPurpose>,
    /// `encodedList`: multibase `u` + base64url of the GZIP-compressed bitstring.
    pub encoded_list: String,
    /// `ttl`: how long, in milliseconds, the list may be cached.
    pub ttl: Option<u64>,
}

impl BitstringStatusListSubject {
    /// A subject carrying `list` for `purpose`.
    pub fn new(purpose: StatusPurpose, list: &BitstringStatusList) -> Result<BitstringStatusListSubject, StatusError> {
        Ok(BitstringStatusListSubject {
            id: None,
            status_purposes: vec![purpose],
            encoded_list: list.encode()?,
            ttl: None,
        })
    }

    /// Sets `id`.
    pub fn with_id(mut self, id: impl Into<String>) -> BitstringStatusListSubject {
        self.id = Some(id.into());
        self
    }

    /// Sets `ttl` (milliseconds).
    pub fn with_ttl(mut self, ttl_ms: u64) -> BitstringStatusListSubject {
        self.ttl = Some(ttl_ms);
        self
    }

    /// Parses a subject from JSON bytes (duplicate member names refused).
    pub fn from_json(bytes: &[u8]) -> Result<BitstringStatusListSubject, StatusError> {
        Self::from_json_value(&parse_bytes(bytes)?)
    }

    /// Parses a subject: `type` must be `BitstringStatusList`, `statusPurpose` one or
    /// more known purposes, `encodedList` a string (decoded later, by
    /// [`BitstringStatusListSubject::decode_list`]), `ttl` a non-negative integer.
    pub fn from_json_value(value: &Value) -> Result<BitstringStatusListSubject, StatusError> {
        let invalid = StatusError::InvalidList;
        let obj = value
            .as_object()
            .ok_or(invalid("credentialSubject is not a JSON object"))?;
        if !has_type(obj.get("type"), SUBJECT_TYPE) {
            return Err(StatusError::WrongType { expected: SUBJECT_TYPE });
        }
        let id = optional_url(obj, "id").map_err(|_| invalid("credentialSubject id is not a URL"))?;
        let status_purposes = match obj.get("statusPurpose") {
            Some(Value::String(p)) => vec![StatusPurpose::parse(p)?],
            Some(Value::Array(items)) if !items.is_empty() => items
                .iter()
                .map(|p| {
                    p.as_str()
                        .ok_or(invalid("statusPurpose is not a string"))
                        .and_then(StatusPurpose::parse)
                })
                .collect::<Result<_, _>>()?,
            _ => return Err(invalid("statusPurpose is missing, empty or not a string")),
        };
        let encoded_list = obj
            .get("encodedList")
            .and_then(Value::as_str)
            .ok_or(invalid("encodedList is missing or not a string"))?
            .to_owned();
        let ttl = match obj.get("ttl") {
            None => None,
            Some(ttl) => Some(ttl.as_u64().ok_or(invalid("ttl is not a non-negative integer"))?),
        };
        Ok(BitstringStatusListSubject {
            id,
            status_purposes,
            encoded_list,
            ttl,
        })
    }

    /// Reads the subject out of a `BitstringStatusListCredential` (whose `type` must
    /// include `BitstringStatusListCredential`). Does **not** verify the credential.
    pub fn from_credential(credential: &Value) -> Result<BitstringStatusListSubject, StatusError> {
        let obj = credential.as_object().ok_or(StatusError::InvalidList(
            "the status list credential is not a JSON object",
        ))?;
        if !has_type(obj.get("type"), CREDENTIAL_TYPE) {
            return Err(StatusError::WrongType {
                expected: CREDENTIAL_TYPE,
            });
        }
        let subject = obj
            .get("credentialSubject")
            .ok_or(StatusError::InvalidList("credentialSubject is missing"))?;
        Self::from_json_value(subject)
    }

    /// The JSON form (`statusPurpose` as a string when there is one purpose).
    pub fn to_json_value(&self) -> Value {
        let mut obj = Map::new();
        if let Some(id) = &self.id {
            obj.insert("id".into(), id.clone().into());
        }
        obj.insert("type".into(), SUBJECT_TYPE.into());
        let purposes: Vec<Value> = self.status_purposes.iter().map(|p| p.as_str().into()).collect();
        match purposes.as_slice() {
            [one] => obj.insert("statusPurpose".into(), one.clone()),
            _ => obj.insert("statusPurpose".into(), Value::Array(purposes)),
        };
        obj.insert("encodedList".into(), self.encoded_list.clone().into());
        if let Some(ttl) = self.ttl {
            obj.insert("ttl".into(), ttl.into());
        }
        Value::Object(obj)
    }

    /// Decodes `encodedList` with `status_size` bits per entry and `limits`.
    pub fn decode_list(&self, status_size: u8, limits: &DecodeLimits) -> Result<BitstringStatusList, StatusError> {
        BitstringStatusList::decode_with_limits(&self.encoded_list, status_size, limits)
    }
}

/// The status an entry points to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BitstringStatus {
    /// The purpose of the entry (and of the list).
    pub purpose: StatusPurpose,
    /// The entry's index in the list.
    pub index: u64,
    /// The status value: 0 means not revoked / not suspended / the first message.
    pub value: u8,
    /// The entry's `statusMessage` for `value`, if the entry has messages.
    pub message: Option<String>,
    /// The list's `ttl` in milliseconds, if given.
    pub ttl: Option<u64>,
}

impl BitstringStatus {
    /// Whether the status is 0 (the W3C result's `valid`).
    pub fn is_zero(&self) -> bool {
        self.value == 0
    }
}

/// Reads the status `entry` points to from `list_credential`, a
/// `BitstringStatusListCredential` whose proof **the caller has already verified**
/// (and whose issuer the caller has checked).
///
/// Follows the W3C validate algorithm with the default [`DecodeLimits`]: the credential
/// type must include `BitstringStatusListCredential` and the subject type be
/// `BitstringStatusList` ([`StatusError::WrongType`]); the credential's `id`, if present,
/// must equal the entry's `statusListCredential` ([`StatusError::ListUrlMismatch`]); the
/// entry's purpose must be one of the list's ([`StatusError::PurposeMismatch`]); the list
/// must hold at least 131,072 entries of `statusSize` bits
/// ([`StatusError::ListTooShort`]); the index must be inside it
/// ([`StatusError::IndexOutOfRange`]).
pub fn check_bitstring_status(
    entry: &BitstringStatusListEntry,
    list_credential: &Value,
) -> Result<BitstringStatus, StatusError> {
    check_bitstring_status_with_limits(entry, list_credential, &DecodeLimits::default())
}

/// [`check_bitstring_status`] with explicit decoding limits.
pub fn check_bitstring_status_with_limits(
    entry: &BitstringStatusListEntry,
    list_credential: &Value,
    limits: &DecodeLimits,
) -> Result<BitstringStatus, StatusError> {
    let subject = BitstringStatusListSubject::from_credential(list_credential)?;
    match list_credential.get("id") {
        None => {}
        Some(Value::String(id)) if *id == entry.status_list_credential => {}
        Some(other) => {
            return Err(StatusError::ListUrlMismatch {
                expected: truncated(&entry.status_list_credential),
                found: truncated(other.as_str().unwrap_or("(not a string)")),
            });
        }
    }
    if !subject.status_purposes.contains(&entry.status_purpose) {
        return Err(StatusError::PurposeMismatch {
            entry: entry.status_purpose.as_str().to_owned(),
        });
    }
    let list = subject.decode_list(entry.status_size, limits)?;
    let value = list.get(entry.status_list_index)?;
    Ok(BitstringStatus {
        purpose: entry.status_purpose,
        index: entry.status_list_index,
        value,
        message: entry.message_for(value).map(str::to_owned),
        ttl: subject.ttl,
    })
}
