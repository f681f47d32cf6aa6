//! Checking a bundle and answering from it offline.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use did_core::did::Did;
use did_core::document::{Document, Representation};
use did_core::key::VerifyingKey;
use did_core::resolve::{CompositeResolver, JwkResolver, KeyResolver, Resolver};
use did_core::status::{MemoryStatusListSource, StatusListSource};
use registry_anchor::client::RegistryResolver;
use registry_anchor::resolution::ResolutionVerifier;
use registry_anchor::tree_head::{TreeHead, UnverifiedTreeHead};

use super::model::{BundleContent, RegistrySection};
use super::resolver::DocumentsResolver;
use super::{BUNDLE_VERSION, MAX_BUNDLE_LEN, MAX_ENTRIES, jws};
use crate::Error;

fn bad(message: impl Into<String>) -> Error {
    Error::Bundle(super::BundleError::Malformed(message.into()))
}

fn short(text: &str) -> String {
    text.chars().take(128).collect()
}

/// Seconds since the Unix epoch as a time (saturating far in the future).
fn at(seconds: u64) -> SystemTime {
    UNIX_EPOCH
        .checked_add(Duration::from_secs(seconds))
        .unwrap_or(UNIX_EPOCH + Duration::from_secs(u64::from(u32::MAX)))
}

/// Loads trust bundles.
#[derive(Debug, Clone, Copy)]
pub struct TrustBundle;

impl TrustBundle {
    /// Checks a bundle and makes it usable offline.
    ///
    /// The signature is checked against `operator` only (the key configured on the door;
    /// keys or key ids named in the JWS header are ignored), the `typ` must be
    /// [`super::BUNDLE_TYP`], unknown `crit` extensions are refused, and a bundle over
    /// [`MAX_BUNDLE_LEN`] bytes is refused before anything else. When the bundle carries
    /// did:dojang answers, `registry` (the door's registry key, log id and witness policy) is
    /// required and every proof is checked. A bundle past its expiry still loads: see
    /// [`LoadedBundle::is_stale`].
    pub fn load(
        bytes: &[u8],
        operator: &VerifyingKey,
        registry: Option<&ResolutionVerifier>,
    ) -> Result<LoadedBundle, Error> {
        let payload = verified_payload(bytes, operator)?;
        from_payload(payload, registry)
    }

    /// [`TrustBundle::load`] from a file, refusing one over [`MAX_BUNDLE_LEN`] bytes before
    /// reading it.
    pub fn load_file(
        path: &Path,
        operator: &VerifyingKey,
        registry: Option<&ResolutionVerifier>,
    ) -> Result<LoadedBundle, Error> {
        let bytes = crate::files::read_limited_bytes(path, MAX_BUNDLE_LEN)?;
        let payload = verified_payload(&bytes, operator)?;
        drop(bytes); // a large bundle is not held three times over while it is read
        from_payload(payload, registry)
    }
}

/// The payload of a bundle JWS signed by `operator`, refusing one over [`MAX_BUNDLE_LEN`].
fn verified_payload(bytes: &[u8], operator: &VerifyingKey) -> Result<Vec<u8>, Error> {
    if bytes.len() > MAX_BUNDLE_LEN {
        return Err(bad(format!("larger than {MAX_BUNDLE_LEN} bytes")));
    }
    let text = std::str::from_utf8(bytes).map_err(|_| bad("not UTF-8 text"))?;
    jws::verify(text, operator)
}

/// The content of a verified payload (no member named twice at any depth), checked.
fn from_payload(payload: Vec<u8>, registry: Option<&ResolutionVerifier>) -> Result<LoadedBundle, Error> {
    refuse_duplicate_members(&payload)?;
    let content: BundleContent =
        serde_json::from_slice(&payload).map_err(|e| bad(format!("content: {}", short(&e.to_string()))))?;
    drop(payload);
    LoadedBundle::from_content(content, registry)
}

/// A bundle whose signature and proofs checked out, answering offline. Cheap to clone (the
/// resolver and status source are shared).
#[derive(Clone)]
pub struct LoadedBundle {
    content: BundleContent,
    resolver: Arc<CompositeResolver>,
    status_source: Arc<MemoryStatusListSource>,
    status_fetched_at: BTreeMap<String, SystemTime>,
    tree_head: Option<TreeHead>,
    dids: Vec<String>,
}

impl std::fmt::Debug for LoadedBundle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedBundle")
            .field("operator", &self.content.operator)
            .field("issued_at", &self.content.issued_at)
            .field("expires_at", &self.content.expires_at)
            .field("dids", &self.dids.len())
            .field("status_lists", &self.status_fetched_at.len())
            .finish_non_exhaustive()
    }
}

impl LoadedBundle {
    fn from_content(mut content: BundleContent, registry: Option<&ResolutionVerifier>) -> Result<LoadedBundle, Error> {
        if content.version != BUNDLE_VERSION {
            return Err(bad(format!(
                "version {} is not supported (this verifier reads {BUNDLE_VERSION})",
                content.version
            )));
        }
        if content.expires_at < content.issued_at {
            return Err(bad("expires_at is before issued_at"));
        }
        if content.issuers.len() > MAX_ENTRIES
            || content.issuers.values().any(|dids| dids.len() > MAX_ENTRIES)
            || content.documents.len() > MAX_ENTRIES
            || content.status_lists.len() > MAX_ENTRIES
        {
            return Err(bad(format!("more than {MAX_ENTRIES} entries in a map or list")));
        }
        let mut dids = BTreeSet::new();
        let mut composite = CompositeResolver::new()
            .with("key", Arc::new(KeyResolver))
            .with("jwk", Arc::new(JwkResolver));

        let tree_head = match (&content.registry, registry) {
            (None, _) => None,
            (Some(_), None) => {
                return Err(bad(
                    "the bundle carries did:dojang answers, but no registry key is configured to check them",
                ));
            }
            (Some(section), Some(verifier)) => {
                let (dojang, head, held) = import_registry(section, verifier)?;
                composite = composite.with("dojang", Arc::new(dojang));
                dids.extend(held);
                head
            }
        };

        // Documents and status lists move into the resolver and the status source, each
        // freed as it is converted: a door holding 10,000 documents keeps one copy, not two.
        let mut documents = DocumentsResolver::default();
        for (did, value) in std::mem::take(&mut content.documents) {
            let parsed = Did::parse(&did).map_err(|e| bad(format!("documents: {}: {e}", short(&did))))?;
            if matches!(parsed.method(), "key" | "jwk" | "dojang") {
                return Err(bad(format!(
                    "documents: {} is a did:{} DID, which is not carried as a plain document",
                    short(&did),
                    parsed.method()
                )));
            }
            let representation = if value.get("@context").is_some() {
                Representation::JsonLd
            } else {
                Representation::Json
            };
            let document = Document::from_value(value, representation)
                .map_err(|e| bad(format!("documents: {}: {e}", short(&did))))?;
            if document.id != parsed {
                return Err(bad(format!(
                    "documents: the document for {} names another id",
                    short(&did)
                )));
            }
            dids.insert(did);
            documents.insert(document, representation);
        }
        let documents = Arc::new(documents);
        let methods: BTreeSet<String> = documents.methods().map(str::to_owned).collect();
        for method in methods {
            composite = composite.with(method, documents.clone() as Arc<dyn Resolver>);
        }

        let mut source = MemoryStatusListSource::new();
        let mut status_fetched_at = BTreeMap::new();
        for (url, list) in std::mem::take(&mut content.status_lists) {
            let bytes = URL_SAFE_NO_PAD
                .decode(&list.bytes)
                .map_err(|_| bad(format!("status_lists: {}: bytes are not base64url", short(&url))))?;
            status_fetched_at.insert(url.clone(), at(list.fetched_at));
            source.insert(url, bytes);
        }

        Ok(LoadedBundle {
            content,
            resolver: Arc::new(composite),
            status_source: Arc::new(source),
            status_fetched_at,
            tree_head,
            dids: dids.into_iter().collect(),
        })
    }

    /// A resolver answering offline from the bundle: did:key and did:jwk computed locally,
    /// did:dojang from the verified registry answers, other methods from the carried
    /// documents. A DID the bundle does not carry is `notFound` (or `methodNotSupported`).
    pub fn resolver(&self) -> Arc<dyn Resolver> {
        self.resolver.clone()
    }

    /// A status list source answering with the carried lists' bytes (still to be verified by
    /// the caller, as any fetched list).
    pub fn status_source(&self) -> Arc<dyn StatusListSource> {
        self.status_source.clone()
    }

    /// When the list at `url` was fetched, if the bundle carries it.
    pub fn status_fetched_at(&self, url: &str) -> Option<SystemTime> {
        self.status_fetched_at.get(url).copied()
    }

    /// The URLs of the carried status lists, sorted.
    pub fn status_list_urls(&self) -> impl Iterator<Item = &str> {
        self.status_fetched_at.keys().map(String::as_str)
    }

    /// The issuer DIDs trusted for `credential_type` (a VC `type` or an SD-JWT VC `vct`);
    /// empty when the bundle names none.
    pub fn trusted_issuers(&self, credential_type: &str) -> &[String] {
        self.content
            .issuers
            .get(credential_type)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Every credential type with its trusted issuers.
    pub fn issuers(&self) -> &BTreeMap<String, Vec<String>> {
        &self.content.issuers
    }

    /// The DIDs whose documents the bundle carries (did:dojang and other methods), sorted.
    pub fn dids(&self) -> &[String] {
        &self.dids
    }

    /// The operator id the bundle names (informational).
    pub fn operator(&self) -> &str {
        &self.content.operator
    }

    /// When the bundle was made.
    pub fn issued_at(&self) -> SystemTime {
        at(self.content.issued_at)
    }

    /// When the bundle goes stale.
    pub fn expires_at(&self) -> SystemTime {
        at(self.content.expires_at)
    }

    /// Whether the bundle is past its expiry at `now`.
    pub fn is_stale(&self, now: SystemTime) -> bool {
        now >= self.expires_at()
    }

    /// The largest verified registry tree head the bundle's did:dojang answers lead to.
    pub fn tree_head(&self) -> Option<&TreeHead> {
        self.tree_head.as_ref()
    }

    /// The checked content, without its `documents` and `status_lists`: those moved into
    /// [`LoadedBundle::resolver`] and [`LoadedBundle::status_source`] (see
    /// [`LoadedBundle::dids`] and [`LoadedBundle::status_list_urls`]).
    pub fn content(&self) -> &BundleContent {
        &self.content
    }
}

/// Imports the snapshot into an offline did:dojang resolver (every proof checked) and returns
/// it, the largest tree head and the DIDs held.
fn import_registry(
    section: &RegistrySection,
    verifier: &ResolutionVerifier,
) -> Result<(RegistryResolver, Option<TreeHead>, Vec<String>), Error> {
    let snapshot = &section.snapshot;
    if snapshot.resolutions.len() > MAX_ENTRIES {
        return Err(bad(format!("registry: more than {MAX_ENTRIES} answers")));
    }
    // No node: answers come only from the snapshot, and are served however old they are
    // (the bundle's own expiry is what the policy weighs).
    let resolver = RegistryResolver::new(Vec::<String>::new(), verifier.clone())
        .map_err(|e| bad(format!("registry: {e}")))?
        .with_ttl(Duration::MAX)
        .with_offline_grace(Duration::MAX)
        .with_max_entries(MAX_ENTRIES);
    resolver
        .import_snapshot(snapshot)
        .map_err(|e| bad(format!("registry: {e}")))?;
    // Every head was verified by the import: reading them again needs no second check.
    let mut head: Option<TreeHead> = None;
    let mut dids = Vec::with_capacity(snapshot.resolutions.len());
    for resolution in &snapshot.resolutions {
        if let Some(id) = resolution.did_document.get("id").and_then(|id| id.as_str()) {
            dids.push(id.to_owned());
        }
        let parsed = UnverifiedTreeHead::parse(&resolution.tree_head).map_err(|e| bad(format!("registry: {e}")))?;
        if head.as_ref().is_none_or(|held| parsed.head().size > held.size) {
            head = Some(parsed.head().clone());
        }
    }
    Ok((resolver, head, dids))
}

/// Refuses content in which an object names a member twice, at any depth. Serde keeps the last
/// of two members of a map (`issuers`, `documents`, `status_lists`) silently, and another reader
/// (an auditor's tool) may keep the first: the door must not trust a bundle that reads two ways.
fn refuse_duplicate_members(payload: &[u8]) -> Result<(), Error> {
    serde_json::from_slice::<NoDuplicates>(payload)
        .map(|_| ())
        .map_err(|e| bad(format!("content: {}", short(&e.to_string()))))
}

/// Any JSON value whose objects name no member twice.
struct NoDuplicates;

impl<'de> serde::Deserialize<'de> for NoDuplicates {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<NoDuplicates, D::Error> {
        deserializer.deserialize_any(NoDuplicates)
    }
}

impl<'de> serde::de::Visitor<'de> for NoDuplicates {
    type Value = NoDuplicates;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }

    fn visit_i64<E>(self, _: i64) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }

    fn visit_u64<E>(self, _: u64) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }

    fn visit_f64<E>(self, _: f64) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }

    fn visit_str<E>(self, _: &str) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }

    fn visit_unit<E>(self) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<NoDuplicates, A::Error> {
        while seq.next_element::<NoDuplicates>()?.is_some() {}
        Ok(NoDuplicates)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<NoDuplicates, A::Error> {
        let mut seen = BTreeSet::new();
        while let Some(name) = map.next_key::<String>()? {
            if seen.contains(&name) {
                return Err(serde::de::Error::custom(format!(
                    "member {:?} appears twice",
                    short(&name)
                )));
            }
            map.next_value::<NoDuplicates>()?;
            seen.insert(name);
        }
        Ok(NoDuplicates)
    }
}
