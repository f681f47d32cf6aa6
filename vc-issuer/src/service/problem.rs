//! RFC 9457 problem details: every error a route returns, as `application/problem+json` in
//! the dialect the three services share ([`did_core::problem`]), with the field at fault
//! when there is one.

use axum::http::StatusCode;

pub use did_core::problem::{Problem, TYPE_BASE as PROBLEM_BASE, rejections_as_problems};

use crate::Error;

/// The realm of the issuer's bearer-token challenges.
const REALM: &str = "dojang-issuer";

/// 401: no usable bearer token.
pub fn unauthorized(detail: impl Into<String>) -> Problem {
    Problem::unauthorized(REALM, detail)
}

/// 403: the token lacks the scope.
pub fn forbidden(scope: &str) -> Problem {
    Problem::new(
        StatusCode::FORBIDDEN,
        "insufficient_scope",
        format!("this route needs a token with the {scope:?} scope"),
    )
    .with_www_authenticate(format!("Bearer realm=\"{REALM}\", error=\"insufficient_scope\""))
}

impl From<Error> for Problem {
    fn from(error: Error) -> Problem {
        let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let field = match &error {
            Error::InvalidInput { field, .. } => Some(field.clone()),
            _ => None,
        };
        let detail = match &error {
            Error::InvalidInput { message, .. } => message.clone(),
            // Internal details (paths, SQL) stay in the log, not in the answer.
            Error::Storage(_) => "the database is unavailable; nothing was changed".to_owned(),
            Error::KeyStore(_) | Error::Io { .. } | Error::Config { .. } => "internal error".to_owned(),
            other => other.to_string(),
        };
        if status.is_server_error() {
            tracing::error!(code = error.code(), error = %error, "a request failed");
        }
        let problem = Problem::new(status, error.code(), detail);
        match field {
            Some(field) => problem.with_field(field),
            None => problem,
        }
    }
}

/// A route's result.
pub type ApiResult<T> = Result<T, Problem>;
