//! Dojang `vc-issuer`: the issuer service and its command line.
//!
//! `vc-issuer serve` runs the service on embedded defaults (SQLite under `./data`, an
//! in-process did:dojang registry, a generated issuer key and admin token); see
//! [`config::Config`] for everything that can be changed. The pieces:
//!
//! - [`issue`]: securing a credential in each format (SD-JWT VC, VC-JOSE, VC 1.1 JWT, Data
//!   Integrity), with a software key or any [`did_core::key::Signer`] (PKCS#11).
//! - [`templates`]: credential types as data (claims, JSON Schema, SD-JWT VC type metadata).
//! - [`store`]: issued-credential records, status-list slots, tokens, offers and the audit
//!   log in SQLite or PostgreSQL.
//! - [`service`]: the HTTP routes (admin API, W3C VC-API, OpenID4VCI, status lists).
//! - [`offer_qr`]: QR codes (SVG, PNG) of OpenID4VCI credential offer links.
//! - [`backup`]: `vc-issuer backup` and `restore`, taken while the service runs.
//! - [`bulk`]: `vc-issuer bulk-issue`, one credential offer per row of a CSV file.
//! - [`keys`]: the issuer key: a key file (owner-only or sealed with a passphrase) or a
//!   PKCS#11 token.
//! - [`tls`]: HTTPS with rustls, optionally asking for client certificates (mutual TLS for
//!   the admin API).

#![forbid(unsafe_code)]

pub mod backup;
pub mod bulk;
pub mod card;
pub mod cli;
pub mod config;
mod error;
mod holder_dids;
pub mod issuance;
pub mod issue;
pub mod issuer_did;
mod json;
pub mod key_file;
pub mod key_rotation;
pub mod keys;
mod offer_link;
pub mod offer_qr;
pub mod operator;
pub mod pin_key;
mod prepare;
mod private_fs;
pub mod sd_jwt_claims;
pub mod server;
pub mod service;
pub mod store;
pub mod templates;
pub mod tls;

pub use error::{Error, StorageError};
