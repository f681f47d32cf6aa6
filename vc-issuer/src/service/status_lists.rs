//! Published status lists, at stable URLs:
//!
//! - `GET /status/{list}/revocation` and `/status/{list}/suspension`: W3C Bitstring Status
//!   List credentials, by content negotiation: signed as VC-JOSE JWTs (`application/vc+jwt`,
//!   the default), or as JSON with a Data Integrity proof by the issuer's key (`ecdsa-rdfc-2019`,
//!   or `eddsa-rdfc-2022` for an Ed25519 key) for a client that asks for JSON-LD or JSON
//!   (`application/vc`, `application/vc+ld+json`, `application/ld+json`, `application/json`),
//!   as JSON-LD document loaders (Digital Bazaar's libraries, the W3C suites) do;
//! - `GET /status/{list}/token`: the IETF Token Status List (`application/statuslist+jwt`,
//!   2 bits: 0 valid, 1 invalid, 2 suspended) that SD-JWT VCs point to.
//!
//! A list is re-signed only when its version (bumped with every status change, in the same
//! transaction) moves, or when the signed copy is half-way to expiry, so replicas sharing one
//! PostgreSQL serve the same statuses. Answers carry `Cache-Control: max-age`, an `ETag`
//! and honour `If-None-Match`.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use did_core::jose::{self, Header};
use did_core::status::{
    BitstringStatusList, BitstringStatusListSubject, STATUS_LIST_JWT_TYP, StatusListClaim, StatusListToken,
    StatusPurpose, TokenStatus, TokenStatusList,
};
use did_core::vc::jwt::{self, JwtEncoding};
use did_core::vc::{CONTEXT_V2, Credential};
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::Shared;
use super::problem::{ApiResult, Problem};
use crate::Error;
use crate::issuance::Issuer;
use crate::issue::Format;
use crate::store::RecordStatus;
use did_core::key::KeyType;

/// How long a signed list stays valid (its `validUntil` / `exp`), in seconds.
const LIST_VALIDITY: i64 = 24 * 3600;

/// How a Bitstring Status List credential is secured in an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListForm {
    /// A VC-JOSE-COSE JWT (and the Token Status List's own JWT).
    Jwt,
    /// JSON with an embedded Data Integrity proof.
    DataIntegrity,
}

impl ListForm {
    /// The form `Accept` asks for, with the media type to answer: the first media range that
    /// names a JWT or a JSON type decides; none (or `*/*`) is the JWT.
    fn negotiate(headers: &HeaderMap) -> (ListForm, &'static str) {
        let accept = headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        for range in accept.split(',') {
            let media = range.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
            match media.as_str() {
                "application/vc+jwt" | "application/jwt" => return (ListForm::Jwt, "application/vc+jwt"),
                "application/vc" => return (ListForm::DataIntegrity, "application/vc"),
                "application/vc+ld+json" => return (ListForm::DataIntegrity, "application/vc+ld+json"),
                "application/ld+json" => return (ListForm::DataIntegrity, "application/ld+json"),
                "application/json" => return (ListForm::DataIntegrity, "application/json"),
                _ => {}
            }
        }
        (ListForm::Jwt, "application/vc+jwt")
    }
}

/// The three published forms of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListKind {
    /// Bitstring, revocation.
    Revocation,
    /// Bitstring, suspension.
    Suspension,
    /// IETF token status list.
    Token,
}

impl ListKind {
    fn parse(s: &str) -> Option<ListKind> {
        match s {
            "revocation" => Some(ListKind::Revocation),
            "suspension" => Some(ListKind::Suspension),
            "token" => Some(ListKind::Token),
            _ => None,
        }
    }

    fn media_type(self) -> &'static str {
        match self {
            ListKind::Token => "application/statuslist+jwt",
            _ => "application/vc+jwt",
        }
    }

    fn name(self) -> &'static str {
        match self {
            ListKind::Revocation => "revocation",
            ListKind::Suspension => "suspension",
            ListKind::Token => "token",
        }
    }
}

#[derive(Debug, Clone)]
struct Signed {
    version: i64,
    signed_at: i64,
    body: String,
}

/// Signed lists, by list, kind and form.
#[derive(Debug, Default)]
pub struct StatusListCache {
    signed: Mutex<HashMap<(i64, ListKind, ListForm), Signed>>,
}

impl StatusListCache {
    /// The signed list, re-signed when stale. Returns `(version, body)`. The Token Status
    /// List has one form, its JWT; `form` chooses how a Bitstring list is secured.
    pub async fn get(
        &self,
        issuer: &Issuer,
        list: i64,
        kind: ListKind,
        form: ListForm,
    ) -> Result<(i64, String), Error> {
        let form = if kind == ListKind::Token { ListForm::Jwt } else { form };
        let version = issuer
            .store
            .status_list_version(list)
            .await?
            .ok_or_else(|| Error::NotFound(format!("status list {list}")))?;
        let now = OffsetDateTime::now_utc().unix_timestamp();
        if let Ok(cache) = self.signed.lock()
            && let Some(hit) = cache.get(&(list, kind, form))
            && hit.version == version
            && now - hit.signed_at < LIST_VALIDITY / 2
        {
            return Ok((hit.version, hit.body.clone()));
        }
        let state = issuer.store.status_list_state(list).await?;
        let body = match kind {
            ListKind::Token => sign_token_list(issuer, list, state.size, &state.entries, now).await?,
            ListKind::Revocation | ListKind::Suspension => {
                sign_bitstring_list(issuer, list, kind, form, state.size, &state.entries, now).await?
            }
        };
        if let Ok(mut cache) = self.signed.lock() {
            cache.insert(
                (list, kind, form),
                Signed {
                    version: state.version,
                    signed_at: now,
                    body: body.clone(),
                },
            );
        }
        Ok((state.version, body))
    }
}

/// The Bitstring Status List of `kind` (revocation or suspension): a bit set for each record
/// in that status.
async fn sign_bitstring_list(
    issuer: &Issuer,
    list: i64,
    kind: ListKind,
    form: ListForm,
    size: u64,
    entries: &[(u64, RecordStatus)],
    now: i64,
) -> Result<String, Error> {
    let wanted = if kind == ListKind::Revocation {
        RecordStatus::Revoked
    } else {
        RecordStatus::Suspended
    };
    let core = |e: did_core::status::StatusError| Error::Core(e.into());
    let mut bits = BitstringStatusList::new(1, size).map_err(core)?;
    for (index, status) in entries {
        if *status == wanted {
            bits.set(*index, 1).map_err(core)?;
        }
    }
    let purpose = if kind == ListKind::Revocation {
        StatusPurpose::Revocation
    } else {
        StatusPurpose::Suspension
    };
    let url = issuer.status_list_url(list, kind.name());
    let subject = BitstringStatusListSubject::new(purpose, &bits)
        .map_err(core)?
        .with_id(format!("{url}#list"));
    let stamp = |t: i64| {
        OffsetDateTime::from_unix_timestamp(t)
            .ok()
            .and_then(|t| t.format(&Rfc3339).ok())
            .unwrap_or_default()
    };
    let credential = json!({
        "@context": [CONTEXT_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer.did,
        "validFrom": stamp(now),
        "validUntil": stamp(now + LIST_VALIDITY),
        "credentialSubject": subject.to_json_value(),
    });
    match form {
        ListForm::Jwt => {
            let credential = Credential::from_json(credential)?;
            Ok(jwt::sign_credential_with(&credential, JwtEncoding::JoseCose, issuer.signing().signer.as_ref()).await?)
        }
        ListForm::DataIntegrity => {
            let format = match issuer.signing().signer.verifying_key().key_type() {
                KeyType::Ed25519 => Format::EddsaRdfc2022,
                _ => Format::EcdsaRdfc2019,
            };
            let serde_json::Value::Object(map) = credential else {
                return Err(Error::Unsupported("a status list credential is an object".into()));
            };
            let signed = issuer.sign_w3c(map, format).await?;
            serde_json::to_string(&signed).map_err(|e| Error::Unsupported(e.to_string()))
        }
    }
}

async fn sign_token_list(
    issuer: &Issuer,
    list: i64,
    size: u64,
    entries: &[(u64, RecordStatus)],
    now: i64,
) -> Result<String, Error> {
    let core = |e: did_core::status::StatusError| Error::Core(e.into());
    let mut bits = TokenStatusList::new(2, size).map_err(core)?;
    for (index, status) in entries {
        let value = if *status == RecordStatus::Suspended { 2 } else { 1 };
        bits.set(*index, TokenStatus(value)).map_err(core)?;
    }
    let now_u = u64::try_from(now).unwrap_or(0);
    let token = StatusListToken::new(
        issuer.status_list_url(list, "token"),
        now_u,
        StatusListClaim::from_list(&bits).map_err(core)?,
    )
    .map_err(core)?
    .with_exp(now_u + LIST_VALIDITY as u64)
    .with_ttl(300)
    .with_iss(issuer.did.clone());
    let signing = issuer.signing();
    let signer = signing.signer.as_ref();
    let header = Header::new(signer.algorithm())
        .with_typ(STATUS_LIST_JWT_TYP)
        .with_kid(signing.method.clone());
    jose::sign_json(header, &token.to_claims(), signer)
        .await
        .map_err(|e| Error::Core(e.into()))
}

pub(crate) fn routes() -> Router<Shared> {
    Router::new().route("/status/{list}/{kind}", get(get_list))
}

async fn get_list(
    State(state): State<Shared>,
    Path((list, kind)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let not_found = || Problem::new(StatusCode::NOT_FOUND, "not_found", "no such status list");
    let list: i64 = list.parse().map_err(|_| not_found())?;
    let kind = ListKind::parse(&kind).ok_or_else(not_found)?;
    let (form, media_type) = match kind {
        ListKind::Token => (ListForm::Jwt, kind.media_type()),
        _ => ListForm::negotiate(&headers),
    };
    let (version, body) = state.status_lists.get(&state.issuer, list, kind, form).await?;
    let suffix = if form == ListForm::DataIntegrity { "-di" } else { "" };
    let etag = format!("\"{list}-{}-{version}{suffix}\"", kind.name());
    let max_age = format!("public, max-age={}", state.config.status.max_age_seconds);
    let mut response = if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag))
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        body.into_response()
    };
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    h.insert(header::VARY, HeaderValue::from_static("accept"));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&max_age) {
        h.insert(header::CACHE_CONTROL, v);
    }
    Ok(response)
}
