//! The node's engine: the in-memory Merkle tree and latest tree head over the durable store.

use std::sync::{Arc, Mutex, RwLock};

use serde::Serialize;
use tokio::sync::{mpsc, oneshot};

use super::writer::{Submission, Writer};
use super::{NodeConfig, NodeError};
use crate::merkle::{self, Tree};
use crate::operation::{DidState, Operation};
use crate::resolution::{Resolution, ResolutionMetadata, ResolvedOperation, TreeHeadView};
use crate::store::Store;
use crate::tree_head::{Cosignature, MAX_COSIGNATURES, TreeHeadError, UnverifiedTreeHead};

/// What the node answers once an operation is durable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Receipt {
    /// The DID the operation belongs to.
    pub did: String,
    /// The operation's hash (what the next operation names as `previous`).
    #[serde(rename = "operationHash")]
    pub operation_hash: String,
    /// The entry's index in the log.
    pub index: u64,
}

/// What readers share with the writer.
pub(crate) struct Shared {
    pub(crate) store: Store,
    pub(crate) view: RwLock<View>,
    /// Set when a write failed: the in-memory tree may be ahead of the store, so the node
    /// refuses writes until it is restarted (and rebuilds from the store).
    pub(crate) failed: Mutex<Option<String>>,
}

/// The tree (which may hold leaves of a batch being committed) and the latest durable head.
pub(crate) struct View {
    pub(crate) tree: Tree,
    pub(crate) head: TreeHeadView,
}

impl Shared {
    /// Reads, verifies and replays the entries at `indexes` (one DID's chain, in order). The
    /// node wrote them after checking them, so any failure means the store was altered.
    pub(crate) fn replay(&self, indexes: &[u64]) -> Result<(Vec<Operation>, DidState), NodeError> {
        let corrupt = |index: u64, reason: String| NodeError::CorruptEntry { index, reason };
        let mut operations = Vec::with_capacity(indexes.len());
        for &index in indexes {
            let jws = self
                .store
                .entry(index)?
                .ok_or_else(|| corrupt(index, "indexed but missing".into()))?;
            operations.push(Operation::parse(&jws).map_err(|e| corrupt(index, e.to_string()))?);
        }
        let state = DidState::replay(&operations)
            .map_err(|e| corrupt(indexes.last().copied().unwrap_or_default(), e.to_string()))?;
        Ok((operations, state))
    }
}

pub(crate) fn poisoned<T>(_: T) -> NodeError {
    NodeError::Unavailable("a writer panicked while holding the tree".into())
}

/// A running registry node (without its HTTP front; see [`router`](super::router)).
///
/// A node opened with [`Registry::open`] accepts operations; one opened with
/// [`Registry::open_read_only`] (a mirror's) only serves what it holds.
pub struct Registry {
    pub(crate) shared: Arc<Shared>,
    submit: Option<mpsc::Sender<Submission>>,
    log_id: String,
    max_entries: u64,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("log_id", &self.log_id)
            .finish_non_exhaustive()
    }
}

impl Registry {
    /// Opens (or creates) the store, rebuilds the tree from it, and starts the batch writer on
    /// the current tokio runtime. Each acknowledged submission is durable.
    ///
    /// The latest stored head must carry the rebuilt tree's root; an altered store is refused
    /// rather than re-signed.
    pub fn open(config: NodeConfig) -> Result<Registry, NodeError> {
        let (store, tree) = load(&config.store_path)?;
        let writer_key = config.operator_key;
        let head = match store.latest_head()? {
            Some((size, tree_head)) if size == tree.size() => {
                check_stored_head(&tree, size, &tree_head)?;
                TreeHeadView {
                    size,
                    tree_head,
                    cosignatures: Vec::new(),
                }
            }
            _ => {
                // A fresh store, or entries the writer committed before any head (older
                // versions): sign a head over what is there.
                let size = tree.size();
                let tree_head = super::writer::sign_head(&writer_key, &config.log_id, size, tree.root())?;
                store.put_head(size, &tree_head)?;
                TreeHeadView {
                    size,
                    tree_head,
                    cosignatures: Vec::new(),
                }
            }
        };
        let shared = Arc::new(Shared {
            store,
            view: RwLock::new(View { tree, head }),
            failed: Mutex::new(None),
        });
        let (submit, queue) = mpsc::channel(config.queue_capacity.max(1));
        let writer = Writer {
            shared: Arc::clone(&shared),
            key: writer_key,
            log_id: config.log_id.clone(),
            batch_max: config.batch_max.max(1),
            batch_interval: config.batch_interval,
            queue,
            chains: Default::default(),
        };
        tokio::spawn(writer.run());
        Ok(Registry {
            shared,
            submit: Some(submit),
            log_id: config.log_id,
            max_entries: config.max_entries_per_request.max(1),
        })
    }

    /// Opens (or creates) a store that is filled from elsewhere (a mirror's): no writer, no
    /// key. It serves the latest stored head, which names `log_id`; until one is stored, the
    /// tree-head and resolution requests answer [`NodeError::Unavailable`].
    pub fn open_read_only(
        store_path: &std::path::Path,
        log_id: impl Into<String>,
        max_entries_per_request: u64,
    ) -> Result<Registry, NodeError> {
        let (store, tree) = load(store_path)?;
        let head = match store.latest_head()? {
            Some((size, tree_head)) => {
                check_stored_head(&tree, size, &tree_head)?;
                TreeHeadView {
                    size,
                    tree_head,
                    cosignatures: Vec::new(),
                }
            }
            None => TreeHeadView {
                size: 0,
                tree_head: String::new(),
                cosignatures: Vec::new(),
            },
        };
        Ok(Registry {
            shared: Arc::new(Shared {
                store,
                view: RwLock::new(View { tree, head }),
                failed: Mutex::new(None),
            }),
            submit: None,
            log_id: log_id.into(),
            max_entries: max_entries_per_request.max(1),
        })
    }

    /// Whether this registry only serves what is copied into it (a mirror's).
    pub fn is_read_only(&self) -> bool {
        self.submit.is_none()
    }

    /// The log id every tree head names.
    pub fn log_id(&self) -> &str {
        &self.log_id
    }

    /// Validates and appends an operation, returning once it is durable and covered by a
    /// signed tree head.
    pub async fn submit(&self, operation: Operation) -> Result<Receipt, NodeError> {
        let Some(submit) = &self.submit else {
            return Err(NodeError::ReadOnly);
        };
        if let Some(reason) = self.shared.failed.lock().map_err(poisoned)?.clone() {
            return Err(NodeError::Unavailable(reason));
        }
        let (reply, answer) = oneshot::channel();
        submit.try_send(Submission { operation, reply }).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => NodeError::Pushback { retry_after_secs: 1 },
            mpsc::error::TrySendError::Closed(_) => NodeError::Unavailable("the writer stopped".into()),
        })?;
        answer
            .await
            .map_err(|_| NodeError::Unavailable("the writer stopped".into()))?
    }

    /// The latest signed tree head.
    pub fn tree_head(&self) -> Result<TreeHeadView, NodeError> {
        let head = self.shared.view.read().map_err(poisoned)?.head.clone();
        if head.tree_head.is_empty() {
            return Err(NodeError::Unavailable("no tree head yet".into()));
        }
        Ok(head)
    }

    /// Attaches a witness co-signature to the latest tree head, and returns how many it has.
    ///
    /// Anyone may co-sign: the signature must verify under the key its `kid` names and cover
    /// exactly the latest head's payload. Which witnesses count is each resolver's policy.
    pub fn add_cosignature(&self, compact: &str) -> Result<usize, NodeError> {
        let cosignature = Cosignature::parse(compact).map_err(|e| NodeError::Cosignature(e.to_string()))?;
        let witness = crate::resolution::parse_registry_key(cosignature.kid())
            .map_err(|e| NodeError::Cosignature(e.to_string()))?;
        let current = self.tree_head()?;
        let unverified = UnverifiedTreeHead::parse(&current.tree_head)?;
        let operator = crate::resolution::parse_registry_key(unverified.kid())
            .map_err(|e| NodeError::Cosignature(e.to_string()))?;
        let head = unverified.verify(&operator)?;
        cosignature.verify(&head, &witness).map_err(|e| match e {
            TreeHeadError::PayloadMismatch => NodeError::Cosignature("it is not over the latest tree head".into()),
            other => NodeError::Cosignature(other.to_string()),
        })?;
        let mut view = self.shared.view.write().map_err(poisoned)?;
        if view.head.tree_head != current.tree_head {
            return Err(NodeError::Cosignature("a newer tree head was signed meanwhile".into()));
        }
        let kid = cosignature.kid();
        let known = view
            .head
            .cosignatures
            .iter()
            .any(|held| Cosignature::parse(held).is_ok_and(|held| held.kid() == kid));
        if !known {
            if view.head.cosignatures.len() >= MAX_COSIGNATURES {
                return Err(NodeError::Cosignature(
                    "the head has as many co-signatures as it can hold".into(),
                ));
            }
            view.head.cosignatures.push(compact.to_owned());
        }
        Ok(view.head.cosignatures.len())
    }

    /// An RFC 9162 consistency proof between two sizes no larger than the latest head's.
    pub fn consistency(&self, from: u64, to: u64) -> Result<Vec<merkle::Hash>, NodeError> {
        let view = self.shared.view.read().map_err(poisoned)?;
        if from > to || to > view.head.size {
            return Err(NodeError::BadRange(format!(
                "consistency from {from} to {to} is not within the head's size {}",
                view.head.size
            )));
        }
        Ok(view.tree.consistency_proof(from, to)?)
    }

    /// Entries `start..end` (capped at the configured page size and at the latest head's size).
    pub fn entries(&self, start: u64, end: u64) -> Result<Vec<(u64, String)>, NodeError> {
        let size = self.shared.view.read().map_err(poisoned)?.head.size;
        if start > end {
            return Err(NodeError::BadRange(format!("start {start} is after end {end}")));
        }
        let end = end.min(size).min(start.saturating_add(self.max_entries));
        Ok(self.shared.store.entries(start, end)?)
    }

    /// Resolves a DID: its document and every operation with an inclusion proof against the
    /// latest signed tree head.
    ///
    /// Only the proofs are computed under the tree's lock; reading and verifying the
    /// operations happens after it is released, so resolutions do not hold up the writer.
    pub fn resolve(&self, did: &str) -> Result<Resolution, NodeError> {
        // Entries committed after this read are simply not part of this answer.
        let indexes = self.shared.store.did_entries(did)?;
        let (head, indexes, proofs) = {
            let view = self.shared.view.read().map_err(poisoned)?;
            let size = view.head.size;
            let indexes: Vec<u64> = indexes.into_iter().filter(|index| *index < size).collect();
            let proofs = indexes
                .iter()
                .map(|index| view.tree.inclusion_proof(*index, size))
                .collect::<Result<Vec<_>, _>>()?;
            (view.head.clone(), indexes, proofs)
        };
        if head.tree_head.is_empty() {
            return Err(NodeError::Unavailable("no tree head yet".into()));
        }
        if indexes.is_empty() {
            return Err(NodeError::NotFound);
        }
        let (parsed, state) = self.shared.replay(&indexes)?;
        let updated = match indexes.last() {
            Some(last) => self
                .shared
                .store
                .first_head_covering(*last)?
                .and_then(|h| head_time(&h)),
            None => None,
        };
        let operations = indexes
            .iter()
            .zip(&parsed)
            .zip(proofs)
            .map(|((index, operation), proof)| ResolvedOperation {
                index: *index,
                operation: operation.as_str().to_owned(),
                inclusion_proof: proof.iter().map(merkle::encode_hash).collect(),
            })
            .collect();
        let did_document = serde_json::to_value(state.document()).map_err(|e| NodeError::CorruptEntry {
            index: indexes.last().copied().unwrap_or_default(),
            reason: e.to_string(),
        })?;
        Ok(Resolution {
            did_document,
            did_document_metadata: ResolutionMetadata {
                version_id: state.last_operation().to_string(),
                updated,
                deactivated: state.is_deactivated(),
            },
            operations,
            tree_head: head.tree_head,
            cosignatures: head.cosignatures,
        })
    }
}

/// Opens the store and rebuilds the tree from its entries.
pub(super) fn load(store_path: &std::path::Path) -> Result<(Store, Tree), NodeError> {
    let store = Store::open(store_path)?;
    let mut tree = Tree::new();
    store.for_each_entry(|_, operation| {
        tree.append(merkle::leaf_hash(operation.as_bytes()));
        Ok(())
    })?;
    Ok((store, tree))
}

/// Refuses a store whose latest head does not carry the root of the entries it covers.
pub(super) fn check_stored_head(tree: &Tree, size: u64, tree_head: &str) -> Result<(), NodeError> {
    let corrupt = |reason: String| NodeError::CorruptEntry {
        index: size.saturating_sub(1),
        reason,
    };
    let parsed = UnverifiedTreeHead::parse(tree_head).map_err(|e| corrupt(format!("stored tree head: {e}")))?;
    let root = tree
        .root_at(size)
        .map_err(|e| corrupt(format!("stored tree head of size {size}: {e}")))?;
    if parsed.head().size != size || parsed.head().root_hash != root {
        return Err(corrupt(format!(
            "the stored tree head of size {size} does not carry the root of the stored entries"
        )));
    }
    Ok(())
}

/// The RFC 3339 time of a stored head's timestamp.
fn head_time(tree_head: &str) -> Option<String> {
    let head = UnverifiedTreeHead::parse(tree_head).ok()?;
    let nanos = i128::from(head.head().timestamp_ms).checked_mul(1_000_000)?;
    let time = time::OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()?;
    // Whole seconds, UTC, like `2026-01-01T00:00:00Z`.
    let time = time.replace_nanosecond(0).ok()?;
    time.format(&time::format_description::well_known::Rfc3339).ok()
}
