//! Public documents: the did:web DID document, each credential type's JSON Schema and its
//! SD-JWT VC type metadata.

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
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
        .did_document
        .clone()
        .filter(|_| state.issuer.did.starts_with("did:web:"))
        .map(Json)
        .ok_or_else(|| Problem::new(StatusCode::NOT_FOUND, "not_found", "the issuer is not a did:web DID"))
}

async fn schema(State(state): State<Shared>, Path(name): Path<String>) -> ApiResult<Json<Value>> {
    let template = state.issuer.templates.get(&name)?;
    Ok(Json(template.schema_document(&state.issuer.public_url)))
}

async fn type_metadata(State(state): State<Shared>, Path(name): Path<String>) -> ApiResult<Json<Value>> {
    let template = state.issuer.templates.get(&name)?;
    Ok(Json(template.type_metadata(&state.issuer.public_url)))
}
