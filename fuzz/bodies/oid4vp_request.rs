//! OpenID4VP requests as a wallet receives them: arbitrary text read as a deep link (by value
//! or by reference), as a request JSON object, and as a request object JWT. Must never panic;
//! an accepted request re-encodes to a link that parses to the same request.
use verifier::oid4vp::request::{AuthorizationRequest, DeepLink};

/// Runs one input; the `oid4vp_request` fuzz target and the corpus replay test call this.
pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(DeepLink::ByValue(request)) = DeepLink::parse(text) {
        let again = AuthorizationRequest::from_deep_link(&request.deep_link("openid4vp://"))
            .expect("a parsed request re-encodes to a link that parses");
        assert_eq!(again, request);
    }
    let _ = AuthorizationRequest::from_json(text);
    let _ = AuthorizationRequest::from_request_object(text, "redirect_uri:https://door.example/response");
}
