//! Multibase decoding and Multikey parsing on arbitrary strings.
/// Runs one input; the `multibase` fuzz target and the corpus replay test call this.
pub fn run(data: &[u8]) {
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok((base, bytes)) = did_core::multibase::decode(s) {
            // Whatever decodes must re-encode and decode to the same bytes.
            let again = did_core::multibase::decode(&did_core::multibase::encode(base, &bytes));
            assert_eq!(again.map(|(_, b)| b).ok(), Some(bytes));
        }
        let _ = did_core::key::VerifyingKey::from_multikey(s);
        let _ = did_core::key::SigningKey::from_multikey(s);
    }
}
