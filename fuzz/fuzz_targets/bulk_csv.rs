#![no_main]
//! The `bulk_csv` fuzz target. Its code is in `fuzz/bodies/bulk_csv.rs`, which
//! `tests/tests/fuzz_corpora.rs` also runs over its seeds (`fuzz/seeds/`) in every test run.
#[path = "../bodies/bulk_csv.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
