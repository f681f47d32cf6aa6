//! The wallet's side of the flow, for tests and the phone bindings: the `direct_post` body
//! (§8.2). Reading a deep link is [`super::AuthorizationRequest::from_deep_link`] and
//! [`super::request::DeepLink::parse`].

use super::encode_form;
use super::response::VpToken;

/// The `application/x-www-form-urlencoded` body answering a request: `vp_token` (the JSON
/// object) and the request's `state`, if it had one.
pub fn direct_post_body(vp_token: &VpToken, state: Option<&str>) -> String {
    let token = vp_token.to_json();
    let mut pairs = vec![("vp_token", token.as_str())];
    if let Some(state) = state {
        pairs.push(("state", state));
    }
    encode_form(pairs)
}

/// The body of an Authorization Error Response (§8.5), e.g. `access_denied` when the holder
/// declines.
pub fn error_body(error: &str, description: Option<&str>, state: Option<&str>) -> String {
    let mut pairs = vec![("error", error)];
    if let Some(description) = description {
        pairs.push(("error_description", description));
    }
    if let Some(state) = state {
        pairs.push(("state", state));
    }
    encode_form(pairs)
}
