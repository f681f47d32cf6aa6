#![no_main]
//! The `key_roundtrip` fuzz target. Its code is in `fuzz/bodies/key_roundtrip.rs`, which
//! `tests/tests/fuzz_corpora.rs` also runs over its seeds (`fuzz/seeds/`) in every test run.
#[path = "../bodies/key_roundtrip.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
