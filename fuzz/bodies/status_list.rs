//! Status lists: arbitrary bytes into both list decoders (W3C `encodedList`, IETF `lst`),
//! the raw inflaters behind them, and the entry, subject, claim and token parsers. Must
//! never panic, and whatever decodes must read back consistently.
use did_core::status::{
    BitstringStatusList, BitstringStatusListEntry, BitstringStatusListSubject, DecodeLimits, StatusListClaim,
    StatusListReference, StatusListToken, TokenStatusList,
};

/// Small caps, so the fuzzer spends its time on parsing rather than on inflating.
const LIMITS: DecodeLimits = DecodeLimits::new(64 * 1024, 1024 * 1024);

/// Runs one input; the `status_list` fuzz target and the corpus replay test call this.
pub fn run(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let size = selector % 9 + 1; // 1..=9: 9 must be refused
    if let Ok(text) = std::str::from_utf8(rest) {
        if let Ok(list) = BitstringStatusList::decode_with_limits(text, size, &LIMITS) {
            assert!(list.len() >= did_core::status::MIN_ENTRIES);
            for (index, value) in list.iter_nonzero().take(64) {
                assert_eq!(list.get(index).ok(), Some(value));
            }
            assert!(list.get(list.len()).is_err());
        }
        if let Ok(list) = TokenStatusList::from_lst_with_limits(size, text, &LIMITS) {
            for (index, value) in list.iter_nonzero().take(64) {
                assert_eq!(list.get(index).ok(), Some(value));
            }
            assert!(list.get(list.len()).is_err());
        }
        let _ = StatusListToken::decode_unverified(text);
    }
    // The raw bytes as if they were the compressed payloads.
    let b64 = base64_url(rest);
    let _ = BitstringStatusList::decode_with_limits(&format!("u{b64}"), size, &LIMITS);
    let _ = TokenStatusList::from_lst_with_limits(size, &b64, &LIMITS);

    // The JSON parsers.
    if let Ok(entry) = BitstringStatusListEntry::from_json(rest) {
        // What we parse, we can write and parse back to the same entry.
        let again = BitstringStatusListEntry::from_json_value(&entry.to_json_value());
        assert_eq!(again.as_ref(), Ok(&entry));
    }
    if let Ok(subject) = BitstringStatusListSubject::from_json(rest) {
        let again = BitstringStatusListSubject::from_json_value(&subject.to_json_value());
        assert_eq!(again.as_ref(), Ok(&subject));
        let _ = subject.decode_list(size, &LIMITS);
    }
    let _ = StatusListReference::from_claims_json(rest);
    if let Ok(claim) = StatusListClaim::from_json(rest) {
        let _ = claim.decode(&LIMITS);
        assert_eq!(
            StatusListClaim::from_json_value(&claim.to_json_value()).as_ref(),
            Ok(&claim)
        );
    }
    if let Ok(token) = StatusListToken::from_claims_json(rest) {
        assert_eq!(StatusListToken::from_claims(&token.to_claims()).as_ref(), Ok(&token));
    }
}

/// Unpadded base64url, written out here to keep the fuzz crate's dependencies small.
fn base64_url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
}
