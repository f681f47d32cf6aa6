//! RFC 9457 problem details, the one error dialect of Dojang's three services (the issuer,
//! the registry node and the door).
//!
//! Every error answer is `application/problem+json` with the same members:
//!
//! - `type`: [`TYPE_BASE`] followed by the code;
//! - `title`: the status's reason phrase;
//! - `status`: the HTTP status;
//! - `detail`: what went wrong, for people (no secret, no personal data);
//! - `code`: a stable snake_case code a client can branch on;
//! - `field`, when one field of the request is at fault (a JSON Pointer or a parameter name).
//!
//! `Retry-After` is sent when waiting helps (a busy door, a registry pushing back), and
//! `WWW-Authenticate` on a 401 or 403. axum's own rejections (a body that is not JSON, a
//! missing content type, a body over the limit, an unknown route) go through
//! [`rejections_as_problems`] and [`not_found`], so a client parses one dialect only.
//!
//! ```
//! use axum::http::StatusCode;
//! use did_core::problem::Problem;
//!
//! let problem = Problem::new(StatusCode::TOO_MANY_REQUESTS, "busy", "try again shortly")
//!     .with_retry_after(30);
//! let body = problem.body();
//! assert_eq!(body["type"], "https://dojang.example/problems/busy");
//! assert_eq!(body["code"], "busy");
//! assert_eq!(body["status"], 429);
//! ```

use std::borrow::Cow;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

/// The base of every problem `type`: the code follows it.
pub const TYPE_BASE: &str = "https://dojang.example/problems/";

/// The media type of every error answer.
pub const MEDIA_TYPE: &str = "application/problem+json";

/// The most of a rejection's text kept as a problem's `detail`.
const MAX_REJECTION_DETAIL: usize = 1024;

/// An error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    status: StatusCode,
    code: Cow<'static, str>,
    detail: String,
    /// The rarer parts, boxed so a `Result<_, Problem>` stays small.
    extra: Option<Box<Extra>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Extra {
    field: Option<String>,
    retry_after: Option<u64>,
    www_authenticate: Option<Cow<'static, str>>,
    extensions: Map<String, Value>,
}

impl Problem {
    /// A problem with a status, a snake_case code and a detail.
    pub fn new(status: StatusCode, code: impl Into<Cow<'static, str>>, detail: impl Into<String>) -> Problem {
        Problem {
            status,
            code: code.into(),
            detail: detail.into(),
            extra: None,
        }
    }

    /// 404 `not_found`.
    pub fn not_found(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::NOT_FOUND, "not_found", detail)
    }

    /// 401 `unauthorized`, with a `WWW-Authenticate: Bearer` challenge for `realm`.
    pub fn unauthorized(realm: &str, detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::UNAUTHORIZED, "unauthorized", detail)
            .with_www_authenticate(format!("Bearer realm=\"{realm}\""))
    }

    fn extra_mut(&mut self) -> &mut Extra {
        self.extra.get_or_insert_with(Box::default)
    }

    /// Names the field at fault (a JSON Pointer or a parameter name).
    pub fn with_field(mut self, field: impl Into<String>) -> Problem {
        self.extra_mut().field = Some(field.into());
        self
    }

    /// Asks the client to wait `seconds` before trying again (`Retry-After`, at least 1).
    pub fn with_retry_after(mut self, seconds: u64) -> Problem {
        self.extra_mut().retry_after = Some(seconds.max(1));
        self
    }

    /// Sets the `WWW-Authenticate` challenge.
    pub fn with_www_authenticate(mut self, challenge: impl Into<Cow<'static, str>>) -> Problem {
        self.extra_mut().www_authenticate = Some(challenge.into());
        self
    }

    /// Adds an extension member (RFC 9457 §3.2), e.g. the door's `reasons`. The standard
    /// members (`type`, `title`, `status`, `detail`, `code`, `field`) cannot be replaced.
    pub fn with_member(mut self, name: impl Into<String>, value: Value) -> Problem {
        self.extra_mut().extensions.insert(name.into(), value);
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The stable code.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The detail, for people.
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// The field at fault, if one is named.
    pub fn field(&self) -> Option<&str> {
        self.extra.as_ref()?.field.as_deref()
    }

    /// The `Retry-After` seconds, if any.
    pub fn retry_after(&self) -> Option<u64> {
        self.extra.as_ref()?.retry_after
    }

    /// The `WWW-Authenticate` challenge, if any.
    pub fn www_authenticate(&self) -> Option<&str> {
        self.extra.as_ref()?.www_authenticate.as_deref()
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        let mut body = self
            .extra
            .as_ref()
            .map(|extra| extra.extensions.clone())
            .unwrap_or_default();
        body.insert("type".into(), Value::String(format!("{TYPE_BASE}{}", self.code)));
        body.insert(
            "title".into(),
            Value::String(self.status.canonical_reason().unwrap_or("Error").to_owned()),
        );
        body.insert("status".into(), Value::from(self.status.as_u16()));
        body.insert("detail".into(), Value::String(self.detail.clone()));
        body.insert("code".into(), Value::String(self.code.to_string()));
        if let Some(field) = self.field() {
            body.insert("field".into(), Value::String(field.to_owned()));
        }
        Value::Object(body)
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.detail)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = self.body().to_string();
        let mut response = (self.status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(MEDIA_TYPE));
        if let Some(seconds) = self.retry_after()
            && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
        {
            headers.insert(header::RETRY_AFTER, value);
        }
        if let Some(challenge) = self.www_authenticate()
            && let Ok(value) = HeaderValue::from_str(challenge)
        {
            headers.insert(header::WWW_AUTHENTICATE, value);
        }
        response
    }
}

/// The code of an error answer with only a status: what axum's rejections become.
pub fn code_for_status(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "malformed_request",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::NOT_ACCEPTABLE => "not_acceptable",
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid_input",
        StatusCode::TOO_MANY_REQUESTS => "busy",
        _ if status.is_server_error() => "internal",
        _ => "invalid_request",
    }
}

/// A fallback route: every unknown path is a 404 problem, not an empty body.
pub async fn not_found() -> Problem {
    Problem::not_found("no such route")
}

/// Turns axum's own rejections into problem details like every other error: a body that is
/// not JSON or not the expected shape, a missing JSON content type, a bad query string, a body
/// over the limit, a method the route lacks. axum answers these in `text/plain` (or with no
/// body) before a route runs. Answers that already have a body of another type (JSON, HTML)
/// are left as they are; headers the rejection set (`Allow` on a 405) are kept.
///
/// Use it as `router.layer(axum::middleware::map_response(rejections_as_problems))`.
pub async fn rejections_as_problems(response: Response) -> Response {
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
    let mut answer = Problem::new(status, code_for_status(status), detail).into_response();
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            answer.headers_mut().insert(name.clone(), value.clone());
        }
    }
    answer
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_body_has_every_member_and_the_headers_are_set() {
        let problem = Problem::new(StatusCode::SERVICE_UNAVAILABLE, "busy", "full")
            .with_field("/credential")
            .with_retry_after(0)
            .with_www_authenticate("Bearer realm=\"x\"");
        assert_eq!(
            problem.body(),
            serde_json::json!({
                "type": "https://dojang.example/problems/busy",
                "title": "Service Unavailable",
                "status": 503,
                "detail": "full",
                "code": "busy",
                "field": "/credential",
            })
        );
        let response = problem.into_response();
        assert_eq!(response.headers()[header::CONTENT_TYPE], MEDIA_TYPE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
        assert_eq!(response.headers()[header::WWW_AUTHENTICATE], "Bearer realm=\"x\"");
    }

    #[test]
    fn every_status_code_is_snake_case() {
        for status in 400..600u16 {
            let Ok(status) = StatusCode::from_u16(status) else {
                continue;
            };
            let code = code_for_status(status);
            assert!(code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{code}");
        }
    }

    #[tokio::test]
    async fn a_plain_text_rejection_becomes_a_problem_keeping_its_headers() {
        let rejection = (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "GET")],
            "method not allowed here",
        )
            .into_response();
        let answer = rejections_as_problems(rejection).await;
        assert_eq!(answer.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(answer.headers()[header::CONTENT_TYPE], MEDIA_TYPE);
        assert_eq!(answer.headers()[header::ALLOW], "GET");
        let body = axum::body::to_bytes(answer.into_body(), 4096).await.unwrap();
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["code"], "method_not_allowed");
        assert_eq!(body["detail"], "method not allowed here");

        let json = (StatusCode::BAD_REQUEST, axum::Json(serde_json::json!({"error": "x"}))).into_response();
        let kept = rejections_as_problems(json).await;
        assert_eq!(kept.headers()[header::CONTENT_TYPE], "application/json");
    }
}
