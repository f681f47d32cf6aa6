//! A single-pass scanner for the DID Core 1.0 §3 ABNF (`did`, `did-url`).
//!
//! Every character the grammar allows is ASCII, so the scanner walks bytes; the first
//! non-ASCII byte it meets is always the start of a character and is reported as such.

use super::{DidError, MAX_LEN};

/// Where the components of a valid DID URL start and end (byte offsets).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Offsets {
    /// End of `method-name` (the index of the `:` that follows it).
    pub method_end: usize,
    /// End of the DID, which is where `path-abempty` starts.
    pub did_end: usize,
    /// Index of the `?` that starts the query, if any.
    pub query: Option<usize>,
    /// Index of the `#` that starts the fragment, if any.
    pub fragment: Option<usize>,
}

/// Checks `input` against `did-url` and returns where its components are.
pub(crate) fn scan(input: &str) -> Result<Offsets, DidError> {
    let bytes = input.as_bytes();
    if bytes.len() > MAX_LEN {
        return Err(DidError::TooLong {
            len: bytes.len(),
            max: MAX_LEN,
        });
    }
    match bytes.get(..4) {
        Some(b"did:") => {}
        Some(prefix) if prefix.eq_ignore_ascii_case(b"did:") => return Err(DidError::SchemeNotLowercase),
        _ => return Err(DidError::MissingScheme),
    }

    // method-name = 1*method-char
    let mut i = 4;
    while bytes.get(i).is_some_and(|b| is_method_char(*b)) {
        i += 1;
    }
    if i == 4 && matches!(bytes.get(i), Some(b':') | None) {
        return Err(DidError::EmptyMethodName);
    }
    match bytes.get(i) {
        Some(b':') => {}
        None => return Err(DidError::EmptyMethodSpecificId),
        Some(_) => {
            return Err(DidError::InvalidMethodName {
                position: i,
                ch: char_at(input, i),
            });
        }
    }
    let method_end = i;

    // method-specific-id = *( *idchar ":" ) 1*idchar
    i += 1;
    let id_start = i;
    loop {
        match bytes.get(i) {
            None | Some(b'/' | b'?' | b'#') => break,
            Some(b'%') => i = pct_encoded(bytes, i)?,
            Some(b) if is_idchar(*b) || *b == b':' => i += 1,
            Some(_) => {
                return Err(DidError::InvalidIdChar {
                    position: i,
                    ch: char_at(input, i),
                });
            }
        }
    }
    let did_end = i;
    if did_end == id_start {
        return Err(DidError::EmptyMethodSpecificId);
    }
    if did_end.checked_sub(1).and_then(|last| bytes.get(last)) == Some(&b':') {
        return Err(DidError::TrailingColon);
    }

    // path-abempty = *( "/" segment ); segment = *pchar
    loop {
        match bytes.get(i) {
            None | Some(b'?' | b'#') => break,
            Some(b'%') => i = pct_encoded(bytes, i)?,
            Some(b) if is_pchar(*b) || *b == b'/' => i += 1,
            Some(_) => {
                return Err(DidError::InvalidPathChar {
                    position: i,
                    ch: char_at(input, i),
                });
            }
        }
    }

    // [ "?" query ]; query = *( pchar / "/" / "?" )
    let mut query = None;
    if bytes.get(i) == Some(&b'?') {
        query = Some(i);
        i += 1;
        loop {
            match bytes.get(i) {
                None | Some(b'#') => break,
                Some(b'%') => i = pct_encoded(bytes, i)?,
                Some(b) if is_pchar(*b) || matches!(b, b'/' | b'?') => i += 1,
                Some(_) => {
                    return Err(DidError::InvalidQueryChar {
                        position: i,
                        ch: char_at(input, i),
                    });
                }
            }
        }
    }

    // [ "#" fragment ]; fragment = *( pchar / "/" / "?" )
    let mut fragment = None;
    if bytes.get(i) == Some(&b'#') {
        fragment = Some(i);
        i += 1;
        loop {
            match bytes.get(i) {
                None => break,
                Some(b'%') => i = pct_encoded(bytes, i)?,
                Some(b) if is_pchar(*b) || matches!(b, b'/' | b'?') => i += 1,
                Some(_) => {
                    return Err(DidError::InvalidFragmentChar {
                        position: i,
                        ch: char_at(input, i),
                    });
                }
            }
        }
    }

    Ok(Offsets {
        method_end,
        did_end,
        query,
        fragment,
    })
}

/// `pct-encoded = "%" HEXDIG HEXDIG` at `at`; returns the index after it.
fn pct_encoded(bytes: &[u8], at: usize) -> Result<usize, DidError> {
    let hex = |offset: usize| bytes.get(at + offset).is_some_and(u8::is_ascii_hexdigit);
    if hex(1) && hex(2) {
        Ok(at + 3)
    } else {
        Err(DidError::InvalidPercentEncoding { position: at })
    }
}

/// `method-char = %x61-7A / DIGIT`
fn is_method_char(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

/// `idchar = ALPHA / DIGIT / "." / "-" / "_"` (pct-encoded handled by the caller)
fn is_idchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_')
}

/// RFC 3986 `pchar = unreserved / sub-delims / ":" / "@"` (pct-encoded handled by the caller)
fn is_pchar(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(b, b'-' | b'.' | b'_' | b'~')
        || matches!(
            b,
            b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'='
        )
        || matches!(b, b':' | b'@')
}

/// The character starting at byte `at` (which the scanner only ever points at a char boundary).
fn char_at(input: &str, at: usize) -> char {
    input
        .get(at..)
        .and_then(|rest| rest.chars().next())
        .unwrap_or(char::REPLACEMENT_CHARACTER)
}
