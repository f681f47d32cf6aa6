//! The credential endpoint (OpenID4VCI §8) and the deferred credential endpoint (§9).
//!
//! The wallet's access token names the offer; its key proof JWT (`openid4vci-proof+jwt`,
//! the holder key in the `jwk` header) must be addressed to this issuer, recent, and carry
//! a live `c_nonce`, which it uses up. One credential per offer.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use did_core::key::{Jwk, VerifyingKey};
use serde_json::{Value, json};

use super::requests::{check_proof, parse_body, proof_jwt};
use super::{DEFERRED_INTERVAL, FORMAT, OAuthError, no_store};
use crate::issuance::{Holder, IssueRequest};
use crate::issue::Format;
use crate::service::Shared;
use crate::store::{OfferRecord, OfferState, unix_now};

/// The offer named by the request's `Authorization: Bearer` access token, if the token is
/// still valid until `valid_until(offer)`.
async fn offer_for_token(
    state: &Shared,
    headers: &HeaderMap,
    valid_until: impl Fn(&OfferRecord) -> i64,
) -> Result<OfferRecord, OAuthError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(crate::service::auth::bearer)
        .ok_or_else(|| OAuthError::invalid_token("an Authorization: Bearer access token is required"))?;
    let offer = state
        .issuer
        .store
        .offer_by_access_token(token)
        .await?
        .ok_or_else(|| OAuthError::invalid_token("the access token is unknown"))?;
    if valid_until(&offer) <= unix_now() {
        return Err(OAuthError::invalid_token("the access token has expired"));
    }
    Ok(offer)
}

/// Verifies a key proof JWT and uses up its nonce; returns the holder's key.
async fn verify_proof(state: &Shared, jwt: &str) -> Result<VerifyingKey, OAuthError> {
    let proof = check_proof(jwt, &state.issuer.public_url, unix_now())?;
    if !state.issuer.store.consume_nonce(&proof.nonce).await? {
        return Err(OAuthError::bad(
            "invalid_nonce",
            "the proof's nonce is unknown, used or expired: get a new one from the nonce endpoint",
        ));
    }
    Ok(proof.key)
}

/// Signs the offer's credential (the offer must be in `issuing`), marks it redeemed, and
/// answers with it. On failure the offer goes back to `back`.
async fn issue(
    state: &Shared,
    offer: &OfferRecord,
    key: VerifyingKey,
    back: OfferState,
) -> Result<Response, OAuthError> {
    // Derived claims are computed now; offers stored by earlier versions still hold them.
    let claims = match state.issuer.templates.get(&offer.template) {
        Ok(template) => template.without_derived(offer.claims.clone()),
        Err(_) => offer.claims.clone(),
    };
    let request = IssueRequest {
        template: offer.template.clone(),
        claims: Value::Object(claims),
        format: Format::SdJwt,
        holder: Holder {
            did: None,
            key: Some(key),
        },
        valid_until: None,
        idempotency_key: Some(format!("offer:{}", offer.id)),
        replaces: None,
    };
    let store = &state.issuer.store;
    match state.issuer.issue(request, "wallet").await {
        Ok(issued) => {
            store.finish_offer(&offer.id, &issued.record.id).await?;
            let body = json!({"credentials": [{"credential": issued.credential}]});
            Ok((no_store(), Json(body)).into_response())
        }
        Err(e) => {
            if let Err(undo) = store.move_offer(&offer.id, OfferState::Issuing, back).await {
                eprintln!("vc-issuer: oid4vci: offer {} stays in issuing: {undo}", offer.id);
            }
            Err(e.into())
        }
    }
}

fn already_used(offer: &OfferRecord) -> OAuthError {
    let what = match offer.state {
        OfferState::Pending => "this offer's issuance is deferred: poll the deferred credential endpoint",
        _ => "this offer's credential was already issued",
    };
    OAuthError::bad("invalid_request", what)
}

/// `POST /credential`.
pub(crate) async fn credential(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, OAuthError> {
    let offer = offer_for_token(&state, &headers, |o| o.token_expires_at.unwrap_or(0)).await?;
    let body = parse_body(&body)?;
    if let Some(format) = body.get("format").and_then(Value::as_str)
        && format != FORMAT
        && format != "vc+sd-jwt"
    {
        return Err(OAuthError::bad(
            "unsupported_credential_format",
            format!("only {FORMAT}"),
        ));
    }
    let configuration = body
        .get("credential_configuration_id")
        .or_else(|| body.get("credential_identifier"))
        .and_then(Value::as_str)
        .ok_or_else(|| OAuthError::bad("invalid_credential_request", "credential_configuration_id is missing"))?;
    if configuration != offer.template {
        return Err(OAuthError::bad(
            "unknown_credential_configuration",
            "the access token is for another credential configuration",
        ));
    }
    if offer.state != OfferState::TokenIssued {
        return Err(already_used(&offer));
    }
    let jwt = proof_jwt(&body)?;
    let key = verify_proof(&state, &jwt).await?;
    let store = &state.issuer.store;
    if offer.approval_required && !offer.approved {
        let jwk =
            serde_json::to_string(&key.to_jwk()).map_err(|e| crate::Error::Unsupported(format!("holder key: {e}")))?;
        let Some(transaction_id) = store.defer_offer(&offer.id, &jwk).await? else {
            return Err(already_used(&offer));
        };
        let body = json!({"transaction_id": transaction_id.as_str(), "interval": DEFERRED_INTERVAL});
        return Ok((StatusCode::ACCEPTED, no_store(), Json(body)).into_response());
    }
    if !store
        .move_offer(&offer.id, OfferState::TokenIssued, OfferState::Issuing)
        .await?
    {
        return Err(already_used(&offer));
    }
    issue(&state, &offer, key, OfferState::TokenIssued).await
}

/// `POST /deferred_credential`: 202 with the same `transaction_id` and an `interval` until
/// an administrator approves (OpenID4VCI 1.0 §9.2), then
/// the credential, bound to the key of the original proof. The access token stays usable
/// here for the offer's lifetime.
pub(crate) async fn deferred(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, OAuthError> {
    let offer = offer_for_token(&state, &headers, |o| o.expires_at.max(o.token_expires_at.unwrap_or(0))).await?;
    let body = parse_body(&body)?;
    let transaction_id = body
        .get("transaction_id")
        .and_then(Value::as_str)
        .ok_or_else(|| OAuthError::bad("invalid_request", "transaction_id is missing"))?;
    let store = &state.issuer.store;
    let invalid = || OAuthError::bad("invalid_transaction_id", "no pending issuance has this transaction_id");
    if offer.state != OfferState::Pending || !store.offer_transaction_matches(&offer.id, transaction_id).await? {
        return Err(invalid());
    }
    if !offer.approved {
        // OpenID4VCI 1.0 §9.2: still deferred is 202 with the same transaction_id.
        let body = json!({"transaction_id": transaction_id, "interval": DEFERRED_INTERVAL});
        return Ok((StatusCode::ACCEPTED, no_store(), Json(body)).into_response());
    }
    let jwk = offer
        .holder_jwk
        .as_deref()
        .and_then(|text| Jwk::from_json(text).ok())
        .and_then(|jwk| VerifyingKey::from_jwk(&jwk).ok())
        .ok_or_else(|| crate::Error::Storage(format!("offer {}: holder key missing", offer.id)))?;
    if !store
        .move_offer(&offer.id, OfferState::Pending, OfferState::Issuing)
        .await?
    {
        return Err(invalid());
    }
    issue(&state, &offer, jwk, OfferState::Pending).await
}
