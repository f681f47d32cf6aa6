//! Base45 (RFC 9285): binary data in the QR code alphanumeric alphabet.
//!
//! Written here rather than taken from a crate because decoding must be strict: a two-character
//! group above 255 and a three-character group above 65535 are refused (RFC 9285 §4.2), so each
//! byte string has exactly one encoding.

/// The 45 characters, in value order: exactly QR alphanumeric mode's set.
pub(crate) const ALPHABET: &[u8; 45] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/// Encodes `data`.
pub(crate) fn encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(2) * 3);
    for pair in data.chunks(2) {
        let (value, digits) = match pair {
            [a, b] => (u32::from(*a) * 256 + u32::from(*b), 3),
            [a] => (u32::from(*a), 2),
            _ => continue,
        };
        let mut rest = value;
        for _ in 0..digits {
            out.push(char::from(digit(rest % 45)));
            rest /= 45;
        }
    }
    out
}

/// Decodes `text`, refusing characters outside the alphabet, a dangling single character and
/// groups whose value is out of range.
pub(crate) fn decode(text: &[u8]) -> Result<Vec<u8>, &'static str> {
    let mut out = Vec::with_capacity(text.len() / 3 * 2 + 1);
    for group in text.chunks(3) {
        let mut value = 0u32;
        let mut scale = 1u32;
        for &c in group {
            value += value_of(c).ok_or("a character outside the base45 alphabet")? * scale;
            scale *= 45;
        }
        match group.len() {
            3 => {
                let pair = u16::try_from(value).map_err(|_| "a base45 group above 65535")?;
                out.extend_from_slice(&pair.to_be_bytes());
            }
            2 => out.push(u8::try_from(value).map_err(|_| "a base45 group above 255")?),
            _ => return Err("a dangling base45 character"),
        }
    }
    Ok(out)
}

/// Whether `c` is in the alphabet (and so in QR alphanumeric mode).
pub(crate) fn is_alphanumeric(c: u8) -> bool {
    value_of(c).is_some()
}

fn digit(value: u32) -> u8 {
    usize::try_from(value)
        .ok()
        .and_then(|i| ALPHABET.get(i))
        .copied()
        .unwrap_or(b'0')
}

fn value_of(c: u8) -> Option<u32> {
    ALPHABET
        .iter()
        .position(|&a| a == c)
        .and_then(|p| u32::try_from(p).ok())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn rfc_9285_examples() {
        assert_eq!(encode(b"AB"), "BB8");
        assert_eq!(encode(b"Hello!!"), "%69 VD92EX0");
        assert_eq!(encode(b"base-45"), "UJCLQE7W581");
        assert_eq!(decode(b"QED8WEX0").unwrap(), b"ietf!");
        assert_eq!(decode(b"%69 VD92EX0").unwrap(), b"Hello!!");
    }

    #[test]
    fn round_trips_every_byte() {
        let data: Vec<u8> = (0..=255).chain((0..=255).rev()).collect();
        for len in 0..data.len() {
            assert_eq!(decode(encode(&data[..len]).as_bytes()).unwrap(), &data[..len]);
        }
    }

    #[test]
    fn refuses_what_rfc_9285_refuses() {
        assert!(decode(b"GGW").is_err(), "65536 is out of range");
        assert!(decode(b":::").is_err());
        assert!(decode(b"::").is_err(), "above 255");
        assert!(decode(b"A").is_err());
        assert!(decode(b"ab8").is_err(), "lowercase is not in the alphabet");
        assert!(decode(b"B\nB").is_err());
        assert_eq!(decode(b"FGW").unwrap(), [0xff, 0xff]);
        assert_eq!(decode(b"U5").unwrap(), [0xff]);
    }
}
