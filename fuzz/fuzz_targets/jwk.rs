#![no_main]
//! JWK parsing into public and private keys.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(jwk) = did_core::key::Jwk::from_json(s) {
            let _ = jwk.thumbprint();
            if let Ok(key) = did_core::key::VerifyingKey::from_jwk(&jwk) {
                assert_eq!(did_core::key::VerifyingKey::from_jwk(&key.to_jwk()).ok(), Some(key));
            }
            let _ = did_core::key::SigningKey::from_jwk(&jwk);
        }
    }
});
