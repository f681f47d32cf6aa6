//! JSON Pointer (RFC 6901), just enough to name claims.

use serde_json::Value;

use super::SdJwtError;
use crate::error::truncated;

/// The largest number of reference tokens in a pointer.
const MAX_TOKENS: usize = 64;

/// Splits `pointer` into its unescaped reference tokens. The empty pointer (the whole
/// document) is refused: only claims inside it can be named.
pub(crate) fn parse(pointer: &str) -> Result<Vec<String>, SdJwtError> {
    let invalid = || SdJwtError::InvalidPointer(truncated(pointer));
    let rest = pointer.strip_prefix('/').ok_or_else(invalid)?;
    let mut tokens = Vec::new();
    for raw in rest.split('/') {
        if tokens.len() == MAX_TOKENS {
            return Err(invalid());
        }
        tokens.push(unescape(raw).ok_or_else(invalid)?);
    }
    Ok(tokens)
}

/// `~1` is `/`, `~0` is `~`; any other `~` is an error.
fn unescape(raw: &str) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '~' {
            match chars.next() {
                Some('0') => out.push('~'),
                Some('1') => out.push('/'),
                _ => return None,
            }
        } else {
            out.push(c);
        }
    }
    Some(out)
}

/// The array index a token names: `0` or digits without a leading zero.
pub(crate) fn index(token: &str) -> Option<usize> {
    if token.is_empty() || (token.len() > 1 && token.starts_with('0')) || !token.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    token.parse().ok()
}

/// The value `tokens` names inside `value`, if any.
pub(crate) fn resolve<'a>(value: &'a Value, tokens: &[String]) -> Option<&'a Value> {
    tokens.iter().try_fold(value, |current, token| match current {
        Value::Object(map) => map.get(token),
        Value::Array(items) => index(token).and_then(|i| items.get(i)),
        _ => None,
    })
}
