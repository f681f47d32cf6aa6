//! One encoding per key: whatever public key decodes, from raw bytes, a Multikey or a JWK,
//! encodes back to exactly the input it was decoded from.
//!
//! The first byte picks the key type (P-256, P-384, Ed25519) and the wire form; the rest is
//! the key's bytes, so the fuzzer mutates points rather than base58 or JSON text. Text inputs
//! are also tried as a Multikey and as a JWK as they are.
use did_core::key::{Jwk, KeyType, VerifyingKey};

/// Runs one input; the `key_roundtrip` fuzz target and the corpus replay test call this.
pub fn run(data: &[u8]) {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let key_type = match selector % 3 {
        0 => KeyType::P256,
        1 => KeyType::P384,
        _ => KeyType::Ed25519,
    };
    match (selector / 3) % 3 {
        0 => raw(key_type, bytes),
        1 => multikey(key_type, bytes),
        _ => jwk(key_type, bytes),
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(key) = VerifyingKey::from_multikey(text) {
            assert_eq!(key.to_multikey(), text);
        }
        if let Ok(parsed) = Jwk::from_json(text)
            && let Ok(key) = VerifyingKey::from_jwk(&parsed)
        {
            let again = key.to_jwk();
            assert_eq!((&again.x, &again.y), (&parsed.x, &parsed.y));
        }
    }
}

/// Raw bytes: a SEC1 point (either form) or the 32 bytes of an Ed25519 key.
fn raw(key_type: KeyType, bytes: &[u8]) {
    if let Ok(key) = VerifyingKey::from_bytes(key_type, bytes) {
        let again = match key_type {
            KeyType::Ed25519 => key.as_bytes().to_vec(),
            _ if bytes.first() == Some(&0x04) => key.as_bytes().to_vec(),
            _ => key.to_compressed_bytes(),
        };
        assert_eq!(again, bytes, "{key_type} key bytes changed in a round trip");
        assert_eq!(VerifyingKey::from_multikey(&key.to_multikey()).ok(), Some(key));
    }
}

/// The bytes behind the key type's multicodec, as a Multikey (and so as a did:key).
fn multikey(key_type: KeyType, bytes: &[u8]) {
    let prefix: &[u8] = match key_type {
        KeyType::P256 => &[0x80, 0x24],
        KeyType::P384 => &[0x81, 0x24],
        _ => &[0xed, 0x01],
    };
    let value = did_core::multibase::encode(did_core::multibase::Base::Base58Btc, &[prefix, bytes].concat());
    if let Ok(key) = VerifyingKey::from_multikey(&value) {
        assert_eq!(key.to_multikey(), value, "{key_type} Multikey changed in a round trip");
        assert_eq!(key.to_compressed_bytes(), bytes);
    }
}

/// The bytes as a JWK's coordinates: x, then y for the EC curves.
fn jwk(key_type: KeyType, bytes: &[u8]) {
    let n = key_type.scalar_len();
    let encode = |b: &[u8]| {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
    };
    let (x, y) = match key_type {
        KeyType::Ed25519 => (encode(bytes), None),
        _ => {
            let split = bytes.len().min(n);
            (encode(&bytes[..split]), Some(encode(&bytes[split..])))
        }
    };
    let jwk = Jwk {
        kty: key_type.jwk_kty().to_owned(),
        crv: Some(key_type.jwk_crv().to_owned()),
        x: Some(x),
        y,
        ..Jwk::default()
    };
    if let Ok(key) = VerifyingKey::from_jwk(&jwk) {
        let again = key.to_jwk();
        assert_eq!(
            (&again.x, &again.y),
            (&jwk.x, &jwk.y),
            "{key_type} JWK changed in a round trip"
        );
        let uncompressed = [&[0x04u8][..], bytes].concat();
        match key_type {
            KeyType::Ed25519 => assert_eq!(key.as_bytes(), bytes),
            _ => assert_eq!(key.as_bytes(), uncompressed.as_slice()),
        }
    }
}
