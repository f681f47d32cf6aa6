//! Fuzzes the DID document parsers (both representations): no input may panic.

/// Runs one input; the `document` fuzz target and the corpus replay test call this.
pub fn run(data: &[u8]) {
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = did_core::document::Document::from_json(s);
        if let Ok(document) = did_core::document::Document::from_json_ld(s) {
            let _ = document.to_json();
        }
    }
}
