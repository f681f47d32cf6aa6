//! Where status lists come from: the [`StatusListSource`] seam and an in-memory source.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;

use super::error::StatusError;
use crate::text::truncated;

/// Fetches the bytes of a status list (a status list credential or a Status List Token)
/// by URL. The bytes are untrusted: the caller verifies them before use.
///
/// The bytes are shared (`Arc<[u8]>`): a source that holds a list hands out the same
/// allocation on every fetch, so a verifier's cache recognises a list it already verified by
/// pointer instead of copying and comparing megabytes for every card.
#[async_trait]
pub trait StatusListSource: Send + Sync {
    /// The bytes published at `url`; [`StatusError::NotFound`] or
    /// [`StatusError::Retrieval`] (`STATUS_RETRIEVAL_ERROR`) if they cannot be had.
    async fn fetch(&self, url: &str) -> Result<Arc<[u8]>, StatusError>;
}

/// Status lists held in memory, keyed by exact URL: for tests, and for offline kiosks
/// that receive lists out of band.
#[derive(Debug, Clone, Default)]
pub struct MemoryStatusListSource {
    lists: HashMap<String, Arc<[u8]>>,
}

impl MemoryStatusListSource {
    /// An empty source.
    pub fn new() -> MemoryStatusListSource {
        MemoryStatusListSource::default()
    }

    /// Publishes `bytes` at `url`, replacing what was there.
    pub fn insert(&mut self, url: impl Into<String>, bytes: impl Into<Vec<u8>>) {
        self.lists.insert(url.into(), Arc::from(bytes.into()));
    }

    /// Builder form of [`MemoryStatusListSource::insert`].
    pub fn with(mut self, url: impl Into<String>, bytes: impl Into<Vec<u8>>) -> MemoryStatusListSource {
        self.insert(url, bytes);
        self
    }
}

#[async_trait]
impl StatusListSource for MemoryStatusListSource {
    async fn fetch(&self, url: &str) -> Result<Arc<[u8]>, StatusError> {
        self.lists
            .get(url)
            .cloned()
            .ok_or_else(|| StatusError::NotFound(truncated(url)))
    }
}
