//! The door/kiosk service: `verifier serve --policy door.toml`.
//!
//! An HTTP API (create a request, submit a presentation, read the decision) and the kiosk page
//! that shows the request's QR code and turns green or red with the reason, served by the same
//! process.
//!
//! | route | what |
//! | --- | --- |
//! | `POST /api/requests` | a new request: nonce, QR texts, expiry |
//! | `GET /api/requests/{id}` | where it stands: pending, decided (with the decision), expired |
//! | `POST /api/requests/{id}/presentation` | the wallet's answer (SD-JWT, VP, or `DJ1:` QR payload) |
//! | `GET /api/requests/{id}/qr.svg` | the door challenge QR code (`?kind=openid4vp`: the OpenID4VP link) |
//! | `GET /oid4vp/requests/{id}` | the OpenID4VP request object, for links by reference |
//! | `POST /oid4vp/response` | the wallet's OpenID4VP `direct_post` response |
//! | `POST /credentials/verify`, `POST /presentations/verify` | W3C VC-API verification (optionally behind a bearer token) |
//! | `GET /1.0/identifiers/{did}` | DID resolution over HTTP (W3C DID Resolution HTTP binding) |
//! | `GET /` | the kiosk page |
//! | `GET /healthz` | liveness |
//! | `GET /metrics` | the refusals an attack causes, counted (OpenMetrics text) |
//! | `GET /openapi.json` | this API as an OpenAPI 3.1 document |

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::SystemTime;

use axum::Router;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use did_core::clock::Clock;
use did_core::metrics::SecurityMetrics;
use did_core::problem::Problem;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use zeroize::Zeroizing;

use crate::decision::{Decision, Engine, presented_nonce};
use crate::decision_log::DecisionLog;
use crate::error::Error;
use crate::policy::Policy;
use crate::reason::{Reason, ReasonCode};
use crate::verify::MAX_INPUT_LEN;

mod kiosk;
mod oid4vp;
pub mod request_signer;
pub mod requests;
mod resolution;
mod vc_api;

pub use request_signer::{RequestSigner, Stored};

use requests::{Busy, DoorRequest, RequestStore, Reservation};

/// What the service needs.
pub struct ServiceConfig {
    /// The door's policy.
    pub policy: Policy,
    /// The decision engine (online, offline, or both).
    pub engine: Engine,
    /// The decision log, if one is kept.
    pub log: Option<DecisionLog>,
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// The base URL wallets reach this service at (OpenID4VP `response_uri` is built on it):
    /// `https://…`, or `http://` on loopback for development. `None`: `http://<bound address>`.
    pub public_url: Option<String>,
    /// The bearer token the VC-API verify routes require; `None` leaves them open.
    pub vc_api_token: Option<Zeroizing<String>>,
    /// The key and certificate OpenID4VP Request Objects passed by reference are signed with;
    /// `None`: a P-256 key and a self-signed certificate for the public URL's host, made when
    /// the router is built.
    pub request_signer: Option<RequestSigner>,
}

/// Shared by every handler.
pub struct AppState {
    policy: Policy,
    engine: Engine,
    log: Option<Arc<DecisionLog>>,
    clock: Arc<dyn Clock>,
    requests: RequestStore,
    public_url: String,
    dcql: crate::oid4vp::DcqlQuery,
    vc_api_token: Option<Zeroizing<String>>,
    request_signer: RequestSigner,
    metrics: SecurityMetrics,
}

/// What `/metrics` names the door's security events.
const SECURITY_EVENTS: &str =
    "Refusals an attack causes: rate_limited, requests_full, connection_shed, client_connection_shed, request_timeout";

type Shared = Arc<AppState>;

/// The router, for embedding; `public_url` is used when the config names none.
pub fn router(config: ServiceConfig, public_url: &str) -> Result<Router, Error> {
    router_counting(config, public_url, SecurityMetrics::new("dojang_door", SECURITY_EVENTS))
}

/// [`router`], counting its security events in `metrics` (which the accept loop shares).
fn router_counting(config: ServiceConfig, public_url: &str, metrics: SecurityMetrics) -> Result<Router, Error> {
    let dcql = oid4vp::dcql_for(&config.policy)?;
    let public_url = config
        .public_url
        .as_deref()
        .unwrap_or(public_url)
        .trim_end_matches('/')
        .to_owned();
    let request_signer = match config.request_signer {
        Some(signer) => signer,
        None => RequestSigner::generate(&host_of(&public_url))?,
    };
    let state = Arc::new(AppState {
        policy: config.policy,
        engine: config.engine,
        log: config.log.map(Arc::new),
        clock: config.clock,
        requests: RequestStore::default(),
        public_url,
        dcql,
        vc_api_token: config.vc_api_token,
        request_signer,
        metrics,
    });
    Ok(Router::new()
        .route("/", get(kiosk::page))
        .route("/kiosk.js", get(kiosk::script))
        .route("/kiosk.css", get(kiosk::style))
        .route("/healthz", get(|| async { "ok" }))
        .route(
            "/metrics",
            get(|State(state): State<Shared>| async move { state.metrics.answer() }),
        )
        .route("/openapi.json", get(openapi))
        .route("/api/requests", post(create_request))
        .route("/api/requests/{id}", get(request_state))
        .route("/api/requests/{id}/presentation", post(submit_presentation))
        .route("/api/requests/{id}/qr.svg", get(request_qr))
        .route("/oid4vp/requests/{id}", get(oid4vp::request_object))
        .route("/oid4vp/response", post(oid4vp::response))
        .route("/1.0/identifiers/", get(resolution::resolve_nothing))
        .route("/1.0/identifiers/{*did}", get(resolution::resolve))
        .route("/credentials/verify", post(vc_api::verify_credential))
        .route("/presentations/verify", post(vc_api::verify_presentation))
        .fallback(did_core::problem::not_found)
        .layer(axum::middleware::map_response(
            did_core::problem::rejections_as_problems,
        ))
        .layer(DefaultBodyLimit::max(MAX_INPUT_LEN))
        .layer(axum::middleware::map_response(security_headers))
        .layer(axum::middleware::from_fn(did_core::logging::request_span))
        .with_state(state))
}

/// The door's API as an OpenAPI 3.1 document (`verifier/openapi.json`; a test keeps its paths
/// and the router's in step, and another validates it).
pub const OPENAPI: &str = include_str!("../../openapi.json");

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

/// Headers every response carries: no sniffing, no framing, no referrer, scripts only from
/// this origin, nothing cached (requests and decisions are one-time).
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
        (
            "content-security-policy",
            "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
        ),
        ("cache-control", "no-store"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// The answer when the door takes no new request: 429 for a client holding its quota of
/// engaged requests, 503 for a door full of live ones; `Retry-After` is a request's lifetime,
/// after which some will have ended. Both are logged (without the client's address) and
/// counted.
fn request_store_full(full: requests::Full, ttl: std::time::Duration, metrics: &SecurityMetrics) -> Response {
    let (status, detail, event) = match full {
        requests::Full::Client => (
            StatusCode::TOO_MANY_REQUESTS,
            "this client holds as many open requests as it may",
            "rate_limited",
        ),
        requests::Full::Door => (
            StatusCode::SERVICE_UNAVAILABLE,
            "the door holds as many live requests as it can",
            "requests_full",
        ),
    };
    metrics.record(event);
    tracing::warn!(status = status.as_u16(), "a new request was refused: {detail}");
    Problem::new(status, "busy", detail)
        .with_retry_after(ttl.as_secs())
        .into_response()
}

fn problem(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Response {
    Problem::new(status, code, detail).into_response()
}

/// The host of `url` (`https://door.example:8443/x` → `door.example`; an IP address without
/// brackets), for the certificate a door makes for itself.
pub fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let authority = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    if let Some(bracketed) = authority.strip_prefix('[') {
        return bracketed.split(']').next().unwrap_or_default().to_owned();
    }
    authority.split(':').next().unwrap_or_default().to_owned()
}

fn request_id() -> String {
    let mut bytes = [0u8; 12];
    let _ = rand_core::RngCore::try_fill_bytes(&mut rand_core::OsRng, &mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The text a door shows for offline wallets: the nonce and the door's audience.
fn challenge_text(nonce: &str, audience: &str) -> String {
    crate::qr::DoorChallenge::new(nonce, audience).to_qr_text()
}

async fn create_request(State(state): State<Shared>, request: axum::extract::Request) -> Response {
    // The client's address, when the server was started with it (a router embedded
    // elsewhere has none, and all its clients share one quota).
    let connect_info = request.extensions().get::<ConnectInfo<SocketAddr>>().copied();
    let now = state.clock.now();
    let response_uri = format!("{}/oid4vp/response", state.public_url);
    let authorization = match crate::oid4vp::AuthorizationRequest::direct_post(&response_uri, state.dcql.clone()) {
        Ok(authorization) => authorization,
        Err(e) => return problem(StatusCode::INTERNAL_SERVER_ERROR, "openid4vp", e.to_string()),
    };
    // One nonce answers either flow: the OpenID4VP request's.
    let nonce = authorization.nonce.clone();
    let id = request_id();
    let expires_at = now + state.policy.nonce_ttl();
    let (authorization, link) = oid4vp::link_for(authorization, &state.request_signer, &state.public_url, &id);
    let client = connect_info.map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |ConnectInfo(addr)| addr.ip());
    let inserted = state.requests.insert(
        id.clone(),
        DoorRequest {
            nonce: nonce.clone(),
            expires_at,
            oid4vp: authorization,
            decision: None,
            unavailable: None,
            in_flight: false,
            refused: None,
            client,
            engaged: false,
            order: 0,
        },
        now,
    );
    let nonces = state.engine.nonces();
    match inserted {
        Ok(dropped) => {
            for gone in dropped {
                nonces.discard(&gone);
            }
        }
        Err(full) => return request_store_full(full, state.policy.nonce_ttl(), &state.metrics),
    }
    nonces.insert(nonce.clone(), now, state.policy.nonce_ttl());
    let expires_at_second = time::OffsetDateTime::from(expires_at);
    let expires = expires_at_second
        .replace_nanosecond(0)
        .unwrap_or(expires_at_second)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let body = json!({
        "id": id,
        "nonce": nonce,
        "audience": state.policy.audience,
        "door": state.policy.door,
        "expires_at": expires,
        "challenge": challenge_text(&nonce, &state.policy.audience),
        "openid4vp": link,
        "qr": format!("/api/requests/{id}/qr.svg"),
        "openid4vp_qr": format!("/api/requests/{id}/qr.svg?kind=openid4vp"),
    });
    (StatusCode::CREATED, axum::Json(body)).into_response()
}

async fn request_state(State(state): State<Shared>, Path(id): Path<String>) -> Response {
    match state.requests.state(&id, state.clock.now()) {
        Some(found) => axum::Json(found).into_response(),
        None => problem(StatusCode::NOT_FOUND, "unknown_request", "no such request"),
    }
}

/// Which QR code `GET /api/requests/{id}/qr.svg` draws.
#[derive(Debug, serde::Deserialize)]
struct QrQuery {
    kind: Option<String>,
}

async fn request_qr(
    State(state): State<Shared>,
    Path(id): Path<String>,
    axum::extract::Query(query): axum::extract::Query<QrQuery>,
) -> Response {
    let Some(request) = state.requests.get(&id) else {
        return problem(StatusCode::NOT_FOUND, "unknown_request", "no such request");
    };
    let svg = match query.kind.as_deref() {
        None | Some("door") => crate::qr::qr_svg(&challenge_text(&request.nonce, &state.policy.audience)),
        Some("openid4vp") => crate::qr::link_svg(&oid4vp::link_of(&request.oid4vp, &state.public_url, &id)),
        Some(_) => return problem(StatusCode::BAD_REQUEST, "invalid_kind", "kind is door or openid4vp"),
    };
    match svg {
        Ok(svg) => ([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response(),
        Err(e) => problem(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()),
    }
}

/// Logs a decision, then records it for the reserved request and answers with it: a decision
/// that could not be logged is never shown (the kiosk reads the recorded one). The append
/// waits for the disk (`fdatasync`), so it runs on the blocking pool, not on a worker thread
/// other requests are waiting for.
async fn settle(state: &AppState, reservation: Reservation<'_>, decision: Decision, now: SystemTime) -> Response {
    let decision = match &state.log {
        None => decision,
        Some(log) => {
            let log = Arc::clone(log);
            let door = state.policy.door.clone();
            let appended =
                tokio::task::spawn_blocking(move || log.append(&decision, &door, now).map(|_| decision)).await;
            match appended {
                Ok(Ok(decision)) => decision,
                Ok(Err(e)) => {
                    tracing_error(&e);
                    return log_failed();
                }
                Err(_) => return log_failed(),
            }
        }
    };
    // An answer that proves nothing about the holder is refused to its poster, and the
    // request stays open for the holder (a bystander with the QR code cannot close it).
    reservation.decide(&decision);
    axum::Json(decision).into_response()
}

/// The answer when the decision log refused a line.
fn log_failed() -> Response {
    problem(
        StatusCode::INTERNAL_SERVER_ERROR,
        "decision_log_failed",
        "the decision could not be logged",
    )
}

/// The answer for a request that cannot take a presentation now. A request that already has
/// a decision refuses the answer with a reason as a decision gives it (`NONCE_REPLAYED`: its
/// nonce is spent), so a wallet replaying a response learns why, not only that it failed.
fn busy(why: Busy) -> Response {
    match why {
        Busy::Unknown => problem(StatusCode::NOT_FOUND, "unknown_request", "no such request"),
        Busy::Answered => {
            let reason = Reason::with_detail(ReasonCode::NonceReplayed, "this request already has a decision");
            Problem::new(StatusCode::CONFLICT, "already_answered", "this request has a decision")
                .with_member("reasons", json!([reason]))
                .into_response()
        }
        Busy::Checking => problem(
            StatusCode::CONFLICT,
            "being_checked",
            "another answer to this request is being checked",
        ),
    }
}

fn tracing_error(error: &Error) {
    tracing::error!(error = %error, "the decision log refused a line");
}

async fn submit_presentation(State(state): State<Shared>, Path(id): Path<String>, body: String) -> Response {
    let now = state.clock.now();
    let reservation = match state.requests.reserve(&id) {
        Ok(reservation) => reservation,
        Err(why) => return busy(why),
    };
    let decoded;
    let mut presentation = body.trim();
    if presentation.starts_with(crate::qr::PRESENTATION_PREFIX) {
        decoded = match crate::qr::decode_presentation(presentation) {
            Ok(text) => text,
            Err(e) => return problem(StatusCode::BAD_REQUEST, "malformed_qr_payload", e.to_string()),
        };
        presentation = decoded.trim();
    }
    // The presentation must answer this request, not another live one.
    if presented_nonce(presentation).is_some_and(|n| n != reservation.request.nonce) {
        return settle(&state, reservation, finish_alone(ReasonCode::NonceMismatch), now).await;
    }
    match state
        .engine
        .verify(presentation, &state.policy, state.clock.as_ref())
        .await
    {
        Ok(decision) => settle(&state, reservation, decision, now).await,
        Err(e) => {
            state.requests.mark_unavailable(&id, &e.to_string());
            problem(StatusCode::SERVICE_UNAVAILABLE, "cannot_check", e.to_string())
        }
    }
}

fn finish_alone(code: ReasonCode) -> Decision {
    Decision::deny(vec![Reason::new(code)])
}

/// A running service.
pub struct Running {
    /// Where it listens.
    pub addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// The base URL, `http://127.0.0.1:port`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, finishes requests in flight.
    pub async fn stop(mut self) -> Result<(), Error> {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        self.wait().await
    }

    /// Waits until the server stops (it does not by itself unless the socket fails).
    pub async fn wait(self) -> Result<(), Error> {
        match self.task.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(source)) => Err(Error::Service {
                doing: "serving".into(),
                source,
            }),
            Err(e) => Err(Error::Service {
                doing: "the server task".into(),
                source: std::io::Error::other(e),
            }),
        }
    }
}

/// Binds `listen` and serves `config` until stopped, within the default connection limits.
pub async fn start(config: ServiceConfig, listen: SocketAddr) -> Result<Running, Error> {
    start_with_limits(config, listen, did_core::server::Limits::default()).await
}

/// Binds `listen` and serves `config` until stopped, within `limits`.
pub async fn start_with_limits(
    config: ServiceConfig,
    listen: SocketAddr,
    limits: did_core::server::Limits,
) -> Result<Running, Error> {
    let listener = TcpListener::bind(listen).await.map_err(|source| Error::Service {
        doing: format!("cannot listen on {listen}"),
        source,
    })?;
    let addr = listener.local_addr().map_err(|source| Error::Service {
        doing: "reading the bound address".into(),
        source,
    })?;
    let metrics = SecurityMetrics::new("dojang_door", SECURITY_EVENTS);
    let app = router_counting(config, &format!("http://{addr}"), metrics.clone())?;
    let (shutdown, stopped) = oneshot::channel::<()>();
    // The connection cap and the header-read and request timeouts: a door on a public
    // network must not be held by silent or trickling connections.
    let task = tokio::spawn(did_core::server::serve_reporting(
        listener,
        app,
        limits,
        metrics.sink(),
        async {
            let _ = stopped.await;
        },
    ));
    Ok(Running {
        addr,
        shutdown: Some(shutdown),
        task,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn every_reason_has_text_for_the_kiosk() {
        for code in ReasonCode::ALL {
            assert!(!code.ko().is_empty());
        }
        assert!(challenge_text("n", "https://a").starts_with("DJN1:"));
    }
}
