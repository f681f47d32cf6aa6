//! The vc-issuer integration tests in one test binary: each module below is one file of
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

mod backup;
mod bulk;
mod card;
mod cli;
mod common;
mod concurrency;
mod crash;
mod faults;
mod issuance_clock;
mod keys;
mod oid4vci;
#[path = "../../test-support/process.rs"]
mod process;
mod rotation;
mod service;
#[path = "../../test-support/softhsm.rs"]
mod softhsm;
mod store;
mod tls;
