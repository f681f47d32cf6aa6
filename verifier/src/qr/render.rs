//! Drawing QR codes: alphanumeric mode for the door's own payloads, byte mode for links.

use qrcode::bits::Bits;
use qrcode::render::svg;
use qrcode::types::QrError;
use qrcode::{Color, EcLevel, QrCode, Version};

use super::base45;
use crate::Error;

/// Error correction levels tried in order: M (15 %) first, L (7 %) when M is too small.
const LEVELS: [EcLevel; 2] = [EcLevel::M, EcLevel::L];

const WHAT: &str = "QR code";

/// The most alphanumeric characters one QR code holds (version 40, level L).
const MAX_ALPHANUMERIC: usize = 4_296;

fn protocol(message: impl Into<String>) -> Error {
    Error::Protocol {
        what: WHAT,
        message: message.into(),
    }
}

/// The smallest QR code holding `text` in alphanumeric mode, at level M if it fits, else L.
fn build(text: &str) -> Result<QrCode, Error> {
    if text.len() > MAX_ALPHANUMERIC {
        return Err(protocol(format!(
            "{} characters do not fit one QR code (at most {MAX_ALPHANUMERIC})",
            text.len()
        )));
    }
    if let Some(bad) = text.bytes().position(|c| !base45::is_alphanumeric(c)) {
        return Err(protocol(format!("character {bad} is not in the QR alphanumeric set")));
    }
    for level in LEVELS {
        for version in 1..=40 {
            let mut bits = Bits::new(Version::Normal(version));
            let pushed = bits
                .push_alphanumeric_data(text.as_bytes())
                .and_then(|()| bits.push_terminator(level));
            match pushed {
                Ok(()) => return QrCode::with_bits(bits, level).map_err(|e| protocol(e.to_string())),
                Err(QrError::DataTooLong) => continue,
                Err(e) => return Err(protocol(e.to_string())),
            }
        }
    }
    Err(protocol(format!("{} characters do not fit one QR code", text.len())))
}

fn svg_of(code: &QrCode) -> String {
    code.render::<svg::Color<'_>>()
        .min_dimensions(256, 256)
        .quiet_zone(true)
        .build()
}

/// The QR code for `text` (QR alphanumeric characters only) as an SVG document.
pub fn qr_svg(text: &str) -> Result<String, Error> {
    Ok(svg_of(&build(text)?))
}

/// The QR code for a link (mixed case, so byte mode, level L) as an SVG document.
pub fn link_svg(link: &str) -> Result<String, Error> {
    let code = QrCode::with_error_correction_level(link.as_bytes(), EcLevel::L).map_err(|e| protocol(e.to_string()))?;
    Ok(svg_of(&code))
}

/// The QR code for `text` as its width in modules and the modules row by row, `true` for
/// dark (no quiet zone).
pub fn qr_modules(text: &str) -> Result<(usize, Vec<bool>), Error> {
    let code = build(text)?;
    let width = code.width();
    let modules = code.to_colors().into_iter().map(|c| c == Color::Dark).collect();
    Ok((width, modules))
}

/// The QR version (1 to 40) the code for `text` needs.
pub fn qr_version(text: &str) -> Result<u8, Error> {
    match build(text)?.version() {
        Version::Normal(v) | Version::Micro(v) => u8::try_from(v).map_err(|_| protocol("version out of range")),
    }
}
