//! OpenID for Verifiable Credential Issuance 1.0 (placeholder until the oid4vci branch lands).

use axum::Router;

use super::Shared;

pub(crate) fn routes() -> Router<Shared> {
    Router::new()
}
