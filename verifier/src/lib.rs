//! Dojang verifier: the decision engine and the door/kiosk service.
//!
//! This release ships the verification engine ([`verify::Verifier`]: VC-JOSE-COSE, VC 1.1 JWT,
//! SD-JWT VC and Data Integrity credentials and presentations, with status) and its command
//! line (`verifier resolve`, `verifier verify`); the policy engine, trust bundles and
//! OpenID4VP follow in later releases. The CLI logic lives here, as functions the binary and
//! the tests both call.

#![forbid(unsafe_code)]

pub mod bundle;
pub mod cli;
pub mod decision;
pub mod decision_log;
pub mod error;
pub mod files;
pub mod nonce;
pub mod oid4vp;
pub mod policy;
pub mod qr;
pub mod reason;
pub mod registry;
pub mod report;
pub mod serve;
pub mod service;
pub mod verify;
pub mod x509;

pub use error::Error;
