//! Anchoring against a real local EVM development chain: Foundry's anvil from npm
//! (`interop/node`, installed by `scripts/test`), started on 127.0.0.1 by each test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::path::PathBuf;

use alloy::node_bindings::{Anvil, AnvilInstance};
use registry_anchor::anchor::{AnchorClient, AnchorError, Anchored, log_key};

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The anvil binary that `@foundry-rs/anvil` installed for this platform.
fn anvil_binary() -> PathBuf {
    let scope = repo_root().join("interop/node/node_modules/@foundry-rs");
    let found = std::fs::read_dir(&scope).ok().and_then(|dir| {
        dir.filter_map(Result::ok)
            .map(|entry| entry.path().join("bin/anvil"))
            .find(|path| path.is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "anvil is not installed under {}: run `npm ci --prefix interop/node`",
            scope.display()
        )
    })
}

fn start_chain() -> AnvilInstance {
    Anvil::new()
        .path(anvil_binary())
        .try_spawn()
        .expect("anvil starts on 127.0.0.1")
}

fn key_hex(anvil: &AnvilInstance, index: usize) -> String {
    format!("0x{}", alloy::hex::encode(anvil.keys()[index].to_bytes()))
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn anchors_tree_heads_and_reads_them_back() {
    let anvil = start_chain();
    let url = anvil.endpoint();
    let operator = key_hex(&anvil, 0);
    runtime().block_on(async {
        let address = AnchorClient::deploy(&url, &operator).await.unwrap();
        let client = AnchorClient::connect(&url, &operator, &address, "did:dojang test log")
            .await
            .unwrap();
        assert_eq!(client.latest().await.unwrap(), None);

        let first = client.anchor(3, [7; 32]).await.unwrap();
        let second = client.anchor(10, [9; 32]).await.unwrap();
        assert!(second.block_number > first.block_number);
        // The same head again is allowed (idempotent re-anchoring after a crash).
        client.anchor(10, [9; 32]).await.unwrap();

        let anchors = client.anchors().await.unwrap();
        let sizes: Vec<(u64, [u8; 32])> = anchors.iter().map(|a| (a.size, a.root_hash)).collect();
        assert_eq!(sizes, vec![(3, [7; 32]), (10, [9; 32]), (10, [9; 32])]);
        let sender: [u8; 20] = anvil.addresses()[0].into();
        assert!(
            anchors
                .iter()
                .all(|a: &Anchored| a.sender == sender && a.block_time > 0)
        );
    });
}

#[test]
fn the_contract_refuses_shrinking_sizes_changed_roots_and_other_senders() {
    let anvil = start_chain();
    let url = anvil.endpoint();
    let operator = key_hex(&anvil, 0);
    runtime().block_on(async {
        let address = AnchorClient::deploy(&url, &operator).await.unwrap();
        let client = AnchorClient::connect(&url, &operator, &address, "log-a").await.unwrap();
        client.anchor(5, [1; 32]).await.unwrap();

        let shrink = client.anchor(4, [2; 32]).await.unwrap_err();
        assert!(matches!(shrink, AnchorError::Refused(_)), "{shrink}");
        let fork = client.anchor(5, [2; 32]).await.unwrap_err();
        assert!(matches!(fork, AnchorError::Refused(_)), "{fork}");

        let intruder = AnchorClient::connect(&url, &key_hex(&anvil, 1), &address, "log-a")
            .await
            .unwrap();
        let stolen = intruder.anchor(6, [3; 32]).await.unwrap_err();
        assert!(matches!(stolen, AnchorError::Refused(_)), "{stolen}");

        // Another log on the same contract belongs to whoever anchors it first.
        let other = AnchorClient::connect(&url, &key_hex(&anvil, 1), &address, "log-b")
            .await
            .unwrap();
        other.anchor(1, [4; 32]).await.unwrap();

        assert_eq!(client.anchors().await.unwrap().len(), 1);
        assert_ne!(log_key("log-a"), log_key("log-b"));
    });
}

#[test]
fn connecting_checks_the_key_the_url_and_the_contract() {
    let anvil = start_chain();
    let url = anvil.endpoint();
    runtime().block_on(async {
        let operator = key_hex(&anvil, 0);
        let not_a_key = AnchorClient::connect(&url, "0x1234", "0x0000000000000000000000000000000000000001", "l")
            .await
            .unwrap_err();
        assert!(matches!(not_a_key, AnchorError::InvalidKey), "{not_a_key}");
        let bad_url = AnchorClient::connect(
            "not a url",
            &operator,
            "0x0000000000000000000000000000000000000001",
            "l",
        )
        .await
        .unwrap_err();
        assert!(matches!(bad_url, AnchorError::InvalidUrl(_)), "{bad_url}");
        let empty = AnchorClient::connect(&url, &operator, "0x0000000000000000000000000000000000000001", "l")
            .await
            .unwrap_err();
        assert!(matches!(empty, AnchorError::NoContract(_)), "{empty}");
    });
}

/// The committed ABI and bytecode are what `contracts/compile.mjs` makes from the source.
#[test]
fn anchor_contract_artifact_is_fresh() {
    let script = repo_root().join("registry-anchor/contracts/compile.mjs");
    let output = std::process::Command::new("node")
        .arg(&script)
        .arg("--check")
        .output()
        .expect("node runs (installed by scripts/test)");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}
