//! Issuer metadata (OpenID4VCI §12.2) and OAuth authorization server metadata (RFC 8414):
//! the issuer is its own authorization server for the pre-authorized code flow.

use axum::Json;
use axum::extract::State;
use serde_json::{Map, Value, json};

use super::{FORMAT, PRE_AUTHORIZED_GRANT};
use crate::service::Shared;
use crate::templates::Template;

/// The key proof algorithms wallets may sign with.
pub const PROOF_ALGS: [&str; 3] = ["ES256", "ES384", "EdDSA"];

/// `GET /.well-known/openid-credential-issuer`.
pub(crate) async fn credential_issuer(State(state): State<Shared>) -> Json<Value> {
    let issuer = &state.issuer;
    let base = &issuer.public_url;
    let alg = issuer.signing().signer.algorithm().name();
    let configurations: Map<String, Value> = issuer
        .templates
        .iter()
        .map(|template| (template.name.clone(), configuration(template, base, alg)))
        .collect();
    Json(json!({
        "credential_issuer": base,
        "credential_endpoint": format!("{base}/credential"),
        "nonce_endpoint": format!("{base}/nonce"),
        "deferred_credential_endpoint": format!("{base}/deferred_credential"),
        "credential_configurations_supported": configurations,
    }))
}

/// One `credential_configurations_supported` entry.
fn configuration(template: &Template, base: &str, alg: &str) -> Value {
    let display: Vec<Value> = template
        .display
        .iter()
        .map(|d| json!({"name": d.name, "locale": d.locale}))
        .collect();
    let claims: Vec<Value> = template
        .schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|p| p.keys())
        .map(|name| {
            let labels: Vec<Value> = template
                .claims_display
                .get(name)
                .into_iter()
                .flat_map(|l| l.iter())
                .map(|(locale, label)| json!({"name": label, "locale": locale}))
                .collect();
            json!({"path": [name], "display": labels})
        })
        .collect();
    json!({
        "format": FORMAT,
        "scope": template.name,
        "vct": template.vct(base),
        "cryptographic_binding_methods_supported": ["jwk", "did:dojang", "did:key", "did:jwk", "did:web"],
        "credential_signing_alg_values_supported": [alg],
        "proof_types_supported": {"jwt": {"proof_signing_alg_values_supported": PROOF_ALGS}},
        "display": display,
        "credential_metadata": {"display": display, "claims": claims},
    })
}

/// `GET /.well-known/oauth-authorization-server`.
pub(crate) async fn authorization_server(State(state): State<Shared>) -> Json<Value> {
    let base = &state.issuer.public_url;
    Json(json!({
        "issuer": base,
        "token_endpoint": format!("{base}/token"),
        "grant_types_supported": [PRE_AUTHORIZED_GRANT],
        "response_types_supported": [],
        "token_endpoint_auth_methods_supported": ["none"],
        "pre-authorized_grant_anonymous_access_supported": true,
    }))
}
