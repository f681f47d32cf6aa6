#![no_main]
//! The `document` fuzz target. Its code is in `fuzz/bodies/document.rs`, which
//! `tests/tests/fuzz_corpora.rs` also runs over its seeds (`fuzz/seeds/`) in every test run.
#[path = "../bodies/document.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
