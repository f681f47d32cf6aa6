//! Fetching status lists over HTTPS (feature `did-web`).

use std::sync::Arc;

use async_trait::async_trait;

use super::error::StatusError;
use super::source::StatusListSource;
use crate::http::{self, FetchError};
use crate::text::truncated;

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

    /// An HTTPS-only source trusting `anchors` instead of the platform's verifier.
    pub fn trusting(anchors: &http::TrustAnchors) -> Result<HttpStatusListSource, StatusError> {
        let client = http::client_trusting(true, anchors).map_err(StatusError::Retrieval)?;
        Ok(HttpStatusListSource {
            client,
            max_bytes: MAX_RESPONSE_BYTES,
            accept: DEFAULT_ACCEPT.to_owned(),
        })
    }

    fn build(https: bool) -> Result<HttpStatusListSource, StatusError> {
        let client = http::client(https).map_err(StatusError::Retrieval)?;
        Ok(HttpStatusListSource {
            client,
            max_bytes: MAX_RESPONSE_BYTES,
            accept: DEFAULT_ACCEPT.to_owned(),
        })
    }
}

#[async_trait]
impl StatusListSource for HttpStatusListSource {
    async fn fetch(&self, url: &str) -> Result<Arc<[u8]>, StatusError> {
        http::get_bounded(&self.client, url, &self.accept, self.max_bytes)
            .await
            .map(Arc::from)
            .map_err(|e| match e {
                FetchError::NotFound => StatusError::NotFound(truncated(url)),
                FetchError::TooLarge => StatusError::EncodedTooLarge { limit: self.max_bytes },
                FetchError::Transport(why) => StatusError::Retrieval(why),
            })
    }
}
