//! Reading the members of untrusted JSON status objects.

use serde_json::{Map, Value};

use super::error::StatusError;

/// Longest URL accepted in a status entry or list (bytes).
const MAX_URL_LEN: usize = 4096;

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
pub(crate) fn has_type(value: Option<&Value>, expected: &str) -> bool {
    match value {
        Some(Value::String(t)) => t == expected,
        Some(Value::Array(items)) => items.iter().any(|t| t.as_str() == Some(expected)),
        _ => false,
    }
}

pub(crate) fn optional_url(obj: &Map<String, Value>, name: &str) -> Result<Option<String>, ()> {
    match obj.get(name) {
        None => Ok(None),
        Some(Value::String(s)) if is_url(s) => Ok(Some(s.clone())),
        Some(_) => Err(()),
    }
}

pub(crate) fn url_list(value: &Value) -> Option<Vec<String>> {
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
