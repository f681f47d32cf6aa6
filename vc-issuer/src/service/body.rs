//! JSON request bodies, read strictly: [`JsonBody`] is axum's `Json` extractor with the
//! issuer's one JSON reader (`crate::json`) underneath, so a duplicate member name at any
//! depth of any body is refused (400 `malformed_request`, `field` its JSON Pointer) instead of
//! the last one silently winning. Everything else answers as axum's `Json` did, as problem
//! details: no JSON content type 415 `unsupported_media_type`, not JSON 400
//! `malformed_request`, JSON of the wrong shape 422 `invalid_input`, a body over the limit 413.

use axum::body::Bytes;
use axum::extract::{FromRequest, OptionalFromRequest, Request};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse as _, Response};
use serde::de::DeserializeOwned;

use super::problem::Problem;
use crate::json::{self, JsonError};

/// A JSON request body of type `T`, read strictly. As `Option<JsonBody<T>>`, a request
/// without a `Content-Type` (and so without a body) gives `None`.
#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

/// Why a body was refused, before it is a [`Problem`].
#[derive(Debug)]
pub(crate) enum BodyError {
    /// A duplicate member name, with the JSON Pointer of the second one.
    Duplicate(String),
    /// Not JSON.
    Invalid(String),
    /// JSON, but not of the expected shape.
    Shape(String),
}

impl From<BodyError> for Problem {
    fn from(error: BodyError) -> Problem {
        match error {
            BodyError::Duplicate(pointer) => Problem::new(
                StatusCode::BAD_REQUEST,
                "malformed_request",
                format!("duplicate member name at {pointer}: every member name in a JSON object must be unique"),
            )
            .with_field(pointer),
            BodyError::Invalid(message) => Problem::new(
                StatusCode::BAD_REQUEST,
                "malformed_request",
                format!("the body is not valid JSON: {message}"),
            ),
            BodyError::Shape(message) => Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_input",
                format!("the body does not have the expected shape: {message}"),
            ),
        }
    }
}

/// Reads `bytes` strictly as a `T`.
pub(crate) fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, BodyError> {
    let refused = |e: JsonError| match e {
        JsonError::DuplicateMember { pointer, .. } => BodyError::Duplicate(pointer),
        other => BodyError::Invalid(other.to_string()),
    };
    // The common case in one pass over the bytes and no intermediate value: checked for
    // duplicates, then read as `T`. Only a body of the wrong shape is read again, for the
    // error that says where.
    json::check(bytes).map_err(refused)?;
    if let Ok(parsed) = serde_json::from_slice(bytes) {
        return Ok(parsed);
    }
    let value = json::parse(bytes).map_err(refused)?;
    // Where in the body the shape is wrong (`credential: invalid type ...`), as axum's own
    // extractor said it.
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        BodyError::Shape(if path == "." {
            inner.to_string()
        } else {
            format!("{path}: {inner}")
        })
    })
}

/// Whether the request says its body is JSON: `application/json` or `application/<x>+json`.
fn json_content_type(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn unsupported_media_type() -> Response {
    Problem::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        "expected a request with `Content-Type: application/json`",
    )
    .into_response()
}

async fn read<T: DeserializeOwned, S: Send + Sync>(req: Request, state: &S) -> Result<JsonBody<T>, Response> {
    let bytes = Bytes::from_request(req, state).await.map_err(|r| r.into_response())?;
    parse(&bytes)
        .map(JsonBody)
        .map_err(|e| Problem::from(e).into_response())
}

impl<T, S> FromRequest<S> for JsonBody<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        if !json_content_type(req.headers()) {
            return Err(unsupported_media_type());
        }
        read(req, state).await
    }
}

impl<T, S> OptionalFromRequest<S> for JsonBody<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Option<Self>, Response> {
        if req.headers().get(header::CONTENT_TYPE).is_none() {
            return Ok(None);
        }
        if !json_content_type(req.headers()) {
            return Err(unsupported_media_type());
        }
        read(req, state).await.map(Some)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use axum::http::HeaderValue;
    use serde_json::Value;

    use super::*;

    #[test]
    fn json_content_types() {
        let mut headers = HeaderMap::new();
        assert!(!json_content_type(&headers));
        for (value, json) in [
            ("application/json", true),
            ("Application/JSON; charset=utf-8", true),
            ("application/problem+json", true),
            ("text/plain", false),
            ("application/jsonx", false),
            ("text/json", false),
        ] {
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(value));
            assert_eq!(json_content_type(&headers), json, "{value}");
        }
    }

    /// Malformed and misshapen bodies say why and where, as axum's own extractor did.
    #[test]
    fn errors_keep_the_parsers_reason_and_the_path() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Request {
            credential: serde_json::Map<String, Value>,
        }
        match parse::<Request>(br#"{"credential": "#) {
            Err(BodyError::Invalid(message)) => assert!(message.contains("EOF while parsing"), "{message}"),
            other => panic!("{other:?}"),
        }
        match parse::<Request>(br#"{"credential": "x"}"#) {
            Err(BodyError::Shape(message)) => assert!(message.starts_with("credential: invalid type"), "{message}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_duplicate_is_a_400_naming_it() {
        let problem = Problem::from(parse::<Value>(br#"{"claims": {"a": 1, "a": 2}}"#).unwrap_err());
        assert_eq!(problem.status(), StatusCode::BAD_REQUEST);
        assert_eq!(problem.field(), Some("/claims/a"));
        let problem = Problem::from(parse::<Vec<u8>>(br#"{"a": 1}"#).unwrap_err());
        assert_eq!(problem.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let problem = Problem::from(parse::<Value>(b"{,}").unwrap_err());
        assert_eq!(
            (problem.status(), problem.code()),
            (StatusCode::BAD_REQUEST, "malformed_request")
        );
    }
}
