//! The subset of RFC 6902 JSON Patch an `update` may carry: `add`, `remove`, `replace`, `test`,
//! with RFC 6901 JSON Pointers.
//!
//! `move` and `copy` are refused: `copy` lets a few bytes of patch double the document, so a
//! small operation could grow a document without bound; with the four operations kept, a
//! patched document is never larger than the old document plus the patch. Unknown members in
//! a patch operation are refused, as everywhere in the payload. A patch applies atomically.

use did_core::json_pointer;
use serde_json::{Map, Value};

use super::OperationError;
use super::error::truncated;

/// Most operations one patch may hold.
pub const MAX_PATCH_OPERATIONS: usize = 256;

/// One JSON Patch operation.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PatchOperation {
    /// `add`: insert or set `value` at `path` (`-` appends to an array).
    Add {
        /// The target location.
        path: JsonPointer,
        /// The value to add.
        value: Value,
    },
    /// `remove`: remove the value at `path`, which must exist.
    Remove {
        /// The target location.
        path: JsonPointer,
    },
    /// `replace`: replace the value at `path`, which must exist.
    Replace {
        /// The target location.
        path: JsonPointer,
        /// The new value.
        value: Value,
    },
    /// `test`: the value at `path` must equal `value`, or the whole patch fails.
    Test {
        /// The target location.
        path: JsonPointer,
        /// The expected value.
        value: Value,
    },
}

/// An RFC 6901 JSON Pointer: `""` (the whole document) or `/`-separated reference tokens with
/// `~1` for `/` and `~0` for `~`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonPointer {
    text: String,
    tokens: Vec<String>,
}

impl JsonPointer {
    /// Parses a pointer; `None` if it is neither empty nor starts with `/`, or has a `~` not
    /// followed by `0` or `1`.
    pub fn parse(text: &str) -> Option<JsonPointer> {
        let tokens = json_pointer::parse(text)?;
        Some(JsonPointer {
            text: text.to_owned(),
            tokens,
        })
    }

    /// The pointer as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl PatchOperation {
    /// The operation as a JSON object (`op`, `path`, `value`).
    pub fn to_value(&self) -> Value {
        let (op, path, value) = match self {
            PatchOperation::Add { path, value } => ("add", path, Some(value)),
            PatchOperation::Remove { path } => ("remove", path, None),
            PatchOperation::Replace { path, value } => ("replace", path, Some(value)),
            PatchOperation::Test { path, value } => ("test", path, Some(value)),
        };
        let mut map = Map::new();
        map.insert("op".into(), op.into());
        map.insert("path".into(), path.as_str().into());
        if let Some(value) = value {
            map.insert("value".into(), value.clone());
        }
        Value::Object(map)
    }

    /// Reads the `patch` member: a non-empty array of at most [`MAX_PATCH_OPERATIONS`] objects,
    /// each with exactly the members its `op` defines.
    pub fn parse_patch(value: Value) -> Result<Vec<PatchOperation>, OperationError> {
        let Value::Array(items) = value else {
            return Err(OperationError::InvalidMember {
                member: "patch",
                expected: "a JSON array of patch operations",
            });
        };
        if items.is_empty() || items.len() > MAX_PATCH_OPERATIONS {
            return Err(OperationError::InvalidMember {
                member: "patch",
                expected: "between 1 and 256 patch operations",
            });
        }
        items
            .into_iter()
            .enumerate()
            .map(|(index, item)| PatchOperation::parse_one(index, item))
            .collect()
    }

    fn parse_one(index: usize, item: Value) -> Result<PatchOperation, OperationError> {
        let bad = |reason| OperationError::InvalidPatch { index, reason };
        let Value::Object(mut map) = item else {
            return Err(bad("a patch operation is a JSON object"));
        };
        let op = match map.remove("op") {
            Some(Value::String(op)) => op,
            _ => return Err(bad("op is missing or not a string")),
        };
        let path = match map.remove("path") {
            Some(Value::String(path)) => JsonPointer::parse(&path).ok_or(bad("path is not a JSON Pointer"))?,
            _ => return Err(bad("path is missing or not a string")),
        };
        let value = map.remove("value");
        if let Some(member) = map.keys().next() {
            return Err(OperationError::UnknownMember {
                at: format!("patch[{index}]"),
                member: truncated(member),
            });
        }
        let need_value = || value.clone().ok_or(bad("value is missing"));
        Ok(match op.as_str() {
            "add" => PatchOperation::Add {
                path,
                value: need_value()?,
            },
            "replace" => PatchOperation::Replace {
                path,
                value: need_value()?,
            },
            "test" => PatchOperation::Test {
                path,
                value: need_value()?,
            },
            "remove" if value.is_none() => PatchOperation::Remove { path },
            "remove" => return Err(bad("remove takes no value")),
            "move" | "copy" => return Err(bad("move and copy are not supported")),
            _ => return Err(bad("op is not add, remove, replace or test")),
        })
    }
}

/// Applies `patch` to a copy of `document` and returns it; `document` is unchanged on error.
/// The result must still be a JSON object.
pub fn apply_patch(
    document: &Map<String, Value>,
    patch: &[PatchOperation],
) -> Result<Map<String, Value>, OperationError> {
    let mut root = Value::Object(document.clone());
    for (index, operation) in patch.iter().enumerate() {
        apply_one(&mut root, operation).map_err(|reason| match reason {
            Failure::Test => OperationError::PatchTestFailed { index },
            Failure::Invalid(reason) => OperationError::InvalidPatch { index, reason },
        })?;
    }
    match root {
        Value::Object(map) => Ok(map),
        _ => Err(OperationError::DocumentRule(
            "a patch must leave the document a JSON object",
        )),
    }
}

enum Failure {
    Test,
    Invalid(&'static str),
}

const NO_TARGET: Failure = Failure::Invalid("the target location does not exist");

fn apply_one(root: &mut Value, operation: &PatchOperation) -> Result<(), Failure> {
    match operation {
        PatchOperation::Test { path, value } => {
            let target = json_pointer::resolve(root, &path.tokens).ok_or(NO_TARGET)?;
            if target == value { Ok(()) } else { Err(Failure::Test) }
        }
        PatchOperation::Replace { path, value } => {
            let target = json_pointer::resolve_mut(root, &path.tokens).ok_or(NO_TARGET)?;
            *target = value.clone();
            Ok(())
        }
        PatchOperation::Remove { path } => {
            let (parent, last) = parent_mut(root, &path.tokens)?;
            match parent {
                Value::Object(map) => map.remove(last).map(drop).ok_or(NO_TARGET),
                Value::Array(items) => {
                    let index = json_pointer::array_index(last)
                        .filter(|i| *i < items.len())
                        .ok_or(NO_TARGET)?;
                    items.remove(index);
                    Ok(())
                }
                _ => Err(NO_TARGET),
            }
        }
        PatchOperation::Add { path, value } => {
            let Ok((parent, last)) = parent_mut(root, &path.tokens) else {
                return if path.tokens.is_empty() {
                    *root = value.clone();
                    Ok(())
                } else {
                    Err(NO_TARGET)
                };
            };
            match parent {
                Value::Object(map) => {
                    map.insert(last.to_owned(), value.clone());
                    Ok(())
                }
                Value::Array(items) => {
                    let index = if last == "-" {
                        items.len()
                    } else {
                        json_pointer::array_index(last)
                            .filter(|i| *i <= items.len())
                            .ok_or(Failure::Invalid("array index out of range"))?
                    };
                    items.insert(index, value.clone());
                    Ok(())
                }
                _ => Err(NO_TARGET),
            }
        }
    }
}

/// The container holding the target of `tokens` and the last token. The whole document (no
/// tokens) has no parent.
fn parent_mut<'a, 'b>(root: &'a mut Value, tokens: &'b [String]) -> Result<(&'a mut Value, &'b str), Failure> {
    let (last, init) = tokens
        .split_last()
        .ok_or(Failure::Invalid("the whole document has no parent"))?;
    let parent = json_pointer::resolve_mut(root, init).ok_or(NO_TARGET)?;
    Ok((parent, last))
}
