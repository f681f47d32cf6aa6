//! JSON Pointer (RFC 6901): reference tokens and lookup, shared by SD-JWT claim selection and
//! the registry's JSON Patch.
//!
//! ```
//! use did_core::json_pointer;
//! use serde_json::json;
//!
//! let tokens = json_pointer::parse("/a~1b/0").unwrap();
//! assert_eq!(tokens, ["a/b", "0"]);
//! let doc = json!({"a/b": ["x"]});
//! assert_eq!(json_pointer::resolve(&doc, &tokens), Some(&json!("x")));
//! assert_eq!(json_pointer::from_tokens(&tokens), "/a~1b/0");
//! assert!(json_pointer::parse("no-slash").is_none());
//! assert!(json_pointer::array_index("01").is_none());
//! ```

use serde_json::Value;

/// Escapes one reference token (`~` → `~0`, `/` → `~1`), the inverse of what [`parse`] does
/// to each token.
pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// The pointer naming `tokens` (each escaped): `["a/b", "0"]` → `/a~1b/0`.
pub fn from_tokens<S: AsRef<str>>(tokens: &[S]) -> String {
    tokens.iter().map(|t| format!("/{}", escape(t.as_ref()))).collect()
}

/// Splits a pointer into its unescaped reference tokens: `""` is the whole document (no
/// tokens); anything else must start with `/`. `None` for a `~` not followed by `0` or `1`.
pub fn parse(pointer: &str) -> Option<Vec<String>> {
    if pointer.is_empty() {
        return Some(Vec::new());
    }
    pointer.strip_prefix('/')?.split('/').map(unescape).collect()
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

/// The array index a token names: `0`, or digits without a leading zero.
pub fn array_index(token: &str) -> Option<usize> {
    if token.is_empty() || (token.len() > 1 && token.starts_with('0')) || !token.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    token.parse().ok()
}

/// The value `tokens` names inside `value`, if any.
pub fn resolve<'a>(value: &'a Value, tokens: &[String]) -> Option<&'a Value> {
    tokens.iter().try_fold(value, |current, token| match current {
        Value::Object(map) => map.get(token),
        Value::Array(items) => array_index(token).and_then(|i| items.get(i)),
        _ => None,
    })
}

/// The value `tokens` names inside `value`, mutably, if any.
pub fn resolve_mut<'a>(value: &'a mut Value, tokens: &[String]) -> Option<&'a mut Value> {
    tokens.iter().try_fold(value, |current, token| match current {
        Value::Object(map) => map.get_mut(token),
        Value::Array(items) => array_index(token).and_then(|i| items.get_mut(i)),
        _ => None,
    })
}
