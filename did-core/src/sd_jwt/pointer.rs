//! JSON Pointers that name claims: non-empty and at most [`MAX_TOKENS`] tokens deep.

use super::SdJwtError;
use crate::json_pointer;
use crate::text::truncated;

/// The largest number of reference tokens in a pointer.
const MAX_TOKENS: usize = 64;

/// Splits `pointer` into its unescaped reference tokens. The empty pointer (the whole
/// document) is refused: only claims inside it can be named.
pub(crate) fn parse(pointer: &str) -> Result<Vec<String>, SdJwtError> {
    let invalid = || SdJwtError::InvalidPointer(truncated(pointer));
    match json_pointer::parse(pointer) {
        Some(tokens) if !tokens.is_empty() && tokens.len() <= MAX_TOKENS => Ok(tokens),
        _ => Err(invalid()),
    }
}

pub(crate) use json_pointer::resolve;
