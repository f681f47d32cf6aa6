//! Dojang verifier: the decision engine and the door/kiosk service.
//!
//! This release ships the verification engine ([`verify::Verifier`]: VC-JOSE-COSE, VC 1.1 JWT,
//! SD-JWT VC and Data Integrity credentials and presentations, with status) and its command
//! line (`verifier resolve`, `verifier verify`); the policy engine, trust bundles and
//! OpenID4VP follow in later releases. The CLI logic lives here, as functions the binary and
//! the tests both call.

#![forbid(unsafe_code)]

pub mod cli;
pub mod error;
pub mod qr;
pub mod reason;
pub mod registry;
pub mod report;
pub mod verify;
pub mod x509;

pub use error::Error;
