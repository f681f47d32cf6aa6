//! QR codes of credential offer URLs, as SVG (through the `qrcode` crate) and as an 8-bit
//! grayscale PNG rendered here from the module matrix (no image library).

use qrcode::{Color, EcLevel, QrCode};

use crate::Error;

/// Light modules around the symbol on each side (ISO/IEC 18004 asks for 4).
const QUIET_ZONE: usize = 4;

/// Pixels per module in the PNG.
const PNG_SCALE: usize = 8;

fn code(text: &str) -> Result<QrCode, Error> {
    QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|e| Error::invalid("/offer_url", format!("cannot be put in a QR code: {e}")))
}

/// The QR code of `text` as an SVG document.
pub fn svg(text: &str) -> Result<String, Error> {
    Ok(code(text)?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(256, 256)
        .quiet_zone(true)
        .build())
}

/// The QR code of `text` as a grayscale PNG: [`PNG_SCALE`] pixels per module, with a
/// quiet zone of [`QUIET_ZONE`] modules.
pub fn png(text: &str) -> Result<Vec<u8>, Error> {
    let code = code(text)?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET_ZONE) * PNG_SCALE;
    let mut pixels = vec![0xFFu8; side * side];
    for (i, color) in colors.iter().enumerate() {
        if *color != Color::Dark {
            continue;
        }
        let (mx, my) = (i % modules, i / modules);
        for dy in 0..PNG_SCALE {
            let y = (my + QUIET_ZONE) * PNG_SCALE + dy;
            let start = y * side + (mx + QUIET_ZONE) * PNG_SCALE;
            if let Some(row) = pixels.get_mut(start..start + PNG_SCALE) {
                row.fill(0);
            }
        }
    }
    let side = u32::try_from(side).map_err(|_| Error::invalid("/offer_url", "too long for a QR code"))?;
    let png_error = |e: png::EncodingError| Error::Unsupported(format!("PNG encoding: {e}"));
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, side, side);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(png_error)?;
        writer.write_image_data(&pixels).map_err(png_error)?;
        writer.finish().map_err(png_error)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn png_and_svg_are_rendered() {
        let png = png("openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fx").unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let svg = svg("hello").unwrap();
        assert!(svg.contains("<svg"));
    }
}
