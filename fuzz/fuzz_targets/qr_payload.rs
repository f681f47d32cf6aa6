#![no_main]
//! The `qr_payload` fuzz target. Its code is in `fuzz/bodies/qr_payload.rs`, which
//! `tests/tests/fuzz_corpora.rs` also runs over its seeds (`fuzz/seeds/`) in every test run.
#[path = "../bodies/qr_payload.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
