//! The tests integration tests in one test binary: each module below is one file of
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

mod access_control;
mod common;
mod did_resolution_interop;
mod digital_bazaar_interop;
mod fuzz_corpora;
mod key_rotation;
mod key_transition_interop;
mod log_secrets;
mod metrics_interop;
mod module_cycles;
mod openapi;
mod openid4vc_interop;
mod problems;
#[path = "../../test-support/process.rs"]
mod process;
mod province;
mod readme;
#[path = "../../test-support/softhsm.rs"]
mod softhsm;
mod type_metadata_interop;
