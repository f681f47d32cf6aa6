#![no_main]
//! The `oid4vp_request` fuzz target. Its code is in `fuzz/bodies/oid4vp_request.rs`, which
//! `tests/tests/fuzz_corpora.rs` also runs over its seeds (`fuzz/seeds/`) in every test run.
#[path = "../bodies/oid4vp_request.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
