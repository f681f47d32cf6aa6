//! The one HTTP client setup and bounded GET, shared by did:web resolution, status lists and
//! the did:dojang registry client (feature `did-web`).

use std::time::Duration;

/// Why a bounded GET failed; each caller maps it to its own error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    /// HTTP 404 or 410.
    NotFound,
    /// The declared or received body is over the limit.
    TooLarge,
    /// Connection, TLS, timeout, or a non-success status.
    Transport(String),
}

/// A client with a 10 s timeout, a 5 s connect timeout, at most three redirects, no cookies,
/// and HTTPS only unless `https_only` is false (tests against 127.0.0.1).
pub fn client(https_only: bool) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .https_only(https_only)
        .timeout(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::limited(3))
        .user_agent(concat!("dojang-did-core/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| e.to_string())
}

/// GETs `url` with `accept`, reading at most `max_bytes` of body.
pub async fn get_bounded(
    client: &reqwest::Client,
    url: &str,
    accept: &str,
    max_bytes: usize,
) -> Result<Vec<u8>, FetchError> {
    let transport = |e: reqwest::Error| {
        // reqwest says only "builder error" for a URL it will not request: name the reason.
        if e.is_builder() {
            match reqwest::Url::parse(url) {
                Err(_) => return FetchError::Transport("not a valid URL".into()),
                Ok(parsed) if parsed.scheme() == "http" => {
                    return FetchError::Transport("a plain http:// URL; this client fetches over HTTPS only".into());
                }
                Ok(_) => {}
            }
        }
        FetchError::Transport(e.without_url().to_string())
    };
    let response = client
        .get(url)
        .header(reqwest::header::ACCEPT, accept)
        .send()
        .await
        .map_err(transport)?;
    let status = response.status();
    if status == reqwest::StatusCode::NOT_FOUND || status == reqwest::StatusCode::GONE {
        return Err(FetchError::NotFound);
    }
    if !status.is_success() {
        return Err(FetchError::Transport(format!("HTTP status {}", status.as_u16())));
    }
    read_bounded(response, max_bytes).await
}

/// Reads a response's body, at most `max_bytes` of it (checked against the declared length
/// first, then while streaming), whatever its status.
pub async fn read_bounded(mut response: reqwest::Response, max_bytes: usize) -> Result<Vec<u8>, FetchError> {
    if response.content_length().is_some_and(|len| len > max_bytes as u64) {
        return Err(FetchError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| FetchError::Transport(e.without_url().to_string()))?
    {
        if body.len() + chunk.len() > max_bytes {
            return Err(FetchError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
