//! The node's durable storage: the log's entries, the index from a DID to its entries, and
//! the signed tree heads, in one embedded [redb](https://www.redb.org) file.
//!
//! Every batch of appended entries, its index updates and the tree head that covers it are
//! written in one transaction with two-phase commit, so after a crash the store holds either the
//! whole batch or none of it, and a batch that [`Store::append`] returned for is on disk.
//!
//! The node is the file's one writer; [`backup`] copies one committed state of it from another
//! process while the node runs.

mod error;
pub(crate) mod files;
mod redb_store;

pub use error::StoreError;
pub use redb_store::{Appended, BackupSummary, Store, backup};
