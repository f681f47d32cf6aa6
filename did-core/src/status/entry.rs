//! The W3C Bitstring Status List JSON model: `BitstringStatusListEntry` (in a
//! credential's `credentialStatus`), the `BitstringStatusList` credential subject, and
//! the check that reads an entry's status from a list credential.

use std::fmt;

use serde_json::{Map, Value};

use super::bitstring::{self, BitstringStatusList};
use super::compress::DecodeLimits;
use super::error::StatusError;
use crate::error::truncated;

/// The `type` of a status entry.
pub const ENTRY_TYPE: &str = "BitstringStatusListEntry";
/// The `type` a status list credential must include.
pub const CREDENTIAL_TYPE: &str = "BitstringStatusListCredential";
/// The `type` of a status list credential's subject.
pub const SUBJECT_TYPE: &str = "BitstringStatusList";

/// Longest URL accepted in a status entry or list (bytes).
const MAX_URL_LEN: usize = 4096;
/// Longest status message accepted (bytes).
const MAX_MESSAGE_LEN: usize = 4096;

/// What a status entry (and list) is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StatusPurpose {
    /// `revocation`: a set status means the credential is revoked, permanently.
    Revocation,
    /// `suspension`: a set status means the credential is suspended, reversibly.
    Suspension,
    /// `message`: the status (often several bits) selects a `statusMessage`.
    Message,
    /// `refresh`: a set status means a refreshed credential is available.
    Refresh,
}

impl StatusPurpose {
    /// The JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusPurpose::Revocation => "revocation",
            StatusPurpose::Suspension => "suspension",
            StatusPurpose::Message => "message",
            StatusPurpose::Refresh => "refresh",
        }
    }

    /// Parses the JSON spelling (exact, case-sensitive).
    pub fn parse(s: &str) -> Result<StatusPurpose, StatusError> {
        Ok(match s {
            "revocation" => StatusPurpose::Revocation,
            "suspension" => StatusPurpose::Suspension,
            "message" => StatusPurpose::Message,
            "refresh" => StatusPurpose::Refresh,
            other => return Err(StatusError::UnknownPurpose(truncated(other))),
        })
    }
}

impl fmt::Display for StatusPurpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One element of `statusMessage`: a status value and what it means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusMessage {
    /// The status value (written as a hex string such as `"0x2"` in JSON).
    pub status: u8,
    /// Its meaning, e.g. `"pending_review"`.
    pub message: String,
}

impl StatusMessage {
    /// A message for `status`.
    pub fn new(status: u8, message: impl Into<String>) -> StatusMessage {
        StatusMessage {
            status,
            message: message.into(),
        }
    }
}

/// A `BitstringStatusListEntry`: where a credential's status lives.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BitstringStatusListEntry {
    /// `id`, if present.
    pub id: Option<String>,
    /// `statusPurpose`.
    pub status_purpose: StatusPurpose,
    /// `statusListIndex` (a base-10 string in JSON).
    pub status_list_index: u64,
    /// `statusListCredential`: the URL of the status list credential.
    pub status_list_credential: String,
    /// `statusSize`: bits per entry, 1 when absent.
    pub status_size: u8,
    /// `statusMessage`, empty when absent. When present it has one message for each of
    /// the `2^status_size` values.
    pub status_messages: Vec<StatusMessage>,
    /// `statusReference`: URLs of material about the status, empty when absent.
    pub status_reference: Vec<String>,
}

impl BitstringStatusListEntry {
    /// A 1-bit entry for `index` in the list credential at `status_list_credential`.
    pub fn new(
        status_purpose: StatusPurpose,
        status_list_index: u64,
        status_list_credential: impl Into<String>,
    ) -> Result<BitstringStatusListEntry, StatusError> {
        let status_list_credential = status_list_credential.into();
        if !is_url(&status_list_credential) {
            return Err(StatusError::InvalidEntry("statusListCredential is not a URL"));
        }
        Ok(BitstringStatusListEntry {
            id: None,
            status_purpose,
            status_list_index,
            status_list_credential,
            status_size: 1,
            status_messages: Vec::new(),
            status_reference: Vec::new(),
        })
    }

    /// Sets `id`.
    pub fn with_id(mut self, id: impl Into<String>) -> BitstringStatusListEntry {
        self.id = Some(id.into());
        self
    }

    /// Sets `statusSize` and `statusMessage`. `messages` must be empty or hold one message
    /// for each of the `2^status_size` values, and must not be empty if `status_size > 1`.
    pub fn with_status_size(
        mut self,
        status_size: u8,
        messages: Vec<StatusMessage>,
    ) -> Result<BitstringStatusListEntry, StatusError> {
        bitstring::check_status_size(u64::from(status_size))?;
        check_messages(status_size, &messages)?;
        self.status_size = status_size;
        self.status_messages = messages;
        Ok(self)
    }

    /// Sets `statusReference`.
    pub fn with_status_reference(mut self, urls: Vec<String>) -> BitstringStatusListEntry {
        self.status_reference = urls;
        self
    }

    /// Parses an entry from JSON bytes (duplicate member names refused).
    pub fn from_json(bytes: &[u8]) -> Result<BitstringStatusListEntry, StatusError> {
        Self::from_json_value(&parse_bytes(bytes)?)
    }

    /// Parses an entry from a JSON value, e.g. one element of `credentialStatus`.
    ///
    /// Refuses: not an object, a `type` other than `BitstringStatusListEntry`, an `id` equal
    /// to `statusListCredential` (the spec forbids it), an unknown
    /// `statusPurpose`, a `statusListIndex` that is not a string of decimal digits or
    /// exceeds `u64`, a `statusListCredential` that is not an absolute URL, a
    /// `statusSize` outside 1..=8, and a `statusMessage` that does not have exactly one
    /// `{status, message}` for each possible value (required when `statusSize > 1`).
    /// Members it does not know are ignored.
    pub fn from_json_value(value: &Value) -> Result<BitstringStatusListEntry, StatusError> {
        let invalid = StatusError::InvalidEntry;
        let obj = value.as_object().ok_or(invalid("not a JSON object"))?;
        if !has_type(obj.get("type"), ENTRY_TYPE) {
            return Err(StatusError::WrongType { expected: ENTRY_TYPE });
        }
        let id = optional_url(obj, "id").map_err(|_| invalid("id is not a URL"))?;
        let purpose = obj
            .get("statusPurpose")
            .and_then(Value::as_str)
            .ok_or(invalid("statusPurpose is missing or not a string"))?;
        let status_purpose = StatusPurpose::parse(purpose)?;
        let index = obj
            .get("statusListIndex")
            .and_then(Value::as_str)
            .ok_or(invalid("statusListIndex is missing or not a string"))?;
        let status_list_index = parse_index(index)?;
        let status_list_credential = obj
            .get("statusListCredential")
            .and_then(Value::as_str)
            .filter(|url| is_url(url))
            .ok_or(invalid("statusListCredential is missing or not a URL"))?
            .to_owned();
        if id.as_deref() == Some(status_list_credential.as_str()) {
            return Err(invalid("id must not be the URL of the status list"));
        }
        let status_size = match obj.get("statusSize") {
            None => 1,
            Some(size) => {
                let size = size.as_u64().ok_or(invalid("statusSize is not a positive integer"))?;
                bitstring::check_status_size(size)?
            }
        };
        let status_messages = match obj.get("statusMessage") {
            None => Vec::new(),
            Some(messages) => parse_messages(messages)?,
        };
        check_messages(status_size, &status_messages)?;
        let status_reference = match obj.get("statusReference") {
            None => Vec::new(),
            Some(refs) => url_list(refs).ok_or(invalid("statusReference is not a URL or a list of URLs"))?,
        };
        Ok(BitstringStatusListEntry {
            id,
            status_purpose,
            status_list_index,
            status_list_credential,
            status_size,
            status_messages,
            status_reference,
        })
    }

    /// The JSON form. `statusSize` is written only when it is not 1, `statusMessage` and
    /// `statusReference` only when non-empty.
    pub fn to_json_value(&self) -> Value {
        let mut obj = Map::new();
        if let Some(id) = &self.id {
            obj.insert("id".into(), id.clone().into());
        }
        obj.insert("type".into(), ENTRY_TYPE.into());
        obj.insert("statusPurpose".into(), self.status_purpose.as_str().into());
        obj.insert("statusListIndex".into(), self.status_list_index.to_string().into());
        obj.insert(
            "statusListCredential".into(),
            self.status_list_credential.clone().into(),
        );
        if self.status_size != 1 {
            obj.insert("statusSize".into(), self.status_size.into());
        }
        if !self.status_messages.is_empty() {
            let messages = self
                .status_messages
                .iter()
                .map(|m| serde_json::json!({ "status": format!("{:#x}", m.status), "message": m.message }))
                .collect();
            obj.insert("statusMessage".into(), Value::Array(messages));
        }
        match self.status_reference.as_slice() {
            [] => {}
            [one] => {
                obj.insert("statusReference".into(), one.clone().into());
            }
            many => {
                obj.insert("statusReference".into(), many.to_vec().into());
            }
        }
        Value::Object(obj)
    }

    /// The message for status `value`, if the entry has a `statusMessage`.
    pub fn message_for(&self, value: u8) -> Option<&str> {
        self.status_messages
            .iter()
            .find(|m| m.status == value)
            .map(|m| m.message.as_str())
    }
}

/// Every `BitstringStatusListEntry` in a credential's `credentialStatus` (an object or
/// an array). Entries of other types are skipped; a malformed `BitstringStatusListEntry`
/// is an error. No `credentialStatus` gives an empty list.
pub fn bitstring_entries(credential: &Value) -> Result<Vec<BitstringStatusListEntry>, StatusError> {
    let status = match credential.get("credentialStatus") {
        None => return Ok(Vec::new()),
        Some(Value::Array(items)) => items.iter().collect::<Vec<_>>(),
        Some(item @ Value::Object(_)) => vec![item],
        Some(_) => {
            return Err(StatusError::InvalidEntry(
                "credentialStatus is not an object or an array",
            ));
        }
    };
    status
        .into_iter()
        .filter(|item| has_type(item.get("type"), ENTRY_TYPE))
        .map(BitstringStatusListEntry::from_json_value)
        .collect()
}

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

/// Parses untrusted JSON bytes, refusing duplicate member names.
pub(crate) fn parse_bytes(bytes: &[u8]) -> Result<Value, StatusError> {
    if bytes.len() > super::compress::MAX_ENCODED_LEN {
        return Err(StatusError::EncodedTooLarge {
            limit: super::compress::MAX_ENCODED_LEN,
        });
    }
    crate::json::parse_value(bytes).map_err(|_| StatusError::InvalidList("not valid JSON (or a repeated member name)"))
}

/// Whether `value` (a string or an array of strings) is or contains `expected`.
fn has_type(value: Option<&Value>, expected: &str) -> bool {
    match value {
        Some(Value::String(t)) => t == expected,
        Some(Value::Array(items)) => items.iter().any(|t| t.as_str() == Some(expected)),
        _ => false,
    }
}

/// A non-negative base-10 integer written as a string of ASCII digits.
fn parse_index(s: &str) -> Result<u64, StatusError> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(StatusError::InvalidEntry(
            "statusListIndex is not a string of decimal digits",
        ));
    }
    s.parse::<u64>()
        .map_err(|_| StatusError::InvalidEntry("statusListIndex is too large"))
}

fn optional_url(obj: &Map<String, Value>, name: &str) -> Result<Option<String>, ()> {
    match obj.get(name) {
        None => Ok(None),
        Some(Value::String(s)) if is_url(s) => Ok(Some(s.clone())),
        Some(_) => Err(()),
    }
}

fn url_list(value: &Value) -> Option<Vec<String>> {
    match value {
        Value::String(s) if is_url(s) => Some(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|item| item.as_str().filter(|s| is_url(s)).map(str::to_owned))
            .collect(),
        _ => None,
    }
}

/// An absolute URL (or URN, or DID URL): a scheme, `:`, and no whitespace or controls.
pub(crate) fn is_url(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    s.len() <= MAX_URL_LEN
        && !rest.is_empty()
        && scheme.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn parse_messages(value: &Value) -> Result<Vec<StatusMessage>, StatusError> {
    let invalid = StatusError::InvalidEntry;
    let items = value.as_array().ok_or(invalid("statusMessage is not an array"))?;
    if items.len() > 256 {
        return Err(invalid("statusMessage has more than 256 elements"));
    }
    items
        .iter()
        .map(|item| {
            let status = item
                .get("status")
                .and_then(Value::as_str)
                .ok_or(invalid("a statusMessage element has no string status"))?;
            let message = item
                .get("message")
                .and_then(Value::as_str)
                .ok_or(invalid("a statusMessage element has no string message"))?;
            if message.len() > MAX_MESSAGE_LEN {
                return Err(invalid("a status message is too long"));
            }
            Ok(StatusMessage::new(parse_hex_status(status)?, message))
        })
        .collect()
}

/// `"0x"` followed by one or two hex digits.
fn parse_hex_status(s: &str) -> Result<u8, StatusError> {
    let digits = s
        .strip_prefix("0x")
        .filter(|d| (1..=2).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or(StatusError::InvalidEntry(
            "a statusMessage status is not a hex string like \"0x2\"",
        ))?;
    u8::from_str_radix(digits, 16).map_err(|_| StatusError::InvalidEntry("a statusMessage status is not hex"))
}

/// `statusMessage` is required when `statusSize > 1`; when present it has exactly one
/// message for each of the `2^status_size` values.
fn check_messages(status_size: u8, messages: &[StatusMessage]) -> Result<(), StatusError> {
    let invalid = StatusError::InvalidEntry;
    if messages.is_empty() {
        if status_size > 1 {
            return Err(invalid("statusMessage is required when statusSize is greater than 1"));
        }
        return Ok(());
    }
    let count = 1usize << status_size;
    if messages.len() != count {
        return Err(invalid("statusMessage must have one element per possible status value"));
    }
    let mut seen = [false; 256];
    for m in messages {
        let slot = seen
            .get_mut(usize::from(m.status))
            .ok_or(invalid("status out of range"))?;
        if usize::from(m.status) >= count || *slot {
            return Err(invalid(
                "statusMessage statuses must be distinct values that fit in statusSize",
            ));
        }
        *slot = true;
    }
    Ok(())
}
