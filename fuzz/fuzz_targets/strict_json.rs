#![no_main]
//! The `strict_json` fuzz target. Its code is in `fuzz/bodies/strict_json.rs`, which
//! `tests/tests/fuzz_corpora.rs` also runs over its seeds (`fuzz/seeds/`) in every test run.
#[path = "../bodies/strict_json.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
