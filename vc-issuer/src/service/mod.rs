//! The HTTP service: one axum router over shared state.
//!
//! | routes | module | who may call |
//! |---|---|---|
//! | `/admin/...` | [`admin`] | bearer token with a scope |
//! | `/admin/keys`, `/admin/keys/rotate`, `/admin/keys/{id}/retire`, `/admin/keys/{id}/revoke-credentials` | `keys` | bearer token, `admin` scope |
//! | `/credentials/issue`, `/credentials/status` (W3C VC-API) | [`vc_api`] | bearer token |
//! | OpenID4VCI metadata, offers, token, nonce, credential, deferred | [`oid4vci`] | wallets (codes and access tokens) |
//! | `/status/{list}/{kind}` | [`status_lists`] | anyone |
//! | `/.well-known/did.json`, `/schemas/{type}`, `/vct/{type}` | [`well_known`] | anyone |
//! | `/health`, `/metrics`, `/openapi.json` | [`ops`] | anyone |
//! | `/registry/...` (in-process did:dojang registry) | registry-anchor | anyone (reads), the issuer (writes) |
//!
//! No route without a token can issue or change anything: wallets only redeem offers that
//! an authenticated caller created.

pub mod admin;
pub mod auth;
pub mod body;
pub mod client_budget;
mod keys;
pub mod oid4vci;
pub mod ops;
pub mod problem;
pub mod status_lists;
pub mod vc_api;
pub mod well_known;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::config::Config;
use crate::issuance::Issuer;

pub use ops::Metrics;
pub use status_lists::StatusListCache;

/// What every route shares.
pub struct AppState {
    /// The issuer (key, DID, store, templates).
    pub issuer: Arc<Issuer>,
    /// The validated configuration.
    pub config: Config,
    /// Signed status lists.
    pub status_lists: StatusListCache,
    /// Prometheus counters.
    pub metrics: Metrics,
    /// What key rotations change: the did:web document served, the in-process registry.
    pub keys: crate::key_rotation::KeyState,
    /// Resolves the DIDs of holders whose key proofs name a DID key.
    pub holder_dids: Arc<dyn did_core::resolve::Resolver>,
    /// Per-client budgets of the OpenID4VCI routes.
    pub budgets: Budgets,
}

/// The per-client budgets of the public OpenID4VCI routes (`[limits]`).
#[derive(Debug)]
pub struct Budgets {
    /// Requests to `/token`, `/nonce` and `/credential` per minute.
    pub requests: client_budget::ClientBudget,
    /// Wrong PINs across every offer per window.
    pub wrong_pins: client_budget::ClientBudget,
    /// Holder DID resolutions (did:web fetches) per offer per hour.
    pub did_resolutions: client_budget::Budget<String>,
}

impl Budgets {
    /// The budgets `limits` sets.
    pub fn new(limits: &crate::config::LimitConfig) -> Budgets {
        Budgets {
            requests: client_budget::ClientBudget::new(
                limits.oid4vci_requests_per_minute,
                std::time::Duration::from_secs(60),
            ),
            wrong_pins: client_budget::ClientBudget::new(
                limits.wrong_pins_per_client,
                std::time::Duration::from_secs(limits.wrong_pin_window_minutes.saturating_mul(60)),
            ),
            did_resolutions: client_budget::Budget::new(
                limits.did_resolutions_per_offer,
                std::time::Duration::from_secs(3600),
            ),
        }
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("issuer", &self.issuer)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// The state as routes hold it.
pub type Shared = Arc<AppState>;

/// The whole router, with the request body limit; `registry` is the in-process registry's
/// router, mounted under `/registry` when there is one.
pub fn router(state: Shared, registry: Option<Router>) -> Router {
    let limit = state.config.max_body_bytes;
    let mut app = Router::new()
        .merge(admin::routes())
        .merge(keys::routes())
        .merge(vc_api::routes())
        .merge(oid4vci::routes())
        .merge(status_lists::routes())
        .merge(well_known::routes())
        .merge(ops::routes())
        .layer(axum::middleware::map_response(problem::rejections_as_problems))
        .layer(axum::middleware::from_fn_with_state(state.clone(), ops::count_requests))
        .layer(DefaultBodyLimit::max(limit))
        // The nested registry logs its requests itself.
        .layer(axum::middleware::from_fn(did_core::logging::request_span))
        .with_state(state);
    if let Some(registry) = registry {
        app = app.nest("/registry", registry.layer(DefaultBodyLimit::max(limit)));
    }
    app.layer(axum::middleware::from_fn(security_headers))
}

/// Headers every response carries (also the in-process registry's): no sniffing, no framing,
/// no referrer, and a policy that lets nothing load or run (the service serves JSON and SVG
/// images, never a page); authenticated answers (records with personal data) are never
/// stored by a cache unless the route says otherwise. No CORS headers: browsers on other
/// origins cannot read answers.
async fn security_headers(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let authenticated = path.starts_with("/admin/") || path.starts_with("/credentials/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if authenticated && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    for (name, value) in [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
        (
            "content-security-policy",
            "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
        ),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}
