//! The single writer: collects submissions into batches, validates them against each DID's
//! chain, appends them durably with one signed tree head per batch, then acknowledges.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use did_core::key::SigningKey;
use tokio::sync::{mpsc, oneshot};

use super::NodeError;
use super::chains::Chains;
use super::registry::{Receipt, Shared, poisoned};
use crate::merkle::{self, Hash};
use crate::operation::Operation;
use crate::resolution::TreeHeadView;
use crate::store::Appended;
use crate::tree_head::{SignedTreeHead, TreeHead};

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
    pub(crate) chains: Chains,
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
            // The batch's store commit (and its fsync) blocks: keep it off the async workers.
            self = match tokio::task::spawn_blocking(move || {
                self.write_batch(batch);
                self
            })
            .await
            {
                Ok(writer) => writer,
                // The batch panicked: its submitters see their reply channels close; the
                // node stops taking writes (the queue's sender sees it closed).
                Err(_) => return,
            };
        }
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
        let mut accepted: Vec<Submission> = Vec::with_capacity(batch.len());
        for submission in batch {
            match self.chains.check(&self.shared, &submission.operation) {
                Ok(()) => accepted.push(submission),
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
                self.chains.commit();
                for (submission, receipt) in accepted.into_iter().zip(receipts) {
                    let _ = submission.reply.send(Ok(receipt));
                }
            }
            Err(e) => {
                self.chains.abandon();
                let reason = e.to_string();
                if let Ok(mut failed) = self.shared.failed.lock() {
                    *failed = Some(reason.clone());
                }
                for submission in accepted {
                    let _ = submission.reply.send(Err(NodeError::Unavailable(reason.clone())));
                }
            }
        }
    }

    /// Appends the accepted operations: tree first (readers only use the durable head's
    /// size), then one durable transaction with the new signed head, then the head goes live.
    fn commit(&mut self, accepted: &[Submission]) -> Result<Vec<Receipt>, NodeError> {
        let (appended, size, root) = {
            let mut view = self.shared.view.write().map_err(poisoned)?;
            let mut appended = Vec::with_capacity(accepted.len());
            for submission in accepted {
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
            .map(|(submission, entry)| Receipt {
                did: entry.did,
                operation_hash: submission.operation.hash().to_string(),
                index: entry.index,
            })
            .collect())
    }
}
