#![no_main]
//! The `trust_bundle` fuzz target. Its code is in `fuzz/bodies/trust_bundle.rs`, which
//! `tests/tests/fuzz_corpora.rs` also runs over its seeds (`fuzz/seeds/`) in every test run.
#[path = "../bodies/trust_bundle.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
