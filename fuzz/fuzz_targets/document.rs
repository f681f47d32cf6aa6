//! Fuzzes the DID document parsers (both representations): no input may panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = did_core::document::Document::from_json(s);
        if let Ok(document) = did_core::document::Document::from_json_ld(s) {
            let _ = document.to_json();
        }
    }
});
