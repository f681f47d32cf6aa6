//! Making a bundle.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use did_core::clock::{Clock, SystemClock};
use did_core::did::Did;
use did_core::key::Signer;
use did_core::resolve::{KeyResolver, ResolutionOptions, Resolver};
use did_core::status::StatusListSource;
use registry_anchor::client::RegistryResolver;

use super::model::{BundleContent, BundledStatusList, RegistrySection};
use super::{BUNDLE_VERSION, BundleError, MAX_ENTRIES, jws};
use crate::Error;

fn bad(message: impl Into<String>) -> Error {
    Error::Bundle(BundleError::Malformed(message.into()))
}

/// The default validity of a bundle (24 hours).
pub const DEFAULT_VALIDITY: Duration = Duration::from_secs(24 * 3600);

/// Collects what a door must trust and signs it as a bundle.
///
/// ```no_run
/// # async fn run(signer: std::sync::Arc<dyn did_core::key::Signer>) -> Result<(), verifier::Error> {
/// use std::sync::Arc;
/// use did_core::resolve::CompositeResolver;
/// use did_core::status::HttpStatusListSource;
/// use verifier::bundle::{BundleBuilder, BundleError};
///
/// let status = HttpStatusListSource::new().map_err(|e| BundleError::fetch("status lists", e))?;
/// let bundle = BundleBuilder::new(signer, Arc::new(CompositeResolver::with_default_methods()), Arc::new(status))
///     .issuer("EmployeeIdCredential", "did:web:hr.example")
///     .status_list("https://hr.example/status/1")
///     .build()
///     .await?;
/// # let _ = bundle; Ok(()) }
/// ```
pub struct BundleBuilder {
    signer: Arc<dyn Signer>,
    operator_id: Option<String>,
    valid_for: Duration,
    issuers: BTreeMap<String, Vec<String>>,
    holders: BTreeSet<String>,
    registry: Option<Arc<RegistryResolver>>,
    resolver: Arc<dyn Resolver>,
    status_source: Arc<dyn StatusListSource>,
    status_lists: BTreeSet<String>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for BundleBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BundleBuilder")
            .field("valid_for", &self.valid_for)
            .field("issuers", &self.issuers)
            .field("status_lists", &self.status_lists)
            .finish_non_exhaustive()
    }
}

impl BundleBuilder {
    /// A builder signing with `signer`, resolving non-dojang issuer DIDs with `resolver` and
    /// fetching status lists from `status_source`. Valid for [`DEFAULT_VALIDITY`] from the
    /// system clock's now; no issuer, no registry, no status list yet.
    pub fn new(
        signer: Arc<dyn Signer>,
        resolver: Arc<dyn Resolver>,
        status_source: Arc<dyn StatusListSource>,
    ) -> BundleBuilder {
        BundleBuilder {
            signer,
            operator_id: None,
            valid_for: DEFAULT_VALIDITY,
            issuers: BTreeMap::new(),
            holders: BTreeSet::new(),
            registry: None,
            resolver,
            status_source,
            status_lists: BTreeSet::new(),
            clock: Arc::new(SystemClock),
        }
    }

    /// How long the bundle stays fresh after it is made.
    pub fn valid_for(mut self, validity: Duration) -> BundleBuilder {
        self.valid_for = validity;
        self
    }

    /// Trusts `did` as an issuer of `credential_type` (a VC `type` or SD-JWT VC `vct`).
    pub fn issuer(mut self, credential_type: impl Into<String>, did: impl Into<String>) -> BundleBuilder {
        let dids = self.issuers.entry(credential_type.into()).or_default();
        let did = did.into();
        if !dids.contains(&did) {
            dids.push(did);
        }
        self
    }

    /// Carries the document of `did`, a holder's DID, trusting it for nothing: offline, a
    /// door can then check the key binding of credentials bound to one of its keys
    /// (`cnf.kid`). Without it such a credential is refused offline (`HOLDER_KEY_UNRESOLVED`).
    pub fn holder(mut self, did: impl Into<String>) -> BundleBuilder {
        self.holders.insert(did.into());
        self
    }

    /// Resolves did:dojang issuers and holders with `registry` (every proof checked) and carries its answers.
    pub fn registry(mut self, registry: Arc<RegistryResolver>) -> BundleBuilder {
        self.registry = Some(registry);
        self
    }

    /// Carries the status list published at `url`.
    pub fn status_list(mut self, url: impl Into<String>) -> BundleBuilder {
        self.status_lists.insert(url.into());
        self
    }

    /// Uses `clock` for `issued_at`, `expires_at` and `fetched_at`.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> BundleBuilder {
        self.clock = clock;
        self
    }

    /// The `operator` the bundle names (default: the signer's key id, else its did:key).
    pub fn operator_id(mut self, id: impl Into<String>) -> BundleBuilder {
        self.operator_id = Some(id.into());
        self
    }

    fn now_secs(&self) -> u64 {
        self.clock
            .now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default()
    }

    /// Resolves every issuer DID, fetches every status list, and returns the signed bundle
    /// (a compact JWS). Fails if any DID or list cannot be had: a bundle is all or nothing.
    pub async fn build(&self) -> Result<String, Error> {
        let content = self.content().await?;
        let payload = serde_json::to_vec(&content).map_err(|e| bad(format!("cannot encode the bundle: {e}")))?;
        jws::sign(&payload, self.signer.as_ref()).await
    }

    async fn content(&self) -> Result<BundleContent, Error> {
        if self.issuers.len() > MAX_ENTRIES || self.status_lists.len() > MAX_ENTRIES || self.holders.len() > MAX_ENTRIES
        {
            return Err(BundleError::TooManyEntries { limit: MAX_ENTRIES }.into());
        }
        let issued_at = self.now_secs();
        let expires_at = issued_at.saturating_add(self.valid_for.as_secs());
        let all: BTreeSet<&String> = self.issuers.values().flatten().chain(&self.holders).collect();
        let mut dojang = Vec::new();
        let mut documents = BTreeMap::new();
        for did in all {
            let parsed = Did::parse(did).map_err(|e| BundleError::fetch(format!("DID {did}"), e))?;
            match parsed.method() {
                // Computed from the DID itself on the door.
                "key" | "jwk" => {}
                "dojang" => dojang.push(did.clone()),
                _ => {
                    let resolution = self
                        .resolver
                        .resolve(&parsed, &ResolutionOptions::default())
                        .await
                        .map_err(|e| BundleError::fetch(format!("DID {did}"), e))?;
                    documents.insert(did.clone(), resolution.document.to_value());
                }
            }
        }
        let registry = if dojang.is_empty() {
            None
        } else {
            let resolver = self.registry.as_ref().ok_or_else(|| BundleError::NoRegistry {
                did: dojang.first().cloned().unwrap_or_default(),
            })?;
            let snapshot = resolver
                .export_snapshot(&dojang)
                .await
                .map_err(|e| BundleError::fetch("registry", e))?;
            Some(RegistrySection { snapshot })
        };
        let mut status_lists = BTreeMap::new();
        for url in &self.status_lists {
            let bytes = self
                .status_source
                .fetch(url)
                .await
                .map_err(|e| BundleError::fetch(format!("status list {url}"), e))?;
            status_lists.insert(
                url.clone(),
                BundledStatusList {
                    bytes: URL_SAFE_NO_PAD.encode(bytes),
                    fetched_at: self.now_secs(),
                },
            );
        }
        let operator = match (&self.operator_id, self.signer.key_id()) {
            (Some(id), _) => id.clone(),
            (None, Some(kid)) => kid.to_owned(),
            (None, None) => KeyResolver::key_id_for(self.signer.verifying_key()),
        };
        Ok(BundleContent {
            version: BUNDLE_VERSION,
            issued_at,
            expires_at,
            operator,
            issuers: self.issuers.clone(),
            registry,
            documents,
            status_lists,
        })
    }
}
