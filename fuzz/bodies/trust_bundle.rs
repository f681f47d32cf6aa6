//! Trust bundle loading against a fixed operator key: must never panic, and nothing the fuzzer
//! makes up may load. Inputs starting with byte 0 have the rest signed by the operator key
//! first, so the content checks (JSON shape, registry snapshot, documents, status lists) are
//! reached too.
use std::sync::OnceLock;

use did_core::jose::{self, Header};
use did_core::key::{KeyType, SigningKey, VerifyingKey};
use registry_anchor::resolution::ResolutionVerifier;
use verifier::bundle::{BUNDLE_TYP, TrustBundle};

fn operator() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| SigningKey::generate(KeyType::P256).unwrap())
}

/// The RFC 7515 A.3 P-256 public key: no bundle the fuzzer makes up is signed by it.
fn stranger() -> &'static VerifyingKey {
    static KEY: OnceLock<VerifyingKey> = OnceLock::new();
    KEY.get_or_init(|| {
        let jwk = r#"{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}"#;
        VerifyingKey::from_jwk(&did_core::key::Jwk::from_json(jwk).unwrap()).unwrap()
    })
}

fn registry() -> &'static ResolutionVerifier {
    static VERIFIER: OnceLock<ResolutionVerifier> = OnceLock::new();
    VERIFIER.get_or_init(|| {
        let key = operator().verifying_key().clone();
        let log = registry_anchor::resolution::default_log_id(&key);
        ResolutionVerifier::new(key, log)
    })
}

/// Runs one input; the `trust_bundle` fuzz target and the corpus replay test call this.
pub fn run(data: &[u8]) {
    if let Some((0, payload)) = data.split_first() {
        let header = Header::new(operator().verifying_key().algorithm()).with_typ(BUNDLE_TYP);
        if let Ok(signed) = jose::sign_with_key(header, payload, operator()) {
            let _ = TrustBundle::load(signed.as_bytes(), operator().verifying_key(), Some(registry()));
            let _ = TrustBundle::load(signed.as_bytes(), operator().verifying_key(), None);
        }
        return;
    }
    assert!(TrustBundle::load(data, stranger(), Some(registry())).is_err());
    assert!(TrustBundle::load(data, operator().verifying_key(), None).is_err());
}
