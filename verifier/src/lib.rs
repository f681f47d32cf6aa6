//! Dojang verifier: the decision engine and the door/kiosk service.
//!
//! This release ships the command-line front end (`verifier resolve`); the policy
//! engine, trust bundles and OpenID4VP follow in later releases. The CLI logic lives
//! here, as functions the binary and the tests both call.

#![forbid(unsafe_code)]

pub mod cli;
