#![no_main]
//! The `wallet_input` fuzz target. Its code is in `fuzz/bodies/wallet_input.rs`, which
//! `tests/tests/fuzz_corpora.rs` also runs over its seeds (`fuzz/seeds/`) in every test run.
#[path = "../bodies/wallet_input.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
