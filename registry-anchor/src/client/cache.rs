//! What a [`RegistryResolver`](super::RegistryResolver) remembers: verified answers per DID and
//! the largest tree head it has accepted online.

use std::collections::HashMap;
use std::time::SystemTime;

use crate::resolution::VerifiedResolution;
use crate::tree_head::TreeHead;

/// A verified answer and when it was fetched (or imported).
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) fetched: SystemTime,
    pub(crate) verified: VerifiedResolution,
}

impl Entry {
    /// The size of the tree head this answer was proven against.
    pub(crate) fn size(&self) -> u64 {
        self.verified.tree_head().head().size
    }
}

/// The resolver's memory, behind one lock.
#[derive(Debug, Default)]
pub(crate) struct Cache {
    pub(crate) entries: HashMap<String, Entry>,
    /// The largest head accepted from a node; later heads must prove they extend it.
    pub(crate) seen: Option<TreeHead>,
}

impl Cache {
    /// Keeps `entry` unless a verified answer from a larger tree is held already.
    pub(crate) fn keep(&mut self, did: &str, entry: Entry, max_entries: usize) {
        if self.entries.get(did).is_some_and(|held| held.size() > entry.size()) {
            return;
        }
        if self.entries.len() >= max_entries && !self.entries.contains_key(did) {
            // Evict the oldest fetch; a door's snapshot is sized to fit.
            if let Some(oldest) = self
                .entries
                .iter()
                .min_by_key(|(_, e)| e.fetched)
                .map(|(did, _)| did.clone())
            {
                self.entries.remove(&oldest);
            }
        }
        self.entries.insert(did.to_owned(), entry);
    }
}
