//! The JWS protected header (RFC 7515 §4).

use serde::Serialize;
use serde_json::{Map, Value};

use super::{JwsError, truncate};
use crate::json::{self as strict_json, StrictJsonError};
use crate::key::Algorithm;

/// Header parameter names defined by RFC 7515 §4.1, which `crit` must not list (§4.1.11).
pub(crate) const STANDARD_NAMES: [&str; 11] = [
    "alg", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty", "crit",
];

/// Extensions this module implements itself, so they are understood without the caller
/// listing them: `b64` (RFC 7797), which is accepted when `true` and refused when `false`.
pub(crate) const BUILT_IN_EXTENSIONS: [&str; 1] = ["b64"];

/// A JWS protected header.
///
/// `alg` is always one of our allowed algorithms: a header naming any other algorithm
/// cannot be parsed. Members we do not model, including the key-carrying `jwk`, `jku`,
/// `x5u` and `x5c`, are kept in [`Header::extra`] so that nothing is lost, but they are
/// **never** used to choose a verification key: [`super::verify`] only uses the key its
/// caller passes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Header {
    /// The signature algorithm (`alg`).
    pub alg: Algorithm,
    /// The key ID (`kid`), usually a DID URL; use it to look up the verification key.
    pub kid: Option<String>,
    /// The media type of the whole JWS (`typ`), e.g. `JWT` or `vc+jwt`.
    pub typ: Option<String>,
    /// The media type of the payload (`cty`).
    pub cty: Option<String>,
    /// Extensions the recipient must understand (`crit`).
    pub crit: Option<Vec<String>>,
    /// Every other member, as it came. Must not repeat the names of the typed fields above.
    pub extra: Map<String, Value>,
}

impl Header {
    /// A header with only `alg`.
    pub fn new(alg: Algorithm) -> Header {
        Header {
            alg,
            kid: None,
            typ: None,
            cty: None,
            crit: None,
            extra: Map::new(),
        }
    }

    /// Sets `kid`.
    pub fn with_kid(mut self, kid: impl Into<String>) -> Header {
        self.kid = Some(kid.into());
        self
    }

    /// Sets `typ`.
    pub fn with_typ(mut self, typ: impl Into<String>) -> Header {
        self.typ = Some(typ.into());
        self
    }

    /// Sets `cty`.
    pub fn with_cty(mut self, cty: impl Into<String>) -> Header {
        self.cty = Some(cty.into());
        self
    }

    /// Sets `crit`. Each name must also be present as a member (see [`Header::with_member`]).
    pub fn with_crit<I, S>(mut self, names: I) -> Header
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.crit = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// Adds any other member to [`Header::extra`].
    pub fn with_member(mut self, name: impl Into<String>, value: impl Into<Value>) -> Header {
        self.extra.insert(name.into(), value.into());
        self
    }

    /// Looks up a member by name: the typed ones as JSON values, then [`Header::extra`].
    pub fn get(&self, name: &str) -> Option<Value> {
        match name {
            "alg" => Some(Value::from(self.alg.name())),
            "kid" => self.kid.clone().map(Value::from),
            "typ" => self.typ.clone().map(Value::from),
            "cty" => self.cty.clone().map(Value::from),
            "crit" => self.crit.clone().map(Value::from),
            other => self.extra.get(other).cloned(),
        }
    }

    /// Whether a member of this name is present.
    pub fn contains(&self, name: &str) -> bool {
        match name {
            "alg" => true,
            "kid" => self.kid.is_some(),
            "typ" => self.typ.is_some(),
            "cty" => self.cty.is_some(),
            "crit" => self.crit.is_some(),
            other => self.extra.contains_key(other),
        }
    }

    /// The RFC 7797 `b64` member: `None` if absent or not a boolean.
    pub fn b64(&self) -> Option<bool> {
        self.extra.get("b64").and_then(Value::as_bool)
    }

    /// Parses a decoded protected header.
    ///
    /// Refuses anything but a JSON object, duplicate member names at any depth, a
    /// missing or non-string `alg`, an `alg` not on the allow-list (ES256, ES384, EdDSA,
    /// compared case-sensitively), non-string `kid`/`typ`/`cty`, a non-boolean `b64`, and
    /// a `crit` that is not an array of strings. The semantic `crit` rules are checked
    /// by [`Header::check_critical`].
    pub fn from_json(bytes: &[u8]) -> Result<Header, JwsError> {
        let mut map = strict_json::parse_object(bytes).map_err(|e| match e {
            StrictJsonError::NotAnObject => JwsError::InvalidHeader("not a JSON object"),
            StrictJsonError::DuplicateMember { .. } => JwsError::InvalidHeader("duplicate member name"),
            StrictJsonError::Invalid { .. } => JwsError::InvalidHeader("not valid JSON"),
        })?;
        let alg = match map.remove("alg") {
            None => return Err(JwsError::InvalidHeader("alg is missing")),
            Some(Value::String(name)) => allowed_algorithm(&name)?,
            Some(_) => return Err(JwsError::InvalidHeader("alg is not a string")),
        };
        let kid = take_string(&mut map, "kid", "kid is not a string")?;
        let typ = take_string(&mut map, "typ", "typ is not a string")?;
        let cty = take_string(&mut map, "cty", "cty is not a string")?;
        if map.get("b64").is_some_and(|v| !v.is_boolean()) {
            return Err(JwsError::InvalidHeader("b64 is not a boolean"));
        }
        let crit = match map.remove("crit") {
            None => None,
            Some(Value::Array(items)) => Some(
                items
                    .into_iter()
                    .map(|item| match item {
                        Value::String(name) => Ok(name),
                        _ => Err(JwsError::InvalidCritical("crit is not an array of strings")),
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            Some(_) => return Err(JwsError::InvalidCritical("crit is not an array of strings")),
        };
        Ok(Header {
            alg,
            kid,
            typ,
            cty,
            crit,
            extra: map,
        })
    }

    /// Checks the `crit` rules of RFC 7515 §4.1.11: not empty, no standard header
    /// names, every listed name present in the header, and every listed name either
    /// built in (`b64`) or in `understood`.
    pub fn check_critical(&self, understood: &[String]) -> Result<(), JwsError> {
        self.check_critical_shape()?;
        for name in self.crit.iter().flatten() {
            let known = BUILT_IN_EXTENSIONS.contains(&name.as_str()) || understood.iter().any(|u| u == name);
            if !known {
                return Err(JwsError::UnsupportedCritical(truncate(name)));
            }
        }
        Ok(())
    }

    /// The `crit` rules that do not depend on what the recipient understands.
    pub(crate) fn check_critical_shape(&self) -> Result<(), JwsError> {
        let Some(crit) = &self.crit else {
            return Ok(());
        };
        if crit.is_empty() {
            return Err(JwsError::InvalidCritical("crit is empty"));
        }
        for name in crit {
            if STANDARD_NAMES.contains(&name.as_str()) {
                return Err(JwsError::InvalidCritical("crit names a standard header parameter"));
            }
            if !self.extra.contains_key(name) {
                return Err(JwsError::InvalidCritical("crit names a member absent from the header"));
            }
        }
        Ok(())
    }

    /// Serializes the header compactly, `alg` first, then `kid`, `typ`, `cty`, `crit`
    /// and the other members.
    ///
    /// Fails if [`Header::extra`] repeats a typed member's name, which would produce a
    /// header with duplicate members.
    pub fn to_json(&self) -> Result<String, JwsError> {
        #[derive(Serialize)]
        struct Wire<'a> {
            alg: &'static str,
            #[serde(skip_serializing_if = "Option::is_none")]
            kid: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            typ: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            cty: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            crit: Option<&'a [String]>,
            #[serde(flatten)]
            extra: &'a Map<String, Value>,
        }
        if ["alg", "kid", "typ", "cty", "crit"]
            .iter()
            .any(|name| self.extra.contains_key(*name))
        {
            return Err(JwsError::InvalidHeader("extra repeats a typed member"));
        }
        let wire = Wire {
            alg: self.alg.name(),
            kid: self.kid.as_deref(),
            typ: self.typ.as_deref(),
            cty: self.cty.as_deref(),
            crit: self.crit.as_deref(),
            extra: &self.extra,
        };
        serde_json::to_string(&wire).map_err(|_| JwsError::InvalidHeader("header cannot be serialized"))
    }
}

/// The JWS algorithm allow-list. Stricter than [`Algorithm::from_name`]: only the
/// registered names `ES256`, `ES384` and `EdDSA`, case-sensitive.
/// The key module's allow-list is the only one: anything it does not name is forbidden.
fn allowed_algorithm(name: &str) -> Result<Algorithm, JwsError> {
    Algorithm::from_name(name).map_err(|_| JwsError::ForbiddenAlgorithm(truncate(name)))
}

fn take_string(map: &mut Map<String, Value>, name: &str, error: &'static str) -> Result<Option<String>, JwsError> {
    match map.remove(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(JwsError::InvalidHeader(error)),
    }
}
