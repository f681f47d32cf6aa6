//! The node's HTTP API (`docs/did-dojang.md` §11) on axum, with RFC 9457 problem details.

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use did_core::metrics::SecurityMetrics;
use serde::Deserialize;
use serde_json::json;

use super::write_access::{Verdict, Write, WriteAccess};
use super::write_quota::WriteQuota;
use super::{NodeError, Registry};
use crate::merkle;
use crate::operation::{MAX_OPERATION_LEN, Operation};
use crate::resolution::{ConsistencyAnswer, EntriesAnswer, Entry};

/// The HTTP API in front of a [`Registry`], open to writes from anyone.
pub fn router(registry: Arc<Registry>) -> Router {
    router_with(registry, WriteAccess::open())
}

/// The HTTP API in front of a [`Registry`], taking writes as `access` allows. The check runs
/// before a body is read.
pub fn router_with(registry: Arc<Registry>, access: WriteAccess) -> Router {
    router_with_quota(registry, access, WriteQuota::unlimited())
}

/// [`router_with`], and operations counted against `quota` per client and per DID (429
/// `rate_limited` with `Retry-After` past it).
pub fn router_with_quota(registry: Arc<Registry>, access: WriteAccess, quota: WriteQuota) -> Router {
    router_counting(registry, access, quota, security_metrics())
}

/// What `/metrics` names the node's security events.
const SECURITY_EVENTS: &str = "Refusals an attack causes: write_unauthorized, write_forbidden, rate_limited, \
connection_shed, client_connection_shed, request_timeout";

/// Counters for a node's security events (`dojang_registry_security_events_total`), to share
/// between [`router_counting`] and the accept loop.
pub fn security_metrics() -> SecurityMetrics {
    SecurityMetrics::new("dojang_registry", SECURITY_EVENTS)
}

/// [`router_with_quota`], counting refused writes and spent quotas in `metrics`, served at
/// `GET /metrics`.
pub fn router_counting(
    registry: Arc<Registry>,
    access: WriteAccess,
    quota: WriteQuota,
    metrics: SecurityMetrics,
) -> Router {
    let guarded = |write: Write| middleware::from_fn_with_state((access.clone(), write, metrics.clone()), guard);
    let exposition = metrics.clone();
    Router::new()
        .route("/operations", post(submit).route_layer(guarded(Write::Operation)))
        .route("/metrics", get(move || async move { exposition.answer() }))
        .route("/dids/{did}", get(resolve))
        .route("/tree-head", get(tree_head))
        .route("/cosignatures", post(cosign).route_layer(guarded(Write::Cosignature)))
        .route("/consistency", get(consistency))
        .route("/entries", get(entries))
        .fallback(did_core::problem::not_found)
        .layer(axum::middleware::map_response(
            did_core::problem::rejections_as_problems,
        ))
        .layer(DefaultBodyLimit::max(MAX_OPERATION_LEN))
        .layer(axum::middleware::map_response(security_headers))
        .layer(middleware::from_fn(did_core::logging::request_span))
        .layer(axum::Extension(Arc::new(quota)))
        .layer(axum::Extension(metrics))
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

/// Lets a write through when `access` allows it; otherwise 401 (no or a wrong token) or 403
/// (operations not taken over HTTP), logged without the client's address or token.
async fn guard(
    State((access, write, metrics)): State<(WriteAccess, Write, SecurityMetrics)>,
    request: Request,
    next: Next,
) -> Response {
    let authorization = request.headers().get(header::AUTHORIZATION).map(HeaderValue::as_bytes);
    match access.check(write, authorization) {
        Verdict::Allowed => next.run(request).await,
        Verdict::Unauthorized => {
            metrics.record("write_unauthorized");
            tracing::warn!(status = 401, "{} without a valid write token was refused", write.name());
            did_core::problem::Problem::unauthorized(REALM, "this node takes writes only with a write token")
                .into_response()
        }
        Verdict::Forbidden => {
            metrics.record("write_forbidden");
            tracing::warn!(
                status = 403,
                "{} was refused: this node takes operations only from its owner",
                write.name()
            );
            did_core::problem::Problem::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "this registry takes operations only from its owner",
            )
            .into_response()
        }
    }
}

/// The realm of the node's bearer-token challenge.
const REALM: &str = "dojang-registry";

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

/// An error as `application/problem+json` in the services' shared dialect
/// ([`did_core::problem`]), with `Retry-After` on a pushback.
struct Problem(NodeError);

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let problem = did_core::problem::Problem::new(status_of(&self.0), self.0.code(), self.0.to_string());
        match self.0 {
            NodeError::Pushback { retry_after_secs } => problem.with_retry_after(retry_after_secs),
            _ => problem,
        }
        .into_response()
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

async fn submit(
    State(registry): State<Arc<Registry>>,
    axum::Extension(quota): axum::Extension<Arc<WriteQuota>>,
    axum::Extension(metrics): axum::Extension<SecurityMetrics>,
    extensions: axum::http::Extensions,
    body: String,
) -> Result<Response, Problem> {
    if registry.is_read_only() {
        return Err(NodeError::ReadOnly.into());
    }
    // No address in the log: it is personal data.
    let client = extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip());
    if let Err(over) = quota.spend_client(client) {
        metrics.record("rate_limited");
        tracing::warn!(status = 429, "a client went over its operations quota; refused");
        return Ok(over.into_response("this client has sent as many operations as a node takes per hour"));
    }
    let operation = Operation::parse(body.trim()).map_err(NodeError::from)?;
    if let Err(over) = quota.spend_did(operation.did().as_ref()) {
        metrics.record("rate_limited");
        tracing::warn!(status = 429, "a DID went over its operations quota; refused");
        return Ok(over.into_response("this DID has had as many operations as a node takes per hour"));
    }
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
