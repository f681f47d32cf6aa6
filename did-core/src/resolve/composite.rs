//! Routing by DID method.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;

use super::{JwkResolver, KeyResolver, Resolution, ResolutionError, ResolutionOptions, Resolver};
use crate::did::Did;
use crate::did::DidUrl;
use crate::document::Relationship;
use crate::key::VerifyingKey;

/// A resolver that hands each DID to the resolver registered for its method.
#[derive(Clone, Default)]
pub struct CompositeResolver {
    methods: BTreeMap<String, Arc<dyn Resolver>>,
}

impl CompositeResolver {
    /// A resolver that knows no method yet.
    pub fn new() -> CompositeResolver {
        CompositeResolver::default()
    }

    /// `did:key`, `did:jwk`, and `did:web` when the `did-web` feature is on.
    pub fn with_default_methods() -> CompositeResolver {
        let resolver = CompositeResolver::new()
            .with("key", Arc::new(KeyResolver))
            .with("jwk", Arc::new(JwkResolver));
        #[cfg(feature = "did-web")]
        let resolver = match super::WebResolver::new() {
            Ok(web) => resolver.with("web", Arc::new(web)),
            // Without a TLS stack there is no did:web; it then reports methodNotSupported.
            Err(_) => resolver,
        };
        resolver
    }

    /// [`CompositeResolver::with_default_methods`], its did:web resolver trusting `anchors` for
    /// HTTPS instead of the platform's verifier.
    #[cfg(feature = "did-web")]
    pub fn with_default_methods_trusting(
        anchors: &crate::http::TrustAnchors,
    ) -> Result<CompositeResolver, super::ResolutionError> {
        let web = super::WebResolver::trusting(anchors)?;
        Ok(CompositeResolver::new()
            .with("key", Arc::new(KeyResolver))
            .with("jwk", Arc::new(JwkResolver))
            .with("web", Arc::new(web)))
    }

    /// Registers (or replaces) the resolver for `method`.
    pub fn with(mut self, method: impl Into<String>, resolver: Arc<dyn Resolver>) -> CompositeResolver {
        self.methods.insert(method.into(), resolver);
        self
    }

    /// The methods this resolver knows, sorted.
    pub fn methods(&self) -> impl Iterator<Item = &str> {
        self.methods.keys().map(String::as_str)
    }
}

impl std::fmt::Debug for CompositeResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompositeResolver")
            .field("methods", &self.methods.keys().collect::<Vec<_>>())
            .finish()
    }
}

#[async_trait]
impl Resolver for CompositeResolver {
    async fn resolve(&self, did: &Did, options: &ResolutionOptions) -> Result<Resolution, ResolutionError> {
        match self.methods.get(did.method()) {
            Some(resolver) => resolver.resolve(did, options).await,
            None => Err(ResolutionError::MethodNotSupported(did.method().to_owned())),
        }
    }

    /// Forwarded to the method's resolver, so its own shortcut (did:key) applies.
    async fn resolve_verifying_key(
        &self,
        method: &DidUrl,
        relationship: Relationship,
    ) -> Result<VerifyingKey, ResolutionError> {
        match self.methods.get(method.method()) {
            Some(resolver) => resolver.resolve_verifying_key(method, relationship).await,
            None => Err(ResolutionError::MethodNotSupported(method.method().to_owned())),
        }
    }
}
