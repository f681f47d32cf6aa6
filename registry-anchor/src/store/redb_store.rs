//! The redb tables and their transactions.

use std::path::Path;

use redb::{
    ConcurrencyMode, Database, ReadOnlyDatabase, ReadableDatabase, ReadableTable, ReadableTableMetadata,
    TableDefinition,
};

use super::StoreError;

/// Entry index → the operation's compact JWS (the leaf data).
const ENTRIES: TableDefinition<u64, &str> = TableDefinition::new("entries");
/// DID → the indexes of its entries, little-endian u64s in chain order.
const DID_INDEX: TableDefinition<&str, &[u8]> = TableDefinition::new("did_index");
/// Tree size → the signed tree head (compact JWS) of that size.
const HEADS: TableDefinition<u64, &str> = TableDefinition::new("tree_heads");

/// One entry to append: its index in the log, its DID and its compact JWS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    /// The entry's position in the log.
    pub index: u64,
    /// The DID the operation belongs to.
    pub did: String,
    /// The operation's compact JWS.
    pub operation: String,
}

/// The node's embedded store.
pub struct Store {
    db: Database,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

fn decode_indexes(bytes: &[u8]) -> Result<Vec<u64>, StoreError> {
    if !bytes.len().is_multiple_of(8) {
        return Err(StoreError::Corrupt("a DID index is not a list of u64".into()));
    }
    Ok(bytes
        .chunks_exact(8)
        .map(|chunk| {
            let mut raw = [0u8; 8];
            raw.copy_from_slice(chunk);
            u64::from_le_bytes(raw)
        })
        .collect())
}

impl Store {
    /// Opens the store at `path`, creating it (and its tables) when missing.
    /// Errors name the file (a read-only or full disk is then plain from the message).
    ///
    /// One process writes; others may read it at the same time ([`backup`]), each from one
    /// committed transaction.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let named = |e: &dyn std::fmt::Display| StoreError::Open(format!("{}: {e}", path.display()));
        let db = Database::builder()
            .set_concurrency_mode(ConcurrencyMode::SingleWriter)
            .create(path)
            .map_err(|e| match e {
                redb::DatabaseError::DatabaseAlreadyOpen => StoreError::InUse(path.display().to_string()),
                other => named(&other),
            })?;
        let tx = db.begin_write().map_err(|e| named(&e))?;
        tx.open_table(ENTRIES).map_err(|e| named(&e))?;
        tx.open_table(DID_INDEX).map_err(|e| named(&e))?;
        tx.open_table(HEADS).map_err(|e| named(&e))?;
        tx.commit().map_err(|e| named(&e))?;
        Ok(Store { db })
    }

    /// The number of entries in the log.
    pub fn len(&self) -> Result<u64, StoreError> {
        let tx = self.db.begin_read().map_err(StoreError::io)?;
        let table = tx.open_table(ENTRIES).map_err(StoreError::io)?;
        table.len().map_err(StoreError::io)
    }

    /// Whether the log is empty.
    pub fn is_empty(&self) -> Result<bool, StoreError> {
        Ok(self.len()? == 0)
    }

    /// Appends a batch of entries (which must continue the log without a gap) and, when given,
    /// the signed tree head of the log's new size, in one durable transaction.
    pub fn append(&self, batch: &[Appended], head: Option<(u64, &str)>) -> Result<(), StoreError> {
        let mut tx = self.db.begin_write().map_err(StoreError::io)?;
        tx.set_two_phase_commit(true);
        {
            let mut entries = tx.open_table(ENTRIES).map_err(StoreError::io)?;
            let mut index = tx.open_table(DID_INDEX).map_err(StoreError::io)?;
            let first = entries.len().map_err(StoreError::io)?;
            for (next, entry) in (first..).zip(batch) {
                if entry.index != next {
                    return Err(StoreError::NotContiguous {
                        given: entry.index,
                        len: next,
                    });
                }
                entries
                    .insert(entry.index, entry.operation.as_str())
                    .map_err(StoreError::io)?;
                let mut list = match index.get(entry.did.as_str()).map_err(StoreError::io)? {
                    Some(existing) => existing.value().to_vec(),
                    None => Vec::new(),
                };
                list.extend_from_slice(&entry.index.to_le_bytes());
                index
                    .insert(entry.did.as_str(), list.as_slice())
                    .map_err(StoreError::io)?;
            }
            if let Some((size, head)) = head {
                let mut heads = tx.open_table(HEADS).map_err(StoreError::io)?;
                heads.insert(size, head).map_err(StoreError::io)?;
            }
        }
        tx.commit().map_err(StoreError::io)
    }

    /// Records a signed tree head (or a re-signed one) of `size`.
    pub fn put_head(&self, size: u64, head: &str) -> Result<(), StoreError> {
        self.append(&[], Some((size, head)))
    }

    /// The entry at `index`, if the log is that long.
    pub fn entry(&self, index: u64) -> Result<Option<String>, StoreError> {
        let tx = self.db.begin_read().map_err(StoreError::io)?;
        let table = tx.open_table(ENTRIES).map_err(StoreError::io)?;
        let value = table.get(index).map_err(StoreError::io)?;
        Ok(value.map(|v| v.value().to_owned()))
    }

    /// The entries with indexes in `start..end`, in order.
    pub fn entries(&self, start: u64, end: u64) -> Result<Vec<(u64, String)>, StoreError> {
        let tx = self.db.begin_read().map_err(StoreError::io)?;
        let table = tx.open_table(ENTRIES).map_err(StoreError::io)?;
        let mut out = Vec::new();
        for item in table.range(start..end).map_err(StoreError::io)? {
            let (key, value) = item.map_err(StoreError::io)?;
            out.push((key.value(), value.value().to_owned()));
        }
        Ok(out)
    }

    /// Calls `visit` with every entry in index order (used at start-up to rebuild the tree).
    pub fn for_each_entry(&self, mut visit: impl FnMut(u64, &str) -> Result<(), StoreError>) -> Result<(), StoreError> {
        let tx = self.db.begin_read().map_err(StoreError::io)?;
        let table = tx.open_table(ENTRIES).map_err(StoreError::io)?;
        for (expected, item) in (0u64..).zip(table.iter().map_err(StoreError::io)?) {
            let (key, value) = item.map_err(StoreError::io)?;
            if key.value() != expected {
                return Err(StoreError::Corrupt(format!("entry {expected} is missing")));
            }
            visit(key.value(), value.value())?;
        }
        Ok(())
    }

    /// The indexes of `did`'s entries, in chain order (empty for an unknown DID).
    pub fn did_entries(&self, did: &str) -> Result<Vec<u64>, StoreError> {
        let tx = self.db.begin_read().map_err(StoreError::io)?;
        let table = tx.open_table(DID_INDEX).map_err(StoreError::io)?;
        match table.get(did).map_err(StoreError::io)? {
            Some(bytes) => decode_indexes(bytes.value()),
            None => Ok(Vec::new()),
        }
    }

    /// The signed tree head of the largest size recorded, with that size.
    pub fn latest_head(&self) -> Result<Option<(u64, String)>, StoreError> {
        let tx = self.db.begin_read().map_err(StoreError::io)?;
        let table = tx.open_table(HEADS).map_err(StoreError::io)?;
        let last = table.last().map_err(StoreError::io)?;
        Ok(last.map(|(size, head)| (size.value(), head.value().to_owned())))
    }

    /// The signed tree head recorded for `size`, if any.
    pub fn head(&self, size: u64) -> Result<Option<String>, StoreError> {
        let tx = self.db.begin_read().map_err(StoreError::io)?;
        let table = tx.open_table(HEADS).map_err(StoreError::io)?;
        let value = table.get(size).map_err(StoreError::io)?;
        Ok(value.map(|v| v.value().to_owned()))
    }

    /// The signed tree head of the smallest recorded size that covers entry `index` (size
    /// greater than `index`): the head that first included it.
    pub fn first_head_covering(&self, index: u64) -> Result<Option<String>, StoreError> {
        let tx = self.db.begin_read().map_err(StoreError::io)?;
        let table = tx.open_table(HEADS).map_err(StoreError::io)?;
        let mut range = table.range(index.saturating_add(1)..).map_err(StoreError::io)?;
        match range.next() {
            Some(item) => {
                let (_, head) = item.map_err(StoreError::io)?;
                Ok(Some(head.value().to_owned()))
            }
            None => Ok(None),
        }
    }
}

/// What [`backup`] copied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackupSummary {
    /// Entries in the copy.
    pub entries: u64,
    /// The size of the latest signed tree head in the copy (0 when it holds none).
    pub tree_size: u64,
}

/// Copies one committed state of the store at `source` into a new store file `dest`, while a
/// node may be writing to `source` in another process (or this one): the copy is read from a
/// single read transaction, so it holds whole batches with the head that covers them.
///
/// `dest` must not exist. The copy is written to `<dest>.partial` (owner-only), synced and
/// then renamed, so `dest` is either the whole copy or absent.
pub fn backup(source: &Path, dest: &Path) -> Result<BackupSummary, StoreError> {
    let named = |path: &Path, e: &dyn std::fmt::Display| StoreError::Open(format!("{}: {e}", path.display()));
    if dest.exists() {
        return Err(named(dest, &"exists already: a backup never overwrites"));
    }
    let reader = Database::builder()
        .set_concurrency_mode(ConcurrencyMode::SingleWriter)
        .open_read_only(source)
        .map_err(|e| named(source, &e))?;
    let mut partial = dest.as_os_str().to_owned();
    partial.push(".partial");
    let partial = std::path::PathBuf::from(partial);
    let _ = std::fs::remove_file(&partial);
    let copied = copy_into(&reader, &partial);
    drop(reader);
    let summary = match copied {
        Ok(summary) => summary,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    super::files::rename_durably(&partial, dest)
        .map_err(|(path, e)| StoreError::Io(format!("{}: {e}", path.display())))?;
    Ok(summary)
}

/// Copies the three tables of `reader`, as of one read transaction, into a new file `path`.
fn copy_into(reader: &ReadOnlyDatabase, path: &Path) -> Result<BackupSummary, StoreError> {
    // redb makes a new file with the umask's mode: an empty owner-only file made first is
    // what it initializes instead.
    drop(super::files::create_private(path).map_err(|e| StoreError::Open(format!("{}: {e}", path.display())))?);
    let copy = Database::create(path).map_err(|e| StoreError::Open(format!("{}: {e}", path.display())))?;
    let read = reader.begin_read().map_err(StoreError::io)?;
    let mut write = copy.begin_write().map_err(StoreError::io)?;
    write.set_two_phase_commit(true);
    let mut summary = BackupSummary {
        entries: 0,
        tree_size: 0,
    };
    {
        let from = read.open_table(ENTRIES).map_err(StoreError::io)?;
        let mut to = write.open_table(ENTRIES).map_err(StoreError::io)?;
        for item in from.iter().map_err(StoreError::io)? {
            let (key, value) = item.map_err(StoreError::io)?;
            to.insert(key.value(), value.value()).map_err(StoreError::io)?;
            summary.entries += 1;
        }
        let from = read.open_table(DID_INDEX).map_err(StoreError::io)?;
        let mut to = write.open_table(DID_INDEX).map_err(StoreError::io)?;
        for item in from.iter().map_err(StoreError::io)? {
            let (key, value) = item.map_err(StoreError::io)?;
            to.insert(key.value(), value.value()).map_err(StoreError::io)?;
        }
        let from = read.open_table(HEADS).map_err(StoreError::io)?;
        let mut to = write.open_table(HEADS).map_err(StoreError::io)?;
        for item in from.iter().map_err(StoreError::io)? {
            let (key, value) = item.map_err(StoreError::io)?;
            to.insert(key.value(), value.value()).map_err(StoreError::io)?;
            summary.tree_size = key.value();
        }
    }
    write.commit().map_err(StoreError::io)?;
    Ok(summary)
}
