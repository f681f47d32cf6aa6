//! X.509 issuer trust for a decision: the issuer's signing key certified by a chain to one of
//! the door's roots, found in the credential's JWS header (`x5c`) or in the issuer's DID
//! document (`publicKeyJwk.x5c` of the signing method).

use std::time::SystemTime;

use did_core::did::DidUrl;
use did_core::jose;
use did_core::resolve::Resolver;

use crate::x509::{self, TrustAnchors, X509Failure};

/// The issuer-signed JWT of `input`: the whole compact JWT, or an SD-JWT's first part.
fn issuer_jwt(input: &str) -> Option<&str> {
    let input = input.trim();
    if input.starts_with('{') {
        return None;
    }
    input.split('~').next()
}

/// Checks the chain certifying the key that signed `input`'s issuer JWT. `None` when there is
/// no chain to check (no `x5c` anywhere, or not a JWT), `Some(Err)` when a chain is there but
/// does not certify the key.
pub(super) async fn certify(
    input: &str,
    resolver: &dyn Resolver,
    anchors: &TrustAnchors,
    now: SystemTime,
) -> Option<Result<(), X509Failure>> {
    let decoded = jose::decode(issuer_jwt(input)?).ok()?;
    let header = decoded.header();
    // A presentation's header is the holder's, not the issuer's.
    let presentation = header
        .typ
        .as_deref()
        .is_some_and(|t| t.eq_ignore_ascii_case(did_core::vc::jwt::TYP_VP))
        || serde_json::from_slice::<serde_json::Value>(decoded.payload()).is_ok_and(|p| p.get("vp").is_some());
    if presentation {
        return None;
    }
    let jwt = issuer_jwt(input)?;
    let kid = header.kid.as_deref().and_then(|kid| DidUrl::parse(kid).ok());
    let chain = match x509::x5c_from_header(header) {
        Ok(Some(chain)) => chain,
        Ok(None) => match &kid {
            Some(kid) => from_document(resolver, kid).await?,
            None => return None,
        },
        Err(failure) => return Some(Err(failure)),
    };
    // The certified key must itself verify this very JWT: no second lookup of the issuer's
    // key (whose answer could differ from the one the signature was checked with) is trusted.
    Some(x509::verify_chain(&chain, anchors, now).and_then(|certified| {
        jose::verify(jwt, &certified, &jose::VerifyOptions::default())
            .map(|_| ())
            .map_err(|_| {
                X509Failure::new(
                    crate::reason::ReasonCode::X509KeyMismatch,
                    "the certified key did not sign the credential",
                )
            })
    }))
}

/// The `x5c` of the verification method `kid` in its DID document, if any.
async fn from_document(resolver: &dyn Resolver, kid: &DidUrl) -> Option<Vec<Vec<u8>>> {
    let resolution = resolver
        .resolve(&kid.did(), &did_core::resolve::ResolutionOptions::default())
        .await
        .ok()?;
    let document = serde_json::to_value(&resolution.document).ok()?;
    let fragment = kid.fragment()?;
    let methods = document.get("verificationMethod")?.as_array()?;
    let method = methods.iter().find(|m| {
        m.get("id")
            .and_then(serde_json::Value::as_str)
            .is_some_and(|id| id.ends_with(&format!("#{fragment}")))
    })?;
    x509::x5c_from_jwk(method.get("publicKeyJwk")?).ok().flatten()
}
