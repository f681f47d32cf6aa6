//! OpenID for Verifiable Credential Issuance 1.0, pre-authorized code flow, SD-JWT VC
//! (`dc+sd-jwt`) credentials bound to the wallet's key.
//!
//! | route | module | caller |
//! |---|---|---|
//! | `GET /.well-known/openid-credential-issuer`, `/.well-known/oauth-authorization-server` | [`metadata`] | anyone |
//! | `POST /admin/offers`, `GET /admin/offers/{id}`, `POST /admin/offers/{id}/approve` | [`offers`] | bearer token (`issue`, `read`) |
//! | `GET /offers/{handle}`, `/offers/{handle}/qr.svg`, `/offers/{handle}/qr.png` | [`offers`] | whoever holds the offer link |
//! | `POST /token`, `POST /nonce` | [`token`] | wallets |
//! | `POST /credential`, `POST /deferred_credential` | [`credential`] | wallets (their access token) |
//!
//! Wallet-facing errors are OAuth-style JSON (`{error, error_description}`, RFC 6749 §5.2
//! and OpenID4VCI §8.3.1), not problem details, because that is what wallets parse.

pub mod credential;
pub mod metadata;
pub mod offers;
pub mod requests;
pub mod token;

use axum::Json;
use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;

use super::Shared;
use crate::Error;

/// The OAuth grant type of the pre-authorized code flow.
pub const PRE_AUTHORIZED_GRANT: &str = "urn:ietf:params:oauth:grant-type:pre-authorized_code";

/// The `typ` of a key proof JWT.
pub const PROOF_TYP: &str = "openid4vci-proof+jwt";

/// The credential format of every configuration.
pub const FORMAT: &str = "dc+sd-jwt";

/// Seconds an access token is valid at `/credential`.
pub const ACCESS_TOKEN_TTL: i64 = 3600;

/// Seconds a `c_nonce` is valid.
pub const NONCE_TTL: i64 = 300;

/// Seconds a wallet should wait between deferred polls.
pub const DEFERRED_INTERVAL: u64 = 5;

pub(crate) fn routes() -> Router<Shared> {
    Router::new()
        .route(
            "/.well-known/openid-credential-issuer",
            get(metadata::credential_issuer),
        )
        .route(
            "/.well-known/oauth-authorization-server",
            get(metadata::authorization_server),
        )
        .route("/admin/offers", post(offers::create))
        .route("/admin/offers/{id}", get(offers::show))
        .route("/admin/offers/{id}/approve", post(offers::approve))
        .route("/offers/{handle}", get(offers::by_reference))
        .route("/offers/{handle}/qr.svg", get(offers::qr_svg))
        .route("/offers/{handle}/qr.png", get(offers::qr_png))
        .route("/token", post(token::token))
        .route("/nonce", post(token::nonce))
        .route("/credential", post(credential::credential))
        .route("/deferred_credential", post(credential::deferred))
}

/// A wallet-facing error: `{error, error_description}`, never cached.
#[derive(Debug, Clone)]
pub struct OAuthError {
    /// HTTP status (400, or 401 for `invalid_token`).
    pub status: StatusCode,
    /// The OAuth / OpenID4VCI error code.
    pub error: &'static str,
    /// What went wrong, for people.
    pub description: String,
}

impl OAuthError {
    /// A 400 error.
    pub fn bad(error: &'static str, description: impl Into<String>) -> OAuthError {
        OAuthError {
            status: StatusCode::BAD_REQUEST,
            error,
            description: description.into(),
        }
    }

    /// A 401 `invalid_token`.
    pub fn invalid_token(description: impl Into<String>) -> OAuthError {
        OAuthError {
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_token",
            description: description.into(),
        }
    }
}

impl From<Error> for OAuthError {
    fn from(error: Error) -> OAuthError {
        let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if status.is_server_error() {
            tracing::error!(code = error.code(), error = %error, "an OpenID4VCI request failed");
            return OAuthError {
                status,
                error: "server_error",
                description: "the issuer could not complete the request; try again later".into(),
            };
        }
        OAuthError::bad("credential_request_denied", error.to_string())
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = json!({"error": self.error, "error_description": self.description});
        let mut response = (self.status, no_store(), Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            let value = format!("Bearer error=\"{}\"", self.error);
            if let Ok(value) = HeaderValue::from_str(&value) {
                response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
            }
        }
        response
    }
}

/// `Cache-Control: no-store` (token, nonce and credential answers must not be cached).
pub(crate) fn no_store() -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers
}
