//! Checks shared by credentials and presentations: contexts, types, URLs, typed entries.

use serde_json::{Map, Value};

use super::error::{CredentialError, Rule};
use super::{CONTEXT_V1, CONTEXT_V2, DataModel};
use crate::document::uri::check_absolute_uri;
use crate::text::truncated;

/// Checks `@context`: an array whose first entry is the base context of a data model we read,
/// and whose other entries are absolute URLs or embedded context objects.
pub(crate) fn check_context(map: &Map<String, Value>) -> Result<DataModel, CredentialError> {
    let invalid = |reason: String| CredentialError::invalid(Rule::Context, "$.@context", reason);
    let contexts = match map.get("@context") {
        None => return Err(invalid("missing".into())),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(invalid("must be an array (an ordered set)".into())),
    };
    let model = match contexts.first() {
        Some(Value::String(s)) if s == CONTEXT_V2 => DataModel::V2,
        Some(Value::String(s)) if s == CONTEXT_V1 => DataModel::V1_1,
        Some(first) => {
            return Err(invalid(format!(
                "the first entry must be \"{CONTEXT_V2}\" (or \"{CONTEXT_V1}\"), found {}",
                short(first)
            )));
        }
        None => return Err(invalid("must not be empty".into())),
    };
    for (i, entry) in contexts.iter().enumerate().skip(1) {
        match entry {
            Value::String(url) => check_absolute_uri(url)
                .map_err(|why| invalid(format!("entry {i} ({}) is not a URL: {why}", truncated(url))))?,
            Value::Object(_) => {}
            other => {
                return Err(invalid(format!(
                    "entry {i} must be a URL or an object, found {}",
                    short(other)
                )));
            }
        }
    }
    Ok(model)
}

/// Checks `type`: a string or an array of strings that includes `required`.
pub(crate) fn check_type(map: &Map<String, Value>, required: &str, at: &str) -> Result<Vec<String>, CredentialError> {
    let invalid = |reason: String| CredentialError::invalid(Rule::Type, format!("{at}.type"), reason);
    let types = types_of(map).ok_or_else(|| invalid("missing, or not a string or an array of strings".into()))?;
    if !types.iter().any(|t| t == required) {
        return Err(invalid(format!("must include \"{required}\"")));
    }
    Ok(types)
}

/// The values of `type` as strings, if it is a string or a non-empty array of strings.
pub(crate) fn types_of(map: &Map<String, Value>) -> Option<Vec<String>> {
    match map.get("type")? {
        Value::String(s) => Some(vec![s.clone()]),
        Value::Array(items) if !items.is_empty() => items
            .iter()
            .map(|t| t.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>(),
        _ => None,
    }
}

/// Checks that `member`, if present, is an absolute URL.
pub(crate) fn check_optional_url(
    map: &Map<String, Value>,
    member: &str,
    rule: Rule,
    at: &str,
) -> Result<(), CredentialError> {
    match map.get(member) {
        None => Ok(()),
        Some(value) => check_url(value, rule, &format!("{at}.{member}")),
    }
}

/// Checks that `value` is a string holding an absolute URL.
pub(crate) fn check_url(value: &Value, rule: Rule, at: &str) -> Result<(), CredentialError> {
    match value {
        Value::String(s) => check_absolute_uri(s)
            .map_err(|why| CredentialError::invalid(rule, at, format!("{} is not a URL: {why}", truncated(s)))),
        other => Err(CredentialError::invalid(
            rule,
            at,
            format!("must be a URL string, found {}", short(other)),
        )),
    }
}

/// Checks a URL, or an object whose `id` is a URL (`issuer`, `holder`); returns the URL.
pub(crate) fn check_url_or_object_with_id(value: &Value, rule: Rule, at: &str) -> Result<String, CredentialError> {
    match value {
        Value::String(s) => {
            check_url(value, rule, at)?;
            Ok(s.clone())
        }
        Value::Object(object) => {
            let id = object
                .get("id")
                .ok_or_else(|| CredentialError::invalid(rule, at, "an object here must have an \"id\""))?;
            check_url(id, rule, &format!("{at}.id"))?;
            Ok(id.as_str().unwrap_or_default().to_owned())
        }
        other => Err(CredentialError::invalid(
            rule,
            at,
            format!("must be a URL or an object with an \"id\", found {}", short(other)),
        )),
    }
}

/// Checks each entry of `member` (an object or an array of objects): `type` required, and `id`
/// a URL (required when `id_required`).
pub(crate) fn check_typed_entries(
    map: &Map<String, Value>,
    member: &str,
    rule: Rule,
    id_required: bool,
) -> Result<(), CredentialError> {
    for (at, entry) in entries(map, member, rule)? {
        if types_of(entry).is_none() {
            return Err(CredentialError::invalid(
                rule,
                at,
                "must have a \"type\" (a string or an array of strings)",
            ));
        }
        match entry.get("id") {
            Some(id) => check_url(id, rule, &format!("{at}.id"))?,
            None if id_required => return Err(CredentialError::invalid(rule, at, "must have an \"id\"")),
            None => {}
        }
    }
    Ok(())
}

/// Checks `relatedResource` (VC DM 2.0 §5.3): each entry has a URL `id`, no two the same, and a
/// digest to check the resource against: `digestSRI` (`sha256-`, `sha384-` or `sha512-`
/// followed by the base64 digest of that length) and/or `digestMultibase` (a multibase string
/// whose bytes are a multihash); `mediaType`, when present, is a string.
pub(crate) fn check_related_resources(map: &Map<String, Value>) -> Result<(), CredentialError> {
    let rule = Rule::RelatedResource;
    let mut ids = std::collections::HashSet::new();
    for (at, entry) in entries(map, "relatedResource", rule)? {
        let id = entry
            .get("id")
            .ok_or_else(|| CredentialError::invalid(rule, at.clone(), "must have an \"id\""))?;
        check_url(id, rule, &format!("{at}.id"))?;
        if !ids.insert(id.as_str().unwrap_or_default()) {
            return Err(CredentialError::invalid(
                rule,
                format!("{at}.id"),
                "names the same resource as another entry",
            ));
        }
        let sri = entry.get("digestSRI");
        let multibase = entry.get("digestMultibase");
        if sri.is_none() && multibase.is_none() {
            return Err(CredentialError::invalid(
                rule,
                at,
                "must have a \"digestSRI\" or a \"digestMultibase\"",
            ));
        }
        if let Some(sri) = sri
            && !sri.as_str().is_some_and(is_sri_digest)
        {
            return Err(CredentialError::invalid(
                rule,
                format!("{at}.digestSRI"),
                "must be an SRI digest: sha256-, sha384- or sha512- and the base64 digest",
            ));
        }
        if let Some(multibase) = multibase
            && !multibase.as_str().is_some_and(is_multibase_multihash)
        {
            return Err(CredentialError::invalid(
                rule,
                format!("{at}.digestMultibase"),
                "must be a multibase-encoded multihash",
            ));
        }
        if let Some(media_type) = entry.get("mediaType")
            && !media_type.is_string()
        {
            return Err(CredentialError::invalid(
                rule,
                format!("{at}.mediaType"),
                "must be a string",
            ));
        }
    }
    Ok(())
}

/// `sha256-…`, `sha384-…` or `sha512-…` with the standard base64 of a digest of that length.
fn is_sri_digest(value: &str) -> bool {
    use base64::Engine as _;
    let Some((algorithm, digest)) = value.split_once('-') else {
        return false;
    };
    let expected = match algorithm {
        "sha256" => 32,
        "sha384" => 48,
        "sha512" => 64,
        _ => return false,
    };
    base64::engine::general_purpose::STANDARD
        .decode(digest)
        .is_ok_and(|bytes| bytes.len() == expected)
}

/// A multibase string whose bytes are a multihash: a varint code, a varint length, and
/// exactly that many digest bytes.
fn is_multibase_multihash(value: &str) -> bool {
    let Ok((_, bytes)) = crate::multibase::decode(value) else {
        return false;
    };
    let Ok((_, rest)) = crate::key::read_varint(&bytes) else {
        return false;
    };
    let Ok((length, digest)) = crate::key::read_varint(rest) else {
        return false;
    };
    length > 0 && usize::try_from(length).is_ok_and(|length| length == digest.len())
}

/// One entry of a member that holds an object or an array of objects, with its path.
pub(crate) type Entry<'a> = (String, &'a Map<String, Value>);

/// The entries of `member` with their paths: one object, or each object of an array.
pub(crate) fn entries<'a>(
    map: &'a Map<String, Value>,
    member: &str,
    rule: Rule,
) -> Result<Vec<Entry<'a>>, CredentialError> {
    match map.get(member) {
        None => Ok(Vec::new()),
        Some(Value::Object(object)) => Ok(vec![(format!("$.{member}"), object)]),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::Object(object) => Ok((format!("$.{member}[{i}]"), object)),
                other => Err(CredentialError::invalid(
                    rule,
                    format!("$.{member}[{i}]"),
                    format!("must be an object, found {}", short(other)),
                )),
            })
            .collect(),
        Some(other) => Err(CredentialError::invalid(
            rule,
            format!("$.{member}"),
            format!("must be an object or an array of objects, found {}", short(other)),
        )),
    }
}

/// Checks `name` / `description`: a string, a language value object (`@value` string with
/// optional `@language` / `@direction`), or an array of those.
pub(crate) fn check_language_values(map: &Map<String, Value>) -> Result<(), CredentialError> {
    for member in ["name", "description"] {
        let at = format!("$.{member}");
        let ok = |v: &Value| match v {
            Value::String(_) => true,
            Value::Object(o) => {
                o.get("@value").is_some_and(Value::is_string)
                    && o.keys()
                        .all(|k| matches!(k.as_str(), "@value" | "@language" | "@direction"))
                    && o.get("@language").is_none_or(Value::is_string)
                    && o.get("@direction")
                        .is_none_or(|d| matches!(d.as_str(), Some("ltr" | "rtl")))
            }
            _ => false,
        };
        let valid = match map.get(member) {
            None => true,
            Some(Value::Array(items)) => items.iter().all(ok),
            Some(value) => ok(value),
        };
        if !valid {
            return Err(CredentialError::invalid(
                Rule::LanguageValue,
                at,
                "must be a string, a language value object, or an array of them",
            ));
        }
    }
    Ok(())
}

/// A short description of a JSON value for error messages.
pub(crate) fn short(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("{:?}", truncated(s)),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}
