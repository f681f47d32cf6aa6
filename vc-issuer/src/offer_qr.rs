//! QR codes of credential offer URLs, as SVG (through the `qrcode` crate) and as a 1-bit
//! grayscale PNG rendered here from the module matrix (no image library): with 8 pixels
//! per module, one module is exactly one byte of a packed row.

use qrcode::{Color, EcLevel, QrCode};

use crate::Error;

/// Light modules around the symbol on each side (ISO/IEC 18004 asks for 4).
pub(crate) const QUIET_ZONE: usize = 4;

/// Pixels per module in the PNG: 8, so that a module is one byte of a 1-bit row.
const PIXELS_PER_MODULE: usize = 8;

pub(crate) fn code(text: &str) -> Result<QrCode, Error> {
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

/// The QR code of `text` as a 1-bit grayscale PNG: 8 pixels per module, with a quiet zone
/// of [`QUIET_ZONE`] modules.
pub fn png(text: &str) -> Result<Vec<u8>, Error> {
    let code = code(text)?;
    let modules = code.width();
    let colors = code.to_colors();
    let row_bytes = modules + 2 * QUIET_ZONE;
    let side = row_bytes * PIXELS_PER_MODULE;
    // Bit 1 is white in a grayscale PNG; a byte covers one module's eight pixels.
    let mut pixels = Vec::with_capacity(row_bytes * side);
    let light_rows = vec![0xFFu8; row_bytes * QUIET_ZONE * PIXELS_PER_MODULE];
    pixels.extend_from_slice(&light_rows);
    for module_row in colors.chunks(modules.max(1)) {
        let mut row = vec![0xFFu8; row_bytes];
        for (byte, color) in row.iter_mut().skip(QUIET_ZONE).zip(module_row) {
            if *color == Color::Dark {
                *byte = 0;
            }
        }
        for _ in 0..PIXELS_PER_MODULE {
            pixels.extend_from_slice(&row);
        }
    }
    pixels.extend_from_slice(&light_rows);
    let side = u32::try_from(side).map_err(|_| Error::invalid("/offer_url", "too long for a QR code"))?;
    let png_error = |e: png::EncodingError| Error::Unsupported(format!("PNG encoding: {e}"));
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, side, side);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::One);
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
        let text = "openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fx";
        let png = png(text).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let svg = svg("hello").unwrap();
        assert!(svg.contains("<svg"));

        // Decoded, the image is the code's matrix: 8x8 pixels per module, a light quiet zone.
        let code = code(text).unwrap();
        let modules = code.width();
        let colors = code.to_colors();
        let mut decoder = png::Decoder::new(std::io::Cursor::new(png));
        decoder.set_transformations(png::Transformations::EXPAND);
        let mut reader = decoder.read_info().unwrap();
        let mut image = vec![0; reader.output_buffer_size().unwrap()];
        let frame = reader.next_frame(&mut image).unwrap();
        let side = (modules + 2 * QUIET_ZONE) * PIXELS_PER_MODULE;
        assert_eq!((frame.width as usize, frame.height as usize), (side, side));
        assert_eq!(frame.bit_depth, png::BitDepth::Eight, "expanded to one byte a pixel");
        let pixel = |x: usize, y: usize| image[y * side + x];
        for y in 0..side {
            for x in 0..side {
                let (mx, my) = (x / PIXELS_PER_MODULE, y / PIXELS_PER_MODULE);
                let dark = mx >= QUIET_ZONE
                    && my >= QUIET_ZONE
                    && mx < QUIET_ZONE + modules
                    && my < QUIET_ZONE + modules
                    && colors[(my - QUIET_ZONE) * modules + (mx - QUIET_ZONE)] == Color::Dark;
                assert_eq!(pixel(x, y) == 0, dark, "pixel ({x}, {y})");
            }
        }
    }
}
