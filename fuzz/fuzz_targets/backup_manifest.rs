#![no_main]
//! The `backup_manifest` fuzz target. Its code is in `fuzz/bodies/backup_manifest.rs`, which
//! `tests/tests/fuzz_corpora.rs` also runs over its seeds (`fuzz/seeds/`) in every test run.
#[path = "../bodies/backup_manifest.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
