//! The node's HTTP API (`docs/did-dojang.md` §11) on axum, with RFC 9457 problem details.

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::{NodeError, Registry};
use crate::merkle;
use crate::operation::{MAX_OPERATION_LEN, Operation};
use crate::resolution::{ConsistencyAnswer, EntriesAnswer, Entry};

/// The HTTP API in front of a [`Registry`].
pub fn router(registry: Arc<Registry>) -> Router {
    Router::new()
        .route("/operations", post(submit))
        .route("/dids/{did}", get(resolve))
        .route("/tree-head", get(tree_head))
        .route("/cosignatures", post(cosign))
        .route("/consistency", get(consistency))
        .route("/entries", get(entries))
        .layer(DefaultBodyLimit::max(MAX_OPERATION_LEN))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(registry)
}

/// Headers every answer carries: no sniffing, no framing, no referrer, nothing loaded or run
/// (the API serves JSON only). No CORS headers.
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
        ("content-security-policy", "default-src 'none'; frame-ancestors 'none'"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// Codes that mean "the operation conflicts with the DID's chain as it is now".
const CONFLICTS: [&str; 5] = [
    "replay",
    "forked_chain",
    "stale_previous",
    "duplicate_create",
    "deactivated",
];

fn status_of(error: &NodeError) -> StatusCode {
    match error {
        NodeError::Operation(e) if CONFLICTS.contains(&e.code()) => StatusCode::CONFLICT,
        NodeError::Operation(_) | NodeError::BadRange(_) | NodeError::Merkle(_) => StatusCode::BAD_REQUEST,
        NodeError::Cosignature(_) => StatusCode::CONFLICT,
        NodeError::NotFound => StatusCode::NOT_FOUND,
        NodeError::ReadOnly => StatusCode::METHOD_NOT_ALLOWED,
        NodeError::Pushback { .. } | NodeError::Unavailable(_) | NodeError::Upstream(_) => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// An error as `application/problem+json`, with `Retry-After` on a pushback.
struct Problem(NodeError);

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = status_of(&self.0);
        let body = json!({
            "type": format!("urn:dojang:registry:{}", self.0.code()),
            "title": status.canonical_reason().unwrap_or("error"),
            "status": status.as_u16(),
            "code": self.0.code(),
            "detail": self.0.to_string(),
        });
        let mut response = (status, body.to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let NodeError::Pushback { retry_after_secs } = self.0
            && let Ok(value) = HeaderValue::from_str(&retry_after_secs.to_string())
        {
            headers.insert(header::RETRY_AFTER, value);
        }
        response
    }
}

impl From<NodeError> for Problem {
    fn from(e: NodeError) -> Problem {
        Problem(e)
    }
}

/// Runs store reads and signature checks off the async workers (on any tokio runtime).
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, NodeError> + Send + 'static,
) -> Result<T, NodeError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| NodeError::Unavailable(format!("a request task failed: {e}")))?
}

async fn submit(State(registry): State<Arc<Registry>>, body: String) -> Result<Response, Problem> {
    if registry.is_read_only() {
        return Err(NodeError::ReadOnly.into());
    }
    let operation = Operation::parse(body.trim()).map_err(NodeError::from)?;
    let receipt = registry.submit(operation).await?;
    Ok((StatusCode::ACCEPTED, Json(receipt)).into_response())
}

async fn resolve(State(registry): State<Arc<Registry>>, Path(did): Path<String>) -> Result<Response, Problem> {
    let resolution = blocking(move || registry.resolve(&did)).await?;
    Ok(Json(resolution).into_response())
}

async fn cosign(State(registry): State<Arc<Registry>>, body: String) -> Result<Response, Problem> {
    if registry.is_read_only() {
        return Err(NodeError::ReadOnly.into());
    }
    let count = registry.add_cosignature(body.trim())?;
    Ok((StatusCode::ACCEPTED, Json(json!({ "cosignatures": count }))).into_response())
}

async fn tree_head(State(registry): State<Arc<Registry>>) -> Result<Response, Problem> {
    Ok(Json(registry.tree_head()?).into_response())
}

#[derive(Deserialize)]
struct Range {
    from: u64,
    to: u64,
}

async fn consistency(State(registry): State<Arc<Registry>>, Query(range): Query<Range>) -> Result<Response, Problem> {
    let proof = registry.consistency(range.from, range.to)?;
    Ok(Json(ConsistencyAnswer {
        from: range.from,
        to: range.to,
        proof: proof.iter().map(merkle::encode_hash).collect(),
    })
    .into_response())
}

#[derive(Deserialize)]
struct EntryRange {
    start: u64,
    end: u64,
}

async fn entries(State(registry): State<Arc<Registry>>, Query(range): Query<EntryRange>) -> Result<Response, Problem> {
    let entries = blocking(move || registry.entries(range.start, range.end)).await?;
    let entries = entries
        .into_iter()
        .map(|(index, operation)| Entry { index, operation })
        .collect();
    Ok(Json(EntriesAnswer { entries }).into_response())
}
