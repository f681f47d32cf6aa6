//! JWK parsing into public and private keys.
/// Runs one input; the `jwk` fuzz target and the corpus replay test call this.
pub fn run(data: &[u8]) {
    if let Ok(s) = std::str::from_utf8(data)
        && let Ok(jwk) = did_core::key::Jwk::from_json(s)
    {
        let _ = jwk.thumbprint();
        if let Ok(key) = did_core::key::VerifyingKey::from_jwk(&jwk) {
            assert_eq!(did_core::key::VerifyingKey::from_jwk(&key.to_jwk()).ok(), Some(key));
        }
        let _ = did_core::key::SigningKey::from_jwk(&jwk);
    }
}
