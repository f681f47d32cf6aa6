//! The one JSON reader for untrusted input: refuses duplicate member names at any depth, and
//! says where the duplicate is (a JSON Pointer a caller can put in an answer).
//!
//! `serde_json` silently keeps the last of two members with the same name, so
//! `{"alg":"ES256","alg":"none"}` would mean different things to different JOSE
//! libraries. RFC 7515 §4 says such a header must be rejected (or parsed the way
//! ECMAScript does); we reject it. Nesting depth is bounded by `serde_json`'s
//! recursion limit (128), which applies to every value this visitor reads.

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// The longest JSON Pointer a [`StrictJsonError::DuplicateMember`] keeps (a longer one is
/// cut and ends in `…`): it comes from the input, and goes into answers and messages.
const MAX_POINTER_CHARS: usize = 200;

/// Why a JSON text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StrictJsonError {
    /// The text is not a JSON object (it may still be valid JSON).
    #[error("not a JSON object")]
    NotAnObject,
    /// Some object in the text has two members with the same name.
    #[error("duplicate member name at {pointer}: every member name in a JSON object must be unique")]
    DuplicateMember {
        /// The repeated name (cut to 64 characters).
        name: String,
        /// Where the second one is, as a JSON Pointer (RFC 6901; cut to 200 characters).
        pointer: String,
    },
    /// The text is not valid JSON (syntax, nesting too deep, number out of range, ...).
    #[error("not valid JSON: {reason} (line {line}, column {column})")]
    Invalid {
        /// What the parser found (`EOF while parsing a value`, `trailing characters`, ...),
        /// without the position.
        reason: String,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
    },
}

/// The 1-based line and column (in characters) of byte `at` of `text`: where a parser's byte
/// offset points, for an error a person can find in a configuration file.
///
/// ```
/// assert_eq!(did_core::json::line_and_column("a = 1\nb = x\n", 10), (2, 5));
/// ```
pub fn line_and_column(text: &str, at: usize) -> (usize, usize) {
    let before = text.get(..at).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |last| last.chars().count()) + 1;
    (line, column)
}

/// Parses `bytes` as one JSON object, refusing duplicate member names at any depth.
pub fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>, StrictJsonError> {
    let first = bytes.iter().find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
    if first != Some(&b'{') {
        return Err(StrictJsonError::NotAnObject);
    }
    match parse_value(bytes)? {
        Value::Object(map) => Ok(map),
        _ => Err(StrictJsonError::NotAnObject),
    }
}

/// Parses `bytes` as one JSON value, refusing duplicate member names at any depth.
pub fn parse_value(bytes: &[u8]) -> Result<Value, StrictJsonError> {
    let duplicate = RefCell::new(None);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed = Strict { duplicate: &duplicate }
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v));
    parsed.map_err(|error| failure(error, duplicate.take()))
}

/// Checks that `bytes` is one JSON value with no duplicate member name at any depth, without
/// building it: for a reader that then deserializes its own type from the same bytes
/// (`serde_json::from_slice`), which costs less than [`parse_value`] and a conversion.
///
/// ```
/// use did_core::json::{StrictJsonError, check};
///
/// assert_eq!(check(br#"{"a": {"b": 1}, "c": [{"b": 2}]}"#), Ok(()));
/// assert!(matches!(
///     check(br#"{"a": {"b": 1, "b": 2}}"#),
///     Err(StrictJsonError::DuplicateMember { pointer, .. }) if pointer == "/a/b"
/// ));
/// ```
pub fn check(bytes: &[u8]) -> Result<(), StrictJsonError> {
    let duplicate = RefCell::new(None);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let checked = Check { duplicate: &duplicate }
        .deserialize(&mut de)
        .and_then(|()| de.end());
    checked.map_err(|error| failure(error, duplicate.take()))
}

/// The error of a strict read: the duplicate if one was found, else the parser's.
fn failure(error: serde_json::Error, duplicate: Option<Duplicate>) -> StrictJsonError {
    match duplicate {
        Some(Duplicate { name, pointer }) => StrictJsonError::DuplicateMember {
            name,
            pointer: cut_pointer(&pointer),
        },
        None => StrictJsonError::Invalid {
            reason: serde_json_reason(&error),
            line: error.line(),
            column: error.column(),
        },
    }
}

/// serde_json's message without its " at line L column C" suffix (the position is kept apart).
fn serde_json_reason(error: &serde_json::Error) -> String {
    let message = error.to_string();
    match message.rfind(" at line ").and_then(|at| message.get(..at)) {
        Some(reason) => reason.to_owned(),
        None => message,
    }
}

/// A duplicate member found: its name, and its JSON Pointer, built from the inside out as
/// the error unwinds through the enclosing objects and arrays (nothing is tracked on the way
/// in, so reading JSON without duplicates costs nothing more).
struct Duplicate {
    name: String,
    pointer: String,
}

/// `pointer` cut to [`MAX_POINTER_CHARS`] characters.
fn cut_pointer(pointer: &str) -> String {
    if pointer.chars().count() <= MAX_POINTER_CHARS {
        return pointer.to_owned();
    }
    let mut cut: String = pointer.chars().take(MAX_POINTER_CHARS).collect();
    cut.push('…');
    cut
}

/// `token` as one JSON Pointer reference token (`~` → `~0`, `/` → `~1`).
fn reference_token(token: &str) -> String {
    format!("/{}", token.replace('~', "~0").replace('/', "~1"))
}

/// Builds a [`Value`], flagging duplicate member names through `duplicate`.
#[derive(Clone, Copy)]
struct Strict<'a> {
    duplicate: &'a RefCell<Option<Duplicate>>,
}

impl Strict<'_> {
    /// A value under `token` failed: if it failed on a duplicate, the duplicate's pointer
    /// gets `token` in front. Stops growing past the limit (the input may nest deeply).
    fn under(self, token: &str) {
        if let Some(duplicate) = self.duplicate.borrow_mut().as_mut()
            && duplicate.pointer.len() <= MAX_POINTER_CHARS * 4
        {
            duplicate.pointer.insert_str(0, &reference_token(token));
        }
    }
}

impl<'de> DeserializeSeed<'de> for Strict<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("non-finite number"))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        loop {
            match seq.next_element_seed(self) {
                Ok(Some(item)) => items.push(item),
                Ok(None) => break,
                Err(error) => {
                    self.under(&items.len().to_string());
                    return Err(error);
                }
            }
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(name) = access.next_key::<String>()? {
            if map.contains_key(&name) {
                let pointer = reference_token(&name);
                self.duplicate.replace(Some(Duplicate {
                    name: crate::text::truncated(&name),
                    pointer,
                }));
                return Err(de::Error::custom("duplicate member name"));
            }
            let value = match access.next_value_seed(self) {
                Ok(value) => value,
                Err(error) => {
                    self.under(&name);
                    return Err(error);
                }
            };
            map.insert(name, value);
        }
        Ok(Value::Object(map))
    }
}

/// Walks a value without building it, flagging duplicate member names through `duplicate`
/// as [`Strict`] does. Member names are borrowed from the input where they have no escapes.
#[derive(Clone, Copy)]
struct Check<'a> {
    duplicate: &'a RefCell<Option<Duplicate>>,
}

impl Check<'_> {
    /// As [`Strict::under`].
    fn under(self, token: &str) {
        Strict {
            duplicate: self.duplicate,
        }
        .under(token);
    }
}

impl<'de> DeserializeSeed<'de> for Check<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Check<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_none<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0usize;
        loop {
            match seq.next_element_seed(self) {
                Ok(Some(())) => index += 1,
                Ok(None) => return Ok(()),
                Err(error) => {
                    self.under(&index.to_string());
                    return Err(error);
                }
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<(), A::Error> {
        let mut seen: std::collections::HashSet<Name<'de>> = std::collections::HashSet::new();
        while let Some(name) = access.next_key::<Name<'de>>()? {
            if seen.contains(&name) {
                self.duplicate.replace(Some(Duplicate {
                    name: crate::text::truncated(&name.0),
                    pointer: reference_token(&name.0),
                }));
                return Err(de::Error::custom("duplicate member name"));
            }
            if let Err(error) = access.next_value_seed(self) {
                self.under(&name.0);
                return Err(error);
            }
            seen.insert(name);
        }
        Ok(())
    }
}

/// A member name, borrowed from the input unless it has escapes.
#[derive(PartialEq, Eq, Hash)]
struct Name<'de>(std::borrow::Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Name<'de> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Name<'de>, D::Error> {
        struct NameVisitor;
        impl<'de> Visitor<'de> for NameVisitor {
            type Value = Name<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }

            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Name<'de>, E> {
                Ok(Name(std::borrow::Cow::Borrowed(v)))
            }

            fn visit_str<E>(self, v: &str) -> Result<Name<'de>, E> {
                Ok(Name(std::borrow::Cow::Owned(v.to_owned())))
            }
        }
        deserializer.deserialize_str(NameVisitor)
    }
}

#[cfg(test)]
mod pointer_tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use serde_json::json;

    use super::*;

    fn duplicate(text: &str) -> (String, String) {
        match parse_value(text.as_bytes()) {
            Err(StrictJsonError::DuplicateMember { name, pointer }) => (name, pointer),
            other => panic!("{text}: expected a duplicate, got {other:?}"),
        }
    }

    /// `check` finds what `parse_value` finds, with the same error, on every input here.
    #[test]
    fn check_agrees_with_parse_value() {
        for text in [
            r#"{"a": 1, "a": 2}"#,
            r#"{"claims": {"name": "A", "x": [1], "name": "B"}}"#,
            r#"{"l": [{"ok": 1}, {"k": {"a/b~": 1, "a/b~": 1}}]}"#,
            r#"[[], {"": 1, "": 2}]"#,
            r#"{"a": 1, "\u0061": 2}"#,
            r#"{"a": {"b": [1, 2.5, -3, true, null, "s\n"]}, "c": {}}"#,
            r#"{"a": 1,}"#,
            r#"{"a": 1} x"#,
            "[1, 2",
            "",
            "1e400",
        ] {
            assert_eq!(
                check(text.as_bytes()),
                parse_value(text.as_bytes()).map(|_| ()),
                "{text}"
            );
        }
    }

    /// The same agreement over 20,000 mutations (bytes replaced, inserted, dropped) of a few
    /// bodies: a small deterministic fuzz run in every `cargo test` (the `strict_json` fuzz
    /// target runs it for longer).
    #[test]
    fn check_agrees_with_parse_value_on_mutated_bodies() {
        let seeds: [&[u8]; 3] = [
            br#"{"type":"E","claims":{"n":"\uAE40","g":["a","b"],"o":{"k":[1,2.5,-3e2,true,null]}}}"#,
            br#"{"a":{"b":1,"c":{"b":2}},"l":[{"b":1},{"b":1}]}"#,
            br#"[{"":0},{"x~/":"y"},[[]]]"#,
        ];
        let alphabet = b"{}[]\",:\\ab0-.eEu";
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for round in 0..20_000u64 {
            let mut input = seeds[(round % 3) as usize].to_vec();
            for _ in 0..=(next() % 4) {
                let at = (next() as usize) % (input.len() + 1);
                let byte = alphabet[(next() as usize) % alphabet.len()];
                match next() % 3 {
                    0 if at < input.len() => input[at] = byte,
                    1 => input.insert(at, byte),
                    _ if at < input.len() => {
                        input.remove(at);
                    }
                    _ => input.push(byte),
                }
            }
            assert_eq!(
                check(&input),
                parse_value(&input).map(|_| ()),
                "{}",
                String::from_utf8_lossy(&input)
            );
        }
    }

    #[test]
    fn duplicates_are_refused_at_every_depth_and_located() {
        assert_eq!(duplicate(r#"{"a": 1, "a": 2}"#).1, "/a");
        assert_eq!(
            duplicate(r#"{"claims": {"name": "A", "x": [1], "name": "B"}}"#),
            ("name".to_owned(), "/claims/name".to_owned())
        );
        assert_eq!(
            duplicate(r#"{"l": [{"ok": 1}, {"k": {"a/b~": 1, "a/b~": 1}}]}"#).1,
            "/l/1/k/a~1b~0"
        );
        assert_eq!(duplicate(r#"[[], {"": 1, "": 2}]"#).1, "/1/");
        let long = "n".repeat(500);
        let (_, pointer) = duplicate(&format!(r#"{{"{long}": 1, "{long}": 2}}"#));
        assert_eq!(pointer.chars().count(), MAX_POINTER_CHARS + 1);
        assert!(pointer.ends_with('…'));
        let deep = format!("{}{{\"a\": 1, \"a\": 2}}{}", "[".repeat(100), "]".repeat(100));
        let (_, pointer) = duplicate(&deep);
        assert!(pointer.starts_with("/0/0/0/") && pointer.chars().count() <= MAX_POINTER_CHARS + 1);
    }

    #[test]
    fn anything_else_reads_as_serde_json_reads_it() {
        let text = r#"{"a": [1, -2, 3.5, 18446744073709551615, true, null, "x\u00e9"], "b": {"a": {}}, "c": []}"#;
        assert_eq!(
            parse_value(text.as_bytes()).unwrap(),
            serde_json::from_str::<Value>(text).unwrap()
        );
        assert_eq!(parse_value(b" 7 ").unwrap(), json!(7));
        for bad in ["", "{", "{} {}", "[1,]", "{\"a\" 1}", "NaN"] {
            assert!(
                matches!(parse_value(bad.as_bytes()), Err(StrictJsonError::Invalid { .. })),
                "{bad:?}"
            );
        }
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(
            matches!(parse_value(deep.as_bytes()), Err(StrictJsonError::Invalid { .. })),
            "nesting is bounded"
        );
    }
}
