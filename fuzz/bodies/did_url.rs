//! Fuzzes the DID and DID URL parsers and relative resolution: no input may panic.

/// Runs one input; the `did_url` fuzz target and the corpus replay test call this.
pub fn run(data: &[u8]) {
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = did_core::did::DidUrl::parse(s);
        let _ = did_core::did::Did::parse(s);
        if let Ok(base) = did_core::did::Did::parse("did:example:123") {
            let _ = did_core::did::DidUrl::resolve_relative(&base, s);
        }
    }
}
