//! Dojang `vc-issuer`: issuer keys and credential issuance.
//!
//! This release ships the command line (`vc-issuer keygen`, `vc-issuer issue`) over
//! [`issue::issue`], which secures a credential in any format did-core supports; the issuer
//! service with its database and registry follows in a later release.

#![forbid(unsafe_code)]

pub mod cli;
mod error;
pub mod issue;
pub mod key_file;
pub mod sd_jwt_claims;

pub use error::Error;
