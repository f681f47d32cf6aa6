//! VC Data Model: arbitrary bytes as a credential and as a presentation. Must never panic,
//! and whatever is accepted must hold the invariants the checks promise.
use did_core::vc::{Credential, EmbeddedCredential, Presentation};

/// Runs one input; the `vc` fuzz target and the corpus replay test call this.
pub fn run(data: &[u8]) {
    if let Ok(credential) = Credential::from_slice(data) {
        assert!(credential.types().iter().any(|t| t == "VerifiableCredential"));
        assert!(!credential.issuer().is_empty());
        assert!(!credential.subjects().is_empty());
        if let (Some(from), Some(until)) = (credential.valid_from(), credential.valid_until()) {
            assert!(from <= until);
        }
    }
    if let Ok(presentation) = Presentation::from_slice(data) {
        for embedded in presentation.credentials() {
            if let EmbeddedCredential::Object(credential) = embedded {
                assert!(!credential.issuer().is_empty());
            }
        }
    }
}
