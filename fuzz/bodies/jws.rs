//! Compact JWS decoding and verification against a fixed key: must never panic, and
//! nothing the fuzzer makes up may verify.
use std::sync::OnceLock;

use did_core::jose::{self, VerifyOptions};
use did_core::key::{Jwk, VerifyingKey};

/// The RFC 7515 A.3 P-256 public key.
fn key() -> &'static VerifyingKey {
    static KEY: OnceLock<VerifyingKey> = OnceLock::new();
    KEY.get_or_init(|| {
        let jwk = r#"{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}"#;
        VerifyingKey::from_jwk(&Jwk::from_json(jwk).unwrap()).unwrap()
    })
}

/// Runs one input; the `jws` fuzz target and the corpus replay test call this.
pub fn run(data: &[u8]) {
    if let Ok(compact) = std::str::from_utf8(data) {
        if let Ok(decoded) = jose::decode(compact) {
            // A header we accept can be serialized again and parsed back to the same value.
            if let Ok(json) = decoded.header().to_json() {
                assert_eq!(jose::Header::from_json(json.as_bytes()).as_ref(), Ok(decoded.header()));
            }
        }
        let options = VerifyOptions::default().understand("exp2");
        if jose::verify(compact, key(), &options).is_ok() {
            // Only the RFC 7515 A.3 token (and nothing forged) may verify.
            assert!(
                compact.starts_with("eyJhbGciOiJFUzI1NiJ9."),
                "unexpected valid JWS: {compact}"
            );
        }
    }
}
