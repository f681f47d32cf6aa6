//! VC Data Model: arbitrary bytes as a credential and as a presentation, and as a credential
//! or presentation JWT (VC-JOSE-COSE or VC 1.1) verified through did:key. Must never panic,
//! and whatever is accepted must hold the invariants the checks promise.
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, UNIX_EPOCH};

use did_core::clock::FixedClock;
use did_core::resolve::KeyResolver;
use did_core::vc::jwt::{self, JwtVerifyOptions};
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
    if let Ok(token) = std::str::from_utf8(data) {
        jwts(token);
    }
}

/// The input as a credential JWT and as a presentation JWT. did:key resolution does no I/O,
/// so each future is ready on its first poll.
fn jwts(token: &str) {
    // 2027-01-15.
    let clock = FixedClock::new(UNIX_EPOCH + Duration::from_secs(1_800_000_000));
    let options = JwtVerifyOptions {
        clock: &clock,
        skew: Duration::from_secs(60),
        expected: None,
    };
    if let Some(Ok(verified)) = ready(jwt::verify_credential(token, &KeyResolver, &options)) {
        // The signer is a key of the credential's issuer.
        let issuer = verified.credential.issuer();
        assert!(verified.verification_method.starts_with(&format!("{issuer}#")));
    }
    if let Some(Ok(verified)) = ready(jwt::verify_presentation(token, &KeyResolver, &options)) {
        assert!(verified.verification_method.starts_with("did:key:"));
    }
}

/// The future's output if it is ready on its first poll.
fn ready<F: Future>(future: F) -> Option<F::Output> {
    match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => Some(output),
        Poll::Pending => None,
    }
}
