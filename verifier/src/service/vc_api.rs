//! The W3C VC-API verifier routes: `POST /credentials/verify` and `POST /presentations/verify`.
//!
//! A request is `{"verifiableCredential": …, "options": {…}}` (or `verifiablePresentation`,
//! with `options.challenge` and `options.domain` for the holder's proof). The credential is
//! whatever `verifier verify` accepts: a Data Integrity credential (VC 2.0 or 1.1), an
//! `EnvelopedVerifiableCredential` (`data:application/vc+jwt,…` or an SD-JWT VC), or the compact
//! form itself as a JSON string (a VC-JOSE-COSE or VC 1.1 JWT, an SD-JWT VC).
//!
//! The answer is a verification result: `verified`, `checks` (the checks that ran),
//! `results` (each with its outcome), `warnings` (checks skipped) and `errors` (problem
//! details with the VC Data Model's error `type`s and Dojang's stable `code`). 200 when
//! verified, 400 when the input is not a credential (or presentation) that verifies, so a
//! client that only reads the status is not misled. Status lists that cannot be fetched fail
//! the status check: a credential whose status was not checked is not verified.
//!
//! Unlike at a door, a presentation's credentials may be about someone other than its holder
//! (VC Data Model 2.0 allows it): the `holder` check is then a warning, not an error.
//!
//! With a token configured (`verifier serve --vc-api-token-file`), the routes require
//! `Authorization: Bearer <token>`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use did_core::vc::CONTEXT_V2;
use did_core::vc::jwt::Binding;
use serde_json::{Map, Value, json};

use super::Shared;
use crate::report::{CheckResult, Report, ReportError};
use crate::verify::{HolderSubjects, UnreachableStatus, Verifier};

/// The base of the VC Data Model 2.0 error types (§7.1 "Verification", problem details).
const VC_ERROR_BASE: &str = "https://www.w3.org/TR/vc-data-model#";

/// What a request asks to verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Credential,
    Presentation,
}

impl Kind {
    fn member(self) -> &'static str {
        match self {
            Kind::Credential => "verifiableCredential",
            Kind::Presentation => "verifiablePresentation",
        }
    }

    fn envelope_type(self) -> &'static str {
        match self {
            Kind::Credential => "EnvelopedVerifiableCredential",
            Kind::Presentation => "EnvelopedVerifiablePresentation",
        }
    }

    /// The other kind: what a request to the wrong route holds.
    fn other(self) -> Kind {
        match self {
            Kind::Credential => Kind::Presentation,
            Kind::Presentation => Kind::Credential,
        }
    }

    fn plain_type(self) -> &'static str {
        match self {
            Kind::Credential => "VerifiableCredential",
            Kind::Presentation => "VerifiablePresentation",
        }
    }
}

/// `POST /credentials/verify`.
pub(super) async fn verify_credential(State(state): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    answer(&state, &headers, &body, Kind::Credential).await
}

/// `POST /presentations/verify`.
pub(super) async fn verify_presentation(State(state): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    answer(&state, &headers, &body, Kind::Presentation).await
}

async fn answer(state: &Shared, headers: &HeaderMap, body: &[u8], kind: Kind) -> Response {
    if let Some(expected) = &state.vc_api_token
        && !bearer_matches(headers, expected)
    {
        return did_core::problem::Problem::unauthorized(
            "dojang-door",
            "this route needs the door's VC-API bearer token",
        )
        .into_response();
    }
    let request = match did_core::data_integrity::parse_document(body) {
        Ok(Value::Object(request)) => request,
        Ok(_) => {
            return invalid(
                StatusCode::BAD_REQUEST,
                "PARSING_ERROR",
                "the body is not a JSON object",
            );
        }
        Err(e) => return invalid(StatusCode::BAD_REQUEST, "PARSING_ERROR", &format!("the body: {e}")),
    };
    let (input, sent) = match text_of(&request, kind) {
        Ok(found) => found,
        Err((error, message)) => return invalid(StatusCode::BAD_REQUEST, error, &message),
    };
    let options = request.get("options").and_then(Value::as_object);
    let option = |name: &str| {
        options
            .and_then(|o| o.get(name))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let verifier = Verifier {
        resolver: state.engine.resolver(),
        clock: state.clock.clone(),
        skew: state.policy.skew(),
        binding: Binding {
            nonce: option("challenge"),
            aud: option("domain"),
        },
        status_source: state.engine.status_source(),
        status_cache: Some(state.engine.status_cache()),
        unreachable_status: UnreachableStatus::Fail,
        holder_subjects: HolderSubjects::MayDiffer,
    };
    let wrong_route = || {
        let message = match kind {
            Kind::Credential => "a presentation: post it to /presentations/verify",
            Kind::Presentation => "a credential: post it to /credentials/verify",
        };
        invalid(StatusCode::BAD_REQUEST, "MALFORMED_VALUE_ERROR", message)
    };
    // A JSON presentation says so in its `type` (its `holder` is optional); a compact one in
    // its format (`vp+jwt`, `vp1-jwt`), known once it is read.
    if sent != Sent::Compact && (sent == Sent::Presentation) != (kind == Kind::Presentation) {
        return wrong_route();
    }
    let report = verifier.verify(&input).await;
    if sent == Sent::Compact && report.format.starts_with("vp") != (kind == Kind::Presentation) {
        return wrong_route();
    }
    result(&report)
}

/// What the request holds, as far as its JSON says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sent {
    /// A JSON credential (`type` has `VerifiableCredential`, or an enveloped one).
    Credential,
    /// A JSON presentation (`type` has `VerifiablePresentation`, or an enveloped one).
    Presentation,
    /// A compact JWT or SD-JWT: its format tells.
    Compact,
}

/// The text `Verifier::verify` reads: the compact form of an enveloped or string credential,
/// or the JSON of one with an embedded proof; and what the request says it is. Errors are the
/// VC Data Model error type and a message.
fn text_of(request: &Map<String, Value>, kind: Kind) -> Result<(String, Sent), (&'static str, String)> {
    let member = kind.member();
    let malformed = |message: String| ("MALFORMED_VALUE_ERROR", message);
    match request.get(member) {
        // Only a compact JWS or SD-JWT comes as a string: a secured JSON document is a map
        // (VC Data Integrity, "Verify Proof": anything else is a PARSING_ERROR).
        Some(Value::String(compact)) if compact.trim_start().starts_with(['{', '[']) => Err((
            "PARSING_ERROR",
            format!("{member} is JSON in a string: send the document itself"),
        )),
        Some(Value::String(compact)) => Ok((compact.clone(), Sent::Compact)),
        Some(Value::Object(object)) => {
            let types: Vec<&str> = match object.get("type") {
                Some(Value::String(t)) => vec![t.as_str()],
                Some(Value::Array(types)) => types.iter().filter_map(Value::as_str).collect(),
                _ => {
                    return Err(malformed(format!(
                        "{member}.type must be a string or an array of strings"
                    )));
                }
            };
            let is_presentation = |t: &&str| *t == "VerifiablePresentation" || *t == "EnvelopedVerifiablePresentation";
            let sent = if types.iter().any(is_presentation) {
                Sent::Presentation
            } else {
                Sent::Credential
            };
            if types.contains(&kind.envelope_type()) || types.contains(&Kind::other(kind).envelope_type()) {
                // VC DM 2.0 §4.13: the envelope's context defines its terms.
                let has_v2 = match object.get("@context") {
                    Some(Value::Array(contexts)) => contexts.first().and_then(Value::as_str) == Some(CONTEXT_V2),
                    // The form VC DM 2.0's own envelope examples use.
                    Some(Value::String(context)) => context == CONTEXT_V2,
                    _ => false,
                };
                if !has_v2 {
                    return Err(malformed(format!(
                        "{member}.@context must be {CONTEXT_V2}, or an array starting with it"
                    )));
                }
                let id = object.get("id").and_then(Value::as_str).unwrap_or_default();
                return match id.strip_prefix("data:").and_then(|rest| rest.split_once(',')) {
                    Some((_, token)) if !token.is_empty() => Ok((token.to_owned(), sent)),
                    _ => Err(malformed(format!(
                        "{member}.id must be a data: URL holding the secured form"
                    ))),
                };
            }
            if !types.contains(&kind.plain_type()) && !types.contains(&Kind::other(kind).plain_type()) {
                return Err(malformed(format!("{member}.type must include {}", kind.plain_type())));
            }
            serde_json::to_string(object)
                .map(|text| (text, sent))
                .map_err(|e| malformed(e.to_string()))
        }
        Some(_) => Err(malformed(format!("{member} must be an object or a compact string"))),
        None => Err(malformed(format!("the body has no {member}"))),
    }
}

/// Whether `Authorization` carries `expected` as a bearer token (compared in constant time).
fn bearer_matches(headers: &HeaderMap, expected: &str) -> bool {
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    aws_lc_rs::constant_time::verify_slices_are_equal(given.as_bytes(), expected.as_bytes()).is_ok()
}

/// A report error as a problem detail of its VC Data Model 2.0 error type.
fn problem_detail(error: &ReportError) -> Value {
    let kind = error.failure().problem_type().name();
    json!({
        "type": format!("{VC_ERROR_BASE}{kind}"),
        "title": kind,
        "code": error.code(),
        "detail": error.message(),
    })
}

/// Every error in `report` and its nested reports.
fn errors_of(report: &Report, out: &mut Vec<Value>) {
    out.extend(report.errors.iter().map(problem_detail));
    for inner in &report.credentials {
        errors_of(inner, out);
    }
}

/// The verification result for `report`: 200 when verified, 400 when not.
fn result(report: &Report) -> Response {
    let mut errors = Vec::new();
    errors_of(report, &mut errors);
    let warnings: Vec<Value> = report
        .checks
        .iter()
        .filter(|c| c.result == CheckResult::Skipped)
        .map(|c| json!({"check": c.check, "detail": c.detail}))
        .collect();
    let body = json!({
        "verified": report.verified,
        "format": report.format,
        "issuer": report.issuer,
        "checks": report.checks.iter().map(|c| c.check).collect::<Vec<_>>(),
        "results": report.checks,
        "credentials": report.credentials.iter().map(|c| json!({
            "verified": c.verified,
            "format": c.format,
            "issuer": c.issuer,
            "results": c.checks,
        })).collect::<Vec<_>>(),
        "warnings": warnings,
        "errors": errors,
    });
    let status = if report.verified {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        body.to_string(),
    )
        .into_response()
}

/// A request that is not one: a verification result with one problem and nothing checked.
fn invalid(status: StatusCode, kind: &str, detail: &str) -> Response {
    let body = json!({
        "verified": false,
        "checks": [],
        "warnings": [],
        "errors": [{
            "type": format!("{VC_ERROR_BASE}{kind}"),
            "title": kind,
            "detail": detail,
        }],
    });
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        body.to_string(),
    )
        .into_response()
}
