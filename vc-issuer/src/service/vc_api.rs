//! The W3C VC-API issuer routes: `POST /credentials/issue` and `POST /credentials/status`,
//! behind the same bearer tokens as the admin API.
//!
//! A credential whose `type` names a template is validated against it (JSON Schema, derived
//! claims); any other credential is issued as given after the VC data model checks, so the
//! W3C test suites can post their own credentials. Data Integrity (`ecdsa-rdfc-2019`) is the
//! default; a JWT format comes back as an `EnvelopedVerifiableCredential`.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::Shared;
use super::admin::{parse_format, parse_holder};
use super::auth::Caller;
use super::body::JsonBody;
use super::problem::ApiResult;
use crate::Error;
use crate::issuance::IssueRequest;
use crate::issue::Format;
use crate::store::{RecordStatus, Scope};

pub(crate) fn routes() -> Router<Shared> {
    Router::new()
        .route("/credentials/issue", post(issue))
        .route("/credentials/status", post(status))
}

/// `POST /credentials/issue`.
#[derive(Debug, Deserialize)]
pub struct IssueBody {
    /// The unsigned credential.
    pub credential: Map<String, Value>,
    /// Options.
    #[serde(default)]
    pub options: IssueOptions,
}

/// VC-API issue options.
#[derive(Debug, Default, Deserialize)]
pub struct IssueOptions {
    /// The securing format (default `ecdsa-rdfc-2019`).
    pub format: Option<String>,
    /// The credential's validity end for templated types (Unix seconds).
    pub valid_until: Option<i64>,
}

async fn issue(
    State(state): State<Shared>,
    caller: Caller,
    JsonBody(body): JsonBody<IssueBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let actor = caller.require(Scope::Issue)?;
    let format = parse_format(body.options.format.as_deref(), Format::EcdsaRdfc2019)
        .map_err(|_| Error::invalid("/options/format", "unknown format"))?;
    let types: Vec<&str> = match body.credential.get("type") {
        Some(Value::Array(types)) => types.iter().filter_map(Value::as_str).collect(),
        Some(Value::String(t)) => vec![t.as_str()],
        _ => return Err(Error::invalid("/credential/type", "is required").into()),
    };
    let template = types.iter().find_map(|t| state.issuer.templates.get(t).ok());
    let issued = match template {
        Some(template) => {
            let mut claims = match body.credential.get("credentialSubject") {
                Some(Value::Object(subject)) => subject.clone(),
                _ => return Err(Error::invalid("/credential/credentialSubject", "must be an object").into()),
            };
            let holder = claims.remove("id");
            let request = IssueRequest {
                template: template.name.clone(),
                claims: Value::Object(claims),
                format,
                holder: parse_holder(holder.as_ref())
                    .map_err(|_| Error::invalid("/credential/credentialSubject/id", "must be a DID"))?,
                valid_until: body.options.valid_until,
                idempotency_key: None,
                replaces: None,
            };
            state.issuer.issue(request, actor).await?
        }
        None => state.issuer.issue_as_given(body.credential, format, actor).await?,
    };
    state.metrics.issued.inc();
    let verifiable = match &issued.credential {
        Value::String(compact) => {
            let media = if format == Format::SdJwt {
                "application/dc+sd-jwt"
            } else {
                "application/vc+jwt"
            };
            json!({
                "@context": [did_core::vc::CONTEXT_V2],
                "id": format!("data:{media},{compact}"),
                "type": "EnvelopedVerifiableCredential",
            })
        }
        other => other.clone(),
    };
    Ok((StatusCode::CREATED, Json(json!({"verifiableCredential": verifiable}))))
}

/// `POST /credentials/status`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusBody {
    /// The credential's `id`.
    pub credential_id: String,
    /// What to set: `[{"type": "BitstringStatusListCredential", "status": "revoked" | "suspended" | "active"}]`
    /// (`statusPurpose` + boolean `status` is accepted too).
    pub credential_status: Vec<Value>,
}

async fn status(
    State(state): State<Shared>,
    caller: Caller,
    JsonBody(body): JsonBody<StatusBody>,
) -> ApiResult<Json<Value>> {
    let actor = caller.require(Scope::Revoke)?;
    let [change] = body.credential_status.as_slice() else {
        return Err(Error::invalid("/credentialStatus", "exactly one status change").into());
    };
    let to = match (
        change.get("status"),
        change.get("statusPurpose").and_then(Value::as_str),
    ) {
        (Some(Value::String(s)), _) if s == "revoked" => RecordStatus::Revoked,
        (Some(Value::String(s)), _) if s == "suspended" => RecordStatus::Suspended,
        (Some(Value::String(s)), _) if s == "active" || s == "unsuspended" => RecordStatus::Active,
        (Some(Value::Bool(true)), Some("revocation")) => RecordStatus::Revoked,
        (Some(Value::Bool(true)), Some("suspension")) => RecordStatus::Suspended,
        (Some(Value::Bool(false)), Some("suspension")) => RecordStatus::Active,
        _ => {
            return Err(Error::invalid(
                "/credentialStatus/0/status",
                "expected revoked, suspended or active (or statusPurpose with a boolean status)",
            )
            .into());
        }
    };
    let record = state
        .issuer
        .store
        .set_status(&body.credential_id, to, actor, Some("vc-api"))
        .await?;
    state.metrics.status_changes.inc();
    Ok(Json(json!({"credentialId": record.id, "status": record.status})))
}
