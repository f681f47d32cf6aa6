//! Replacing digests by the disclosures they refer to (RFC 9901 §7.1, steps 3 to 5).

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use super::disclosure::Disclosure;
use super::{MAX_DEPTH, SdJwtError};
use crate::text::truncated;

/// Where a disclosure landed in the processed claims.
#[derive(Debug, Clone)]
pub(crate) struct Placement {
    /// The reference tokens of the disclosed value's location.
    pub(crate) path: Vec<String>,
    /// The disclosure whose value held this one's digest, if any.
    pub(crate) parent: Option<usize>,
}

/// The processed claims, and for each disclosure (by index) where it landed.
pub(crate) struct Processed {
    pub(crate) claims: Map<String, Value>,
    pub(crate) placements: Vec<Placement>,
}

/// Processes `payload` (with `_sd_alg` already removed) against `disclosures`.
///
/// Refuses a disclosure given twice, a digest found twice (decoys included), a
/// `[salt, value]` disclosure named from `_sd` or a `[salt, name, value]` one from an
/// array, a disclosed name already present in its object, a malformed `_sd` or `...`,
/// nesting deeper than [`MAX_DEPTH`], and disclosures no digest refers to. Digests that
/// match no disclosure (decoys, or claims not disclosed) are dropped.
pub(crate) fn process(payload: Map<String, Value>, disclosures: &[Disclosure]) -> Result<Processed, SdJwtError> {
    let mut by_digest = HashMap::with_capacity(disclosures.len());
    for (i, disclosure) in disclosures.iter().enumerate() {
        if by_digest.insert(disclosure.digest(), i).is_some() {
            return Err(SdJwtError::DuplicateDisclosure);
        }
    }
    let mut state = State {
        disclosures,
        by_digest,
        seen: HashSet::new(),
        placements: vec![None; disclosures.len()],
    };
    let claims = state.object(payload, &mut Vec::new(), None, 0)?;
    let placements = state
        .placements
        .into_iter()
        .collect::<Option<Vec<_>>>()
        .ok_or(SdJwtError::UnreferencedDisclosure)?;
    Ok(Processed { claims, placements })
}

struct State<'a> {
    disclosures: &'a [Disclosure],
    by_digest: HashMap<&'a str, usize>,
    seen: HashSet<String>,
    placements: Vec<Option<Placement>>,
}

impl State<'_> {
    /// The disclosure `digest` refers to, after checking the digest is new.
    fn lookup(&mut self, digest: &str) -> Result<Option<usize>, SdJwtError> {
        if !self.seen.insert(digest.to_owned()) {
            return Err(SdJwtError::DuplicateDigest);
        }
        Ok(self.by_digest.get(digest).copied())
    }

    fn value(
        &mut self,
        value: Value,
        path: &mut Vec<String>,
        parent: Option<usize>,
        depth: usize,
    ) -> Result<Value, SdJwtError> {
        match value {
            Value::Object(map) => Ok(Value::Object(self.object(map, path, parent, depth)?)),
            Value::Array(items) => Ok(Value::Array(self.array(items, path, parent, depth)?)),
            other => Ok(other),
        }
    }

    fn object(
        &mut self,
        mut map: Map<String, Value>,
        path: &mut Vec<String>,
        parent: Option<usize>,
        depth: usize,
    ) -> Result<Map<String, Value>, SdJwtError> {
        if depth > MAX_DEPTH {
            return Err(SdJwtError::TooDeep(MAX_DEPTH));
        }
        let digests = match map.remove("_sd") {
            None => Vec::new(),
            Some(Value::Array(digests)) => digests,
            Some(_) => return Err(SdJwtError::InvalidPayload("_sd is not an array")),
        };
        let mut out = Map::new();
        for (name, value) in map {
            path.push(name);
            let value = self.value(value, path, parent, depth + 1)?;
            let name = path.pop().unwrap_or_default();
            out.insert(name, value);
        }
        for digest in digests {
            let Value::String(digest) = digest else {
                return Err(SdJwtError::InvalidPayload("an _sd digest is not a string"));
            };
            let Some(i) = self.lookup(&digest)? else {
                continue;
            };
            let Some(disclosure) = self.disclosures.get(i) else {
                continue;
            };
            let Some(name) = disclosure.name() else {
                return Err(SdJwtError::DisclosureKindMismatch(
                    "array element disclosure referenced from _sd",
                ));
            };
            if out.contains_key(name) {
                return Err(SdJwtError::ClaimConflict(truncated(name)));
            }
            path.push(name.to_owned());
            let value = self.value(disclosure.value().clone(), path, Some(i), depth + 1)?;
            self.place(i, path, parent);
            path.pop();
            out.insert(name.to_owned(), value);
        }
        Ok(out)
    }

    fn array(
        &mut self,
        items: Vec<Value>,
        path: &mut Vec<String>,
        parent: Option<usize>,
        depth: usize,
    ) -> Result<Vec<Value>, SdJwtError> {
        if depth > MAX_DEPTH {
            return Err(SdJwtError::TooDeep(MAX_DEPTH));
        }
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            path.push(out.len().to_string());
            let value = match array_digest(&item)? {
                None => Some(self.value(item, path, parent, depth + 1)?),
                Some(digest) => match self.lookup(digest)? {
                    None => None,
                    Some(i) => {
                        let Some(disclosure) = self.disclosures.get(i) else {
                            path.pop();
                            continue;
                        };
                        if disclosure.name().is_some() {
                            return Err(SdJwtError::DisclosureKindMismatch(
                                "object property disclosure referenced from an array",
                            ));
                        }
                        let value = self.value(disclosure.value().clone(), path, Some(i), depth + 1)?;
                        self.place(i, path, parent);
                        Some(value)
                    }
                },
            };
            path.pop();
            if let Some(value) = value {
                out.push(value);
            }
        }
        Ok(out)
    }

    fn place(&mut self, i: usize, path: &[String], parent: Option<usize>) {
        if let Some(slot) = self.placements.get_mut(i) {
            *slot = Some(Placement {
                path: path.to_vec(),
                parent,
            });
        }
    }
}

/// The digest of an array element of the form `{"...": "<digest>"}`, if it is one.
fn array_digest(item: &Value) -> Result<Option<&str>, SdJwtError> {
    let Value::Object(map) = item else {
        return Ok(None);
    };
    if map.len() != 1 {
        return Ok(None);
    }
    match map.get("...") {
        None => Ok(None),
        Some(Value::String(digest)) => Ok(Some(digest)),
        Some(_) => Err(SdJwtError::InvalidPayload("an array digest is not a string")),
    }
}
