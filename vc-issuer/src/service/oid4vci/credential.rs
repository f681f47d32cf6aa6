//! The credential endpoint (OpenID4VCI §8) and the deferred credential endpoint (§9).
//!
//! The wallet's access token names the offer; its key proof JWT (`openid4vci-proof+jwt`,
//! the holder key in the `jwk` header, or named by a DID URL in `kid`) must be addressed to this issuer, recent, and carry
//! a live `c_nonce`, which it uses up. One credential per offer.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use did_core::did::DidUrl;
use did_core::document::Relationship;
use did_core::key::{Jwk, VerifyingKey};
use did_core::resolve::ResolutionError;
use serde_json::{Value, json};

use super::requests::{ProofKey, check_proof, parse_body, proof_jwt, proof_key};
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

/// Verifies a key proof JWT and uses up its nonce; returns whom the credential is bound
/// to: the proof's `jwk`, or the DID key its `kid` names (resolved to check the signature).
async fn verify_proof(state: &Shared, jwt: &str) -> Result<Holder, OAuthError> {
    let (key, holder) = match proof_key(jwt)? {
        ProofKey::Jwk(key) => (key.clone(), Holder::bound_to_key(key)),
        ProofKey::DidUrl(did_url) => {
            let key = holder_did_key(state, &did_url).await?;
            (key, Holder::bound_to_did_key(did_url))
        }
    };
    let nonce = check_proof(jwt, &key, &state.issuer.public_url, unix_now())?;
    if !state.issuer.store.consume_nonce(&nonce).await? {
        return Err(OAuthError::bad(
            "invalid_nonce",
            "the proof's nonce is unknown, used or expired: get a new one from the nonce endpoint",
        ));
    }
    Ok(holder)
}

/// Spends one of the offer's holder-DID resolutions when the proof names a DID key (a
/// did:web key id is a fetch where the wallet points): `None` to go on, or the 429 answer.
fn over_did_budget(state: &Shared, offer_id: &str, jwt: &str) -> Option<Response> {
    if !matches!(proof_key(jwt), Ok(ProofKey::DidUrl(_))) {
        return None;
    }
    let over = state
        .budgets
        .did_resolutions
        .spend(offer_id.to_owned(), std::time::Instant::now())
        .err()?;
    tracing::warn!("an offer's key proofs named more holder DIDs than its budget; refused");
    state.metrics.security_event("rate_limited");
    Some(over.into_response("this offer's key proofs named too many holder DIDs; try again later"))
}

/// The key the holder's DID lists under `did_url` for `authentication`, now. A registry or
/// DID host that cannot be reached is the issuer's trouble (502), not the wallet's.
async fn holder_did_key(state: &Shared, did_url: &str) -> Result<VerifyingKey, OAuthError> {
    let url = DidUrl::parse(did_url).map_err(|e| OAuthError::bad("invalid_proof", format!("the proof's kid: {e}")))?;
    state
        .holder_dids
        .resolve_verifying_key(&url, Relationship::Authentication)
        .await
        .map_err(|e| match e {
            ResolutionError::Transport(why) => {
                crate::Error::Registry(format!("cannot resolve the holder's DID: {why}")).into()
            }
            other => OAuthError::bad(
                "invalid_proof",
                format!("the proof's kid is not an authentication key of its DID: {other}"),
            ),
        })
}

/// How a deferred issuance remembers its holder: the proof's JWK, or `{"kid": DID URL}`.
fn stored_holder(holder: &Holder) -> Result<String, OAuthError> {
    let value = match (&holder.did_key, &holder.key) {
        (Some(did_url), _) => json!({ "kid": did_url }),
        (None, Some(key)) => {
            serde_json::to_value(key.to_jwk()).map_err(|e| crate::Error::Unsupported(format!("holder key: {e}")))?
        }
        (None, None) => return Err(crate::Error::Unsupported("a proof always names a holder key".into()).into()),
    };
    Ok(value.to_string())
}

/// The holder [`stored_holder`] kept.
fn holder_from_stored(text: &str) -> Option<Holder> {
    let value: Value = serde_json::from_str(text).ok()?;
    match value.get("kid").and_then(Value::as_str) {
        Some(did_url) if value.get("kty").is_none() => Some(Holder::bound_to_did_key(did_url.to_owned())),
        _ => {
            let jwk = Jwk::from_json(text).ok()?;
            VerifyingKey::from_jwk(&jwk).ok().map(Holder::bound_to_key)
        }
    }
}

/// Signs the offer's credential (the offer must be in `issuing`), marks it redeemed, and
/// answers with it. On failure the offer goes back to `back`.
async fn issue(state: &Shared, offer: &OfferRecord, holder: Holder, back: OfferState) -> Result<Response, OAuthError> {
    // Derived claims are computed now; offers stored by earlier versions still hold them.
    let claims = match state.issuer.templates.get(&offer.template) {
        Ok(template) => template.without_derived(offer.claims.clone()),
        Err(_) => offer.claims.clone(),
    };
    let request = IssueRequest {
        template: offer.template.clone(),
        claims: Value::Object(claims),
        format: Format::SdJwt,
        holder,
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
                tracing::error!(code = undo.code(), error = %undo, "an offer stays in issuing: it could not be moved back");
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
    extensions: axum::http::Extensions,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, OAuthError> {
    if let Some(refused) = super::token::over_request_budget(&state, &extensions) {
        return Ok(refused);
    }
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
    if let Some(refused) = over_did_budget(&state, &offer.id, &jwt) {
        return Ok(refused);
    }
    let holder = verify_proof(&state, &jwt).await?;
    let store = &state.issuer.store;
    if offer.approval_required && !offer.approved {
        let stored = stored_holder(&holder)?;
        let Some(transaction_id) = store.defer_offer(&offer.id, &stored).await? else {
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
    issue(&state, &offer, holder, OfferState::TokenIssued).await
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
    let holder = offer
        .holder_jwk
        .as_deref()
        .and_then(holder_from_stored)
        .ok_or_else(|| crate::Error::corrupt(format!("offer {}: holder key missing", offer.id)))?;
    if !store
        .move_offer(&offer.id, OfferState::Pending, OfferState::Issuing)
        .await?
    {
        return Err(invalid());
    }
    issue(&state, &offer, holder, OfferState::Pending).await
}
