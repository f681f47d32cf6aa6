//! Bearer-token authentication for the admin routes: a missing or unknown token is 401, a
//! token without the route's scope is 403. Every admin handler takes [`Caller`] and calls
//! [`Caller::require`] first, so no admin route can act without a scoped token.
//!
//! With `tls.admin_client_cert = "required"`, a [`Caller`] also needs a client certificate
//! that the TLS handshake verified against `tls.client_ca`; without one the answer is 401
//! before the token is even looked up. The audit actor is then the token ID and the
//! certificate's fingerprint prefix (`tok_… cert:<16 hex digits>`).

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use super::Shared;
use super::problem::{self, Problem};
use crate::store::{Scope, TokenInfo};
use crate::tls::ClientCert;

/// The authenticated caller of an admin route.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The bearer token it presented.
    pub token: TokenInfo,
    /// The verified client certificate of its connection, if it sent one.
    pub client_cert: Option<Arc<ClientCert>>,
    /// The audit log's name for it.
    actor: String,
}

impl Caller {
    /// A caller with `token`, on a connection with `client_cert`.
    pub fn new(token: TokenInfo, client_cert: Option<Arc<ClientCert>>) -> Caller {
        let actor = match &client_cert {
            Some(cert) => format!("{} cert:{}", token.id, cert.short_fingerprint()),
            None => token.id.clone(),
        };
        Caller {
            token,
            client_cert,
            actor,
        }
    }

    /// The name the audit log records: the token ID, and the client certificate's
    /// fingerprint prefix when there is one.
    pub fn actor(&self) -> &str {
        &self.actor
    }

    /// Checks the caller has `scope`; returns the actor name for the audit log.
    pub fn require(&self, scope: Scope) -> Result<&str, Problem> {
        if self.token.allows(scope) {
            Ok(&self.actor)
        } else {
            Err(problem::forbidden(scope.as_str()))
        }
    }
}

impl FromRequestParts<Shared> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Caller, Problem> {
        let client_cert = crate::tls::client_cert(&parts.extensions).cloned();
        if client_cert.is_none() && state.config.admin_client_cert_required() {
            return Err(problem::unauthorized(
                "this route needs a client certificate issued by a CA in tls.client_ca, as well as a bearer token",
            ));
        }
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .ok_or_else(|| problem::unauthorized("an Authorization: Bearer token is required"))?;
        let secret =
            bearer(header).ok_or_else(|| problem::unauthorized("the Authorization header must be `Bearer <token>`"))?;
        match state.issuer.store.token_for_secret(secret).await {
            Ok(Some(token)) => Ok(Caller::new(token, client_cert)),
            Ok(None) => Err(problem::unauthorized("the token is unknown or revoked")),
            Err(e) => Err(e.into()),
        }
    }
}

/// The credential of an `Authorization: Bearer <token>` header value (RFC 6750 §2.1).
pub(crate) fn bearer(value: &axum::http::HeaderValue) -> Option<&str> {
    let value = value.to_str().ok()?;
    value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
}
