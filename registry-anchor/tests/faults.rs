//! Storage faults of the registry node (issue 10): a full disk and a read-only store give
//! clear errors, not corruption, and the node works again once the fault is gone.
//!
//! - Full disk: `registry-anchor serve` runs with SIGXFSZ ignored (`trap '' XFSZ` survives
//!   `exec`); after some acknowledged creates, `prlimit --pid` lowers its soft file size limit
//!   (RLIMIT_FSIZE) to the store file's size, so the write that would grow `log.redb` fails
//!   with EFBIG, as on a full disk (ENOSPC). This works as root and as any user, with no mount.
//!   The node must answer 503 `unavailable` (it stops taking writes after a failed commit,
//!   until restarted) while reads go on; after the limit is lifted and the node restarted, its
//!   log holds every acknowledged operation at its index, the entries rebuild the signed
//!   head's root, and it takes writes again.
//! - Read-only store: `log.redb` and the data folder without write permission (as root, run
//!   under `setpriv` with every capability dropped, since root ignores permissions). The node
//!   must refuse to start with a message naming the store file, and the next normal start
//!   finds the same log.

use std::io::BufReader;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use did_core::key::{KeyType, VerifyingKey};
use registry_anchor::merkle::{Tree, leaf_hash};
use serde_json::Value;

use crate::common;
use crate::process;

use common::*;
use process::{permissions_bind_prefix, prlimit_fsize};

/// `registry-anchor serve` on `data` with SIGXFSZ ignored and `prefix` (e.g. `setpriv ...`)
/// before it.
fn command(data: &Path, prefix: &[&str]) -> Command {
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg("trap '' XFSZ; exec \"$@\"")
        .arg("sh")
        .args(prefix)
        .arg(BIN)
        // No operations quota: the full-disk test writes until the store refuses.
        .args(["serve", "--listen", "127.0.0.1:0", "--batch-interval-ms", "2"])
        .args(["--writes-per-client-per-hour", "0", "--data"])
        .arg(data);
    command
}

fn start(data: &Path) -> Node {
    let mut child = command(data, &[]).stdout(Stdio::piped()).spawn().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let started = crate::common::read_banner(&mut stdout);
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    let kid = started["operatorKey"].as_str().unwrap();
    Node {
        child,
        url: started["listening"].as_str().unwrap().to_owned(),
        log_id: started["logId"].as_str().unwrap().to_owned(),
        operator: VerifyingKey::from_multikey(kid.split('#').nth(1).unwrap()).unwrap(),
    }
}

/// Posts a new create; returns the status, the answer and the operation.
async fn post_create(client: &reqwest::Client, node: &Node) -> (u16, Value, String) {
    let (create, _, _) = signed_create(KeyType::P256);
    let response = client
        .post(format!("{}/operations", node.url))
        .body(create.as_str().to_owned())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body, create.as_str().to_owned())
}

/// The log after a restart: the head verifies, the entries rebuild its root, and every
/// acknowledged operation is at its index.
async fn check_log(client: &reqwest::Client, node: &Node, acked: &[(u64, String)]) -> usize {
    let head = verified_head(client, node).await;
    let entries = all_entries(client, &node.url, head.size).await;
    let tree = Tree::from_leaf_hashes(entries.iter().map(|e| leaf_hash(e.as_bytes())));
    assert_eq!(
        tree.root(),
        head.root_hash,
        "the entries do not rebuild the head's root"
    );
    for (index, jws) in acked {
        assert_eq!(
            entries.get(usize::try_from(*index).unwrap()),
            Some(jws),
            "the operation acknowledged at {index} is not in the log"
        );
    }
    entries.len()
}

/// A test's folder (`temp_dir(name)`), the node's data folder in it, a two-thread runtime, an
/// HTTP client and the node started on that data folder.
fn setup(name: &str) -> (PathBuf, PathBuf, tokio::runtime::Runtime, reqwest::Client, Node) {
    let dir = temp_dir(name);
    let data = dir.join("data");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let client = reqwest::Client::new();
    let node = start(&data);
    (dir, data, runtime, client, node)
}

#[test]
fn a_full_disk_is_a_503_and_the_log_is_intact_after_a_restart() {
    let (dir, data, runtime, client, node) = setup("faults-full");
    let mut acked = Vec::new();
    let store = data.join("log.redb");
    let refused = runtime.block_on(async {
        for _ in 0..10 {
            let (status, body, jws) = post_create(&client, &node).await;
            assert_eq!(status, 202, "{body}");
            acked.push((body["index"].as_u64().unwrap(), jws));
        }
        // The disk is now full: the store file cannot grow.
        let size = std::fs::metadata(&store).unwrap().len();
        prlimit_fsize(node.child.id(), &size.to_string());
        let mut refused = None;
        for _ in 0..3000 {
            let (status, body, jws) = post_create(&client, &node).await;
            match status {
                202 => acked.push((body["index"].as_u64().unwrap(), jws)),
                503 => {
                    refused = Some(body);
                    break;
                }
                other => panic!("a full disk answered {other}: {body}"),
            }
        }
        let refused = refused.expect("3,000 creates with a full disk and no refusal");
        assert_eq!(refused["code"], "unavailable", "{refused}");
        // Later writes are refused too (until a restart), reads go on.
        let (status, body, _) = post_create(&client, &node).await;
        assert_eq!(status, 503, "{body}");
        let head = verified_head(&client, &node).await;
        assert!(head.size >= 10);
        refused
    });
    prlimit_fsize(node.child.id(), "unlimited");
    drop(node);
    let node = start(&data);
    let entries = runtime.block_on(async {
        let entries = check_log(&client, &node, &acked).await;
        let (status, body, _) = post_create(&client, &node).await;
        assert_eq!(status, 202, "after the restart: {body}");
        entries
    });
    eprintln!(
        "full disk: {} operations acknowledged, then 503 {} ({}); after the restart the log holds all of \
         them ({entries} entries) and takes writes",
        acked.len(),
        refused["code"],
        refused["detail"]
    );
    drop(node);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_read_only_store_stops_the_start_with_its_path_and_changes_nothing() {
    let (dir, data, runtime, client, node) = setup("faults-ro");
    let mut acked = Vec::new();
    runtime.block_on(async {
        for _ in 0..5 {
            let (status, body, jws) = post_create(&client, &node).await;
            assert_eq!(status, 202, "{body}");
            acked.push((body["index"].as_u64().unwrap(), jws));
        }
    });
    drop(node);
    let store = data.join("log.redb");
    // Root ignores file permissions unless its capabilities are dropped.
    if let Some(prefix) = permissions_bind_prefix() {
        std::fs::set_permissions(&store, std::fs::Permissions::from_mode(0o444)).unwrap();
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o555)).unwrap();
        let output = command(&data, &prefix).output().unwrap();
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(&store, std::fs::Permissions::from_mode(0o644)).unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        eprintln!("read-only store: {} {stdout}", output.status);
        assert!(!output.status.success());
        let answer: Value = serde_json::from_str(stdout.trim()).unwrap();
        assert_eq!(answer["ok"], false);
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(
            message.contains(store.to_str().unwrap()),
            "the message names the store: {message}"
        );
    } else {
        eprintln!("read-only store: skipped (root, and setpriv cannot drop capabilities here)");
    }
    let node = start(&data);
    runtime.block_on(async {
        assert_eq!(check_log(&client, &node, &acked).await, acked.len());
        let (status, body, _) = post_create(&client, &node).await;
        assert_eq!(status, 202, "{body}");
    });
    drop(node);
    let _ = std::fs::remove_dir_all(&dir);
}
