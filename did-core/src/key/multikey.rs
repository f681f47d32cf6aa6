//! Multikey encoding: multibase base58btc of an unsigned-varint multicodec prefix and the key.

use super::{KeyError, KeyType};
use crate::multibase::{self, Base};

/// Multicodec `p256-pub` (0x1200).
pub const MULTICODEC_P256_PUB: u64 = 0x1200;
/// Multicodec `p384-pub` (0x1201).
pub const MULTICODEC_P384_PUB: u64 = 0x1201;
/// Multicodec `ed25519-pub` (0xed).
pub const MULTICODEC_ED25519_PUB: u64 = 0xed;
const MULTICODEC_P256_PRIV: u64 = 0x1306;
const MULTICODEC_P384_PRIV: u64 = 0x1307;
const MULTICODEC_ED25519_PRIV: u64 = 0x1300;

/// Reads an unsigned varint (at most 9 bytes, minimal encoding) and returns it with the rest.
pub(crate) fn read_varint(bytes: &[u8]) -> Result<(u64, &[u8]), KeyError> {
    let mut value: u64 = 0;
    for (i, byte) in bytes.iter().enumerate().take(9) {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            if i > 0 && *byte == 0 {
                return Err(KeyError::InvalidMultikey("non-minimal varint"));
            }
            return Ok((value, bytes.get(i + 1..).unwrap_or_default()));
        }
    }
    Err(KeyError::InvalidMultikey("truncated varint"))
}

/// Appends `value` as an unsigned varint.
pub(crate) fn write_varint(mut value: u64, out: &mut Vec<u8>) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn decode(value: &str) -> Result<(u64, Vec<u8>), KeyError> {
    let (base, bytes) = multibase::decode(value).map_err(|_| KeyError::InvalidMultikey("not multibase"))?;
    if base != Base::Base58Btc {
        return Err(KeyError::InvalidMultikey("Multikey must use base58btc ('z')"));
    }
    let (code, key) = read_varint(&bytes)?;
    Ok((code, key.to_vec()))
}

fn encode(code: u64, key: &[u8]) -> String {
    let mut bytes = Vec::with_capacity(key.len() + 3);
    write_varint(code, &mut bytes);
    bytes.extend_from_slice(key);
    multibase::encode(Base::Base58Btc, &bytes)
}

/// Decodes a public Multikey into its key type and key bytes (compressed SEC1 or Ed25519).
pub(crate) fn decode_public(value: &str) -> Result<(KeyType, Vec<u8>), KeyError> {
    let (code, key) = decode(value)?;
    let (key_type, len) = match code {
        MULTICODEC_P256_PUB => (KeyType::P256, 33),
        MULTICODEC_P384_PUB => (KeyType::P384, 49),
        MULTICODEC_ED25519_PUB => (KeyType::Ed25519, 32),
        other => return Err(KeyError::UnsupportedKeyType(format!("multicodec 0x{other:x}"))),
    };
    if key.len() != len {
        // EC keys in a Multikey are compressed.
        return Err(KeyError::WrongKeyLength {
            key_type,
            expected: len,
            found: key.len(),
        });
    }
    Ok((key_type, key))
}

/// Encodes a public key (compressed SEC1 or Ed25519 bytes) as a Multikey.
pub(crate) fn encode_public(key_type: KeyType, key: &[u8]) -> String {
    let code = match key_type {
        KeyType::P256 => MULTICODEC_P256_PUB,
        KeyType::P384 => MULTICODEC_P384_PUB,
        KeyType::Ed25519 => MULTICODEC_ED25519_PUB,
    };
    encode(code, key)
}

/// Decodes a `secretKeyMultibase` value into its key type and secret bytes.
pub(crate) fn decode_secret(value: &str) -> Result<(KeyType, zeroize::Zeroizing<Vec<u8>>), KeyError> {
    let (code, key) = decode(value)?;
    let key = zeroize::Zeroizing::new(key);
    let key_type = match code {
        MULTICODEC_P256_PRIV => KeyType::P256,
        MULTICODEC_P384_PRIV => KeyType::P384,
        MULTICODEC_ED25519_PRIV => KeyType::Ed25519,
        other => return Err(KeyError::UnsupportedKeyType(format!("multicodec 0x{other:x}"))),
    };
    Ok((key_type, key))
}

/// Encodes a secret key as a `secretKeyMultibase` value.
pub(crate) fn encode_secret(key_type: KeyType, secret: &[u8]) -> zeroize::Zeroizing<String> {
    let code = match key_type {
        KeyType::P256 => MULTICODEC_P256_PRIV,
        KeyType::P384 => MULTICODEC_P384_PRIV,
        KeyType::Ed25519 => MULTICODEC_ED25519_PRIV,
    };
    let mut bytes = zeroize::Zeroizing::new(Vec::with_capacity(secret.len() + 2));
    write_varint(code, &mut bytes);
    bytes.extend_from_slice(secret);
    zeroize::Zeroizing::new(multibase::encode(Base::Base58Btc, &bytes))
}

/// Multicodec `x25519-pub` (0xec).
const MULTICODEC_X25519_PUB: u64 = 0xec;

/// The X25519 key-agreement Multikey that an Ed25519 key converts to (Edwards to
/// Montgomery), as did:key documents list under `keyAgreement`.
pub(crate) fn x25519_from_ed25519(ed25519: &[u8]) -> Option<String> {
    let raw: [u8; 32] = ed25519.try_into().ok()?;
    let key = ed25519_dalek::VerifyingKey::from_bytes(&raw).ok()?;
    Some(encode(MULTICODEC_X25519_PUB, key.to_montgomery().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varint_round_trip_and_prefixes() {
        for (code, prefix) in [
            (0x1200u64, vec![0x80, 0x24]),
            (0xed, vec![0xed, 0x01]),
            (0x1306, vec![0x86, 0x26]),
        ] {
            let mut out = Vec::new();
            write_varint(code, &mut out);
            assert_eq!(out, prefix);
            assert_eq!(read_varint(&out).unwrap(), (code, &[][..]));
        }
        assert!(read_varint(&[0x80, 0x00]).is_err(), "non-minimal");
        assert!(read_varint(&[0x80]).is_err(), "truncated");
        assert!(read_varint(&[]).is_err(), "empty");
    }
}
