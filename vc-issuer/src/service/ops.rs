//! Operations: `/health` (the database answers), `/metrics` (OpenMetrics text, which Prometheus scrapes) and
//! `/openapi.json` (every route, kept in step with the router by a test).

use axum::Json;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use did_core::metrics::SecurityEvents;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use serde_json::{Value, json};

use super::Shared;
use super::problem::ApiResult;

/// The OpenAPI document, written by hand and checked against the router in the tests.
pub const OPENAPI: &str = include_str!("../../openapi.json");

/// The service's counters.
pub struct Metrics {
    registry: Registry,
    requests: Family<Vec<(String, String)>, Counter>,
    /// Credentials issued (every route).
    pub issued: Counter,
    /// Status changes (suspend, unsuspend, revoke).
    pub status_changes: Counter,
    in_flight: Gauge,
    /// Refusals an attack causes, also counted by the accept loop (its sink).
    pub security_events: SecurityEvents,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Metrics {
        let mut registry = Registry::with_prefix("dojang_issuer");
        let requests = Family::<Vec<(String, String)>, Counter>::default();
        let issued = Counter::default();
        let status_changes = Counter::default();
        let in_flight = Gauge::default();
        registry.register("http_requests", "HTTP requests by status class", requests.clone());
        registry.register("credentials_issued", "Credentials issued", issued.clone());
        registry.register(
            "status_changes",
            "Suspensions, unsuspensions and revocations",
            status_changes.clone(),
        );
        registry.register("requests_in_flight", "Requests being handled", in_flight.clone());
        let security_events = SecurityEvents::default();
        security_events.register(
            &mut registry,
            "Refusals an attack causes: rate_limited, wrong_pin, pin_budget_spent, offer_locked, connection_shed, client_connection_shed, request_timeout",
        );
        Metrics {
            security_events,
            registry,
            requests,
            issued,
            status_changes,
            in_flight,
        }
    }
}

impl Metrics {
    /// Counts a security event (`rate_limited`, `wrong_pin`, `pin_budget_spent`,
    /// `offer_locked`; from the accept loop `connection_shed` and `request_timeout`), which
    /// the routes and the accept loop also log.
    pub fn security_event(&self, event: &'static str) {
        self.security_events.record(event);
    }

    /// The OpenMetrics text exposition.
    pub fn render(&self) -> String {
        did_core::metrics::render(&self.registry)
    }
}

pub(crate) fn routes() -> Router<Shared> {
    Router::new()
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi))
}

/// Decrements the in-flight gauge when dropped, also when the client goes away and the
/// request's future is dropped before it finishes.
struct InFlight(Gauge);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// Counts every request by status class, and those in flight.
pub(crate) async fn count_requests(State(state): State<Shared>, request: Request, next: Next) -> Response {
    state.metrics.in_flight.inc();
    let in_flight = InFlight(state.metrics.in_flight.clone());
    let response = next.run(request).await;
    drop(in_flight);
    let class = format!("{}xx", response.status().as_u16() / 100);
    state
        .metrics
        .requests
        .get_or_create(&vec![("status".to_owned(), class)])
        .inc();
    response
}

async fn health(State(state): State<Shared>) -> Response {
    match state.issuer.store.ping().await {
        Ok(()) => Json(json!({"status": "ok", "did": state.issuer.did})).into_response(),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "unavailable", "reason": "database"})),
        )
            .into_response(),
    }
}

async fn metrics(State(state): State<Shared>) -> Response {
    did_core::metrics::exposition(state.metrics.render())
}

async fn openapi(State(state): State<Shared>) -> ApiResult<Json<Value>> {
    let mut document: Value = serde_json::from_str(OPENAPI)
        .map_err(|e| crate::Error::Unsupported(format!("the built-in OpenAPI document is broken: {e}")))?;
    if let Value::Object(map) = &mut document {
        map.insert("servers".into(), json!([{"url": state.issuer.public_url}]));
    }
    Ok(Json(document))
}
