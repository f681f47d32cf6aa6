#![no_main]
//! The `dcql_query` fuzz target. Its code is in `fuzz/bodies/dcql_query.rs`, which
//! `tests/tests/fuzz_corpora.rs` also runs over its seeds (`fuzz/seeds/`) in every test run.
#[path = "../bodies/dcql_query.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
