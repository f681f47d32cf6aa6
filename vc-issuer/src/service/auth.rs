//! Bearer-token authentication for the admin routes: a missing or unknown token is 401, a
//! token without the route's scope is 403. Every admin handler takes [`Caller`] and calls
//! [`Caller::require`] first, so no admin route can act without a scoped token.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use super::Shared;
use super::problem::Problem;
use crate::store::{Scope, TokenInfo};

/// The authenticated caller of an admin route.
#[derive(Debug, Clone)]
pub struct Caller(pub TokenInfo);

impl Caller {
    /// Checks the caller has `scope`; returns the actor name for the audit log.
    pub fn require(&self, scope: Scope) -> Result<&str, Problem> {
        if self.0.allows(scope) {
            Ok(&self.0.id)
        } else {
            Err(Problem::forbidden(scope.as_str()))
        }
    }
}

impl FromRequestParts<Shared> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Caller, Problem> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .ok_or_else(|| Problem::unauthorized("an Authorization: Bearer token is required"))?;
        let secret = header
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .ok_or_else(|| Problem::unauthorized("the Authorization header must be `Bearer <token>`"))?;
        match state.issuer.store.token_for_secret(secret).await {
            Ok(Some(token)) => Ok(Caller(token)),
            Ok(None) => Err(Problem::unauthorized("the token is unknown or revoked")),
            Err(e) => Err(e.into()),
        }
    }
}
