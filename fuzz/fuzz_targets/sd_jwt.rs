#![no_main]
//! The `sd_jwt` fuzz target. Its code is in `fuzz/bodies/sd_jwt.rs`, which
//! `tests/tests/fuzz_corpora.rs` also runs over its seeds (`fuzz/seeds/`) in every test run.
#[path = "../bodies/sd_jwt.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
