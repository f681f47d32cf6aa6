//! The did-core integration tests in one test binary: each module below is one file of
//! this folder. One binary links once, where one binary per file took gigabytes of disk
//! and minutes of linking in CI. The lint allowances below cover every module: test code
//! fails loudly by design.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;
mod data_integrity;
mod data_integrity_contexts;
mod data_integrity_vectors;
mod did_syntax;
mod document;
mod interop_jose_js;
mod interop_peers;
mod jws;
mod key_encodings;
mod keys;
mod multibase;
mod resolve;
mod sd_jwt;
mod sd_jwt_holder_did;
mod sd_jwt_rules;
mod status_list;
mod vc_jwt;
mod vc_model;
