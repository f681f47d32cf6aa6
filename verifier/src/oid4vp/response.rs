//! The `direct_post` Authorization Response (OpenID4VP 1.0 §8.1, §8.2, §8.5) and the VP Token.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::{WHAT_RESPONSE, decode_form, is_dcql_id, is_url_safe, protocol};
use crate::Error;

/// The largest `direct_post` body [`AuthorizationResponse::parse_direct_post`] reads (256 KiB).
pub const MAX_BODY_LEN: usize = 256 * 1024;
/// The most form parameters in a body.
pub const MAX_PARAMETERS: usize = 32;
/// The most entries (Credential Query ids) in a VP Token.
pub const MAX_VP_TOKEN_ENTRIES: usize = 32;
/// The most presentations for one Credential Query.
pub const MAX_PRESENTATIONS_PER_ID: usize = 16;
/// The longest `error_description` kept (a longer one is dropped).
pub const MAX_ERROR_DESCRIPTION_LEN: usize = 1024;

/// A VP Token (§8.1): for each answered Credential Query id, one or more presentations.
///
/// Each presentation is a JSON string (SD-JWT VC: the compact `<issuer-jwt>~<disclosure>~…~<kb-jwt>`)
/// or, for formats whose presentations are JSON objects (W3C `ldp_vc`, §B.1.3.2.5), an object;
/// both are kept as [`Value`]s.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VpToken {
    entries: BTreeMap<String, Vec<Value>>,
}

impl VpToken {
    /// An empty token.
    pub fn new() -> VpToken {
        VpToken::default()
    }

    /// Adds `presentation` (a string or an object) under `credential_query_id`.
    pub fn push(&mut self, credential_query_id: impl Into<String>, presentation: impl Into<Value>) {
        self.entries
            .entry(credential_query_id.into())
            .or_default()
            .push(presentation.into());
    }

    /// The presentations answering `credential_query_id`.
    pub fn get(&self, credential_query_id: &str) -> Option<&[Value]> {
        self.entries.get(credential_query_id).map(Vec::as_slice)
    }

    /// The answered Credential Query ids.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    /// Each answered id with its presentations.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[Value])> {
        self.entries.iter().map(|(id, p)| (id.as_str(), p.as_slice()))
    }

    /// Every presentation as text for [`crate::verify::Verifier::verify`] (strings as they
    /// are, objects as compact JSON), with the id it answers.
    pub fn presentations(&self) -> Vec<(&str, String)> {
        self.iter()
            .flat_map(|(id, presentations)| {
                presentations.iter().map(move |p| {
                    let text = match p {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (id, text)
                })
            })
            .collect()
    }

    /// Whether the token has no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The token as the JSON text of the `vp_token` parameter.
    pub fn to_json(&self) -> String {
        let object: Map<String, Value> = self
            .entries
            .iter()
            .map(|(id, p)| (id.clone(), Value::Array(p.clone())))
            .collect();
        Value::Object(object).to_string()
    }

    /// Parses the `vp_token` parameter: a JSON object (duplicate members refused) whose keys
    /// are Credential Query ids and whose values are non-empty arrays of non-empty strings or
    /// objects; at most [`MAX_BODY_LEN`] bytes, [`MAX_VP_TOKEN_ENTRIES`] ids and
    /// [`MAX_PRESENTATIONS_PER_ID`] presentations per id.
    pub fn from_json(text: &str) -> Result<VpToken, Error> {
        let fail = |message: String| Err(protocol(WHAT_RESPONSE, message));
        let Value::Object(object) = super::parse_json(text, MAX_BODY_LEN, WHAT_RESPONSE)? else {
            return fail("`vp_token` is not a JSON object".into());
        };
        if object.len() > MAX_VP_TOKEN_ENTRIES {
            return fail(format!("`vp_token` has more than {MAX_VP_TOKEN_ENTRIES} entries"));
        }
        let mut entries = BTreeMap::new();
        for (id, value) in object {
            if !is_dcql_id(&id) {
                return fail("a `vp_token` key is not a credential query id".into());
            }
            let Value::Array(presentations) = value else {
                return fail(format!("`vp_token.{id}` is not an array"));
            };
            if presentations.is_empty() || presentations.len() > MAX_PRESENTATIONS_PER_ID {
                return fail(format!(
                    "`vp_token.{id}` must hold 1 to {MAX_PRESENTATIONS_PER_ID} presentations"
                ));
            }
            let well_formed = |p: &Value| match p {
                Value::String(s) => !s.is_empty(),
                Value::Object(o) => !o.is_empty(),
                _ => false,
            };
            if !presentations.iter().all(well_formed) {
                return fail(format!(
                    "`vp_token.{id}` holds a presentation that is not a string or an object"
                ));
            }
            entries.insert(id, presentations);
        }
        Ok(VpToken { entries })
    }
}

/// A `direct_post` Authorization Response: presentations, or the wallet's error (§8.5).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum AuthorizationResponse {
    /// The wallet answered with a VP Token.
    Success {
        /// The presentations.
        vp_token: VpToken,
        /// The request's `state`, echoed.
        state: Option<String>,
    },
    /// The wallet refused or failed (e.g. `access_denied`, `invalid_request`).
    Error {
        /// The OAuth error code.
        error: String,
        /// The wallet's human-readable text, if any (untrusted: show it escaped, if at all).
        error_description: Option<String>,
        /// The request's `state`, echoed.
        state: Option<String>,
    },
}

impl AuthorizationResponse {
    /// Parses a `direct_post` body (`application/x-www-form-urlencoded`, UTF-8): at most
    /// [`MAX_BODY_LEN`] bytes and [`MAX_PARAMETERS`] parameters, no parameter twice, either
    /// `vp_token` (a JSON object, see [`VpToken::from_json`]) or `error` (not both), `state`
    /// of ASCII URL safe characters. Unknown parameters are ignored (§8.2).
    pub fn parse_direct_post(body: &[u8]) -> Result<AuthorizationResponse, Error> {
        let fail = |message: String| Err(protocol(WHAT_RESPONSE, message));
        if body.len() > MAX_BODY_LEN {
            return fail(format!("body over {MAX_BODY_LEN} bytes"));
        }
        let text = std::str::from_utf8(body).map_err(|_| protocol(WHAT_RESPONSE, "body is not UTF-8"))?;
        let mut vp_token = None;
        let mut state = None;
        let mut error = None;
        let mut error_description = None;
        for (name, value) in decode_form(text, MAX_PARAMETERS, WHAT_RESPONSE)? {
            match name.as_str() {
                "vp_token" => vp_token = Some(value),
                "state" => state = Some(value),
                "error" => error = Some(value),
                "error_description" => error_description = Some(value),
                _ => {}
            }
        }
        if let Some(state) = &state
            && !is_url_safe(state)
        {
            return fail("`state` holds characters other than ASCII URL safe ones".into());
        }
        match (vp_token, error) {
            (Some(_), Some(_)) => fail("both `vp_token` and `error`".into()),
            (None, None) => fail("neither `vp_token` nor `error`".into()),
            (Some(vp_token), None) => Ok(AuthorizationResponse::Success {
                vp_token: VpToken::from_json(&vp_token)?,
                state,
            }),
            (None, Some(error)) => {
                // RFC 6749 §4.1.2.1: %x20-21 / %x23-5B / %x5D-7E.
                let oauth_text = |s: &str| s.bytes().all(|b| matches!(b, 0x20..=0x21 | 0x23..=0x5B | 0x5D..=0x7E));
                if error.is_empty() || error.len() > 128 || !oauth_text(&error) {
                    return fail("`error` is not an OAuth error code".into());
                }
                // A description RFC 6749 forbids (too long, non-ASCII) is dropped, not fatal: the
                // wallet's refusal still reaches the door.
                let error_description =
                    error_description.filter(|d| d.len() <= MAX_ERROR_DESCRIPTION_LEN && oauth_text(d));
                Ok(AuthorizationResponse::Error {
                    error,
                    error_description,
                    state,
                })
            }
        }
    }

    /// The echoed `state`, to find the request this answers.
    pub fn state(&self) -> Option<&str> {
        match self {
            AuthorizationResponse::Success { state, .. } | AuthorizationResponse::Error { state, .. } => {
                state.as_deref()
            }
        }
    }
}
