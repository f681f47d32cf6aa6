#![no_main]
//! The `x509_chain` fuzz target. Its code is in `fuzz/bodies/x509_chain.rs`, which
//! `tests/tests/fuzz_corpora.rs` also runs over its seeds (`fuzz/seeds/`) in every test run.
#[path = "../bodies/x509_chain.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
