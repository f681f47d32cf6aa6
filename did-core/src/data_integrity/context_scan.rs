//! Before JSON-LD processing: load every context a document names (so the processor's
//! loader callback only reads memory), and refuse the constructs JSON-LD would silently
//! ignore that can be seen without expanding: keys of keyword form that are not keywords,
//! and terms mapped to `null`.

use std::collections::{HashMap, VecDeque};

use serde_json::Value;

use super::DataIntegrityError;
use super::loader::{DocumentLoader, MAX_CONTEXT_BYTES, MAX_CONTEXTS};
use crate::text::truncated;

/// Deepest JSON nesting the scan follows.
const MAX_DEPTH: usize = 128;

/// JSON-LD 1.1 keywords (JSON-LD 1.1 §9.16 "Keywords").
const KEYWORDS: &[&str] = &[
    "@base",
    "@container",
    "@context",
    "@direction",
    "@graph",
    "@id",
    "@import",
    "@included",
    "@index",
    "@json",
    "@language",
    "@list",
    "@nest",
    "@none",
    "@prefix",
    "@propagate",
    "@protected",
    "@reverse",
    "@set",
    "@type",
    "@value",
    "@version",
    "@vocab",
];

/// The contexts a document needs, loaded, by URL.
pub(super) type Loaded = HashMap<String, Vec<u8>>;

/// Checks `document` and loads, through `loader`, every context it names, directly or
/// through other contexts (`@import`, scoped contexts).
pub(super) fn prefetch(document: &Value, loader: &dyn DocumentLoader) -> Result<Loaded, DataIntegrityError> {
    let mut pending = VecDeque::new();
    scan_node(document, &mut pending, 0)?;
    let mut loaded = Loaded::new();
    while let Some(url) = pending.pop_front() {
        load_into(&url, loader, &mut loaded, &mut pending)?;
    }
    Ok(loaded)
}

/// Loads `url` (if not yet loaded) and queues the contexts it names.
pub(super) fn load_into(
    url: &str,
    loader: &dyn DocumentLoader,
    loaded: &mut Loaded,
    pending: &mut VecDeque<String>,
) -> Result<(), DataIntegrityError> {
    if loaded.contains_key(url) {
        return Ok(());
    }
    if loaded.len() >= MAX_CONTEXTS {
        return Err(DataIntegrityError::TooLarge {
            what: "number of JSON-LD contexts",
            limit: MAX_CONTEXTS,
        });
    }
    let bytes = loader.load(url)?;
    if bytes.len() > MAX_CONTEXT_BYTES {
        return Err(DataIntegrityError::TooLarge {
            what: "JSON-LD context",
            limit: MAX_CONTEXT_BYTES,
        });
    }
    let parsed = crate::json::parse_value(&bytes)
        .map_err(|e| DataIntegrityError::InvalidJson(format!("context {}: {e:?}", truncated(url))))?;
    if let Some(context) = parsed.get("@context") {
        scan_context(context, pending, 0)?;
    }
    loaded.insert(url.to_owned(), bytes);
    Ok(())
}

fn too_deep() -> DataIntegrityError {
    DataIntegrityError::TooLarge {
        what: "JSON nesting depth",
        limit: MAX_DEPTH,
    }
}

/// A key such as `@foo`: JSON-LD ignores it (with at most a warning) unless it is a keyword.
fn is_ignored_keyword_form(key: &str) -> bool {
    key.strip_prefix('@')
        .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphabetic()))
        && !KEYWORDS.contains(&key)
}

fn scan_node(value: &Value, pending: &mut VecDeque<String>, depth: usize) -> Result<(), DataIntegrityError> {
    if depth > MAX_DEPTH {
        return Err(too_deep());
    }
    match value {
        Value::Object(map) => {
            for (key, member) in map {
                if key == "@context" {
                    scan_context(member, pending, depth + 1)?;
                } else if is_ignored_keyword_form(key) {
                    return Err(DataIntegrityError::UndefinedTerm(truncated(key)));
                } else {
                    scan_node(member, pending, depth + 1)?;
                }
            }
            Ok(())
        }
        Value::Array(items) => items.iter().try_for_each(|item| scan_node(item, pending, depth + 1)),
        _ => Ok(()),
    }
}

fn scan_context(value: &Value, pending: &mut VecDeque<String>, depth: usize) -> Result<(), DataIntegrityError> {
    if depth > MAX_DEPTH {
        return Err(too_deep());
    }
    match value {
        Value::String(url) => {
            pending.push_back(url.clone());
            Ok(())
        }
        Value::Array(items) => items.iter().try_for_each(|item| scan_context(item, pending, depth + 1)),
        Value::Object(map) => {
            for (key, definition) in map {
                if key == "@import" {
                    if let Value::String(url) = definition {
                        pending.push_back(url.clone());
                    }
                    continue;
                }
                if key.starts_with('@') {
                    continue;
                }
                match definition {
                    // A term mapped to null makes JSON-LD drop every use of it.
                    Value::Null => return Err(DataIntegrityError::UndefinedTerm(truncated(key))),
                    Value::Object(term) => {
                        if term.get("@id").is_some_and(Value::is_null) {
                            return Err(DataIntegrityError::UndefinedTerm(truncated(key)));
                        }
                        if let Some(scoped) = term.get("@context") {
                            scan_context(scoped, pending, depth + 1)?;
                        }
                    }
                    _ => {}
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}
