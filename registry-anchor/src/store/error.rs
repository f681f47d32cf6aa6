//! Errors of the node's storage.

/// The store could not be opened, read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database file could not be opened or created (missing directory, no permission,
    /// held by another process, or not a store of this kind).
    #[error("cannot open the store: {0}")]
    Open(String),
    /// Another process holds the store for writing (a node runs on it): it has one writer.
    #[error("{0} is in use by another process (is the node, or the service holding it, running?)")]
    InUse(String),
    /// A read or write failed (I/O error, full disk, read-only file system).
    #[error("storage I/O failed: {0}")]
    Io(String),
    /// The store's content breaks an invariant (entries not contiguous, an index naming a
    /// missing entry, an entry that is not ASCII). The file was altered or damaged.
    #[error("the store is corrupt: {0}")]
    Corrupt(String),
    /// An append did not start at the end of the log.
    #[error("append at index {given}, but the log holds {len} entries")]
    NotContiguous {
        /// The first index of the batch.
        given: u64,
        /// The number of entries in the log.
        len: u64,
    },
}

impl StoreError {
    pub(crate) fn io(e: impl std::fmt::Display) -> StoreError {
        StoreError::Io(e.to_string())
    }
}
