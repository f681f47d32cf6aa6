//! HTTP for the wallet: size-limited bodies, and errors the app can act on.

use did_core::http::TrustAnchors;
use reqwest::{RequestBuilder, Response, Url};
use serde_json::Value;

use crate::DojangError;

/// The largest response body read (1 MiB): offers, metadata, credentials are a few KiB.
pub(crate) const MAX_BODY: usize = 1024 * 1024;

/// The HTTPS trust a configuration names: exactly `anchors` (DER CA certificates) when given,
/// else the platform's verifier. On Android the platform verifier needs a JNI set-up the
/// library cannot do, and fails at the first connection: there, anchors are required.
pub(crate) fn trust_anchors(anchors: &[Vec<u8>]) -> Result<TrustAnchors, DojangError> {
    anchors_for(cfg!(target_os = "android"), anchors)
}

fn anchors_for(android: bool, anchors: &[Vec<u8>]) -> Result<TrustAnchors, DojangError> {
    if anchors.is_empty() {
        if android {
            return Err(DojangError::invalid(
                "tls.trust_anchors_required",
                "on Android, pass trustAnchors: the system CA certificates (AndroidCAStore), see bindings/README.md",
            ));
        }
        return Ok(TrustAnchors::platform());
    }
    TrustAnchors::only(anchors).map_err(|e| DojangError::invalid("tls.trust_anchor", e))
}

/// Whether `url` may be fetched: `https`, or `http` to a loopback host when the wallet was
/// configured to allow it (a developer's local issuer).
pub(crate) fn check_url(text: &str, allow_loopback_http: bool, what: &str) -> Result<Url, DojangError> {
    let url = Url::parse(text).map_err(|e| DojangError::invalid("url", format!("{what}: {e}")))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(domain)) => domain == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => Ok(url),
        "http" if allow_loopback_http && loopback => Ok(url),
        "http" => Err(DojangError::invalid(
            "url.insecure",
            format!("{what} must use https: {text}"),
        )),
        other => Err(DojangError::invalid(
            "url",
            format!("{what}: unsupported scheme {other}"),
        )),
    }
}

/// Sends `request`; a transport failure is `DojangError.Unavailable`.
pub(crate) async fn send(request: RequestBuilder) -> Result<Response, DojangError> {
    request
        .send()
        .await
        .map_err(|e| DojangError::unavailable("network", e.without_url().to_string()))
}

/// The body, refusing one over [`MAX_BODY`] bytes (declared or received) without reading
/// the rest.
pub(crate) async fn body(response: Response) -> Result<Vec<u8>, DojangError> {
    did_core::http::read_bounded(response, MAX_BODY)
        .await
        .map_err(|e| match e {
            did_core::http::FetchError::TooLarge => {
                DojangError::invalid("http.too_large", format!("the response is over {MAX_BODY} bytes"))
            }
            other => DojangError::unavailable("network", format!("{other:?}")),
        })
}

/// Sends `request` and reads a JSON object from a 2xx answer. A 5xx or 429 is
/// `DojangError.Unavailable` (`http.<status>`: try later); any other status is
/// `DojangError.Refused`: `oauth.<error>` when the body is an OAuth error object
/// (RFC 6749 §5.2, also used by OpenID4VCI), `http.<status>` otherwise.
pub(crate) async fn json(request: RequestBuilder, what: &str) -> Result<Value, DojangError> {
    let response = send(request).await?;
    let status = response.status();
    let bytes = body(response).await?;
    let value: Option<Value> = serde_json::from_slice(&bytes).ok();
    if status.is_server_error() || status.as_u16() == 429 {
        return Err(DojangError::unavailable(
            format!("http.{}", status.as_u16()),
            format!("{what}: the peer is unavailable; try again later"),
        ));
    }
    if !status.is_success() {
        let error = value.as_ref().and_then(|v| v.get("error")).and_then(Value::as_str);
        let description = value
            .as_ref()
            .and_then(|v| v.get("error_description").or_else(|| v.get("detail")))
            .and_then(Value::as_str)
            .unwrap_or_default();
        return Err(DojangError::Refused {
            code: match error {
                Some(error) if error.len() <= 64 && error.bytes().all(|b| b.is_ascii_graphic()) => {
                    format!("oauth.{error}")
                }
                _ => format!("http.{}", status.as_u16()),
            },
            detail: format!("{what}: {}", truncated(description)),
        });
    }
    match value {
        Some(value @ Value::Object(_)) => Ok(value),
        _ => Err(DojangError::invalid(
            "http.not_json",
            format!("{what}: the answer is not a JSON object"),
        )),
    }
}

/// At most 200 characters of a peer's text, for an error message.
pub(crate) fn truncated(text: &str) -> String {
    text.chars().take(200).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn android_needs_anchors_and_bad_anchors_are_refused() {
        assert!(anchors_for(false, &[]).unwrap().is_platform());
        let refused = anchors_for(true, &[]).unwrap_err();
        assert!(matches!(&refused, DojangError::Invalid { code, .. } if code == "tls.trust_anchors_required"));
        let bad = anchors_for(false, &[b"not a certificate".to_vec()]);
        assert!(
            matches!(&bad, Err(DojangError::Invalid { code, .. }) if code == "tls.trust_anchor"),
            "{bad:?}"
        );
    }
}
