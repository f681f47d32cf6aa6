//! A time-to-live cache in front of any resolver.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;

use super::{Resolution, ResolutionError, ResolutionOptions, Resolver};
use crate::clock::{Clock, SystemClock};
use crate::did::Did;

/// Cache key (DID, requested media type) to (expiry, resolution).
type Entries = HashMap<(String, Option<String>), (SystemTime, Resolution)>;

/// Caches successful resolutions for a fixed time. Failures are never cached, so a
/// DID that appears later, or a network that comes back, is seen at once.
pub struct CachingResolver {
    inner: Arc<dyn Resolver>,
    ttl: Duration,
    max_entries: usize,
    clock: Arc<dyn Clock>,
    entries: Mutex<Entries>,
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
        }
    }

    /// How many entries are held, expired ones included.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether the cache holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops every entry.
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        // A panic while holding the lock cannot leave the map half-updated (each
        // operation is a single insert/remove), so a poisoned lock is safe to reuse.
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[async_trait]
impl Resolver for CachingResolver {
    async fn resolve(&self, did: &Did, options: &ResolutionOptions) -> Result<Resolution, ResolutionError> {
        let key = (did.as_str().to_owned(), options.accept.clone());
        let now = self.clock.now();
        if !options.no_cache {
            if let Some((expires, resolution)) = self.lock().get(&key) {
                if now < *expires {
                    return Ok(resolution.clone());
                }
            }
        }
        let resolution = self.inner.resolve(did, options).await?;
        let mut entries = self.lock();
        if entries.len() >= self.max_entries && !entries.contains_key(&key) {
            entries.retain(|_, (expires, _)| now < *expires);
            if entries.len() >= self.max_entries {
                let oldest = entries
                    .iter()
                    .min_by_key(|(_, (expires, _))| *expires)
                    .map(|(k, _)| k.clone());
                if let Some(oldest) = oldest {
                    entries.remove(&oldest);
                }
            }
        }
        entries.insert(key, (now + self.ttl, resolution.clone()));
        Ok(resolution)
    }
}
