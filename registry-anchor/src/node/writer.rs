//! The single writer: collects submissions into batches, validates them against each DID's
//! chain, appends them durably with one signed tree head per batch, then acknowledges.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use did_core::key::SigningKey;
use tokio::sync::{mpsc, oneshot};

use super::NodeError;
use super::registry::{Receipt, Shared, poisoned};
use crate::merkle::{self, Hash};
use crate::operation::{DidState, Operation};
use crate::resolution::TreeHeadView;
use crate::store::Appended;
use crate::tree_head::{SignedTreeHead, TreeHead};

/// Cached chain states are dropped wholesale beyond this many DIDs (they are rebuilt from the
/// store on demand), so memory stays bounded for a log of millions of DIDs.
const MAX_CACHED_STATES: usize = 100_000;

pub(crate) struct Submission {
    pub(crate) operation: Operation,
    pub(crate) reply: oneshot::Sender<Result<Receipt, NodeError>>,
}

pub(crate) struct Writer {
    pub(crate) shared: Arc<Shared>,
    pub(crate) key: SigningKey,
    pub(crate) log_id: String,
    pub(crate) batch_max: usize,
    pub(crate) batch_interval: Duration,
    pub(crate) queue: mpsc::Receiver<Submission>,
    pub(crate) states: HashMap<String, DidState>,
}

/// Signs the tree head of `size` leaves with root `root`, timestamped now.
pub(crate) fn sign_head(key: &SigningKey, log_id: &str, size: u64, root: Hash) -> Result<String, NodeError> {
    let timestamp_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or_default();
    let head = TreeHead::new(log_id, size, root, timestamp_ms);
    Ok(SignedTreeHead::sign(head, key)?.as_compact().to_owned())
}

impl Writer {
    pub(crate) async fn run(mut self) {
        while let Some(first) = self.queue.recv().await {
            let mut batch = vec![first];
            let deadline = tokio::time::Instant::now() + self.batch_interval;
            while batch.len() < self.batch_max {
                match tokio::time::timeout_at(deadline, self.queue.recv()).await {
                    Ok(Some(next)) => batch.push(next),
                    Ok(None) | Err(_) => break,
                }
            }
            self.write_batch(batch);
        }
    }

    /// The DID's current state: from this writer's cache, or replayed from the store.
    fn state(&mut self, did: &str) -> Result<Option<DidState>, NodeError> {
        if let Some(state) = self.states.get(did) {
            return Ok(Some(state.clone()));
        }
        let indexes = self.shared.store.did_entries(did)?;
        if indexes.is_empty() {
            return Ok(None);
        }
        let (_, state) = self.shared.replay(&indexes)?;
        Ok(Some(state))
    }

    fn write_batch(&mut self, batch: Vec<Submission>) {
        let failed = self
            .shared
            .failed
            .lock()
            .map(|f| f.clone())
            .unwrap_or_else(|_| Some("poisoned".into()));
        if let Some(reason) = failed {
            for submission in batch {
                let _ = submission.reply.send(Err(NodeError::Unavailable(reason.clone())));
            }
            return;
        }
        // Validate against the chains, including earlier operations of this same batch.
        let mut batch_states: HashMap<String, DidState> = HashMap::new();
        let mut accepted: Vec<(Submission, DidState)> = Vec::with_capacity(batch.len());
        for submission in batch {
            let did = submission.operation.did().as_str().to_owned();
            let current = match batch_states.get(&did) {
                Some(state) => Ok(Some(state.clone())),
                None => self.state(&did),
            };
            let next = current.and_then(|current| match current {
                None => DidState::create(&submission.operation).map_err(NodeError::from),
                Some(state) => state.apply(&submission.operation).map_err(NodeError::from),
            });
            match next {
                Ok(state) => {
                    batch_states.insert(did, state.clone());
                    accepted.push((submission, state));
                }
                Err(e) => {
                    let _ = submission.reply.send(Err(e));
                }
            }
        }
        if accepted.is_empty() {
            return;
        }
        match self.commit(&accepted) {
            Ok(receipts) => {
                if self.states.len() + batch_states.len() > MAX_CACHED_STATES {
                    self.states.clear();
                }
                self.states.extend(batch_states);
                for ((submission, _), receipt) in accepted.into_iter().zip(receipts) {
                    let _ = submission.reply.send(Ok(receipt));
                }
            }
            Err(e) => {
                let reason = e.to_string();
                if let Ok(mut failed) = self.shared.failed.lock() {
                    *failed = Some(reason.clone());
                }
                for (submission, _) in accepted {
                    let _ = submission.reply.send(Err(NodeError::Unavailable(reason.clone())));
                }
            }
        }
    }

    /// Appends the accepted operations: tree first (readers only use the durable head's
    /// size), then one durable transaction with the new signed head, then the head goes live.
    fn commit(&mut self, accepted: &[(Submission, DidState)]) -> Result<Vec<Receipt>, NodeError> {
        let (appended, size, root) = {
            let mut view = self.shared.view.write().map_err(poisoned)?;
            let mut appended = Vec::with_capacity(accepted.len());
            for (submission, _) in accepted {
                let operation = &submission.operation;
                let index = view.tree.append(merkle::leaf_hash(operation.leaf_data()));
                appended.push(Appended {
                    index,
                    did: operation.did().as_str().to_owned(),
                    operation: operation.as_str().to_owned(),
                });
            }
            (appended, view.tree.size(), view.tree.root())
        };
        let tree_head = sign_head(&self.key, &self.log_id, size, root)?;
        self.shared.store.append(&appended, Some((size, &tree_head)))?;
        let mut view = self.shared.view.write().map_err(poisoned)?;
        view.head = TreeHeadView {
            size,
            tree_head,
            cosignatures: Vec::new(),
        };
        Ok(accepted
            .iter()
            .zip(appended)
            .map(|((submission, _), entry)| Receipt {
                did: entry.did,
                operation_hash: submission.operation.hash().to_string(),
                index: entry.index,
            })
            .collect())
    }
}
