//! The admin API: issue, list, read, suspend, unsuspend, revoke and re-issue credentials;
//! read the audit log; manage tokens. Every handler takes a [`Caller`] and checks its scope
//! before doing anything.

use std::collections::BTreeSet;

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse as _, Response};
use axum::routing::{delete, get, post};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::Shared;
use super::auth::Caller;
use super::body::JsonBody;
use super::problem::ApiResult;
use crate::Error;
use crate::issuance::{Holder, IssueRequest};
use crate::issue::Format;
use crate::store::{CredentialRecord, RecordStatus, Scope};

/// The most records one list call returns.
const MAX_PAGE: i64 = 500;

pub(crate) fn routes() -> Router<Shared> {
    Router::new()
        .route("/admin/credentials", post(issue).get(list))
        .route("/admin/credentials/{id}", get(read))
        .route("/admin/credentials/{id}/card.svg", get(card))
        .route("/admin/credentials/{id}/suspend", post(suspend))
        .route("/admin/credentials/{id}/unsuspend", post(unsuspend))
        .route("/admin/credentials/{id}/revoke", post(revoke))
        .route("/admin/credentials/{id}/reissue", post(reissue))
        .route("/admin/audit", get(audit))
        .route("/admin/tokens", post(create_token).get(tokens))
        .route("/admin/tokens/{id}", delete(revoke_token))
}

/// `POST /admin/credentials`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueBody {
    /// The template name.
    #[serde(rename = "type")]
    pub template: String,
    /// The subject claims.
    pub claims: Value,
    /// `sd-jwt` (default), `vc+jwt`, `vc1-jwt`, `ecdsa-rdfc-2019`, ...
    pub format: Option<String>,
    /// The holder: a DID, or a public JWK (SD-JWT `cnf`).
    pub holder: Option<Value>,
    /// Validity end, Unix seconds.
    pub valid_until: Option<i64>,
    /// Makes a retried request safe.
    pub idempotency_key: Option<String>,
}

/// Reads the `holder` member: a DID string, a DID URL naming one of the DID's keys (an
/// SD-JWT is then bound to that DID key, `cnf.kid`) or a public JWK object.
pub(crate) fn parse_holder(value: Option<&Value>) -> Result<Holder, Error> {
    match value {
        None | Some(Value::Null) => Ok(Holder::default()),
        Some(Value::String(url)) if url.starts_with("did:") && url.contains('#') => {
            let did_url = did_core::did::DidUrl::parse(url).map_err(|e| Error::invalid("/holder", e.to_string()))?;
            if !did_url.has_fragment() {
                return Err(Error::invalid("/holder", "a DID URL must name a key (did:…#key)"));
            }
            Ok(Holder::bound_to_did_key(url.clone()))
        }
        Some(Value::String(did)) if did.starts_with("did:") => {
            let key = did_key_of(did);
            Ok(Holder {
                did: Some(did.clone()),
                key,
                did_key: None,
            })
        }
        Some(jwk @ Value::Object(_)) => {
            let jwk = did_core::key::Jwk::from_json(&jwk.to_string())
                .map_err(|e| Error::invalid("/holder", e.to_string()))?;
            if jwk.d.is_some() {
                return Err(Error::invalid(
                    "/holder",
                    "a holder JWK must not contain private key material",
                ));
            }
            let key =
                did_core::key::VerifyingKey::from_jwk(&jwk).map_err(|e| Error::invalid("/holder", e.to_string()))?;
            Ok(Holder::bound_to_key(key))
        }
        Some(_) => Err(Error::invalid("/holder", "expected a DID or a public JWK")),
    }
}

/// The key of a did:key or did:jwk holder (for SD-JWT `cnf`).
fn did_key_of(did: &str) -> Option<did_core::key::VerifyingKey> {
    if let Some(multikey) = did.strip_prefix("did:key:") {
        return did_core::key::VerifyingKey::from_multikey(multikey.split('#').next()?).ok();
    }
    None
}

pub(crate) fn parse_format(name: Option<&str>, default: Format) -> Result<Format, Error> {
    match name {
        None => Ok(default),
        Some(name) => name
            .parse()
            .map_err(|e: did_core::secure::UnknownFormat| Error::invalid("/format", e.to_string())),
    }
}

/// The JSON answer for an issued credential, serialized straight from the record (members
/// in the order `json!` would sort them).
#[derive(Debug, Serialize)]
pub(crate) struct IssuedAnswer {
    /// Compact JWT / SD-JWT as a string, Data Integrity as a JSON object.
    credential: Value,
    /// The securing format's name.
    format: String,
    /// The record's ID.
    id: String,
    /// The committed record.
    record: CredentialRecord,
}

/// The JSON answer for an issued credential.
pub(crate) fn issued_json(issued: crate::issuance::Issued) -> IssuedAnswer {
    IssuedAnswer {
        credential: issued.credential,
        format: issued.record.format.clone(),
        id: issued.record.id.clone(),
        record: issued.record,
    }
}

async fn issue(
    State(state): State<Shared>,
    caller: Caller,
    JsonBody(body): JsonBody<IssueBody>,
) -> ApiResult<(StatusCode, Json<IssuedAnswer>)> {
    let actor = caller.require(Scope::Issue)?;
    let request = IssueRequest {
        template: body.template,
        claims: body.claims,
        format: parse_format(body.format.as_deref(), Format::SdJwt)?,
        holder: parse_holder(body.holder.as_ref())?,
        valid_until: body.valid_until,
        idempotency_key: body.idempotency_key,
        replaces: None,
    };
    let issued = state.issuer.issue(request, actor).await?;
    state.metrics.issued.inc();
    Ok((StatusCode::CREATED, Json(issued_json(issued))))
}

/// `GET /admin/credentials` query.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only this template.
    #[serde(rename = "type")]
    pub template: Option<String>,
    /// Only this record key (e.g. employee number).
    pub record_key: Option<String>,
    /// Page after this record ID.
    pub after: Option<String>,
    /// Page size (at most 500).
    pub limit: Option<i64>,
}

async fn list(State(state): State<Shared>, caller: Caller, Query(query): Query<ListQuery>) -> ApiResult<Json<Value>> {
    caller.require(Scope::Read)?;
    let limit = query.limit.unwrap_or(100).clamp(1, MAX_PAGE);
    let records = state
        .issuer
        .store
        .list_credentials(
            query.template.as_deref(),
            query.record_key.as_deref(),
            query.after.as_deref(),
            limit,
        )
        .await?;
    let next = (records.len() as i64 == limit)
        .then(|| records.last().map(|r| r.id.clone()))
        .flatten();
    Ok(Json(json!({"credentials": records, "next": next})))
}

async fn read(State(state): State<Shared>, caller: Caller, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    caller.require(Scope::Read)?;
    Ok(Json(json!(state.issuer.store.credential(&id).await?)))
}

/// `GET /admin/credentials/{id}/card.svg`: the credential as a card picture.
async fn card(State(state): State<Shared>, caller: Caller, Path(id): Path<String>) -> ApiResult<Response> {
    caller.require(Scope::Read)?;
    let record = state.issuer.store.credential(&id).await?;
    let template = state.issuer.templates.get(&record.template)?;
    let svg = crate::card::card_svg(&record, template, &state.issuer.did)?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        svg,
    )
        .into_response())
}

/// Body of the status-change routes.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusBody {
    /// Why (goes to the audit log; keep personal data out).
    pub reason: Option<String>,
}

async fn change(
    state: &Shared,
    caller: &Caller,
    id: &str,
    to: RecordStatus,
    body: Option<JsonBody<StatusBody>>,
) -> ApiResult<Json<Value>> {
    let actor = caller.require(Scope::Revoke)?;
    let reason = body.and_then(|JsonBody(b)| b.reason);
    if reason.as_ref().is_some_and(|r| r.len() > 200) {
        return Err(Error::invalid("/reason", "at most 200 characters").into());
    }
    let record = state.issuer.store.set_status(id, to, actor, reason.as_deref()).await?;
    state.metrics.status_changes.inc();
    Ok(Json(json!(record)))
}

async fn suspend(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    body: Option<JsonBody<StatusBody>>,
) -> ApiResult<Json<Value>> {
    change(&state, &caller, &id, RecordStatus::Suspended, body).await
}

async fn unsuspend(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    body: Option<JsonBody<StatusBody>>,
) -> ApiResult<Json<Value>> {
    change(&state, &caller, &id, RecordStatus::Active, body).await
}

async fn revoke(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    body: Option<JsonBody<StatusBody>>,
) -> ApiResult<Json<Value>> {
    change(&state, &caller, &id, RecordStatus::Revoked, body).await
}

/// `POST /admin/credentials/{id}/reissue`: a lost phone. The old credential is revoked and
/// a new one with the same claims is issued to the new holder.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReissueBody {
    /// The new holder (DID or public JWK).
    pub holder: Option<Value>,
    /// The format; default: the old credential's.
    pub format: Option<String>,
}

async fn reissue(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    body: Option<JsonBody<ReissueBody>>,
) -> ApiResult<(StatusCode, Json<IssuedAnswer>)> {
    let actor = caller.require(Scope::Issue)?.to_owned();
    caller.require(Scope::Revoke)?;
    let body = body.map(|JsonBody(b)| b).unwrap_or_default();
    let old = state.issuer.store.credential(&id).await?;
    let old_format: Format = old
        .format
        .parse()
        .map_err(|e: did_core::secure::UnknownFormat| Error::corrupt(e.to_string()))?;
    let format = parse_format(body.format.as_deref(), old_format)?;
    let holder = parse_holder(body.holder.as_ref())?;
    let template = state.issuer.templates.get(&old.template)?;
    // Derived claims are recomputed from their sources.
    let claims = template.without_derived(old.claims.clone());
    // The old claims must still fit the template before the old credential is revoked: a
    // re-issue that cannot issue leaves the old one as it was.
    template.subject_claims(&Value::Object(claims.clone()), OffsetDateTime::now_utc().date())?;
    if old.status != RecordStatus::Revoked {
        state
            .issuer
            .store
            .set_status(&id, RecordStatus::Revoked, &actor, Some("reissued"))
            .await?;
    }
    let request = IssueRequest {
        template: old.template.clone(),
        claims: Value::Object(claims),
        format,
        holder,
        valid_until: None,
        idempotency_key: Some(format!("reissue:{id}")),
        replaces: Some(id.clone()),
    };
    let issued = state.issuer.issue(request, &actor).await?;
    state.metrics.issued.inc();
    Ok((StatusCode::CREATED, Json(issued_json(issued))))
}

/// `GET /admin/audit` query.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Entries after this sequence number.
    pub after: Option<i64>,
    /// Page size (at most 500).
    pub limit: Option<i64>,
}

async fn audit(State(state): State<Shared>, caller: Caller, Query(query): Query<AuditQuery>) -> ApiResult<Json<Value>> {
    caller.require(Scope::Read)?;
    let entries = state
        .issuer
        .store
        .audit_entries(query.after.unwrap_or(0), query.limit.unwrap_or(100).clamp(1, MAX_PAGE))
        .await?;
    Ok(Json(json!({"entries": entries})))
}

/// `POST /admin/tokens`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenBody {
    /// A label for people.
    pub label: String,
    /// `issue`, `revoke`, `read`, `admin`.
    pub scopes: Vec<String>,
}

async fn create_token(
    State(state): State<Shared>,
    caller: Caller,
    JsonBody(body): JsonBody<TokenBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let actor = caller.require(Scope::Admin)?;
    if body.label.is_empty() || body.label.len() > 100 {
        return Err(Error::invalid("/label", "1 to 100 characters").into());
    }
    let scopes = body
        .scopes
        .iter()
        .map(|s| Scope::parse(s))
        .collect::<Result<BTreeSet<_>, _>>()?;
    let (info, secret) = state.issuer.store.create_token(&body.label, &scopes, actor).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": info.id, "token": secret.as_str(), "scopes": info.scopes, "label": info.label})),
    ))
}

async fn tokens(State(state): State<Shared>, caller: Caller) -> ApiResult<Json<Value>> {
    caller.require(Scope::Admin)?;
    Ok(Json(json!({"tokens": state.issuer.store.tokens().await?})))
}

async fn revoke_token(State(state): State<Shared>, caller: Caller, Path(id): Path<String>) -> ApiResult<StatusCode> {
    let actor = caller.require(Scope::Admin)?;
    state.issuer.store.revoke_token(&id, actor).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use serde_json::json;

    use super::parse_holder;

    #[test]
    fn a_holder_is_a_did_a_did_key_or_a_public_jwk() {
        let url = "did:dojang:zQmExample#key-1";
        let holder = parse_holder(Some(&json!(url))).unwrap();
        assert_eq!(holder.did.as_deref(), Some("did:dojang:zQmExample"));
        assert_eq!(holder.did_key.as_deref(), Some(url));
        assert!(holder.key.is_none(), "bound to the DID key, not to a key");

        let did = "did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169";
        let holder = parse_holder(Some(&json!(did))).unwrap();
        assert_eq!(holder.did.as_deref(), Some(did));
        assert!(holder.key.is_some() && holder.did_key.is_none());

        for bad in [json!("did:dojang:zQmExample#"), json!("did:#key-1"), json!(7)] {
            assert!(parse_holder(Some(&bad)).is_err(), "{bad}");
        }
    }
}
