//! [`NodeApi`]: a registry node's HTTP API (`docs/did-dojang.md` §11) as a client calls it.
//!
//! One place for the requests the resolver, mirrors, witnesses and the operator CLI make:
//! bounded reads, problem details decoded, wire types parsed. Nothing it returns is trusted;
//! callers check heads and proofs themselves.

use did_core::http::{self, FetchError};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::resolution::{ConsistencyAnswer, EntriesAnswer, MAX_RESPONSE_LEN, TreeHeadView};

/// The largest tree-head or consistency answer read (a proof is at most 64 hashes).
const MAX_SMALL_ANSWER: usize = 64 * 1024;

/// Why a request to a node failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NodeApiError {
    /// The node could not be reached, or the connection failed.
    #[error("node unreachable: {0}")]
    Unreachable(String),
    /// The node answered with an error status (and, from a Dojang node, a problem document).
    #[error("HTTP {status} {code}: {detail}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// The problem's `code` (`unknown` when there is none).
        code: String,
        /// The problem's `detail`.
        detail: String,
    },
    /// The answer is larger than the request allows.
    #[error("the node's answer is larger than {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The answer is not the JSON the API promises.
    #[error("malformed answer from the node: {0}")]
    Malformed(String),
}

impl NodeApiError {
    /// Whether the node said the thing asked for does not exist (404 or 410).
    pub fn is_not_found(&self) -> bool {
        matches!(self, NodeApiError::Refused { status: 404 | 410, .. })
    }

    fn from_fetch(error: FetchError, limit: usize) -> NodeApiError {
        match error {
            FetchError::TooLarge => NodeApiError::TooLarge { limit },
            FetchError::NotFound => NodeApiError::Refused {
                status: 404,
                code: "not_found".into(),
                detail: String::new(),
            },
            FetchError::Transport(why) => NodeApiError::Unreachable(why),
        }
    }
}

/// A registry node (or mirror) at a base URL.
#[derive(Debug, Clone)]
pub struct NodeApi {
    base: String,
    http: reqwest::Client,
    write_token: Option<WriteToken>,
}

/// A node's write token (`registry-anchor serve --write-token-file`), sent as
/// `Authorization: Bearer` with writes; zeroized on drop and never printed.
#[derive(Clone)]
pub struct WriteToken(std::sync::Arc<zeroize::Zeroizing<String>>);

impl WriteToken {
    /// A token from its text (surrounding whitespace dropped).
    pub fn new(token: &str) -> WriteToken {
        WriteToken(std::sync::Arc::new(zeroize::Zeroizing::new(token.trim().to_owned())))
    }

    /// Reads a token from the first line of `path` that is neither blank nor a `#` comment.
    pub fn from_file(path: &std::path::Path) -> std::io::Result<WriteToken> {
        let text = zeroize::Zeroizing::new(std::fs::read_to_string(path)?);
        text.lines()
            .map(str::trim)
            .find(|line| !line.is_empty() && !line.starts_with('#'))
            .map(WriteToken::new)
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidData, "the file holds no token"))
    }
}

impl std::fmt::Debug for WriteToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WriteToken([redacted])")
    }
}

impl NodeApi {
    /// A client of the node at `base` (`http://` is allowed: answers prove themselves).
    pub fn new(base: &str) -> Result<NodeApi, NodeApiError> {
        NodeApi::trusting(base, &http::TrustAnchors::platform())
    }

    /// [`NodeApi::new`], trusting `anchors` for HTTPS instead of the platform's verifier.
    pub fn trusting(base: &str, anchors: &http::TrustAnchors) -> Result<NodeApi, NodeApiError> {
        Ok(NodeApi {
            base: base.trim_end_matches('/').to_owned(),
            http: http::client_trusting(false, anchors).map_err(NodeApiError::Unreachable)?,
            write_token: None,
        })
    }

    /// Sends `token` with every write (`post_json`).
    pub fn with_write_token(mut self, token: Option<WriteToken>) -> NodeApi {
        self.write_token = token;
        self
    }

    /// The node's base URL (without a trailing `/`).
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Sends `request` and reads at most `limit` bytes of a successful answer's body.
    async fn send(&self, request: reqwest::RequestBuilder, limit: usize) -> Result<Vec<u8>, NodeApiError> {
        let response = request
            .send()
            .await
            .map_err(|e| NodeApiError::Unreachable(e.without_url().to_string()))?;
        let status = response.status();
        let body = http::read_bounded(response, limit)
            .await
            .map_err(|e| NodeApiError::from_fetch(e, limit))?;
        if status.is_success() {
            return Ok(body);
        }
        let problem: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let field = |name: &str| {
            problem
                .get(name)
                .and_then(Value::as_str)
                .map(|s| s.chars().take(512).collect())
        };
        Err(NodeApiError::Refused {
            status: status.as_u16(),
            code: field("code").unwrap_or_else(|| "unknown".into()),
            detail: field("detail").unwrap_or_default(),
        })
    }

    /// GETs `path` (e.g. `/dids/…`) and returns at most `limit` bytes of the body.
    pub async fn get_bytes(&self, path: &str, limit: usize) -> Result<Vec<u8>, NodeApiError> {
        let request = self
            .http
            .get(format!("{}{path}", self.base))
            .header(reqwest::header::ACCEPT, "application/json");
        self.send(request, limit).await
    }

    /// GETs `path` and parses the JSON answer.
    pub async fn get_json<T: DeserializeOwned>(&self, path: &str, limit: usize) -> Result<T, NodeApiError> {
        let body = self.get_bytes(path, limit).await?;
        serde_json::from_slice(&body).map_err(|e| NodeApiError::Malformed(format!("{path}: {e}")))
    }

    /// POSTs `body` to `path` and parses the JSON answer.
    pub async fn post_json(&self, path: &str, content_type: &str, body: String) -> Result<Value, NodeApiError> {
        let request = self
            .http
            .post(format!("{}{path}", self.base))
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body);
        let request = match &self.write_token {
            Some(token) => request.bearer_auth(token.0.as_str()),
            None => request,
        };
        let answer = self.send(request, MAX_SMALL_ANSWER).await?;
        serde_json::from_slice(&answer).map_err(|e| NodeApiError::Malformed(format!("{path}: {e}")))
    }

    /// `GET /dids/{did}`: the resolution answer's JSON bytes.
    pub async fn resolution(&self, did: &str) -> Result<Vec<u8>, NodeApiError> {
        self.get_bytes(&format!("/dids/{did}"), MAX_RESPONSE_LEN).await
    }

    /// `GET /tree-head`: the latest tree head and its co-signatures (unverified).
    pub async fn tree_head(&self) -> Result<TreeHeadView, NodeApiError> {
        self.get_json("/tree-head", MAX_SMALL_ANSWER).await
    }

    /// `GET /consistency`: the node's consistency proof from size `from` to size `to`
    /// (unverified; an answer for other sizes is malformed).
    pub async fn consistency(&self, from: u64, to: u64) -> Result<Vec<String>, NodeApiError> {
        let answer: ConsistencyAnswer = self
            .get_json(&format!("/consistency?from={from}&to={to}"), MAX_SMALL_ANSWER)
            .await?;
        if answer.from != from || answer.to != to {
            return Err(NodeApiError::Malformed(
                "the consistency proof is for other sizes".into(),
            ));
        }
        Ok(answer.proof)
    }

    /// `GET /entries`: entries `start..end` (the node may return fewer), at most `limit` bytes.
    pub async fn entries(&self, start: u64, end: u64, limit: usize) -> Result<EntriesAnswer, NodeApiError> {
        self.get_json(&format!("/entries?start={start}&end={end}"), limit).await
    }
}
