//! The links of credential offers (OpenID4VCI §4.1): where an offer is served by reference,
//! and the `openid-credential-offer://` URL a QR code or a link carries. Shared by the HTTP
//! routes and bulk issuance, which must not depend on each other.

/// Where the offer whose handle is `handle` is served by reference (`GET /offers/{handle}`).
pub(crate) fn offer_uri(public_url: &str, handle: &str) -> String {
    format!("{public_url}/offers/{handle}")
}

/// The offer URL by reference, for QR codes and links.
pub(crate) fn offer_url(offer_uri: &str) -> String {
    format!(
        "openid-credential-offer://?credential_offer_uri={}",
        url_encode(offer_uri)
    )
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub(crate) fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
