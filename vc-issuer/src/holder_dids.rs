//! Resolving holders' DIDs: a wallet's key proof may name its key as a DID URL (`kid`)
//! instead of giving it (`jwk`), and the credential is then bound to that DID key
//! (`cnf.kid`), so that it follows the DID's key rotations.
//!
//! did:key, did:jwk and did:web resolve as everywhere; did:dojang through the issuer's
//! registry: the in-process one read directly, or the node at `registry.url`, never from a
//! cache. Every did:dojang answer is checked against the registry's operator key.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use did_core::did::Did;
use did_core::resolve::{CompositeResolver, Resolution, ResolutionError, ResolutionOptions, Resolver, WebResolver};
use registry_anchor::client::RegistryResolver;
use registry_anchor::node::{NodeError, Registry};
use registry_anchor::resolution::{ResolutionVerifier, default_log_id, parse_registry_key};

use crate::Error;
use crate::config::Config;

/// The resolver for holders' DIDs. `registry`: the in-process registry, if the service runs
/// one; `registry_key`: its operator key (or the remote registry's), as configured.
pub fn resolver(
    config: &Config,
    registry: Option<Arc<Registry>>,
    registry_key: Option<&str>,
) -> Result<Arc<dyn Resolver>, Error> {
    // A holder's did:web is a URL the wallet chose: fetched from public addresses only,
    // unless the operator says the wallets live on a private network.
    let web = if config.holders.did_web_private_addresses {
        WebResolver::new()
    } else {
        WebResolver::public_only()
    }
    .map_err(|e| Error::config("holders", e.to_string()))?;
    let resolver = CompositeResolver::with_default_methods().with("web", Arc::new(web));
    let Some(key) = registry_key else {
        return Ok(Arc::new(resolver));
    };
    let operator = parse_registry_key(key).map_err(|e| Error::config("registry.key", e.to_string()))?;
    let verifier = ResolutionVerifier::new(operator.clone(), default_log_id(&operator));
    let dojang: Arc<dyn Resolver> = match (registry, &config.registry.url) {
        (Some(registry), _) => Arc::new(InProcess { registry, verifier }),
        // Asked afresh every time, even when the node is down: a proof is checked against the
        // DID's key of now, never one a rotation (after a lost phone) has replaced.
        (None, Some(url)) => Arc::new(
            RegistryResolver::new([url.as_str()], verifier)
                .map_err(|e| Error::config("registry.url", e.to_string()))?
                .with_ttl(Duration::ZERO)
                .with_offline_grace(Duration::ZERO),
        ),
        (None, None) => return Ok(Arc::new(resolver)),
    };
    Ok(Arc::new(resolver.with("dojang", dojang)))
}

/// did:dojang from the registry in this process, its answers checked like any node's.
struct InProcess {
    registry: Arc<Registry>,
    verifier: ResolutionVerifier,
}

#[async_trait]
impl Resolver for InProcess {
    async fn resolve(&self, did: &Did, options: &ResolutionOptions) -> Result<Resolution, ResolutionError> {
        options.representation()?;
        let registry = self.registry.clone();
        let name = did.as_str().to_owned();
        // The store read and the proof computation block: off the async workers.
        let answer = tokio::task::spawn_blocking(move || registry.resolve(&name))
            .await
            .map_err(|e| ResolutionError::Transport(format!("the registry task failed: {e}")))?
            .map_err(|e| match e {
                NodeError::NotFound => ResolutionError::NotFound,
                other => ResolutionError::Transport(other.to_string()),
            })?;
        let verified = self
            .verifier
            .verify(did.as_str(), answer)
            .map_err(|e| ResolutionError::InvalidProof(e.to_string()))?;
        verified.to_resolution(options)
    }
}
