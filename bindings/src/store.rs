//! Where the wallet keeps credentials: a store the app supplies (its encrypted database or
//! keychain), or [`memory_store`].
//!
//! Records are opaque JSON text to the store; they hold the full credential with every
//! disclosure, so an app's store should encrypt them at rest.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use crate::DojangError;

/// A key-value store for the wallet's credential records. Implemented by the app (Kotlin,
/// Swift) or by `memory_store`.
#[uniffi::export(with_foreign)]
pub trait CredentialStore: Send + Sync {
    /// Stores `record` under `id`, replacing what was there.
    fn put(&self, id: String, record: String) -> Result<(), DojangError>;
    /// The record stored under `id`, if any.
    fn get(&self, id: String) -> Result<Option<String>, DojangError>;
    /// Removes the record under `id`; removing a missing one is not an error.
    fn remove(&self, id: String) -> Result<(), DojangError>;
    /// Every stored ID.
    fn ids(&self) -> Result<Vec<String>, DojangError>;
}

/// A store that keeps records in memory, lost when the app exits: for tests and demos.
#[uniffi::export]
pub fn memory_store() -> Arc<dyn CredentialStore> {
    Arc::new(MemoryStore::default())
}

#[derive(Default)]
struct MemoryStore {
    records: Mutex<BTreeMap<String, String>>,
}

impl MemoryStore {
    fn records(&self) -> Result<std::sync::MutexGuard<'_, BTreeMap<String, String>>, DojangError> {
        self.records.lock().map_err(|_| DojangError::Storage {
            code: "storage".into(),
            detail: "the memory store is poisoned".into(),
        })
    }
}

impl CredentialStore for MemoryStore {
    fn put(&self, id: String, record: String) -> Result<(), DojangError> {
        self.records()?.insert(id, record);
        Ok(())
    }

    fn get(&self, id: String) -> Result<Option<String>, DojangError> {
        Ok(self.records()?.get(&id).cloned())
    }

    fn remove(&self, id: String) -> Result<(), DojangError> {
        self.records()?.remove(&id);
        Ok(())
    }

    fn ids(&self) -> Result<Vec<String>, DojangError> {
        Ok(self.records()?.keys().cloned().collect())
    }
}

/// Turns an error the app's store raised into a `DojangError.Storage`, keeping it if it
/// already is one.
pub(crate) fn storage_error(error: DojangError) -> DojangError {
    match error {
        DojangError::Storage { .. } => error,
        other => DojangError::Storage {
            code: other.code().to_owned(),
            detail: other.to_string(),
        },
    }
}
