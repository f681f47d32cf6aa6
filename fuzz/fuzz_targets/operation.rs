#![no_main]
//! Placeholder: filled with the registry-anchor module it exercises.
use registry_anchor as _;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = data;
});
