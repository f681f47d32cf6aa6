//! Credential offers: made by an authenticated caller (`POST /admin/offers`), fetched by
//! wallets by reference (`GET /offers/{handle}`) or scanned as a QR code.
//!
//! The claims are validated against the template when the offer is made, so bad input
//! fails then and not when the wallet comes back. The offer link's `{handle}` is a random
//! 256-bit secret distinct from the offer ID (which appears in the audit log); only its
//! digest is stored, so the link, the code and the PIN are shown once.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::PRE_AUTHORIZED_GRANT;
use crate::Error;
use crate::offer_link::{offer_uri, offer_url, url_encode};
use crate::service::Shared;
use crate::service::auth::Caller;
use crate::service::body::BodyError;
use crate::service::problem::{ApiResult, Problem};
use crate::store::offers::pre_authorized_code;
use crate::store::{NewOffer, OfferCreation, OfferRecord, Scope};

/// The largest idempotency key accepted.
const MAX_IDEMPOTENCY_KEY: usize = 256;

/// `POST /admin/offers` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OfferRequest {
    /// The credential type (template name).
    #[serde(rename = "type")]
    type_: String,
    /// The subject claims.
    claims: Value,
    /// Makes the request idempotent.
    #[serde(default)]
    idempotency_key: Option<String>,
    /// Whether an administrator must approve before issuance (deferred flow).
    #[serde(default)]
    approval_required: bool,
}

/// The credential offer object (OpenID4VCI §4.1.1).
pub fn credential_offer(public_url: &str, template: &str, code: &str, tx_code_length: u8) -> Value {
    let mut grant = json!({"pre-authorized_code": code});
    if tx_code_length > 0
        && let Value::Object(map) = &mut grant
    {
        map.insert(
            "tx_code".into(),
            json!({
                "input_mode": "numeric",
                "length": tx_code_length,
                "description": "The PIN given to you with this offer",
            }),
        );
    }
    json!({
        "credential_issuer": public_url,
        "credential_configuration_ids": [template],
        "grants": {PRE_AUTHORIZED_GRANT: grant},
    })
}

fn rfc3339(unix: i64) -> Value {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .map_or(Value::Null, Value::String)
}

fn summary(offer: &OfferRecord) -> Value {
    json!({
        "offer_id": offer.id,
        "type": offer.template,
        "state": offer.state.as_str(),
        "approval_required": offer.approval_required,
        "approved": offer.approved,
        "credential_id": offer.credential_id,
        "created_at": rfc3339(offer.created_at),
        "expires_at": rfc3339(offer.expires_at),
    })
}

/// `POST /admin/offers` (scope `issue`): 201 with the offer, its links and PIN; 200 with
/// the earlier offer when the idempotency key was used before.
pub(crate) async fn create(State(state): State<Shared>, caller: Caller, body: Bytes) -> ApiResult<Response> {
    let actor = caller.require(Scope::Issue)?.to_owned();
    let request: OfferRequest = crate::service::body::parse(&body).map_err(|e| match e {
        BodyError::Duplicate(_) => Problem::from(e),
        BodyError::Invalid(m) | BodyError::Shape(m) => {
            Problem::from(Error::invalid("/", format!("not a valid offer request: {m}")))
        }
    })?;
    if let Some(key) = &request.idempotency_key
        && (key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY)
    {
        return Err(Error::invalid("/idempotency_key", format!("1 to {MAX_IDEMPOTENCY_KEY} characters")).into());
    }
    let issuer = &state.issuer;
    let template = issuer.templates.get(&request.type_).map_err(|e| match e {
        Error::NotFound(m) => Problem::from(Error::invalid("/type", m)),
        other => other.into(),
    })?;
    // Derived claims (age_over_19, ...) are computed when the wallet redeems the offer.
    let (record_key, claims) = template.offer_claims(&request.claims, OffsetDateTime::now_utc().date())?;
    let ttl_seconds = i64::try_from(state.config.offers.ttl_seconds).unwrap_or(i64::MAX / 2);
    let new = NewOffer {
        template: template.name.clone(),
        record_key,
        claims,
        tx_code_length: state.config.offers.pin_digits,
        approval_required: request.approval_required,
        idempotency_key: request.idempotency_key,
        ttl_seconds,
    };
    match issuer.store.create_offer(&new, &actor).await? {
        OfferCreation::Existing(offer) => {
            let mut body = summary(&offer);
            if let Value::Object(map) = &mut body {
                for name in [
                    "credential_offer",
                    "credential_offer_uri",
                    "offer_url",
                    "offer_url_by_value",
                    "tx_code",
                    "qr_svg_url",
                    "qr_png_url",
                ] {
                    map.insert(name.into(), Value::Null);
                }
                map.insert(
                    "note".into(),
                    Value::String(
                        "this idempotency key already made this offer; its link, code and PIN are shown only \
                         when it is made. If they were lost, make a new offer with a new idempotency key."
                            .into(),
                    ),
                );
            }
            Ok((StatusCode::OK, Json(body)).into_response())
        }
        OfferCreation::Created(created) => {
            let base = &issuer.public_url;
            let offer = credential_offer(
                base,
                &created.offer.template,
                &created.code,
                created.offer.tx_code_length,
            );
            let offer_uri = offer_uri(base, &created.handle);
            let mut body = summary(&created.offer);
            if let Value::Object(map) = &mut body {
                map.insert("offer_url".into(), json!(offer_url(&offer_uri)));
                map.insert(
                    "offer_url_by_value".into(),
                    json!(format!(
                        "openid-credential-offer://?credential_offer={}",
                        url_encode(&offer.to_string())
                    )),
                );
                map.insert("credential_offer".into(), offer);
                map.insert("qr_svg_url".into(), json!(format!("{offer_uri}/qr.svg")));
                map.insert("qr_png_url".into(), json!(format!("{offer_uri}/qr.png")));
                map.insert("credential_offer_uri".into(), json!(offer_uri));
                map.insert(
                    "tx_code".into(),
                    json!(created.tx_code.as_ref().map(|pin| pin.as_str())),
                );
            }
            Ok((StatusCode::CREATED, Json(body)).into_response())
        }
    }
}

/// `GET /admin/offers/{id}` (scope `read`): the offer's state, without secrets or claims.
pub(crate) async fn show(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    caller.require(Scope::Read)?;
    let offer = state
        .issuer
        .store
        .offer(&id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("offer {}", id.chars().take(64).collect::<String>())))?;
    Ok(Json(summary(&offer)))
}

/// `POST /admin/offers/{id}/approve` (scope `issue`): lets a deferred offer be issued.
pub(crate) async fn approve(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let actor = caller.require(Scope::Issue)?.to_owned();
    let offer = state.issuer.store.approve_offer(&id, &actor).await?;
    Ok(Json(summary(&offer)))
}

/// The live offer behind `handle`, with its offer URL; 404 once redeemed or expired.
async fn live_offer(state: &Shared, handle: &str) -> ApiResult<(OfferRecord, String)> {
    let not_found = || {
        Problem::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "no such offer, or it was used or expired",
        )
    };
    let offer = state
        .issuer
        .store
        .offer_by_handle(handle)
        .await?
        .ok_or_else(not_found)?;
    if !offer.is_live(crate::store::unix_now()) {
        return Err(not_found());
    }
    let uri = offer_uri(&state.issuer.public_url, handle);
    Ok((offer, uri))
}

/// `GET /offers/{handle}`: the credential offer object (by reference).
pub(crate) async fn by_reference(State(state): State<Shared>, Path(handle): Path<String>) -> ApiResult<Response> {
    let (offer, _) = live_offer(&state, &handle).await?;
    let code = pre_authorized_code(&handle);
    let body = credential_offer(&state.issuer.public_url, &offer.template, &code, offer.tx_code_length);
    Ok((super::no_store(), Json(body)).into_response())
}

/// `GET /offers/{handle}/qr.svg`: the offer URL as an SVG QR code.
pub(crate) async fn qr_svg(State(state): State<Shared>, Path(handle): Path<String>) -> ApiResult<Response> {
    let (_, uri) = live_offer(&state, &handle).await?;
    let svg = crate::offer_qr::svg(&offer_url(&uri))?;
    Ok(image(svg.into_bytes(), "image/svg+xml"))
}

/// `GET /offers/{handle}/qr.png`: the offer URL as a PNG QR code.
pub(crate) async fn qr_png(State(state): State<Shared>, Path(handle): Path<String>) -> ApiResult<Response> {
    let (_, uri) = live_offer(&state, &handle).await?;
    let png = crate::offer_qr::png(&offer_url(&uri))?;
    Ok(image(png, "image/png"))
}

fn image(bytes: Vec<u8>, media_type: &'static str) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
