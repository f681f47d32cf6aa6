//! Backups that restore (issue 26): `registry-anchor backup` copies a running node's log while
//! DIDs are being written to it; after the data is destroyed, `restore` puts the copy back under
//! the same operator key, the node serves every DID acknowledged before the backup with the same
//! log id, and goes on taking writes. A copy altered after the backup, or signed by another
//! operator, is refused and nothing is put in place.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use did_core::key::{KeyType, SigningKey};
use registry_anchor::merkle::{Tree, leaf_hash};
use registry_anchor::store::Store;
use registry_anchor::tree_head::{SignedTreeHead, TreeHead};

use crate::common::{Node, cli, get, signed_create, start_node, temp_dir};

/// Writes fresh DIDs to `node` until `stop`; returns each acknowledged DID with whether the
/// backup had already been started (`backup_started`) when its acknowledgement came.
fn write_until(url: String, stop: Arc<AtomicBool>, backup_started: Arc<AtomicBool>) -> Vec<(String, bool)> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = reqwest::Client::new();
    let mut acked = Vec::new();
    runtime.block_on(async {
        while !stop.load(Ordering::SeqCst) {
            let (op, _, _) = signed_create(KeyType::P256);
            let response = client
                .post(format!("{url}/operations"))
                .body(op.as_str().to_owned())
                .send()
                .await
                .unwrap();
            assert_eq!(response.status().as_u16(), 202, "{}", response.text().await.unwrap());
            acked.push((op.did().to_string(), backup_started.load(Ordering::SeqCst)));
        }
    });
    acked
}

fn resolves(node: &Node, did: &str) -> bool {
    get(&format!("{}/dids/{did}", node.url)).0 == 200
}

#[test]
fn a_backup_taken_while_the_node_writes_restores_under_the_same_key_and_log() {
    let dir = temp_dir("backup");
    let data = dir.join("data");
    let node = start_node(&data);
    let log_id = node.log_id.clone();

    // Writers keep creating DIDs while the backup is taken.
    let stop = Arc::new(AtomicBool::new(false));
    let backup_started = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..3)
        .map(|_| {
            let (url, stop, started) = (node.url.clone(), stop.clone(), backup_started.clone());
            std::thread::spawn(move || write_until(url, stop, started))
        })
        .collect();
    std::thread::sleep(Duration::from_millis(600));
    backup_started.store(true, Ordering::SeqCst);
    let backup = dir.join("log-backup.redb");
    let (code, made) = cli(&[
        "backup",
        "--data",
        data.to_str().unwrap(),
        "--out",
        backup.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{made}");
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::SeqCst);
    let acked: Vec<(String, bool)> = writers.into_iter().flat_map(|w| w.join().unwrap()).collect();
    let before: Vec<&String> = acked.iter().filter(|(_, after)| !after).map(|(did, _)| did).collect();
    assert!(before.len() >= 10, "too few writes before the backup: {}", before.len());
    assert!(
        acked.iter().any(|(_, after)| *after),
        "no write while or after the backup ran"
    );
    let entries = made["entries"].as_u64().unwrap();
    assert_eq!(made["treeSize"].as_u64().unwrap(), entries, "{made}");
    assert!(entries >= before.len() as u64, "{made} {} before", before.len());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&backup).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the backup is owner-only");
    }
    // A second backup to the same file is refused: a backup never overwrites.
    let (code, again) = cli(&[
        "backup",
        "--data",
        data.to_str().unwrap(),
        "--out",
        backup.to_str().unwrap(),
    ]);
    assert_eq!((code, again["error"]["code"].as_str()), (1, Some("backup")), "{again}");

    // The disk is lost, but for the operator key (backed up apart).
    drop(node);
    let key = std::fs::read(data.join("operator-key.jwk")).unwrap();
    std::fs::remove_dir_all(&data).unwrap();
    std::fs::create_dir_all(&data).unwrap();
    let restore = |from: &std::path::Path| {
        cli(&[
            "restore",
            "--from",
            from.to_str().unwrap(),
            "--data",
            data.to_str().unwrap(),
        ])
    };
    // Without the operator key there is nothing to check the copy against.
    let (code, refused) = restore(&backup);
    assert_eq!(
        (code, refused["error"]["code"].as_str()),
        (1, Some("no_operator_key")),
        "{refused}"
    );
    std::fs::write(data.join("operator-key.jwk"), &key).unwrap();

    // A copy altered after the backup (one entry changed, the head kept) is refused.
    let forged = dir.join("forged.redb");
    forge(&backup, &forged, |entries, _| {
        entries[1].1.push('x');
    });
    let (code, refused) = restore(&forged);
    assert_eq!(
        (code, refused["error"]["code"].as_str()),
        (1, Some("restore")),
        "{refused}"
    );
    assert!(
        refused["error"]["message"].as_str().unwrap().contains("root"),
        "{refused}"
    );
    assert!(!data.join("log.redb").exists(), "nothing is put in place");
    // So is a log re-signed by another key.
    let resigned = dir.join("resigned.redb");
    forge(&backup, &resigned, |entries, head| {
        let other = SigningKey::generate(KeyType::P256).unwrap();
        let mut tree = Tree::new();
        for (_, op) in entries.iter() {
            tree.append(leaf_hash(op.as_bytes()));
        }
        let signed = SignedTreeHead::sign(TreeHead::new(log_id.clone(), tree.size(), tree.root(), 1), &other).unwrap();
        *head = signed.as_compact().to_owned();
    });
    let (code, refused) = restore(&resigned);
    assert_eq!(
        (code, refused["error"]["code"].as_str()),
        (1, Some("restore")),
        "{refused}"
    );
    assert!(!data.join("log.redb").exists(), "nothing is put in place");

    // The real backup restores, under the same log id, and the node starts on it.
    let (code, restored) = restore(&backup);
    assert_eq!(code, 0, "{restored}");
    assert_eq!(restored["logId"].as_str(), Some(log_id.as_str()));
    assert_eq!(restored["treeSize"].as_u64(), Some(entries));
    // Restoring over a log that is there is refused.
    let (code, refused) = restore(&backup);
    assert_eq!(
        (code, refused["error"]["code"].as_str()),
        (1, Some("restore")),
        "{refused}"
    );

    let node = start_node(&data);
    assert_eq!(node.log_id, log_id, "the same log");
    for did in &before {
        assert!(
            resolves(&node, did),
            "{did} was acknowledged before the backup but is gone"
        );
    }
    let (_, head) = get(&format!("{}/tree-head", node.url));
    let head = SignedTreeHead::verify(head["treeHead"].as_str().unwrap(), &node.operator).unwrap();
    assert_eq!(head.head().size, entries);
    // It goes on taking writes.
    let stop = Arc::new(AtomicBool::new(false));
    let handle = {
        let (url, stop) = (node.url.clone(), stop.clone());
        std::thread::spawn(move || write_until(url, stop, Arc::new(AtomicBool::new(false))))
    };
    std::thread::sleep(Duration::from_millis(200));
    stop.store(true, Ordering::SeqCst);
    let after = handle.join().unwrap();
    assert!(!after.is_empty());
    assert!(resolves(&node, &after[0].0));
    drop(node);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Writes a new store `to` holding `from`'s entries and latest head after `change` had them.
fn forge(from: &std::path::Path, to: &std::path::Path, change: impl FnOnce(&mut Vec<(u64, String)>, &mut String)) {
    let copy = to.with_extension("source");
    std::fs::copy(from, &copy).unwrap();
    let (mut entries, mut head, dids) = {
        let source = Store::open(&copy).unwrap();
        let n = source.len().unwrap();
        let entries = source.entries(0, n).unwrap();
        let dids: Vec<String> = entries
            .iter()
            .map(|(_, op)| {
                registry_anchor::operation::Operation::parse(op)
                    .unwrap()
                    .did()
                    .to_string()
            })
            .collect();
        (entries, source.latest_head().unwrap().unwrap().1, dids)
    };
    change(&mut entries, &mut head);
    let forged = Store::open(to).unwrap();
    let appended: Vec<_> = entries
        .iter()
        .zip(dids)
        .map(|((index, operation), did)| registry_anchor::store::Appended {
            index: *index,
            did,
            operation: operation.clone(),
        })
        .collect();
    forged
        .append(&appended, Some((appended.len() as u64, head.as_str())))
        .unwrap();
}
