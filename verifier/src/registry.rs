//! did:dojang on the command line: which registry to ask, which key to trust, and offline
//! snapshots.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use did_core::resolve::CompositeResolver;
use registry_anchor::client::{MAX_SNAPSHOT_LEN, RegistryResolver, Snapshot, read_registry_key};
use registry_anchor::resolution::{ResolutionVerifier, default_log_id};
use registry_anchor::tree_head::WitnessPolicy;

/// Where did:dojang DIDs are resolved and what their answers are checked against.
#[derive(Debug, Clone, Default, Args)]
pub struct RegistryArgs {
    /// A did:dojang registry node or mirror URL (repeatable; tried in order).
    #[arg(long = "registry")]
    pub registries: Vec<String>,
    /// The registry operator's public key (did:key, Multikey, public JWK, or a file holding
    /// one). Every answer's signature and proofs are checked against it.
    #[arg(long)]
    pub registry_key: Option<String>,
    /// The log id tree heads must name (default: the registry key's did:key).
    #[arg(long)]
    pub registry_log_id: Option<String>,
    /// A witness's public key (repeatable; did:key, Multikey, public JWK, or a file).
    #[arg(long = "witness-key")]
    pub witness_keys: Vec<String>,
    /// How many of the `--witness-key` witnesses must have co-signed a tree head (default: all).
    #[arg(long)]
    pub witness_threshold: Option<usize>,
    /// An offline snapshot (from `verifier registry-snapshot`) to resolve from without network;
    /// it is verified on import.
    #[arg(long)]
    pub registry_snapshot: Option<PathBuf>,
}

impl RegistryArgs {
    /// The did:dojang resolver these arguments describe, or `None` when no key was given.
    pub fn resolver(&self) -> Result<Option<RegistryResolver>, String> {
        let Some(key) = &self.registry_key else {
            if !self.registries.is_empty() || self.registry_snapshot.is_some() {
                return Err("--registry and --registry-snapshot need --registry-key".into());
            }
            return Ok(None);
        };
        let operator = read_registry_key(key).map_err(|e| format!("--registry-key: {e}"))?;
        let log_id = self
            .registry_log_id
            .clone()
            .unwrap_or_else(|| default_log_id(&operator));
        let mut verifier = ResolutionVerifier::new(operator, log_id);
        if !self.witness_keys.is_empty() {
            let keys = self
                .witness_keys
                .iter()
                .map(|key| read_registry_key(key).map_err(|e| format!("--witness-key: {e}")))
                .collect::<Result<Vec<_>, _>>()?;
            let threshold = self.witness_threshold.unwrap_or(keys.len());
            let policy = WitnessPolicy::new(keys, threshold).map_err(|e| format!("--witness-threshold: {e}"))?;
            verifier = verifier.with_witnesses(policy);
        }
        let resolver = RegistryResolver::new(self.registries.clone(), verifier).map_err(|e| e.to_string())?;
        if let Some(path) = &self.registry_snapshot {
            let snapshot = read_snapshot(path)?;
            resolver
                .import_snapshot(&snapshot)
                .map_err(|e| format!("{}: {e}", path.display()))?;
        }
        Ok(Some(resolver))
    }

    /// did-core's default methods, plus did:dojang when a registry key was given.
    pub fn composite(&self) -> Result<CompositeResolver, String> {
        let composite = CompositeResolver::with_default_methods();
        Ok(match self.resolver()? {
            Some(dojang) => composite.with("dojang", Arc::new(dojang)),
            None => composite,
        })
    }
}

fn read_snapshot(path: &PathBuf) -> Result<Snapshot, String> {
    let len = std::fs::metadata(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .len();
    if len > MAX_SNAPSHOT_LEN as u64 {
        return Err(format!("{} is larger than {MAX_SNAPSHOT_LEN} bytes", path.display()));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Snapshot::from_json(&bytes).map_err(|e| format!("{}: {e}", path.display()))
}
