//! Bounded GZIP / ZLIB inflation and deflation, and strict base64url.

use std::io::{Read, Write};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::error::{Compression, StatusError};

/// Default cap on the inflated size of a status list: 16 MiB, room for 134 million
/// 1-bit entries or 16 million 8-bit ones. Real lists are 16 KiB to a few MiB.
pub const MAX_INFLATED_LEN: usize = 16 * 1024 * 1024;

/// Default cap on the encoded (base64url) text of a status list: 8 MiB.
pub const MAX_ENCODED_LEN: usize = 8 * 1024 * 1024;

/// Size limits applied while decoding a status list from untrusted input.
///
/// A few kilobytes of DEFLATE can inflate to gigabytes, so inflation stops, with
/// [`StatusError::InflatedTooLarge`], as soon as the output passes `max_inflated_len`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeLimits {
    /// Longest encoded text accepted (`encodedList` or `lst`), in bytes.
    pub max_encoded_len: usize,
    /// Largest inflated list accepted, in bytes.
    pub max_inflated_len: usize,
}

impl DecodeLimits {
    /// Limits with the given caps.
    pub const fn new(max_encoded_len: usize, max_inflated_len: usize) -> DecodeLimits {
        DecodeLimits {
            max_encoded_len,
            max_inflated_len,
        }
    }
}

impl Default for DecodeLimits {
    /// [`MAX_ENCODED_LEN`] and [`MAX_INFLATED_LEN`].
    fn default() -> DecodeLimits {
        DecodeLimits::new(MAX_ENCODED_LEN, MAX_INFLATED_LEN)
    }
}

/// Base64url-decodes (canonical, unpadded) and inflates `text`, within `limits`.
pub(crate) fn decode_text(text: &str, format: Compression, limits: &DecodeLimits) -> Result<Vec<u8>, StatusError> {
    if text.len() > limits.max_encoded_len {
        return Err(StatusError::EncodedTooLarge {
            limit: limits.max_encoded_len,
        });
    }
    let compressed = URL_SAFE_NO_PAD.decode(text).map_err(|_| StatusError::InvalidBase64)?;
    inflate(&compressed, format, limits.max_inflated_len)
}

/// Deflates `bytes` at the best compression level and base64url-encodes the result.
pub(crate) fn encode_text(bytes: &[u8], format: Compression) -> Result<String, StatusError> {
    Ok(URL_SAFE_NO_PAD.encode(deflate(bytes, format)?))
}

/// Inflates one complete GZIP member or ZLIB stream, refusing trailing bytes, bad
/// checksums, and output over `max_len` bytes.
pub(crate) fn inflate(data: &[u8], format: Compression, max_len: usize) -> Result<Vec<u8>, StatusError> {
    let corrupt = || StatusError::Decompression { format };
    let cap = u64::try_from(max_len).unwrap_or(u64::MAX).saturating_add(1);
    let mut out = Vec::new();
    let rest = match format {
        Compression::Gzip => {
            let mut decoder = flate2::bufread::GzDecoder::new(data);
            (&mut decoder).take(cap).read_to_end(&mut out).map_err(|_| corrupt())?;
            if out.len() > max_len {
                return Err(StatusError::InflatedTooLarge { limit: max_len });
            }
            decoder.into_inner()
        }
        Compression::Zlib => {
            let mut decoder = flate2::bufread::ZlibDecoder::new(data);
            (&mut decoder).take(cap).read_to_end(&mut out).map_err(|_| corrupt())?;
            if out.len() > max_len {
                return Err(StatusError::InflatedTooLarge { limit: max_len });
            }
            decoder.into_inner()
        }
    };
    if !rest.is_empty() {
        return Err(corrupt());
    }
    Ok(out)
}

/// Compresses `bytes` at the best level (GZIP with mtime 0, so output is reproducible).
pub(crate) fn deflate(bytes: &[u8], format: Compression) -> Result<Vec<u8>, StatusError> {
    let failed = |_| StatusError::Decompression { format };
    match format {
        Compression::Gzip => {
            let mut encoder = flate2::GzBuilder::new()
                .mtime(0)
                .write(Vec::new(), flate2::Compression::best());
            encoder.write_all(bytes).map_err(failed)?;
            encoder.finish().map_err(failed)
        }
        Compression::Zlib => {
            let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
            encoder.write_all(bytes).map_err(failed)?;
            encoder.finish().map_err(failed)
        }
    }
}
