//! The one accepted encoding of a public key of each type.
//!
//! A key decodes only from its canonical bytes, so that two DIDs, two Multikeys or two JWKs
//! never name the same key, and encoding a decoded key again gives exactly the bytes it came
//! from:
//!
//! - **P-256, P-384**: SEC1 compressed (`0x02`/`0x03` ‖ x) or uncompressed (`0x04` ‖ x ‖ y),
//!   of exactly that length, with coordinates below the field prime and the point on the
//!   curve. The identity (`0x00`), the compact form (`0x05` ‖ x) and the hybrid forms
//!   (`0x06`/`0x07`) are refused.
//! - **Ed25519**: the 32 bytes of RFC 8032 §5.1.2 with y below the field prime, a point on the
//!   curve and not of small order (the identity among them).
//!
//! Compressed points are decompressed here by RustCrypto and compressed again to prove they
//! were canonical; uncompressed points go to the signature backend, which checks the
//! coordinates and the curve equation as it parses them (aws-lc and RustCrypto both do; the
//! tests run the same refusals under each).

use p256::elliptic_curve::sec1::ToEncodedPoint as _;

use super::{KeyError, KeyType};

/// SEC1 tag of a compressed point whose y is even.
const COMPRESSED_EVEN: u8 = 0x02;
/// SEC1 tag of a compressed point whose y is odd.
const COMPRESSED_ODD: u8 = 0x03;
/// SEC1 tag of an uncompressed point.
const UNCOMPRESSED: u8 = 0x04;

/// Checks an EC public key's SEC1 encoding and returns the uncompressed point.
///
/// An uncompressed point is returned as it is; the backend must still parse it (and so check
/// it) before the key is used.
pub(super) fn ec(key_type: KeyType, bytes: &[u8]) -> Result<Box<[u8]>, KeyError> {
    let n = key_type.scalar_len();
    let invalid = |reason| KeyError::InvalidKey { key_type, reason };
    match bytes.first().copied() {
        Some(UNCOMPRESSED) if bytes.len() == 1 + 2 * n => Ok(Box::from(bytes)),
        Some(COMPRESSED_EVEN | COMPRESSED_ODD) if bytes.len() == 1 + n => decompress(key_type, bytes),
        // The length of the other form: the bytes are a key's length, the tag the wrong one
        // (a Multikey or did:key, always compressed, with the uncompressed tag, say).
        Some(UNCOMPRESSED | COMPRESSED_EVEN | COMPRESSED_ODD) if bytes.len() == 1 + n || bytes.len() == 1 + 2 * n => {
            Err(invalid("the SEC1 tag does not match the point's length"))
        }
        Some(UNCOMPRESSED) => Err(KeyError::WrongKeyLength {
            key_type,
            expected: 1 + 2 * n,
            found: bytes.len(),
        }),
        Some(COMPRESSED_EVEN | COMPRESSED_ODD) => Err(KeyError::WrongKeyLength {
            key_type,
            expected: 1 + n,
            found: bytes.len(),
        }),
        Some(0x00) => Err(invalid("the point at infinity is not a public key")),
        Some(_) => Err(invalid(
            "a SEC1 point is compressed (0x02/0x03) or uncompressed (0x04); compact and hybrid forms are refused",
        )),
        None => Err(KeyError::WrongKeyLength {
            key_type,
            expected: 1 + n,
            found: 0,
        }),
    }
}

/// Decompresses a compressed point, refusing it unless compressing the result gives the same
/// bytes back (x below the field prime, the tag naming y's parity).
fn decompress(key_type: KeyType, bytes: &[u8]) -> Result<Box<[u8]>, KeyError> {
    let decoded: Option<(Box<[u8]>, bool)> = match key_type {
        KeyType::P256 => p256::PublicKey::from_sec1_bytes(bytes).ok().map(|point| {
            (
                Box::from(point.to_encoded_point(false).as_bytes()),
                point.to_encoded_point(true).as_bytes() == bytes,
            )
        }),
        KeyType::P384 => p384::PublicKey::from_sec1_bytes(bytes).ok().map(|point| {
            (
                Box::from(point.to_encoded_point(false).as_bytes()),
                point.to_encoded_point(true).as_bytes() == bytes,
            )
        }),
        KeyType::Ed25519 => None,
    };
    match decoded {
        Some((uncompressed, true)) => Ok(uncompressed),
        Some((_, false)) => Err(KeyError::InvalidKey {
            key_type,
            reason: "x is not below the field prime",
        }),
        None => Err(KeyError::InvalidKey {
            key_type,
            reason: "x is not the x-coordinate of a point on the curve",
        }),
    }
}

/// Checks an Ed25519 public key's encoding and returns its 32 bytes.
pub(super) fn ed25519(bytes: &[u8]) -> Result<Box<[u8]>, KeyError> {
    let key_type = KeyType::Ed25519;
    let raw: [u8; 32] = bytes.try_into().map_err(|_| KeyError::WrongKeyLength {
        key_type,
        expected: 32,
        found: bytes.len(),
    })?;
    let key = ed25519_dalek::VerifyingKey::from_bytes(&raw).map_err(|_| KeyError::InvalidKey {
        key_type,
        reason: "not the encoding of a point on the curve",
    })?;
    if key.is_weak() {
        return Err(KeyError::InvalidKey {
            key_type,
            reason: "Ed25519 point of small order",
        });
    }
    // curve25519-dalek reduces y modulo p as it decompresses, so y + p decodes too.
    if key.to_edwards().compress().as_bytes() != &raw {
        return Err(KeyError::InvalidKey {
            key_type,
            reason: "y is not below the field prime",
        });
    }
    Ok(Box::from(raw.as_slice()))
}
