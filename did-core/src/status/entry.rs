//! The W3C `BitstringStatusListEntry` (in a credential's `credentialStatus`), its
//! purposes and status messages.

use std::fmt;

use serde_json::{Map, Value};

use super::bitstring;
use super::error::StatusError;
use super::fields::{has_type, is_url, optional_url, parse_bytes, url_list};
use crate::text::truncated;

/// The `type` of a status entry.
pub const ENTRY_TYPE: &str = "BitstringStatusListEntry";
/// The `type` a status list credential must include.
pub const CREDENTIAL_TYPE: &str = "BitstringStatusListCredential";
/// The `type` of a status list credential's subject.
pub const SUBJECT_TYPE: &str = "BitstringStatusList";

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
