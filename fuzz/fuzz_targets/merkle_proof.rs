#![no_main]
//! The `merkle_proof` fuzz target. Its code is in `fuzz/bodies/merkle_proof.rs`, which
//! `tests/tests/fuzz_corpora.rs` also runs over its seeds (`fuzz/seeds/`) in every test run.
#[path = "../bodies/merkle_proof.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
