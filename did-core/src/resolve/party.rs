//! Finding the key an issuer or holder signed with, and checking that they control it.

use crate::did::{Did, DidUrl};
use crate::document::Relationship;
use crate::key::VerifyingKey;
use crate::text::truncated;

use super::{ResolutionError, ResolutionOptions, Resolver};

/// Resolves the key `party` (an issuer or holder DID) signed with. Every securing format
/// (VC-JOSE, VC 1.1 JWT, SD-JWT, status list tokens) finds its signer's key through here.
///
/// `kid` is the JWS `kid` (or a proof's `verificationMethod`): a DID URL, or a fragment
/// (`#key-1`) relative to `party`. Its DID must be `party`'s, and `party`'s DID document must
/// list the method under `relationship` (`assertionMethod` for issuers, `authentication` for
/// holders). Without a `kid`, `party`'s document must have exactly one method for
/// `relationship` (as did:key and did:jwk documents do). Returns the key and the method's
/// absolute DID URL.
pub async fn resolve_party_key(
    resolver: &dyn Resolver,
    party: &str,
    kid: Option<&str>,
    relationship: Relationship,
) -> Result<(VerifyingKey, DidUrl), ResolutionError> {
    let not_controlled = || ResolutionError::KeyNotControlled {
        kid: kid.map(truncated),
        party: truncated(party),
    };
    let did = Did::parse(party).map_err(|_| not_controlled())?;
    let method = match kid {
        Some(kid) if kid.starts_with('#') => DidUrl::resolve_relative(&did, kid).map_err(|_| not_controlled())?,
        Some(kid) => DidUrl::parse(kid).map_err(|_| not_controlled())?,
        None => only_method(resolver, &did, relationship).await?,
    };
    if method.did_str() != did.as_str() {
        return Err(not_controlled());
    }
    let key = resolver.resolve_verifying_key(&method, relationship).await?;
    Ok((key, method))
}

/// The one method `did`'s document lists under `relationship`.
async fn only_method(
    resolver: &dyn Resolver,
    did: &Did,
    relationship: Relationship,
) -> Result<DidUrl, ResolutionError> {
    let resolution = resolver.resolve(did, &ResolutionOptions::default()).await?;
    let document = &resolution.document;
    let ids: Vec<String> = document
        .methods_for(relationship)
        .filter_map(Result::ok)
        .map(|method| method.id.clone())
        .collect();
    match ids.as_slice() {
        [only] if only.starts_with('#') => DidUrl::resolve_relative(did, only).map_err(ResolutionError::InvalidDid),
        [only] => DidUrl::parse(only).map_err(ResolutionError::InvalidDid),
        _ => Err(ResolutionError::KeyNotControlled {
            kid: None,
            party: truncated(did.as_str()),
        }),
    }
}
