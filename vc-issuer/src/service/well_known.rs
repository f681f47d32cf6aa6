//! Public documents: the did:web DID document, each credential type's JSON Schema and its
//! SD-JWT VC type metadata.

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::Value;

use super::Shared;
use super::problem::{ApiResult, Problem};

pub(crate) fn routes() -> Router<Shared> {
    Router::new()
        .route("/.well-known/did.json", get(did_document))
        .route("/schemas/{name}", get(schema))
        .route("/vct/{name}", get(type_metadata))
}

async fn did_document(State(state): State<Shared>) -> ApiResult<Json<Value>> {
    state
        .keys
        .did_document()
        .filter(|_| state.issuer.did.starts_with("did:web:"))
        .map(Json)
        .ok_or_else(|| Problem::new(StatusCode::NOT_FOUND, "not_found", "the issuer is not a did:web DID"))
}

/// How long a client may keep a schema or type metadata document: they change only when
/// the issuer restarts with other templates (the SD-JWT VC draft asks publishers to say so).
const PUBLIC_DOCUMENT_CACHE: &str = "public, max-age=3600";

/// `document` as JSON, cacheable for [`PUBLIC_DOCUMENT_CACHE`].
fn cacheable(document: Value) -> Response {
    let mut response = Json(document).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(PUBLIC_DOCUMENT_CACHE));
    response
}

async fn schema(State(state): State<Shared>, Path(name): Path<String>) -> ApiResult<Response> {
    let template = state.issuer.templates.get(&name)?;
    Ok(cacheable(template.schema_document(&state.issuer.public_url)))
}

async fn type_metadata(State(state): State<Shared>, Path(name): Path<String>) -> ApiResult<Response> {
    let template = state.issuer.templates.get(&name)?;
    Ok(cacheable(template.type_metadata(&state.issuer.public_url)))
}
