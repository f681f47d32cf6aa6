//! A mirror: follows an upstream node, verifies everything it copies, and serves it.
//!
//! Each round it fetches the upstream's latest tree head and checks its signature and log id;
//! proves it consistent with the last head it adopted; copies the new entries, checking each
//! operation and its DID's chain as a node would; and adopts the head only if the copied
//! entries lead to its root. Anything else means the upstream forked or rewrote its log:
//! [`Mirror::sync`] then returns [`NodeError::Forked`] and the mirror stops serving new heads.

use std::sync::Arc;
use std::time::Duration;

use super::chains::Chains;
use super::registry::poisoned;
use super::{NodeError, Registry};
use crate::client::{NodeApi, NodeApiError};
use crate::merkle;
use crate::operation::Operation;
use crate::resolution::{Entry, ResolutionVerifier, TreeHeadView, check_consistency};
use crate::store::Appended;
use crate::tree_head::{SignedTreeHead, UnverifiedTreeHead};

/// The largest page of entries read from upstream.
const MAX_ENTRIES_ANSWER: usize = 64 * 1024 * 1024;

/// Any failure to get an answer from upstream: retried next round.
fn upstream(error: NodeApiError) -> NodeError {
    NodeError::Upstream(error.to_string())
}

/// What a mirror follows and how.
#[derive(Debug, Clone)]
pub struct MirrorConfig {
    /// The mirror's own store file (created when missing).
    pub store_path: std::path::PathBuf,
    /// The upstream node's base URL.
    pub upstream: String,
    /// The upstream's operator key, log id and witness policy.
    pub verifier: ResolutionVerifier,
    /// Entries asked for per request (the upstream may cap it lower).
    pub page: u64,
}

/// What one [`Mirror::sync`] round did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncReport {
    /// The size of the head adopted (the log's size as served now).
    pub size: u64,
    /// Entries copied this round.
    pub copied: u64,
}

/// A mirror of one upstream node.
pub struct Mirror {
    registry: Arc<Registry>,
    upstream: NodeApi,
    verifier: ResolutionVerifier,
    page: u64,
    chains: Chains,
}

impl std::fmt::Debug for Mirror {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mirror")
            .field("upstream", &self.upstream.base())
            .finish_non_exhaustive()
    }
}

impl Mirror {
    /// Opens the mirror's store (verifying the head it holds against the upstream's key).
    pub fn open(config: MirrorConfig) -> Result<Mirror, NodeError> {
        let registry = Registry::open_read_only(&config.store_path, config.verifier.log_id(), config.page)?;
        let held = registry.shared.view.read().map_err(poisoned)?.head.clone();
        if !held.tree_head.is_empty() {
            config
                .verifier
                .verify_tree_head(&held.tree_head, &[])
                .map_err(|e| NodeError::Forked(format!("the head this mirror holds does not verify: {e}")))?;
        }
        Ok(Mirror {
            registry: Arc::new(registry),
            upstream: NodeApi::new(&config.upstream).map_err(upstream)?,
            verifier: config.verifier,
            page: config.page.max(1),
            chains: Chains::default(),
        })
    }

    /// The registry this mirror fills (serve it with [`router`](super::router)).
    pub fn registry(&self) -> Arc<Registry> {
        Arc::clone(&self.registry)
    }

    /// One round: adopt the upstream's latest head if it proves itself. Transport trouble is
    /// [`NodeError::Upstream`] (retry later); a forked or rewritten upstream is
    /// [`NodeError::Forked`].
    pub async fn sync(&mut self) -> Result<SyncReport, NodeError> {
        let forked = NodeError::Forked;
        let view = self.upstream.tree_head().await.map_err(upstream)?;
        let head = self
            .verifier
            .verify_tree_head_view(&view)
            .map_err(|e| forked(format!("its tree head does not verify: {e}")))?;
        let new = head.head().clone();
        let (held, local_size) = {
            let view = self.registry.shared.view.read().map_err(poisoned)?;
            (view.head.clone(), view.tree.size())
        };
        if !held.tree_head.is_empty() {
            let held = UnverifiedTreeHead::parse(&held.tree_head)
                .map_err(|e| NodeError::CorruptEntry {
                    index: 0,
                    reason: e.to_string(),
                })?
                .head()
                .clone();
            let proof = if new.size > held.size {
                self.upstream.consistency(held.size, new.size).await.map_err(upstream)?
            } else {
                Vec::new()
            };
            check_consistency(&held, &new, &proof).map_err(|e| forked(e.to_string()))?;
            if new.size == held.size {
                return Ok(SyncReport {
                    size: new.size,
                    copied: 0,
                });
            }
        }
        // Entries beyond the adopted head (copied before a restart) are kept: the root check
        // below covers them too.
        let mut next = local_size;
        let mut copied = 0;
        while next < new.size {
            let end = new.size.min(next.saturating_add(self.page));
            let answer = self
                .upstream
                .entries(next, end, MAX_ENTRIES_ANSWER)
                .await
                .map_err(upstream)?;
            if answer.entries.is_empty() {
                return Err(NodeError::Upstream(format!("no entries from {next} to {end}")));
            }
            let count = self.copy(next, end, answer.entries)?;
            next += count;
            copied += count;
        }
        self.adopt(&head, &view)?;
        Ok(SyncReport { size: new.size, copied })
    }

    /// Follows the upstream until it forks (the only way this returns): a round every `every`,
    /// transport failures retried. `on_round` sees each round's outcome (for logging).
    pub async fn follow(
        mut self,
        every: Duration,
        mut on_round: impl FnMut(&Result<SyncReport, NodeError>) + Send,
    ) -> NodeError {
        loop {
            let outcome = self.sync().await;
            on_round(&outcome);
            if let Err(e) = outcome
                && !matches!(e, NodeError::Upstream(_))
            {
                return e;
            }
            tokio::time::sleep(every).await;
        }
    }

    /// Checks a page of entries `start..end` (or fewer) and appends them (without a head).
    fn copy(&mut self, start: u64, end: u64, entries: Vec<Entry>) -> Result<u64, NodeError> {
        let shared = Arc::clone(&self.registry.shared);
        let mut appended = Vec::with_capacity(entries.len());
        for (expected, entry) in (start..end).zip(entries) {
            if entry.index != expected {
                return Err(NodeError::Forked(format!(
                    "it served entry {} where {expected} was due",
                    entry.index
                )));
            }
            let operation = Operation::parse(&entry.operation)
                .map_err(|e| NodeError::Forked(format!("its entry {expected} is not a valid operation: {e}")))?;
            if let Err(e) = self.chains.check(&shared, &operation) {
                self.chains.abandon();
                return Err(NodeError::Forked(format!(
                    "its entry {expected} breaks its DID's chain: {e}"
                )));
            }
            appended.push(Appended {
                index: expected,
                did: operation.did().as_str().to_owned(),
                operation: entry.operation,
            });
        }
        let count = appended.len() as u64;
        {
            // Tree first (readers only look up to the adopted head's size), then the store.
            let mut view = shared.view.write().map_err(poisoned)?;
            for entry in &appended {
                view.tree.append(merkle::leaf_hash(entry.operation.as_bytes()));
            }
        }
        if let Err(e) = shared.store.append(&appended, None) {
            self.chains.abandon();
            return Err(e.into());
        }
        self.chains.commit();
        Ok(count)
    }

    /// Adopts `head` if the copied entries lead to its root.
    fn adopt(&self, head: &SignedTreeHead, view: &TreeHeadView) -> Result<(), NodeError> {
        let shared = &self.registry.shared;
        let size = head.head().size;
        let root = shared.view.read().map_err(poisoned)?.tree.root_at(size)?;
        if root != head.head().root_hash {
            return Err(NodeError::Forked(format!(
                "its entries do not lead to the root its head of size {size} signs"
            )));
        }
        shared.store.put_head(size, head.as_compact())?;
        let mut live = shared.view.write().map_err(poisoned)?;
        live.head = TreeHeadView {
            size,
            tree_head: head.as_compact().to_owned(),
            cosignatures: view.cosignatures.clone(),
        };
        Ok(())
    }
}
