//! A syntax check for absolute URIs (RFC 3986 §3: `scheme ":" hier-part [ "?" query ] [ "#" fragment ]`).
//!
//! This checks the scheme and that every character is one RFC 3986 allows (unreserved,
//! reserved, or a valid percent-encoding), with at most one `#`. It does not decompose the
//! authority; it is meant to reject what is plainly not a URI (`not a uri`, `alice`).

/// Checks that `s` is an absolute URI; the error says what is wrong.
pub(crate) fn check_absolute_uri(s: &str) -> Result<(), &'static str> {
    let colon = s.find(':').ok_or("no scheme (\"scheme:\")")?;
    let mut scheme = s.bytes().take(colon);
    match scheme.next() {
        None => return Err("empty scheme"),
        Some(first) if !first.is_ascii_alphabetic() => return Err("scheme must start with a letter"),
        Some(_) => {}
    }
    if !scheme.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')) {
        return Err("invalid character in scheme");
    }
    let bytes = s.as_bytes();
    let mut i = colon + 1;
    let mut seen_hash = false;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'%' => {
                let hex = |offset: usize| bytes.get(i + offset).is_some_and(u8::is_ascii_hexdigit);
                if !(hex(1) && hex(2)) {
                    return Err("invalid percent-encoding");
                }
                i += 3;
                continue;
            }
            b'#' if seen_hash => return Err("more than one '#'"),
            b'#' => seen_hash = true,
            _ if is_uri_char(b) => {}
            _ => return Err("character not allowed in a URI"),
        }
        i += 1;
    }
    Ok(())
}

/// RFC 3986 unreserved and reserved characters (without `%`).
fn is_uri_char(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(b, b'-' | b'.' | b'_' | b'~')
        || matches!(b, b':' | b'/' | b'?' | b'#' | b'[' | b']' | b'@')
        || matches!(
            b,
            b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'='
        )
}
