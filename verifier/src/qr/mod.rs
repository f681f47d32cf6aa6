//! The offline QR exchange at a door.
//!
//! The door shows a [`DoorChallenge`] (a fresh nonce and its audience) as a QR code; the wallet
//! answers with a QR code holding an SD-JWT VC presentation whose key-binding JWT carries that
//! nonce. Both codes stay in QR alphanumeric mode (base45, RFC 9285) so that a presentation of
//! about 1.5 KB fits one code: the presentation is deflated (zlib) and base45-encoded behind
//! the `DJ1:` prefix ([`encode_presentation`], [`decode_presentation`]).
//!
//! Decoding is bounded: at most [`MAX_PAYLOAD_LEN`] characters in, at most
//! [`MAX_INFLATED_LEN`] bytes inflated (inflating stops there, so a decompression bomb costs
//! nothing), and every error is an [`Error::Protocol`].

mod base45;
mod challenge;
mod render;

use std::io::{Read as _, Write as _};

use flate2::Compression;
use flate2::read::ZlibDecoder;
use flate2::write::ZlibEncoder;

use crate::Error;

pub use challenge::{CHALLENGE_PREFIX, DoorChallenge, MAX_CHALLENGE_LEN};
pub use render::{link_svg, qr_modules, qr_svg, qr_version};

/// The prefix of a presentation payload.
pub const PRESENTATION_PREFIX: &str = "DJ1:";

/// The longest presentation payload accepted, in characters (QR alphanumeric holds at most
/// 4,296).
pub const MAX_PAYLOAD_LEN: usize = 8 * 1024;

/// The largest inflated presentation accepted, in bytes.
pub const MAX_INFLATED_LEN: usize = 64 * 1024;

const WHAT: &str = "QR payload";

fn protocol(message: impl Into<String>) -> Error {
    Error::Protocol {
        what: WHAT,
        message: message.into(),
    }
}

/// Encodes a presentation (e.g. an SD-JWT VC with its key-binding JWT) for a QR code:
/// `DJ1:` followed by the base45 of its zlib-deflated UTF-8 bytes.
///
/// Fails if the presentation is over [`MAX_INFLATED_LEN`] bytes or the payload would be over
/// [`MAX_PAYLOAD_LEN`] characters, since [`decode_presentation`] would refuse either.
pub fn encode_presentation(presentation: &str) -> Result<String, Error> {
    if presentation.len() > MAX_INFLATED_LEN {
        return Err(protocol(format!("the presentation is over {MAX_INFLATED_LEN} bytes")));
    }
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::best());
    encoder
        .write_all(presentation.as_bytes())
        .map_err(|e| protocol(format!("deflate: {e}")))?;
    let compressed = encoder.finish().map_err(|e| protocol(format!("deflate: {e}")))?;
    let payload = format!("{PRESENTATION_PREFIX}{}", base45::encode(&compressed));
    if payload.len() > MAX_PAYLOAD_LEN {
        return Err(protocol(format!(
            "the payload would be {} characters, over {MAX_PAYLOAD_LEN}",
            payload.len()
        )));
    }
    Ok(payload)
}

/// Decodes what [`encode_presentation`] produced, as read from a QR code. A trailing line
/// break (some scanners add one) is ignored; anything else outside the base45 alphabet,
/// a wrong prefix, a corrupt or over-long zlib stream, bytes after it, or text that is not
/// UTF-8 is an error.
pub fn decode_presentation(payload: &str) -> Result<String, Error> {
    if payload.len() > MAX_PAYLOAD_LEN {
        return Err(protocol(format!("over {MAX_PAYLOAD_LEN} characters")));
    }
    let payload = payload.strip_suffix('\n').unwrap_or(payload);
    let payload = payload.strip_suffix('\r').unwrap_or(payload);
    let body = payload
        .strip_prefix(PRESENTATION_PREFIX)
        .ok_or_else(|| protocol(format!("does not start with {PRESENTATION_PREFIX}")))?;
    let compressed = base45::decode(body.as_bytes()).map_err(protocol)?;
    let mut decoder = ZlibDecoder::new(compressed.as_slice());
    let mut inflated = Vec::new();
    let limit = u64::try_from(MAX_INFLATED_LEN).map_or(u64::MAX, |n| n.saturating_add(1));
    (&mut decoder)
        .take(limit)
        .read_to_end(&mut inflated)
        .map_err(|_| protocol("not a valid zlib stream"))?;
    if inflated.len() > MAX_INFLATED_LEN {
        return Err(protocol(format!("inflates to over {MAX_INFLATED_LEN} bytes")));
    }
    if usize::try_from(decoder.total_in()).ok() != Some(compressed.len()) {
        return Err(protocol("bytes after the zlib stream"));
    }
    String::from_utf8(inflated).map_err(|_| protocol("the presentation is not UTF-8"))
}
