//! Dojang verifier: the decision engine, offline trust bundles and the door/kiosk service.
//!
//! [`decision::Engine::verify`] checks a credential or presentation against a door's
//! [`policy::Policy`] and answers a [`decision::Decision`] (allow or deny, with
//! [`reason::ReasonCode`]s in Korean and English) or an [`Error`] when it cannot check.
//! [`bundle`] makes and loads signed offline trust bundles, [`oid4vp`] and [`qr`] carry the
//! online and offline wallet flows, and `service` is the HTTP service behind
//! `verifier serve`. The CLI logic lives here, as functions the binary and the tests both
//! call. See the crate's README for the policy format and operations.
//!
//! Features: `service` (the door's HTTP service: axum, tokio) and `cli` (the command line:
//! clap, with the service), both on by default. An app that embeds the engine (the phone
//! library, `bindings`) takes neither: `default-features = false`.

#![forbid(unsafe_code)]

pub mod bundle;
#[cfg(feature = "cli")]
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
#[cfg(feature = "cli")]
pub mod registry;
pub mod report;
#[cfg(feature = "cli")]
pub mod serve;
#[cfg(feature = "service")]
pub mod service;
pub mod verify;
pub mod x509;

pub use error::Error;
