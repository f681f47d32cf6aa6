#![no_main]
//! The `data_integrity` fuzz target. Its code is in `fuzz/bodies/data_integrity.rs`, which
//! `tests/tests/fuzz_corpora.rs` also runs over its seeds (`fuzz/seeds/`) in every test run.
#[path = "../bodies/data_integrity.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
