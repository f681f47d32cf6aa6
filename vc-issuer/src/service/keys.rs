//! The issuer's signing keys (admin scope): list them, rotate to a new one, retire an old one
//! (see [`crate::key_rotation`]).

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Shared;
use super::auth::Caller;
use super::problem::ApiResult;
use crate::Error;
use crate::store::Scope;

pub(crate) fn routes() -> Router<Shared> {
    Router::new()
        .route("/admin/keys", get(list))
        .route("/admin/keys/rotate", post(rotate))
        .route("/admin/keys/{id}/retire", post(retire))
        .route("/admin/keys/{id}/revoke-credentials", post(revoke_credentials))
}

/// `GET /admin/keys`: every generation, which one signs, what the DID document lists.
async fn list(State(state): State<Shared>, caller: Caller) -> ApiResult<Json<Value>> {
    caller.require(Scope::Admin)?;
    let keys = state.issuer.store.issuer_keys().await?;
    Ok(Json(json!({
        "signing": state.issuer.signing().method,
        "keys": keys
            .iter()
            .map(|key| json!({
                "id": key.id(),
                "public_key": key.public_key,
                "created_at": key.created_at,
                "retired_at": key.retired_at,
            }))
            .collect::<Vec<_>>(),
    })))
}

/// `POST /admin/keys/rotate`.
async fn rotate(State(state): State<Shared>, caller: Caller) -> ApiResult<Json<Value>> {
    let actor = caller.require(Scope::Admin)?;
    let rotated = crate::key_rotation::rotate(&state.config, &state.issuer, &state.keys, actor).await?;
    Ok(Json(json!(rotated)))
}

/// `?force=true`: retire even while live credentials need the key.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RetireQuery {
    #[serde(default)]
    force: bool,
}

/// `POST /admin/keys/{id}/retire[?force=true]`.
async fn retire(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<RetireQuery>,
) -> ApiResult<Json<Value>> {
    let actor = caller.require(Scope::Admin)?;
    let retired = crate::key_rotation::retire(
        &state.config,
        &state.issuer,
        &state.keys,
        generation(&id)?,
        query.force,
        actor,
    )
    .await?;
    Ok(Json(json!(retired)))
}

/// `POST /admin/keys/{id}/revoke-credentials`: revokes what an old key signed (a leaked key).
async fn revoke_credentials(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let actor = caller.require(Scope::Admin)?;
    let revoked = crate::key_rotation::revoke_credentials(&state.issuer, generation(&id)?, actor).await?;
    Ok(Json(json!({"id": revoked.id, "revoked": revoked.live_credentials})))
}

/// `key-<n>` → n.
fn generation(id: &str) -> Result<i64, Error> {
    id.strip_prefix("key-")
        .and_then(|n| n.parse::<i64>().ok())
        .filter(|n| *n >= 1)
        .ok_or_else(|| Error::NotFound("issuer key: ids are key-1, key-2, ...".into()))
}
