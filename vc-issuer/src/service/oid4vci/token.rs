//! The token endpoint (pre-authorized code grant, RFC 6749 §5 answers) and the nonce
//! endpoint (OpenID4VCI §7).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::requests::parse_form;
use super::{ACCESS_TOKEN_TTL, NONCE_TTL, OAuthError, PRE_AUTHORIZED_GRANT, no_store};
use crate::service::Shared;
use crate::store::CodeRefusal;

/// `POST /token` (`application/x-www-form-urlencoded`).
pub(crate) async fn token(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, OAuthError> {
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
        Err(CodeRefusal::WrongTxCode { locked: false }) => Err(OAuthError::bad("invalid_grant", "the PIN is wrong")),
        Err(CodeRefusal::WrongTxCode { locked: true }) => Err(OAuthError::bad(
            "invalid_grant",
            "the PIN is wrong; too many attempts, the offer is now locked",
        )),
    }
}

/// `POST /nonce`: a fresh single-use `c_nonce` for the key proof.
pub(crate) async fn nonce(State(state): State<Shared>) -> Result<Response, OAuthError> {
    let nonce = state.issuer.store.create_nonce(NONCE_TTL).await?;
    Ok((no_store(), Json(json!({"c_nonce": nonce}))).into_response())
}
