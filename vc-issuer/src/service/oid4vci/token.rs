//! The token endpoint (pre-authorized code grant, RFC 6749 §5 answers) and the nonce
//! endpoint (OpenID4VCI §7).

use std::time::Instant;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{Extensions, HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::requests::parse_form;
use super::{ACCESS_TOKEN_TTL, NONCE_TTL, OAuthError, PRE_AUTHORIZED_GRANT, no_store};
use crate::service::Shared;
use crate::service::client_budget::{OverBudget, client_ip};
use crate::store::CodeRefusal;

/// `POST /token` (`application/x-www-form-urlencoded`).
pub(crate) async fn token(
    State(state): State<Shared>,
    extensions: Extensions,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, OAuthError> {
    let client = client_ip(&extensions);
    if let Some(client) = client {
        let now = Instant::now();
        if let Err(over) = state.budgets.requests.spend(client, now) {
            return Ok(rate_limited(
                &state,
                over,
                "too many requests from this client; try again later",
            ));
        }
        // Checked before the PIN is looked at: past its budget a client learns nothing more.
        if let Err(over) = state.budgets.wrong_pins.check(client, now) {
            return Ok(rate_limited(
                &state,
                over,
                "too many wrong PINs from this client; try again later",
            ));
        }
    }
    let form_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"));
    if !form_type {
        return Err(OAuthError::bad(
            "invalid_request",
            "the body must be application/x-www-form-urlencoded",
        ));
    }
    let form = parse_form(&body)?;
    let grant = form
        .get("grant_type")
        .ok_or_else(|| OAuthError::bad("invalid_request", "grant_type is missing"))?;
    if grant.as_str() != PRE_AUTHORIZED_GRANT {
        return Err(OAuthError::bad(
            "unsupported_grant_type",
            format!("only {PRE_AUTHORIZED_GRANT} is supported"),
        ));
    }
    let code = form
        .get("pre-authorized_code")
        .ok_or_else(|| OAuthError::bad("invalid_request", "pre-authorized_code is missing"))?;
    let tx_code = form.get("tx_code").map(|t| t.as_str());
    match state.issuer.store.redeem_code(code, tx_code, ACCESS_TOKEN_TTL).await? {
        Ok(token) => {
            let body = json!({
                "access_token": token.token.as_str(),
                "token_type": "Bearer",
                "expires_in": token.expires_in,
            });
            Ok((no_store(), Json(body)).into_response())
        }
        Err(CodeRefusal::InvalidCode) => Err(OAuthError::bad(
            "invalid_grant",
            "the pre-authorized code is unknown, used, expired or locked",
        )),
        Err(CodeRefusal::TxCodeRequired) => Err(OAuthError::bad("invalid_request", "tx_code (the PIN) is required")),
        Err(CodeRefusal::TxCodeUnexpected) => {
            Err(OAuthError::bad("invalid_request", "this offer has no tx_code (PIN)"))
        }
        Err(CodeRefusal::WrongTxCode { locked }) => {
            state.metrics.security_event("wrong_pin");
            if let Some(client) = client
                && state.budgets.wrong_pins.spend(client, Instant::now()).is_ok()
                && state.budgets.wrong_pins.check(client, Instant::now()).is_err()
            {
                // No address in the log: it is personal data.
                tracing::warn!("a client spent its wrong-PIN budget; its /token requests wait for the window");
                state.metrics.security_event("pin_budget_spent");
            }
            if locked {
                tracing::warn!("an offer was locked after too many wrong PINs from several clients");
                state.metrics.security_event("offer_locked");
                return Err(OAuthError::bad(
                    "invalid_grant",
                    "the PIN is wrong; too many attempts, the offer is now locked",
                ));
            }
            Err(OAuthError::bad("invalid_grant", "the PIN is wrong"))
        }
    }
}

/// 429 `rate_limited`, counted.
fn rate_limited(state: &Shared, over: OverBudget, detail: &str) -> Response {
    state.metrics.security_event("rate_limited");
    over.into_response(detail)
}

/// Spends one of the client's OpenID4VCI requests: `None` to go on, or the 429 answer when
/// it has none left.
pub(crate) fn over_request_budget(state: &Shared, extensions: &Extensions) -> Option<Response> {
    let client = client_ip(extensions)?;
    let over = state.budgets.requests.spend(client, Instant::now()).err()?;
    Some(rate_limited(
        state,
        over,
        "too many requests from this client; try again later",
    ))
}

/// `POST /nonce`: a fresh single-use `c_nonce` for the key proof.
pub(crate) async fn nonce(State(state): State<Shared>, extensions: Extensions) -> Result<Response, OAuthError> {
    if let Some(refused) = over_request_budget(&state, &extensions) {
        return Ok(refused);
    }
    let nonce = state.issuer.store.create_nonce(NONCE_TTL).await?;
    Ok((no_store(), Json(json!({"c_nonce": nonce}))).into_response())
}
