//! A camera for QR tests: draws a code as a greyscale image and reads it back with rqrr.

use verifier::qr;

/// Draws the QR code for `text` as a greyscale image (4 px per module, 4-module quiet zone)
/// and reads it back with rqrr, as a camera would.
pub fn through_camera(text: &str) -> (String, usize) {
    const SCALE: usize = 4;
    const QUIET: usize = 4;
    let (width, modules) = qr::qr_modules(text).unwrap();
    assert_eq!(modules.len(), width * width);
    let size = (width + 2 * QUIET) * SCALE;
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(size, size, |x, y| {
        let (mx, my) = (x / SCALE, y / SCALE);
        let inside = (QUIET..QUIET + width).contains(&mx) && (QUIET..QUIET + width).contains(&my);
        if inside && modules[(my - QUIET) * width + (mx - QUIET)] {
            0
        } else {
            255
        }
    });
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the image");
    let (meta, content) = grids[0].decode().unwrap();
    (content, meta.version.0)
}
