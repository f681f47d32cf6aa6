//! The node's redb store: contiguous appends, the DID index, tree heads, and reopening.

use registry_anchor::store::{Appended, Store, StoreError};

fn entry(index: u64, did: &str) -> Appended {
    Appended {
        index,
        did: did.to_owned(),
        operation: format!("op-{index}"),
    }
}

fn temp_path(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("dojang-store-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("log.redb")
}

#[test]
fn appends_index_and_reopen() {
    let path = temp_path("reopen");
    {
        let store = Store::open(&path).unwrap();
        assert!(store.is_empty().unwrap());
        store
            .append(&[entry(0, "did:a"), entry(1, "did:b")], Some((2, "head-2")))
            .unwrap();
        store.append(&[entry(2, "did:a")], Some((3, "head-3"))).unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(store.len().unwrap(), 3);
    assert_eq!(store.did_entries("did:a").unwrap(), vec![0, 2]);
    assert_eq!(store.did_entries("did:b").unwrap(), vec![1]);
    assert!(store.did_entries("did:c").unwrap().is_empty());
    assert_eq!(store.entry(2).unwrap().as_deref(), Some("op-2"));
    assert_eq!(store.entry(3).unwrap(), None);
    assert_eq!(
        store.entries(1, 10).unwrap(),
        vec![(1, "op-1".to_owned()), (2, "op-2".to_owned())]
    );
    assert_eq!(store.latest_head().unwrap(), Some((3, "head-3".to_owned())));
    assert_eq!(store.head(2).unwrap().as_deref(), Some("head-2"));
    let mut seen = Vec::new();
    store
        .for_each_entry(|i, op| {
            seen.push((i, op.to_owned()));
            Ok(())
        })
        .unwrap();
    assert_eq!(seen.len(), 3);
}

#[test]
fn a_gap_or_an_overwrite_is_refused_and_writes_nothing() {
    let path = temp_path("gap");
    let store = Store::open(&path).unwrap();
    store.append(&[entry(0, "did:a")], None).unwrap();
    let gap = store
        .append(&[entry(1, "did:a"), entry(3, "did:a")], Some((4, "h")))
        .unwrap_err();
    assert!(matches!(gap, StoreError::NotContiguous { given: 3, len: 2 }), "{gap}");
    let overwrite = store.append(&[entry(0, "did:b")], None).unwrap_err();
    assert!(
        matches!(overwrite, StoreError::NotContiguous { given: 0, len: 1 }),
        "{overwrite}"
    );
    // Neither half of the refused batch was written.
    assert_eq!(store.len().unwrap(), 1);
    assert_eq!(store.did_entries("did:a").unwrap(), vec![0]);
    assert_eq!(store.latest_head().unwrap(), None);
}

#[test]
fn opening_something_that_is_not_a_store_fails_cleanly() {
    let path = temp_path("garbage");
    std::fs::write(&path, b"this is not a redb file, just some bytes that are long enough").unwrap();
    assert!(matches!(Store::open(&path), Err(StoreError::Open(_))));
    let missing_dir = std::env::temp_dir().join("dojang-no-such-dir-xyz/sub/log.redb");
    assert!(matches!(Store::open(&missing_dir), Err(StoreError::Open(_))));
}
