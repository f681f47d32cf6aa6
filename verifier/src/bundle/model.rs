//! The signed content of a trust bundle (the JWS payload).

use std::collections::BTreeMap;

use registry_anchor::client::Snapshot;
use serde::{Deserialize, Serialize};

/// What the operator signs: version 1 of the trust bundle content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleContent {
    /// Always [`super::BUNDLE_VERSION`].
    pub version: u32,
    /// When the bundle was made (seconds since the Unix epoch).
    pub issued_at: u64,
    /// After this time (seconds since the Unix epoch) the bundle is stale.
    pub expires_at: u64,
    /// The signer's key id or DID (informational: never used to pick the verification key).
    pub operator: String,
    /// Trusted issuer DIDs per credential type (VC `type` or SD-JWT VC `vct`).
    #[serde(default)]
    pub issuers: BTreeMap<String, Vec<String>>,
    /// The did:dojang issuers' answers with their proofs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry: Option<RegistrySection>,
    /// DID documents of issuer DIDs of other methods (did:web, ...), keyed by DID.
    #[serde(default)]
    pub documents: BTreeMap<String, serde_json::Value>,
    /// Status lists, keyed by URL.
    #[serde(default)]
    pub status_lists: BTreeMap<String, BundledStatusList>,
}

/// The registry part of a bundle: a registry-anchor offline snapshot, re-verified on load
/// against the registry key configured on the door.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistrySection {
    /// The did:dojang answers, exactly as the registry sent them.
    pub snapshot: Snapshot,
}

/// One status list as published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundledStatusList {
    /// The exact bytes served at the URL (a Token Status List JWT or a Bitstring Status List
    /// credential), unpadded base64url.
    pub bytes: String,
    /// When they were fetched (seconds since the Unix epoch).
    pub fetched_at: u64,
}
