//! Single-use nonces the verifier hands out, so a presentation is accepted once and only for
//! the request it answers: a replayed screenshot finds its nonce spent.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::reason::ReasonCode;

/// How many live nonces a store holds at most; issuing beyond it first drops expired ones,
/// then the oldest (a flood of requests cannot grow memory without bound).
pub const DEFAULT_CAPACITY: usize = 100_000;

/// Nonces issued and not yet used, each with its expiry.
#[derive(Debug)]
pub struct NonceStore {
    live: Mutex<HashMap<String, SystemTime>>,
    capacity: usize,
}

impl Default for NonceStore {
    fn default() -> Self {
        NonceStore::new(DEFAULT_CAPACITY)
    }
}

impl NonceStore {
    /// An empty store holding at most `capacity` live nonces.
    pub fn new(capacity: usize) -> NonceStore {
        NonceStore {
            live: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, SystemTime>> {
        self.live.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Issues a fresh nonce (128 random bits, base64url) valid for `ttl` from `now`.
    pub fn issue(&self, now: SystemTime, ttl: Duration) -> String {
        let mut bytes = [0u8; 16];
        // The system RNG failing is not something a door can recover from; fall back to a
        // nonce that is still unique (time + counter) rather than panic.
        if rand_core::RngCore::try_fill_bytes(&mut rand_core::OsRng, &mut bytes).is_err() {
            let nanos = now
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos();
            bytes = nanos.to_le_bytes();
        }
        let nonce = URL_SAFE_NO_PAD.encode(bytes);
        self.insert(nonce.clone(), now, ttl);
        nonce
    }

    /// Registers a nonce made elsewhere (e.g. an OpenID4VP request's), valid for `ttl`.
    pub fn insert(&self, nonce: String, now: SystemTime, ttl: Duration) {
        let mut live = self.lock();
        if live.len() >= self.capacity {
            live.retain(|_, expiry| *expiry > now);
        }
        if live.len() >= self.capacity
            && let Some(oldest) = live.iter().min_by_key(|(_, expiry)| **expiry).map(|(n, _)| n.clone())
        {
            live.remove(&oldest);
        }
        live.insert(nonce, now + ttl);
    }

    /// Whether `nonce` is live at `now`, without using it: `NONCE_UNKNOWN` for one never
    /// issued, `NONCE_REPLAYED` for one already used, `NONCE_EXPIRED` past its time.
    pub fn check(&self, nonce: &str, now: SystemTime) -> Result<(), ReasonCode> {
        match self.lock().get(nonce) {
            None => Err(ReasonCode::NonceUnknown),
            Some(expiry) if *expiry == SPENT => Err(ReasonCode::NonceReplayed),
            Some(expiry) if *expiry <= now => Err(ReasonCode::NonceExpired),
            Some(_) => Ok(()),
        }
    }

    /// Uses `nonce`: succeeds once; a second use is `NONCE_REPLAYED`. Spent nonces are kept
    /// (until capacity pushes them out, spent ones first) so a replay is named as such.
    pub fn consume(&self, nonce: &str, now: SystemTime) -> Result<(), ReasonCode> {
        let mut live = self.lock();
        match live.get(nonce).copied() {
            None => Err(ReasonCode::NonceUnknown),
            Some(expiry) if expiry == SPENT => Err(ReasonCode::NonceReplayed),
            Some(expiry) if expiry <= now => {
                live.remove(nonce);
                Err(ReasonCode::NonceExpired)
            }
            Some(_) => {
                live.insert(nonce.to_owned(), SPENT);
                Ok(())
            }
        }
    }

    /// Forgets `nonce` unless it was spent (a spent one stays, so a replay is still told
    /// apart): for a request dropped before any answer.
    pub fn discard(&self, nonce: &str) {
        let mut live = self.lock();
        if live.get(nonce).is_some_and(|expiry| *expiry != SPENT) {
            live.remove(nonce);
        }
    }

    /// How many nonces are held (live or spent).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether none are held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The expiry recorded for a spent nonce: the epoch, so the capacity sweep drops spent nonces
/// first, and any lookup tells them from live ones.
const SPENT: SystemTime = SystemTime::UNIX_EPOCH;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn a_nonce_is_used_once() {
        let store = NonceStore::default();
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let nonce = store.issue(now, Duration::from_secs(60));
        assert_eq!(nonce.len(), 22);
        assert_eq!(store.check(&nonce, now), Ok(()));
        assert_eq!(store.consume(&nonce, now), Ok(()));
        assert_eq!(store.consume(&nonce, now), Err(ReasonCode::NonceReplayed));
        assert_eq!(store.check(&nonce, now), Err(ReasonCode::NonceReplayed));
        assert_eq!(store.consume("made-up", now), Err(ReasonCode::NonceUnknown));
        let late = store.issue(now, Duration::from_secs(60));
        assert_eq!(
            store.consume(&late, now + Duration::from_secs(61)),
            Err(ReasonCode::NonceExpired)
        );
    }

    #[test]
    fn capacity_bounds_memory() {
        let store = NonceStore::new(3);
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let first = store.issue(now, Duration::from_secs(10));
        for i in 0..10 {
            store.issue(now + Duration::from_secs(i), Duration::from_secs(60));
        }
        assert!(store.len() <= 3);
        assert_eq!(store.check(&first, now), Err(ReasonCode::NonceUnknown));
    }
}
