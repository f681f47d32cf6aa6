//! What a node is configured with.

use std::path::PathBuf;
use std::time::Duration;

use did_core::key::SigningKey;

/// A node's configuration.
pub struct NodeConfig {
    /// The store file (created when missing).
    pub store_path: PathBuf,
    /// The log id that every tree head names.
    pub log_id: String,
    /// The operator key that signs tree heads (ES256, ES384 or EdDSA).
    pub operator_key: SigningKey,
    /// At most this many operations go into one batch (one fsync, one tree head).
    pub batch_max: usize,
    /// A batch closes after this long even when not full.
    pub batch_interval: Duration,
    /// Submissions waiting beyond this many are refused with a pushback.
    pub queue_capacity: usize,
    /// The largest range `entries` returns at once.
    pub max_entries_per_request: u64,
}

impl NodeConfig {
    /// A configuration with the defaults: batches of up to 256 operations or 20 ms, a queue of
    /// 4,096 submissions, and entry pages of 1,000.
    pub fn new(store_path: PathBuf, log_id: String, operator_key: SigningKey) -> NodeConfig {
        NodeConfig {
            store_path,
            log_id,
            operator_key,
            batch_max: 256,
            batch_interval: Duration::from_millis(20),
            queue_capacity: 4096,
            max_entries_per_request: 1000,
        }
    }
}

impl std::fmt::Debug for NodeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeConfig")
            .field("store_path", &self.store_path)
            .field("log_id", &self.log_id)
            .field("batch_max", &self.batch_max)
            .field("batch_interval", &self.batch_interval)
            .field("queue_capacity", &self.queue_capacity)
            .finish_non_exhaustive()
    }
}
