//! DID resolution over HTTP: `GET /1.0/identifiers/{did}`, the HTTP(S) binding of W3C DID
//! Resolution (the path the DIF Universal Resolver uses), for every method the door resolves:
//! did:key, did:jwk, did:web and did:dojang (registry answers proved as for any decision).
//!
//! - The DID (or DID URL) is the rest of the path as sent, as the DIF Universal Resolver reads
//!   it: percent-decoded once when it comes whole encoded (`did%3Akey%3Az6Mk…`, a fragment as
//!   `%23`), otherwise taken as it is, so a DID's own percent-encoding survives
//!   (`did:web:127.0.0.1%3A8443:alice` names port 8443). Nothing after the prefix is
//!   `invalidDid` (400).
//! - `Accept: application/did+json` or `application/did+ld+json` answers with the document
//!   alone in that representation; anything else JSON (`application/ld+json;profile=
//!   "https://w3id.org/did-resolution"`, `application/did-resolution` (the current draft's
//!   name), `application/did-resolution+json`, `application/did-url-dereferencing`,
//!   `application/json`, `*/*`, none) with the resolution result; any other media type is
//!   `representationNotSupported` (406).
//! - A DID URL with a fragment is dereferenced: the verification method or service it names is
//!   the `contentStream`, and also `didDocument`, where the did:key test suite and Digital
//!   Bazaar's resolvers read it.
//! - Errors are the result with `didResolutionMetadata.error` (or `didDereferencingMetadata.error`
//!   for a DID URL): `invalidDid`, `invalidDidUrl`, `invalidPublicKey`, `invalidPublicKeyLength`,
//!   `unsupportedPublicKeyType`, `invalidPublicKeyType` 400; `notFound` 404;
//!   `representationNotSupported` 406; `deactivated` 410; `methodNotSupported` 501; the rest 500
//!   (502 when the DID's host or registry could not be reached).
//! - did:key takes the `publicKeyFormat` option (query string): `Multikey`, the only form the
//!   documents are written in; another format is `unsupportedPublicKeyType` for a DID and
//!   `invalidPublicKeyType` for a DID URL.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::Uri;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use did_core::did::{Did, DidUrl};
use did_core::document::{Representation, Resource};
use did_core::resolve::{ResolutionError, ResolutionOptions, ResolutionResult};
use serde_json::{Value, json};

use super::Shared;

/// The media type of a resolution result (DID Resolution, HTTP(S) binding).
pub(super) const RESULT_MEDIA_TYPE: &str = "application/ld+json;profile=\"https://w3id.org/did-resolution\"";

/// The JSON-LD context of resolution and dereferencing results.
const RESULT_CONTEXT: &str = "https://w3id.org/did-resolution/v1";

/// What comes before the DID in the route's path.
const ROUTE_PREFIX: &str = "/1.0/identifiers/";

/// The one `publicKeyFormat` did:key documents are written in.
const MULTIKEY: &str = "Multikey";

/// What the client asked for in `Accept`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wanted {
    /// The resolution (or dereferencing) result.
    Result,
    /// The DID document alone, in this representation.
    Document(Representation),
}

/// Reads `Accept`: the first media range we can answer decides; `None` if there is none.
fn wanted(headers: &HeaderMap) -> Option<Wanted> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Some(Wanted::Result);
    };
    for range in accept.split(',') {
        let media = range.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        match media.as_str() {
            "application/did+ld+json" => return Some(Wanted::Document(Representation::JsonLd)),
            "application/did+json" => return Some(Wanted::Document(Representation::Json)),
            "application/ld+json"
            | "application/did-resolution"
            | "application/did-resolution+json"
            | "application/did-url-dereferencing"
            | "application/json"
            | "application/*"
            | "*/*" => return Some(Wanted::Result),
            _ => {}
        }
    }
    None
}

/// The HTTP status for a resolution or dereferencing error code.
fn status_for(code: &str) -> StatusCode {
    match code {
        "notFound" => StatusCode::NOT_FOUND,
        "representationNotSupported" => StatusCode::NOT_ACCEPTABLE,
        "methodNotSupported" => StatusCode::NOT_IMPLEMENTED,
        "deactivated" => StatusCode::GONE,
        "invalidDid"
        | "invalidDidUrl"
        | "invalidPublicKey"
        | "invalidPublicKeyLength"
        | "invalidPublicKeyType"
        | "unsupportedPublicKeyType" => StatusCode::BAD_REQUEST,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn json_response(status: StatusCode, media_type: &'static str, body: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static(media_type))],
        body.to_string(),
    )
        .into_response()
}

/// An error as a resolution result (`didResolutionMetadata`).
fn resolution_error(error: &ResolutionError) -> Response {
    let code = error.code();
    let status = match error {
        ResolutionError::Transport(_) => StatusCode::BAD_GATEWAY,
        _ => status_for(code),
    };
    let result = ResolutionResult::from(Err(error.clone()));
    json_response(status, RESULT_MEDIA_TYPE, &json!(result))
}

/// An error as a dereferencing result (`didDereferencingMetadata`).
fn dereferencing_error(code: &'static str, message: String) -> Response {
    let body = json!({
        "@context": RESULT_CONTEXT,
        "didDocument": null,
        "contentStream": null,
        "didDocumentMetadata": {},
        "contentMetadata": {},
        "didDereferencingMetadata": {"error": code, "errorMessage": message},
    });
    json_response(status_for(code), RESULT_MEDIA_TYPE, &body)
}

/// The DID (or DID URL) of a request path's raw rest: decoded once when sent whole encoded
/// (`did%3A…`; bytes that are not UTF-8 become U+FFFD, which no DID holds), otherwise as it is.
fn requested_did(raw: &str) -> String {
    let encoded_whole = raw.get(..6).is_some_and(|start| start.eq_ignore_ascii_case("did%3a"));
    if encoded_whole {
        percent_encoding::percent_decode_str(raw)
            .decode_utf8_lossy()
            .into_owned()
    } else {
        raw.to_owned()
    }
}

/// `GET /1.0/identifiers/` with nothing after it: no DID, so `invalidDid`.
pub(super) async fn resolve_nothing() -> Response {
    resolution_error(&ResolutionError::InvalidDid(did_core::did::DidError::MissingScheme))
}

/// `GET /1.0/identifiers/{*did}`.
pub(super) async fn resolve(
    State(state): State<Shared>,
    uri: Uri,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    // The path as sent (axum's path extractors decode it): the part after the route's prefix.
    let raw = uri.path().split_once(ROUTE_PREFIX).map_or("", |(_, did)| did);
    let did = requested_did(raw);
    let Some(wanted) = wanted(&headers) else {
        let accept = headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        return resolution_error(&ResolutionError::RepresentationNotSupported(
            accept.chars().take(64).collect(),
        ));
    };
    let is_url = did.contains(['#', '/', '?']);
    let format = query.get("publicKeyFormat").map(String::as_str);
    if is_url {
        return dereference(&state, &did, format).await;
    }
    let parsed = match Did::parse(&did) {
        Ok(parsed) => parsed,
        Err(e) => return resolution_error(&ResolutionError::InvalidDid(e)),
    };
    if parsed.method() == "key"
        && let Some(other) = format.filter(|f| *f != MULTIKEY)
    {
        return resolution_error(&ResolutionError::UnsupportedPublicKeyType(format!(
            "publicKeyFormat {}",
            other.chars().take(64).collect::<String>()
        )));
    }
    let representation = match wanted {
        Wanted::Document(representation) => representation,
        Wanted::Result => Representation::JsonLd,
    };
    let options = ResolutionOptions::default().with_accept(representation.media_type());
    match state.engine.resolver().resolve(&parsed, &options).await {
        Ok(resolution) => match wanted {
            Wanted::Document(Representation::Json) => {
                json_response(StatusCode::OK, "application/did+json", &resolution.document.to_value())
            }
            Wanted::Document(_) => json_response(
                StatusCode::OK,
                "application/did+ld+json",
                &resolution.document.to_value(),
            ),
            Wanted::Result => json_response(
                StatusCode::OK,
                RESULT_MEDIA_TYPE,
                &json!(ResolutionResult::from(Ok(resolution))),
            ),
        },
        Err(error) => resolution_error(&error),
    }
}

/// Dereferences a DID URL with a fragment: the verification method or service it names.
async fn dereference(state: &Shared, input: &str, format: Option<&str>) -> Response {
    let url = match DidUrl::parse(input) {
        Ok(url) => url,
        Err(e) => return dereferencing_error("invalidDidUrl", e.to_string()),
    };
    if url.path().is_some() || url.query().is_some() {
        return dereferencing_error(
            "notFound",
            "only DID URLs with a fragment are dereferenced here (no path, no query)".into(),
        );
    }
    let did = url.did();
    if did.method() == "key"
        && let Some(other) = format.filter(|f| *f != MULTIKEY)
    {
        return dereferencing_error(
            "invalidPublicKeyType",
            format!(
                "publicKeyFormat {} is not one did:key documents are written in",
                other.chars().take(64).collect::<String>()
            ),
        );
    }
    let options = ResolutionOptions::default();
    let resolution = match state.engine.resolver().resolve(&did, &options).await {
        Ok(resolution) => resolution,
        Err(error) => return dereferencing_error(error.code(), error.to_string()),
    };
    let content = match resolution.document.dereference(&url) {
        Some(Resource::VerificationMethod(method)) => json!(method),
        Some(Resource::Service(service)) => json!(service),
        Some(Resource::Document(document)) => document.to_value(),
        Some(_) | None => {
            return dereferencing_error("notFound", "the DID document has nothing by this fragment".into());
        }
    };
    let body = json!({
        "@context": RESULT_CONTEXT,
        "didDocument": content,
        "contentStream": content,
        "didDocumentMetadata": resolution.document_metadata,
        "contentMetadata": resolution.document_metadata,
        "didDereferencingMetadata": {"contentType": resolution.representation.media_type()},
    });
    json_response(StatusCode::OK, RESULT_MEDIA_TYPE, &body)
}

#[cfg(test)]
mod tests {
    use super::requested_did;

    #[test]
    fn a_did_sent_whole_encoded_is_decoded_once_and_one_sent_as_is_is_kept() {
        assert_eq!(requested_did("did%3Akey%3Az6Mk%23z6Mk"), "did:key:z6Mk#z6Mk");
        assert_eq!(
            requested_did("did%3aweb%3Aexample.com%253A8443"),
            "did:web:example.com%3A8443"
        );
        // did:web's port stays encoded: the DID names port 8443, not a path segment.
        assert_eq!(
            requested_did("did:web:127.0.0.1%3A8443:alice"),
            "did:web:127.0.0.1%3A8443:alice"
        );
        assert_eq!(requested_did("did:key:z6Mk"), "did:key:z6Mk");
        assert_eq!(requested_did(""), "");
        assert_eq!(requested_did("did%3Akey%3A%FF"), "did:key:\u{fffd}");
    }
}
