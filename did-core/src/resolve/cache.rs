//! A time-to-live cache in front of any resolver.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;

use super::{Resolution, ResolutionError, ResolutionOptions, Resolver, lock};
use crate::clock::{Clock, SystemClock};
use crate::did::{Did, DidUrl};
use crate::document::Relationship;
use crate::key::VerifyingKey;

/// Cache key (DID, requested media type) to (expiry, resolution).
type Entries = HashMap<(String, Option<String>), (SystemTime, Resolution)>;

/// Cache key (verification method, relationship) to (expiry, parsed key).
type Keys = HashMap<(String, Relationship), (SystemTime, VerifyingKey)>;

/// Caches successful resolutions for a fixed time, and the parsed keys verifiers ask for
/// (so a door does not decode the same issuer key for every card). Failures are never
/// cached, so a DID that appears later, or a network that comes back, is seen at once.
pub struct CachingResolver {
    inner: Arc<dyn Resolver>,
    ttl: Duration,
    max_entries: usize,
    clock: Arc<dyn Clock>,
    entries: Mutex<Entries>,
    keys: Mutex<Keys>,
}

impl CachingResolver {
    /// Caches `inner`'s results for `ttl`, holding at most `max_entries` documents.
    pub fn new(inner: Arc<dyn Resolver>, ttl: Duration, max_entries: usize) -> CachingResolver {
        Self::with_clock(inner, ttl, max_entries, Arc::new(SystemClock))
    }

    /// Like [`CachingResolver::new`] with an injected clock.
    pub fn with_clock(
        inner: Arc<dyn Resolver>,
        ttl: Duration,
        max_entries: usize,
        clock: Arc<dyn Clock>,
    ) -> CachingResolver {
        CachingResolver {
            inner,
            ttl,
            max_entries: max_entries.max(1),
            clock,
            entries: Mutex::new(HashMap::new()),
            keys: Mutex::new(HashMap::new()),
        }
    }

    /// How many documents are held, expired ones included.
    pub fn len(&self) -> usize {
        lock(&self.entries).len()
    }

    /// Whether the cache holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops every entry.
    pub fn clear(&self) {
        lock(&self.entries).clear();
        lock(&self.keys).clear();
    }
}

/// The value under `key` if it has not expired at `now`.
fn fresh<K: Eq + std::hash::Hash, V: Clone>(
    map: &Mutex<HashMap<K, (SystemTime, V)>>,
    key: &K,
    now: SystemTime,
) -> Option<V> {
    match lock(map).get(key) {
        Some((expires, value)) if now < *expires => Some(value.clone()),
        _ => None,
    }
}

/// Inserts `value` until `expires`, first dropping expired entries and then the one closest to
/// expiry when `max_entries` are held.
fn insert_bounded<K: Eq + std::hash::Hash + Clone, V>(
    map: &Mutex<HashMap<K, (SystemTime, V)>>,
    key: K,
    value: V,
    now: SystemTime,
    expires: SystemTime,
    max_entries: usize,
) {
    let mut entries = lock(map);
    if entries.len() >= max_entries && !entries.contains_key(&key) {
        entries.retain(|_, (expires, _)| now < *expires);
        if entries.len() >= max_entries {
            let oldest = entries
                .iter()
                .min_by_key(|(_, (expires, _))| *expires)
                .map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                entries.remove(&oldest);
            }
        }
    }
    entries.insert(key, (expires, value));
}

#[async_trait]
impl Resolver for CachingResolver {
    async fn resolve(&self, did: &Did, options: &ResolutionOptions) -> Result<Resolution, ResolutionError> {
        let key = (did.as_str().to_owned(), options.accept.clone());
        let now = self.clock.now();
        if !options.no_cache
            && let Some(resolution) = fresh(&self.entries, &key, now)
        {
            return Ok(resolution);
        }
        let resolution = self.inner.resolve(did, options).await?;
        insert_bounded(
            &self.entries,
            key,
            resolution.clone(),
            now,
            now + self.ttl,
            self.max_entries,
        );
        Ok(resolution)
    }

    /// Parsed keys are cached for the same time as documents; a miss asks the inner
    /// resolver, so its own shortcut (did:key) applies.
    async fn resolve_verifying_key(
        &self,
        method: &DidUrl,
        relationship: Relationship,
    ) -> Result<VerifyingKey, ResolutionError> {
        let key = (method.as_str().to_owned(), relationship);
        let now = self.clock.now();
        if let Some(found) = fresh(&self.keys, &key, now) {
            return Ok(found);
        }
        let found = self.inner.resolve_verifying_key(method, relationship).await?;
        insert_bounded(&self.keys, key, found.clone(), now, now + self.ttl, self.max_entries);
        Ok(found)
    }
}
