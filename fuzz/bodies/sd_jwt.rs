//! SD-JWT parsing (compact and JSON serialization), holder selection and verification
//! against a fixed key: must never panic, and nothing the fuzzer makes up may verify.
use std::sync::OnceLock;
use std::time::{Duration, UNIX_EPOCH};

use did_core::clock::FixedClock;
use did_core::key::{Jwk, VerifyingKey};
use did_core::sd_jwt::{self, SdJwt, VerifyOptions};

/// The RFC 9901 example issuer key (P-256).
fn key() -> &'static VerifyingKey {
    static KEY: OnceLock<VerifyingKey> = OnceLock::new();
    KEY.get_or_init(|| {
        let jwk = r#"{"kty":"EC","crv":"P-256","x":"b28d4MwZMjw8-00CG4xfnn9SLMVMM19SlqZpVb_uNtQ","y":"Xv5zWwuoaTgdS6hV43yI6gBwTnjukmFQQnJ_kCxzqk8"}"#;
        VerifyingKey::from_jwk(&Jwk::from_json(jwk).unwrap()).unwrap()
    })
}

/// Runs one input; the `sd_jwt` fuzz target and the corpus replay test call this.
pub fn run(data: &[u8]) {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = if input.starts_with('{') {
        SdJwt::from_json(input)
    } else {
        SdJwt::parse(input)
    };
    if let Ok(sd) = parsed {
        // A parsed compact SD-JWT serializes back to its input.
        if !input.starts_with('{') {
            assert_eq!(sd.to_compact(), input);
        }
        let _ = sd.select(&["/a", "/a/0", "/given_name"]);
    }
    // The RFC 9901 examples' KB-JWT time (2025-05-29).
    let clock = FixedClock::new(UNIX_EPOCH + Duration::from_secs(1_748_536_865));
    let options = VerifyOptions::sd_jwt().require_key_binding("https://verifier.example.org", "1234567890");
    if let Ok(verified) = sd_jwt::verify(input, key(), &options, &clock) {
        // Only signatures from the example issuer's corpus can verify; a forgery would
        // have to reuse one, so the claims must come from an example payload.
        assert!(verified.key_binding_verified());
    }
    let _ = sd_jwt::verify(input, key(), &VerifyOptions::sd_jwt_vc(), &clock);
}
