//! DID resolution (W3C DID Resolution): the [`Resolver`] seam and the methods did-core
//! ships: `did:key`, `did:jwk`, `did:web` (feature `did-web`), plus a
//! [`CompositeResolver`] that routes by method and a [`CachingResolver`] with a TTL.
//!
//! `did:dojang` lives in registry-anchor and plugs in through the same trait.
//!
//! ```
//! use did_core::resolve::{CompositeResolver, Resolver};
//! # tokio_test_block_on(async {
//! let resolver = CompositeResolver::with_default_methods();
//! let result = resolver
//!     .resolve_to_result("did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169")
//!     .await;
//! assert!(result.did_resolution_metadata.error.is_none());
//! # });
//! # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
//! #     tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
//! # }
//! ```

mod cache;
mod composite;
mod did_jwk;
mod did_key;
#[cfg(feature = "did-web")]
mod did_web;
mod error;
mod party;
mod result;

use async_trait::async_trait;

pub use cache::CachingResolver;
pub use composite::CompositeResolver;
pub use did_jwk::JwkResolver;
pub use did_key::KeyResolver;
#[cfg(feature = "did-web")]
pub use did_web::{WebResolver, did_web_url};
pub use error::ResolutionError;
pub use party::resolve_party_key;
pub use result::{DocumentMetadata, Resolution, ResolutionMetadata, ResolutionOptions, ResolutionResult};

use crate::did::{Did, DidUrl};
use crate::document::Relationship;
use crate::key::VerifyingKey;

/// The relationships a DID's own signing key is listed under by did:key and did:jwk.
pub(crate) const SIGNING_RELATIONSHIPS: [Relationship; 4] = [
    Relationship::Authentication,
    Relationship::AssertionMethod,
    Relationship::CapabilityInvocation,
    Relationship::CapabilityDelegation,
];

/// Resolves DIDs of one or more methods to their documents.
///
/// One required method; the rest are provided. Object-safe and `Send + Sync`, so
/// resolvers compose as `Arc<dyn Resolver>`.
#[async_trait]
pub trait Resolver: Send + Sync {
    /// Resolves `did`. "Not found", "not supported" and friends are errors whose
    /// [`ResolutionError::code`] is the standard DID Resolution error code.
    async fn resolve(&self, did: &Did, options: &ResolutionOptions) -> Result<Resolution, ResolutionError>;

    /// Parses and resolves a DID string, returning the DID Resolution result structure
    /// (document, resolution metadata with `error` on failure, document metadata).
    async fn resolve_to_result(&self, did: &str) -> ResolutionResult {
        let outcome = match Did::parse(did) {
            Ok(did) => self.resolve(&did, &ResolutionOptions::default()).await,
            Err(e) => Err(ResolutionError::InvalidDid(e)),
        };
        ResolutionResult::from(outcome)
    }

    /// Dereferences a verification method DID URL (`did:…#key-1`) to its public key,
    /// checking that the DID document authorizes it for `relationship`.
    ///
    /// This is what a verifier calls with a JWS `kid`.
    async fn resolve_verifying_key(
        &self,
        method: &DidUrl,
        relationship: Relationship,
    ) -> Result<VerifyingKey, ResolutionError> {
        key_from_document(self, method, relationship).await
    }
}

/// [`Resolver::resolve_verifying_key`] the general way: resolve the document, check the method
/// is listed under `relationship`, read its key. Resolvers that can do better (did:key, whose
/// DID is the key) override the trait method and fall back to this.
///
/// A method missing from the document (or not under `relationship`) is looked for once more
/// in a document resolved past every cache: a cached document may predate the issuer's key
/// rotation, and the credential in hand may be the first signed with the new key.
pub(crate) async fn key_from_document<R: Resolver + ?Sized>(
    resolver: &R,
    method: &DidUrl,
    relationship: Relationship,
) -> Result<VerifyingKey, ResolutionError> {
    match key_in_document(resolver, method, relationship, &ResolutionOptions::default()).await {
        Err(ResolutionError::MethodNotFound(_) | ResolutionError::NotAuthorized { .. }) => {
            let fresh = ResolutionOptions::default().with_no_cache();
            key_in_document(resolver, method, relationship, &fresh).await
        }
        found => found,
    }
}

async fn key_in_document<R: Resolver + ?Sized>(
    resolver: &R,
    method: &DidUrl,
    relationship: Relationship,
    options: &ResolutionOptions,
) -> Result<VerifyingKey, ResolutionError> {
    let resolution = resolver.resolve(&method.did(), options).await?;
    if resolution.document_metadata.deactivated == Some(true) {
        return Err(ResolutionError::Deactivated);
    }
    let document = &resolution.document;
    let vm = document
        .verification_method(method.as_str())
        .ok_or_else(|| ResolutionError::MethodNotFound(method.as_str().to_owned()))?;
    if !document.authorizes(relationship, method.as_str()) {
        return Err(ResolutionError::NotAuthorized {
            method: method.as_str().to_owned(),
            relationship,
        });
    }
    vm.verifying_key().map_err(ResolutionError::InvalidDocument)
}

/// Locks a resolver's map (a cache or the did:key memo). Each of their operations is one
/// lookup, insert, remove or clear, so a panic elsewhere while the lock was held cannot have
/// left the map half-updated: a poisoned lock is safe to reuse.
fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
