//! Fetching status lists over HTTPS (feature `did-web`).

use std::time::Duration;

use async_trait::async_trait;

use super::error::StatusError;
use super::source::StatusListSource;
use crate::error::truncated;

/// Largest status list response downloaded by default (8 MiB, the default encoded limit).
pub const MAX_RESPONSE_BYTES: usize = super::compress::MAX_ENCODED_LEN;

/// The `Accept` header sent by default: status list credentials (JSON-LD or JWT) and
/// Status List Tokens.
pub const DEFAULT_ACCEPT: &str =
    "application/vc+ld+json, application/vc+jwt, application/vc, application/statuslist+jwt, application/json;q=0.5";

/// Fetches status lists over HTTPS with reqwest (rustls): 10-second timeout, no
/// cookies, at most three redirects, and a response size cap.
#[derive(Debug, Clone)]
pub struct HttpStatusListSource {
    client: reqwest::Client,
    max_bytes: usize,
    accept: String,
}

impl HttpStatusListSource {
    /// An HTTPS-only source.
    pub fn new() -> Result<HttpStatusListSource, StatusError> {
        Self::build(true)
    }

    /// A source that also fetches over plain **HTTP**, for tests against a server on
    /// 127.0.0.1 only. Never use it in production: anyone on the path can swap lists
    /// (a verified signature still protects the content, not its freshness).
    pub fn danger_plain_http_for_testing() -> Result<HttpStatusListSource, StatusError> {
        Self::build(false)
    }

    /// Sets the response size cap in bytes.
    pub fn with_max_bytes(mut self, max_bytes: usize) -> HttpStatusListSource {
        self.max_bytes = max_bytes;
        self
    }

    /// Sets the `Accept` header.
    pub fn with_accept(mut self, accept: impl Into<String>) -> HttpStatusListSource {
        self.accept = accept.into();
        self
    }

    fn build(https: bool) -> Result<HttpStatusListSource, StatusError> {
        let client = reqwest::Client::builder()
            .https_only(https)
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::limited(3))
            .user_agent(concat!("dojang-did-core/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| StatusError::Retrieval(e.to_string()))?;
        Ok(HttpStatusListSource {
            client,
            max_bytes: MAX_RESPONSE_BYTES,
            accept: DEFAULT_ACCEPT.to_owned(),
        })
    }
}

#[async_trait]
impl StatusListSource for HttpStatusListSource {
    async fn fetch(&self, url: &str) -> Result<Vec<u8>, StatusError> {
        let transport = |e: reqwest::Error| StatusError::Retrieval(e.without_url().to_string());
        let mut response = self
            .client
            .get(url)
            .header(reqwest::header::ACCEPT, self.accept.as_str())
            .send()
            .await
            .map_err(transport)?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_FOUND || status == reqwest::StatusCode::GONE {
            return Err(StatusError::NotFound(truncated(url)));
        }
        if !status.is_success() {
            return Err(StatusError::Retrieval(format!("HTTP status {}", status.as_u16())));
        }
        let too_large = StatusError::EncodedTooLarge { limit: self.max_bytes };
        if response.content_length().is_some_and(|len| len > self.max_bytes as u64) {
            return Err(too_large);
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
            if body.len() + chunk.len() > self.max_bytes {
                return Err(too_large);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}
