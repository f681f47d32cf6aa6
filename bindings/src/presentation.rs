//! What a verifier asks for, as the app shows it to the holder: an OpenID4VP request
//! (a link or QR code from a kiosk or website) or a door's challenge QR code.

use verifier::oid4vp::dcql::{CredentialQuery, PathElement};
use verifier::oid4vp::request::{AuthorizationRequest, DeepLink};
use verifier::qr::DoorChallenge;

use crate::http::{self, check_url};
use crate::{Challenge, DojangError};

/// An OpenID4VP request, read from its link: who asks, and for what.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PresentationRequest {
    /// The verifier (`client_id`, e.g. `redirect_uri:https://door.example/oid4vp/response`).
    pub verifier: String,
    /// Where the answer goes.
    pub response_uri: String,
    /// The credentials asked for; answer one with `Wallet.respond`.
    pub credentials: Vec<RequestedCredential>,
    /// The request, to pass back to `Wallet.respond` (JSON).
    pub request_json: String,
}

/// One credential a request asks for.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct RequestedCredential {
    /// The query's ID in the request.
    pub query_id: String,
    /// The credential types (`vct`) accepted; empty means any.
    pub credential_types: Vec<String>,
    /// The claims asked for, as JSON pointers (`*` stands for every element of an array).
    pub claims: Vec<String>,
}

/// Reads a door challenge QR code (`DJN1:`).
#[uniffi::export]
pub fn read_door_challenge(qr_text: String) -> Result<Challenge, DojangError> {
    crate::error::guard(|| {
        let text = qr_text.trim();
        let challenge = DoorChallenge::parse(text)?;
        Ok(Challenge {
            qr_text: text.to_owned(),
            nonce: challenge.nonce,
            audience: challenge.audience,
        })
    })
}

fn pointer(path: &[PathElement]) -> String {
    let tokens: Vec<String> = path
        .iter()
        .map(|element| match element {
            PathElement::Key(key) => key.clone(),
            PathElement::Index(index) => index.to_string(),
            PathElement::Wildcard => "*".to_owned(),
        })
        .collect();
    did_core::json_pointer::from_tokens(&tokens)
}

fn requested(query: &CredentialQuery) -> RequestedCredential {
    RequestedCredential {
        query_id: query.id.clone(),
        credential_types: query.meta.vct_values.clone().unwrap_or_default(),
        claims: query
            .claims
            .iter()
            .flatten()
            .map(|claim| pointer(&claim.path))
            .collect(),
    }
}

/// The app's view of `request`.
pub(crate) fn view(request: &AuthorizationRequest) -> PresentationRequest {
    PresentationRequest {
        verifier: request.client_id.clone(),
        response_uri: request.response_uri.clone(),
        credentials: request.dcql_query.credentials.iter().map(requested).collect(),
        request_json: request.to_json(),
    }
}

/// Reads a request link, fetching the Request Object if the link passes it by reference.
pub(crate) async fn read_request(
    http_client: &reqwest::Client,
    link: &str,
    allow_loopback_http: bool,
) -> Result<AuthorizationRequest, DojangError> {
    match DeepLink::parse(link.trim())? {
        DeepLink::ByValue(request) => Ok(request),
        DeepLink::ByReference { client_id, request_uri } => {
            let url = check_url(&request_uri, allow_loopback_http, "request_uri")?;
            let response = http::send(http_client.get(url)).await?;
            if !response.status().is_success() {
                return Err(DojangError::Refused {
                    code: format!("http.{}", response.status().as_u16()),
                    detail: "the request object could not be fetched".into(),
                });
            }
            let body = http::body(response).await?;
            let jwt = String::from_utf8(body)
                .map_err(|_| DojangError::invalid("verifier.protocol", "the request object is not text"))?;
            Ok(AuthorizationRequest::from_request_object(&jwt, &client_id)?)
        }
    }
}

/// The query in `request` that a credential of type `vct` answers: the first naming that
/// type, or the first naming none.
pub(crate) fn query_for<'a>(request: &'a AuthorizationRequest, vct: &str) -> Option<&'a CredentialQuery> {
    let credentials = &request.dcql_query.credentials;
    credentials
        .iter()
        .filter(|q| q.format == crate::oid4vci::FORMAT_SD_JWT_VC)
        .find(|q| q.meta.vct_values.as_ref().is_some_and(|v| v.iter().any(|t| t == vct)))
        .or_else(|| {
            credentials
                .iter()
                .find(|q| q.format == crate::oid4vci::FORMAT_SD_JWT_VC && q.meta.vct_values.is_none())
        })
}
