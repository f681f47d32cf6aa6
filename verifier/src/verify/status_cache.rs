//! Verified Token Status Lists, kept so that a door checks a list's signature and inflates it
//! once per published version, not once per card.
//!
//! An entry is used only for the exact bytes it was made from, fetched again for every check
//! (from the network or the trust bundle), and only for the issuer that signed them; the
//! token's `exp` is checked against the clock on every use. A source that holds its lists
//! (a trust bundle, an in-memory source) hands out the very allocation the entry keeps, so
//! the common case is a pointer comparison, whatever the list's size.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::UNIX_EPOCH;

use did_core::clock::Clock;
use did_core::status::{DecodeLimits, StatusError, StatusListReference, StatusListToken, TokenStatus, TokenStatusList};

/// How many lists are held at most; a full cache is emptied (lists are few, and refilled on
/// the next check of each).
const MAX_LISTS: usize = 1024;

struct Entry {
    bytes: Arc<[u8]>,
    issuer: String,
    token: StatusListToken,
    list: TokenStatusList,
}

/// Verified, decoded status lists by URL.
#[derive(Default)]
pub struct StatusCache {
    lists: Mutex<HashMap<String, Arc<Entry>>>,
}

impl std::fmt::Debug for StatusCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StatusCache").finish_non_exhaustive()
    }
}

impl StatusCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Entry>>> {
        self.lists.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The status at `reference` if `bytes` are the very bytes of a list already verified for
    /// `issuer`, still unexpired at the clock's time. `None`: verify afresh.
    pub(super) fn lookup(
        &self,
        reference: &StatusListReference,
        bytes: &Arc<[u8]>,
        issuer: &str,
        clock: &dyn Clock,
    ) -> Option<Result<TokenStatus, StatusError>> {
        let entry = self.lock().get(&reference.uri).cloned()?;
        let same_bytes = Arc::ptr_eq(&entry.bytes, bytes) || entry.bytes == *bytes;
        if !same_bytes || entry.issuer != issuer {
            return None;
        }
        let now = clock.now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        if entry.token.exp.is_some_and(|exp| now >= exp) {
            return Some(Err(StatusError::Expired));
        }
        Some(entry.list.get(reference.idx))
    }

    /// Keeps a list verified for `issuer` from `bytes`; answers the status at `reference`.
    pub(super) fn insert(
        &self,
        reference: &StatusListReference,
        bytes: Arc<[u8]>,
        issuer: &str,
        token: StatusListToken,
    ) -> Result<TokenStatus, StatusError> {
        let list = token.status_list.decode(&DecodeLimits::default())?;
        let status = list.get(reference.idx);
        let mut lists = self.lock();
        if lists.len() >= MAX_LISTS {
            lists.clear();
        }
        lists.insert(
            reference.uri.clone(),
            Arc::new(Entry {
                bytes,
                issuer: issuer.to_owned(),
                token,
                list,
            }),
        );
        status
    }
}
