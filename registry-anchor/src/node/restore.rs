//! Putting a backup of a node's store (from [`crate::store::backup`]) back in service: checked
//! against the operator key before it replaces nothing.

use std::path::{Path, PathBuf};

use did_core::key::VerifyingKey;

use super::NodeError;
use super::registry::{check_stored_head, load};
use crate::store::{StoreError, files};
use crate::tree_head::SignedTreeHead;

/// A store file found fit to serve by [`check_store`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedStore {
    /// Entries in the store (the size of its latest head).
    pub size: u64,
    /// The log its heads name.
    pub log_id: String,
}

/// Checks a store file before a node serves it (a restored backup): its entries must lead to
/// the root of its latest stored tree head, that head must cover every entry, and it must be
/// signed by `operator`, the key the node will sign with. An altered entry, a store of another
/// log's operator or a store with no head is refused. The file is opened for writing (its
/// tables are created if missing), so check a copy, not the backup itself.
pub fn check_store(path: &Path, operator: &VerifyingKey) -> Result<CheckedStore, NodeError> {
    let (store, tree) = load(path)?;
    let Some((size, tree_head)) = store.latest_head()? else {
        return Err(NodeError::CorruptEntry {
            index: 0,
            reason: "the store holds no signed tree head".into(),
        });
    };
    if size != tree.size() {
        return Err(NodeError::CorruptEntry {
            index: size,
            reason: format!(
                "the latest tree head covers {size} entries, the store holds {}",
                tree.size()
            ),
        });
    }
    check_stored_head(&tree, size, &tree_head)?;
    let signed = SignedTreeHead::verify(&tree_head, operator)?;
    Ok(CheckedStore {
        size,
        log_id: signed.head().log.clone(),
    })
}

/// Puts the backup `from` in service as the store file `dest`, which must not exist: copies it
/// to `<dest>.restoring` (owner-only), [`check_store`]s the copy with `operator`, and renames it
/// into place. On any failure `dest` is left absent and the backup untouched.
pub fn restore_store(from: &Path, dest: &Path, operator: &VerifyingKey) -> Result<CheckedStore, NodeError> {
    let io = |path: &Path, e: std::io::Error| NodeError::Store(StoreError::Io(format!("{}: {e}", path.display())));
    if dest.exists() {
        return Err(NodeError::Store(StoreError::Open(format!(
            "{}: exists already: a restore never overwrites (move it away first)",
            dest.display()
        ))));
    }
    let mut name = dest.as_os_str().to_owned();
    name.push(".restoring");
    let restoring = PathBuf::from(name);
    let _ = std::fs::remove_file(&restoring);
    let checked = copy_private(from, &restoring)
        .map_err(|e| io(from, e))
        .and_then(|()| check_store(&restoring, operator));
    let checked = match checked {
        Ok(checked) => checked,
        Err(e) => {
            let _ = std::fs::remove_file(&restoring);
            return Err(e);
        }
    };
    files::rename_durably(&restoring, dest).map_err(|(path, e)| io(&path, e))?;
    Ok(checked)
}

/// Copies `from` to the new file `to`, owner-only, synced.
fn copy_private(from: &Path, to: &Path) -> std::io::Result<()> {
    let mut out = files::create_private(to)?;
    std::io::copy(&mut std::fs::File::open(from)?, &mut out)?;
    out.sync_all()
}
