//! OpenID4VP 1.0 at the door: the request a wallet reads from the kiosk's QR code, and the
//! wallet's `direct_post` response, decided by the same engine and policy as every other
//! presentation.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{RequestSigner, Shared, busy, finish_alone, problem, settle};
use crate::decision::Decision;
use crate::error::Error;
use crate::oid4vp::dcql::CredentialSetQuery;
use crate::oid4vp::{AuthorizationRequest, AuthorizationResponse, DcqlQuery, FORMAT_SD_JWT_VC, request};
use crate::policy::Policy;
use crate::reason::{Reason, ReasonCode};

/// The id of a door's credential query: `door` when the policy has one rule, `door-1`,
/// `door-2`, ... (one per rule, in the policy's order) when it has several.
const QUERY_ID: &str = "door";

/// Above this length the QR code carries the request by reference (`request_uri`) instead.
const MAX_LINK_BY_VALUE: usize = 1800;

/// The DCQL query a policy asks: for each rule, one SD-JWT VC of the rule's type with the
/// claims the rule reads (so the wallet discloses those and nothing else). Several rules are
/// alternatives, joined by one required `credential_sets` entry whose options are the rules'
/// queries: a wallet answers whichever one credential it holds. One query for every rule's
/// claims would ask a single credential for an employee's department and a citizen's age at
/// once, which no credential has.
pub(super) fn dcql_for(policy: &Policy) -> Result<DcqlQuery, Error> {
    if policy.accept.len() <= 1 {
        let types: Vec<&str> = policy.accept.iter().map(|r| r.credential_type.as_str()).collect();
        let paths = paths_of(&policy.accept);
        let paths: Vec<&[&str]> = paths.iter().map(Vec::as_slice).collect();
        return DcqlQuery::sd_jwt_vc(QUERY_ID, &types, &paths);
    }
    let mut credentials = Vec::new();
    for (i, rule) in policy.accept.iter().enumerate() {
        let paths = paths_of(std::slice::from_ref(rule));
        let paths: Vec<&[&str]> = paths.iter().map(Vec::as_slice).collect();
        let id = format!("{QUERY_ID}-{}", i + 1);
        credentials.extend(DcqlQuery::sd_jwt_vc(&id, &[rule.credential_type.as_str()], &paths)?.credentials);
    }
    let options = credentials.iter().map(|c| vec![c.id.clone()]).collect();
    let query = DcqlQuery {
        credentials,
        credential_sets: Some(vec![CredentialSetQuery {
            options,
            required: true,
        }]),
    };
    query.validate()?;
    Ok(query)
}

/// The claim paths `rules` read, each once, in order.
fn paths_of(rules: &[crate::policy::AcceptRule]) -> Vec<Vec<&str>> {
    let mut paths: Vec<Vec<&str>> = Vec::new();
    for rule in rules {
        for claim in &rule.claims {
            let path: Vec<&str> = claim.path.split('.').collect();
            if !paths.contains(&path) {
                paths.push(path);
            }
        }
    }
    paths
}

/// The request a wallet reads and the deep link it opens: by value (client id
/// `redirect_uri:`) when short enough for a QR code, otherwise by reference, as a Request
/// Object signed with the door's certificate (client id `x509_hash:`).
pub(super) fn link_for(
    authorization: AuthorizationRequest,
    signer: &RequestSigner,
    public_url: &str,
    id: &str,
) -> (AuthorizationRequest, String) {
    let by_value = authorization.deep_link("openid4vp://");
    if by_value.len() <= MAX_LINK_BY_VALUE {
        return (authorization, by_value);
    }
    let signed = authorization.for_certificate(signer.leaf());
    let link = link_of(&signed, public_url, id);
    (signed, link)
}

/// The deep link of a request made by [`link_for`]: by reference when it is signed, by value
/// otherwise.
pub(super) fn link_of(authorization: &AuthorizationRequest, public_url: &str, id: &str) -> String {
    if authorization.is_signed() {
        authorization.deep_link_by_reference("openid4vp://", &format!("{public_url}/oid4vp/requests/{id}"))
    } else {
        authorization.deep_link("openid4vp://")
    }
}

/// `GET /oid4vp/requests/{id}`: the request object, signed when the request's client id is
/// an `x509_hash:` one.
pub(super) async fn request_object(State(state): State<Shared>, Path(id): Path<String>) -> Response {
    let Some(found) = state.requests.get(&id) else {
        return problem(StatusCode::NOT_FOUND, "unknown_request", "no such request");
    };
    // A wallet opened it: from now on no new request can push it out of the store.
    state.requests.engage(&id);
    let object = if found.oid4vp.is_signed() {
        let signer = &state.request_signer;
        match found
            .oid4vp
            .signed_request_object(signer.signer(), signer.chain())
            .await
        {
            Ok(object) => object,
            Err(e) => return problem(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()),
        }
    } else {
        found.oid4vp.request_object()
    };
    ([(header::CONTENT_TYPE, request::REQUEST_OBJECT_CONTENT_TYPE)], object).into_response()
}

/// `POST /oid4vp/response`: the wallet's answer. Answers with the decision.
pub(super) async fn response(State(state): State<Shared>, body: Bytes) -> Response {
    let now = state.clock.now();
    let answer = match AuthorizationResponse::parse_direct_post(&body) {
        Ok(answer) => answer,
        Err(e) => return problem(StatusCode::BAD_REQUEST, "invalid_request", e.to_string()),
    };
    let Some((id, _)) = answer.state().and_then(|s| state.requests.by_state(s)) else {
        return problem(StatusCode::BAD_REQUEST, "invalid_request", "unknown or missing state");
    };
    let reservation = match state.requests.reserve(&id) {
        Ok(reservation) => reservation,
        Err(why) => return busy(why),
    };
    let door_request = reservation.request.clone();
    let vp_token = match answer {
        AuthorizationResponse::Success { vp_token, .. } => vp_token,
        AuthorizationResponse::Error { error, .. } => {
            let decision = Decision::deny(vec![Reason::with_detail(
                ReasonCode::RequestMismatch,
                format!("the wallet declined: {error}"),
            )]);
            return settle(&state, reservation, decision, now).await;
        }
    };
    if let Err(code) = door_request.oid4vp.dcql_query.check_response(&vp_token) {
        return settle(&state, reservation, finish_alone(code), now).await;
    }
    let mut decision: Option<Decision> = None;
    for (query_id, presentation) in vp_token.presentations() {
        // Bound to this request's nonce, not to another request's that is also live.
        if crate::decision::presented_nonce(&presentation).is_some_and(|n| n != door_request.nonce) {
            return settle(&state, reservation, finish_alone(ReasonCode::NonceMismatch), now).await;
        }
        let checked = match state
            .engine
            .verify_for(
                &presentation,
                &state.policy,
                state.clock.as_ref(),
                &door_request.oid4vp.client_id,
            )
            .await
        {
            Ok(checked) => checked,
            Err(e) => {
                state.requests.mark_unavailable(&id, &e.to_string());
                return problem(StatusCode::SERVICE_UNAVAILABLE, "cannot_check", e.to_string());
            }
        };
        let checked = match (checked.disclosed(), checked.allowed()) {
            (Some(serde_json::Value::Object(disclosed)), true) => {
                match door_request
                    .oid4vp
                    .dcql_query
                    .check_presentation(query_id, FORMAT_SD_JWT_VC, disclosed)
                {
                    Ok(()) => checked,
                    Err(code) => finish_alone(code),
                }
            }
            // Allowed without an object of disclosed claims: nothing to hold against the query.
            (_, true) => finish_alone(ReasonCode::RequestMismatch),
            (_, false) => checked,
        };
        // Every presentation must pass; the first denial decides.
        let denied = !checked.allowed();
        decision = Some(checked);
        if denied {
            break;
        }
    }
    match decision {
        Some(decision) => settle(&state, reservation, decision, now).await,
        None => settle(&state, reservation, finish_alone(ReasonCode::RequestMismatch), now).await,
    }
}
