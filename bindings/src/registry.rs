//! Which did:dojang registry to trust.

use registry_anchor::client::RegistryResolver;
use registry_anchor::resolution::{ResolutionVerifier, default_log_id, parse_registry_key};

use crate::DojangError;

/// A did:dojang registry: where to ask, and whose signature its answers must carry.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct RegistryConfig {
    /// The registry node (or mirror) URL, e.g. `https://registry.province.example`.
    pub url: String,
    /// The registry operator's public key: a `did:key`, a Multikey or a public JWK.
    pub operator_key: String,
    /// The log ID, when it is not the default one derived from the operator key.
    #[uniffi(default = None)]
    pub log_id: Option<String>,
}

impl RegistryConfig {
    /// What the registry's answers are checked against.
    pub(crate) fn verifier(&self) -> Result<ResolutionVerifier, DojangError> {
        let operator = parse_registry_key(&self.operator_key)
            .map_err(|e| DojangError::invalid("registry.operator_key", e.to_string()))?;
        let log_id = self.log_id.clone().unwrap_or_else(|| default_log_id(&operator));
        Ok(ResolutionVerifier::new(operator, log_id))
    }

    /// A did:dojang resolver checking every answer's proofs, reaching the registry trusting
    /// `anchors` for HTTPS.
    pub(crate) fn resolver(&self, anchors: &did_core::http::TrustAnchors) -> Result<RegistryResolver, DojangError> {
        RegistryResolver::trusting([self.url.as_str()], self.verifier()?, anchors)
            .map_err(|e| DojangError::invalid("registry.url", e.to_string()))
    }
}
