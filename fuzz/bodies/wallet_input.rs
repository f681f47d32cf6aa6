//! What a phone wallet reads from outside: credential offer links (scanned QR codes), the
//! records the app's store hands back, and the platform signer's signatures. Must never
//! panic. The first byte picks the parser.
/// Runs one input; the `wallet_input` fuzz target and the corpus replay test call this.
pub fn run(data: &[u8]) {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    match which % 3 {
        0 => {
            if let Ok(text) = std::str::from_utf8(rest) {
                dojang::fuzzing::offer_link(text);
            }
        }
        1 => {
            if let Ok(text) = std::str::from_utf8(rest) {
                dojang::fuzzing::stored_record(text);
            }
        }
        _ => dojang::fuzzing::platform_signature(rest),
    }
}
