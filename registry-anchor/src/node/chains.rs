//! Chain validation against the log: each DID's state, cached, or replayed from the store.
//!
//! The writer checks submissions with it before they enter the log, and a mirror checks every
//! entry it copies from upstream the same way.

use std::collections::HashMap;

use super::NodeError;
use super::registry::Shared;
use crate::operation::{DidState, Operation};

/// Cached chain states are dropped wholesale beyond this many DIDs (they are rebuilt from the
/// store on demand), so memory stays bounded for a log of millions of DIDs.
const MAX_CACHED_STATES: usize = 100_000;

/// The committed chain states a writer (or mirror) has seen, plus those of a batch in progress.
#[derive(Default)]
pub(crate) struct Chains {
    committed: HashMap<String, DidState>,
    pending: HashMap<String, DidState>,
}

impl Chains {
    /// The DID's current state: this batch's, the cache's, or replayed from the store.
    fn state(&self, shared: &Shared, did: &str) -> Result<Option<DidState>, NodeError> {
        if let Some(state) = self.pending.get(did).or_else(|| self.committed.get(did)) {
            return Ok(Some(state.clone()));
        }
        let indexes = shared.store.did_entries(did)?;
        if indexes.is_empty() {
            return Ok(None);
        }
        let (_, state) = shared.replay(&indexes)?;
        Ok(Some(state))
    }

    /// Checks that `operation` continues its DID's chain (counting earlier operations of the
    /// batch in progress) and records the new state as pending.
    pub(crate) fn check(&mut self, shared: &Shared, operation: &Operation) -> Result<(), NodeError> {
        let did = operation.did().as_str();
        let next = match self.state(shared, did)? {
            None => DidState::create(operation)?,
            Some(state) => state.apply(operation)?,
        };
        self.pending.insert(did.to_owned(), next);
        Ok(())
    }

    /// The batch in progress is durable: its states become the committed ones.
    pub(crate) fn commit(&mut self) {
        if self.committed.len() + self.pending.len() > MAX_CACHED_STATES {
            self.committed.clear();
        }
        self.committed.extend(self.pending.drain());
    }

    /// The batch in progress was not written: forget its states.
    pub(crate) fn abandon(&mut self) {
        self.pending.clear();
    }
}
