//! OpenID4VP `direct_post` bodies as a wallet (or an attacker) posts them to a door: arbitrary
//! bytes. Must never panic; an accepted VP Token re-encodes to a body that parses to the same.
use verifier::oid4vp::response::AuthorizationResponse;
use verifier::oid4vp::wallet::direct_post_body;

/// Runs one input; the `oid4vp_response` fuzz target and the corpus replay test call this.
pub fn run(data: &[u8]) {
    if let Ok(AuthorizationResponse::Success { vp_token, state }) = AuthorizationResponse::parse_direct_post(data) {
        let body = direct_post_body(&vp_token, state.as_deref());
        match AuthorizationResponse::parse_direct_post(body.as_bytes()) {
            Ok(AuthorizationResponse::Success { vp_token: again, .. }) => assert_eq!(again, vp_token),
            other => panic!("re-encoded body did not parse: {other:?}"),
        }
    }
}
