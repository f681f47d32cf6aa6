//! OpenID for Verifiable Presentations 1.0 (OpenID Foundation, final, 2025): the protocol layer
//! for online door and kiosk flows with SD-JWT VC (`dc+sd-jwt`) credentials.
//!
//! - [`dcql`]: the Digital Credentials Query Language (§6): the query model, its validation, and
//!   matching a verified presentation's disclosed claims against it.
//! - [`request`]: the Authorization Request with `response_type=vp_token`, `response_mode=
//!   direct_post` and the `redirect_uri:` (by value) or `x509_hash:` (by reference, a signed
//!   Request Object) Client Identifier Prefix (§5, §5.9.3, §8.2), as a deep link.
//! - [`response`]: the `direct_post` Authorization Response (§8.1, §8.2, §8.5) and the VP Token.
//! - [`wallet`]: the wallet's side (building the `direct_post` body, reading a deep link), for
//!   tests and the phone bindings.
//!
//! No HTTP here: the door service calls these functions. Every parser of untrusted input has a
//! size limit and returns [`crate::Error::Protocol`].

pub mod dcql;
pub mod request;
pub mod response;
pub mod wallet;

pub use dcql::DcqlQuery;
pub use request::AuthorizationRequest;
pub use response::{AuthorizationResponse, VpToken};

/// The Credential Format Identifier of IETF SD-JWT VC (§B.3.1).
pub const FORMAT_SD_JWT_VC: &str = "dc+sd-jwt";

/// The `what` of every error about a request.
pub(crate) const WHAT_REQUEST: &str = "OpenID4VP request";
/// The `what` of every error about a response.
pub(crate) const WHAT_RESPONSE: &str = "OpenID4VP response";
/// The `what` of every error about a DCQL query.
pub(crate) const WHAT_DCQL: &str = "DCQL query";

/// A protocol error about `what`.
pub(crate) fn protocol(what: &'static str, message: impl Into<String>) -> crate::Error {
    crate::Error::Protocol {
        what,
        message: message.into(),
    }
}

/// A DCQL identifier: non-empty, alphanumeric, `_` or `-` (§6.1, §6.3).
pub(crate) fn is_dcql_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_ID_LEN && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The longest identifier accepted (credential query, claim query).
pub(crate) const MAX_ID_LEN: usize = 64;

/// ASCII URL safe characters, the only ones `nonce` and `state` may hold (§5.2): letters,
/// digits, `-`, `.`, `_`, `~`; non-empty and at most [`MAX_NONCE_LEN`].
pub(crate) fn is_url_safe(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= MAX_NONCE_LEN
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// The longest `nonce` or `state` accepted.
pub(crate) const MAX_NONCE_LEN: usize = 512;

/// Strict JSON: duplicate member names refused at any depth, at most `limit` bytes. Also
/// what the wallet bindings read credential offers with (OpenID4VCI links share the format).
pub fn parse_json(text: &str, limit: usize, what: &'static str) -> Result<serde_json::Value, crate::Error> {
    if text.len() > limit {
        return Err(protocol(what, format!("over {limit} bytes")));
    }
    did_core::data_integrity::parse_document(text.as_bytes()).map_err(|e| protocol(what, format!("not JSON: {e}")))
}

/// Decodes `application/x-www-form-urlencoded` text (a request body or a URL query) into its
/// pairs, strictly: every name and value must be UTF-8 after decoding, a name may appear only
/// once (RFC 6749 §3.1, §3.2), at most `max_pairs` pairs.
pub fn decode_form(text: &str, max_pairs: usize, what: &'static str) -> Result<Vec<(String, String)>, crate::Error> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for piece in text.split('&').filter(|p| !p.is_empty()) {
        if pairs.len() >= max_pairs {
            return Err(protocol(what, format!("more than {max_pairs} parameters")));
        }
        let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
        let name = form_decode(name).ok_or_else(|| protocol(what, "a parameter name is not UTF-8"))?;
        let value = form_decode(value).ok_or_else(|| protocol(what, format!("parameter `{name}` is not UTF-8")))?;
        if pairs.iter().any(|(n, _)| *n == name) {
            return Err(protocol(what, format!("parameter `{name}` appears more than once")));
        }
        pairs.push((name, value));
    }
    Ok(pairs)
}

/// One form-encoded component: `+` is a space, `%XX` a byte; `None` if not UTF-8.
fn form_decode(text: &str) -> Option<String> {
    let spaced = text.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}

/// Form-encodes `pairs` (`application/x-www-form-urlencoded`, UTF-8).
pub(crate) fn encode_form<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs {
        serializer.append_pair(name, value);
    }
    serializer.finish()
}
