//! RFC 9457 problem details: every error a route returns, as `application/problem+json`
//! with a stable `type`, the HTTP status, and the field at fault when there is one.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::Error;

/// The base of every problem `type`.
pub const PROBLEM_BASE: &str = "https://dojang.example/problems/";

/// An error answer.
#[derive(Debug, Clone)]
pub struct Problem {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable code: the `type`'s last segment.
    pub code: &'static str,
    /// What went wrong, for people.
    pub detail: String,
    /// The JSON Pointer or parameter at fault.
    pub field: Option<String>,
    /// Extra headers (e.g. `WWW-Authenticate`).
    pub www_authenticate: Option<&'static str>,
}

impl Problem {
    /// A problem with a status, code and detail.
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Problem {
        Problem {
            status,
            code,
            detail: detail.into(),
            field: None,
            www_authenticate: None,
        }
    }

    /// Names the field at fault.
    pub fn with_field(mut self, field: impl Into<String>) -> Problem {
        self.field = Some(field.into());
        self
    }

    /// 401: no usable bearer token.
    pub fn unauthorized(detail: impl Into<String>) -> Problem {
        let mut problem = Problem::new(StatusCode::UNAUTHORIZED, "unauthorized", detail);
        problem.www_authenticate = Some("Bearer realm=\"dojang-issuer\"");
        problem
    }

    /// 403: the token lacks the scope.
    pub fn forbidden(scope: &str) -> Problem {
        let mut problem = Problem::new(
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            format!("this route needs a token with the {scope:?} scope"),
        );
        problem.www_authenticate = Some("Bearer realm=\"dojang-issuer\", error=\"insufficient_scope\"");
        problem
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        let mut body = json!({
            "type": format!("{PROBLEM_BASE}{}", self.code),
            "title": self.status.canonical_reason().unwrap_or("error"),
            "status": self.status.as_u16(),
            "detail": self.detail,
        });
        if let (Some(field), Value::Object(map)) = (&self.field, &mut body) {
            map.insert("field".into(), Value::String(field.clone()));
        }
        body
    }
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
            eprintln!("vc-issuer: {}: {error}", error.code());
        }
        Problem {
            status,
            code: error.code(),
            detail,
            field,
            www_authenticate: None,
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = self.body().to_string();
        let mut response = (self.status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(value) = self.www_authenticate {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(value));
        }
        response
    }
}

/// A route's result.
pub type ApiResult<T> = Result<T, Problem>;

/// The most of a rejection's text kept as the problem's `detail`.
const MAX_REJECTION_DETAIL: usize = 1024;

/// Turns axum's own rejections into problem details like every other error: a body that is
/// not JSON or not the expected shape, a missing JSON content type, a bad query string, a body
/// over the limit, a method the route lacks. axum answers these in `text/plain` (or with no
/// body) before a route runs; a client of a JSON API should not have to parse two dialects.
/// Answers that already have a JSON body are left as they are.
pub(crate) async fn rejections_as_problems(response: Response) -> Response {
    let status = response.status();
    let plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_none_or(|value| value.as_bytes().starts_with(b"text/plain"));
    if !(status.is_client_error() || status.is_server_error()) || !plain {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, MAX_REJECTION_DETAIL)
        .await
        .unwrap_or_default();
    let detail = match String::from_utf8_lossy(&text).trim() {
        "" => status.canonical_reason().unwrap_or("error").to_lowercase(),
        text => text.to_owned(),
    };
    let code = match status {
        StatusCode::BAD_REQUEST => "malformed_request",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid_input",
        _ if status.is_server_error() => "internal",
        _ => "invalid_request",
    };
    let mut answer = Problem::new(status, code, detail).into_response();
    // Keep what the rejection said in its headers (`Allow` for a 405, say).
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            answer.headers_mut().insert(name.clone(), value.clone());
        }
    }
    answer
}
