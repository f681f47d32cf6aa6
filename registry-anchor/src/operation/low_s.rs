//! Low-S ECDSA signatures: for every ECDSA signature `(r, s)` the pair `(r, n - s)` verifies
//! too, so anyone could re-sign an operation into a different compact JWS (and a different
//! operation hash). Operations therefore require `s <= n / 2` (as Bitcoin's BIP 62/146 do),
//! and the signers here normalize. Ed25519 signatures are not malleable this way.

use did_core::key::KeyType;

/// The order of the P-256 group, big-endian.
const P256_ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa,
    0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

/// The order of the P-384 group, big-endian.
const P384_ORDER: [u8; 48] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xc7, 0x63, 0x4d, 0x81, 0xf4, 0x37, 0x2d, 0xdf, 0x58, 0x1a, 0x0d, 0xb2, 0x48, 0xb0,
    0xa7, 0x7a, 0xec, 0xec, 0x19, 0x6a, 0xcc, 0xc5, 0x29, 0x73,
];

fn order(key_type: KeyType) -> Option<&'static [u8]> {
    match key_type {
        KeyType::P256 => Some(&P256_ORDER),
        KeyType::P384 => Some(&P384_ORDER),
        _ => None,
    }
}

/// `2 * s > n`, comparing big-endian byte strings of equal length.
fn is_high(s: &[u8], n: &[u8]) -> bool {
    // Compare s with n/2 without computing it: double s (with its carry out) and compare with n.
    let mut doubled = vec![0u8; s.len()];
    let mut carry = 0u8;
    for (out, byte) in doubled.iter_mut().zip(s).rev() {
        *out = (byte << 1) | carry;
        carry = byte >> 7;
    }
    carry == 1 || doubled.as_slice() > n
}

/// Whether a raw `r || s` signature of `key_type` has a high S (always `false` for Ed25519).
pub(crate) fn is_high_s(key_type: KeyType, signature: &[u8]) -> bool {
    let Some(n) = order(key_type) else {
        return false;
    };
    signature
        .get(n.len()..)
        .is_some_and(|s| s.len() == n.len() && is_high(s, n))
}

/// Rewrites a raw ECDSA `r || s` signature to low-S form (`s := n - s` when `s > n / 2`).
pub(crate) fn normalize(key_type: KeyType, signature: &mut [u8]) {
    let Some(n) = order(key_type) else {
        return;
    };
    if !is_high_s(key_type, signature) {
        return;
    }
    let Some(s) = signature.get_mut(n.len()..) else {
        return;
    };
    let mut borrow = 0i16;
    for (byte, modulus) in s.iter_mut().zip(n).rev() {
        let mut diff = i16::from(*modulus) - i16::from(*byte) - borrow;
        borrow = i16::from(diff < 0);
        if diff < 0 {
            diff += 256;
        }
        *byte = u8::try_from(diff).unwrap_or_default();
    }
}
