//! Anchoring: a did:dojang registry's tree head written to a local EVM dev chain (Foundry's
//! anvil on 127.0.0.1), then read back from the chain and compared with the tree head.
//!
//! Run it with:
//!
//! ```sh
//! npm ci --prefix interop/node        # once: installs anvil under interop/node/node_modules
//! cargo run -p examples --example anchoring
//! ```
//!
//! An anchor fixes the log's root hash at a size in a public place the operator cannot
//! rewrite: anyone can later check that the registry still serves the same history.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, missing_docs)]

use std::path::PathBuf;

use alloy::node_bindings::Anvil;
use did_core::key::{KeyType, SigningKey};
use registry_anchor::anchor::AnchorClient;
use registry_anchor::merkle::encode_hash;
use registry_anchor::node::{NodeConfig, Registry};
use registry_anchor::operation::{self, KeyCommitment, key_document};
use registry_anchor::resolution::{ResolutionVerifier, default_log_id};

/// The anvil binary `npm ci --prefix interop/node` installs (the `@foundry-rs/anvil` package).
fn anvil_binary() -> Option<PathBuf> {
    let scope = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../interop/node/node_modules/@foundry-rs");
    std::fs::read_dir(scope)
        .ok()?
        .filter_map(Result::ok)
        .map(|entry| entry.path().join("bin/anvil"))
        .find(|path| path.is_file())
}

fn key() -> SigningKey {
    SigningKey::generate(KeyType::P256).unwrap()
}

#[tokio::main]
async fn main() {
    println!("Step 1: find anvil, a local EVM development chain.");
    let Some(anvil_path) = anvil_binary() else {
        eprintln!("anvil is not installed: run `npm ci --prefix interop/node` from the repository root");
        eprintln!("(it installs Foundry's anvil under interop/node/node_modules/@foundry-rs), then run again.");
        std::process::exit(1);
    };
    println!("  {}", anvil_path.display());

    println!("Step 2: start an in-process registry and register three DIDs.");
    let dir = std::env::temp_dir().join(format!("dojang-example-anchoring-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let operator = key();
    let log_id = default_log_id(operator.verifying_key());
    let resolver = ResolutionVerifier::new(operator.verifying_key().clone(), log_id.clone());
    let registry = Registry::open(NodeConfig::new(dir.join("log.redb"), log_id.clone(), operator)).unwrap();
    for _ in 0..3 {
        let update_key = key();
        let create = operation::create(
            &update_key,
            KeyCommitment::of(key().verifying_key()),
            key_document(key().verifying_key()),
        )
        .unwrap();
        println!("  registered {}", create.did().as_str());
        registry.submit(create).await.unwrap();
    }

    println!("Step 3: read the registry's signed tree head and check the operator's signature.");
    let signed = resolver.verify_tree_head_view(&registry.tree_head().unwrap()).unwrap();
    let head = signed.head();
    println!("  size {}, root {}", head.size, encode_hash(&head.root_hash));

    println!("Step 4: start anvil on 127.0.0.1 and deploy the DojangAnchor contract.");
    let anvil = Anvil::new().path(anvil_path).try_spawn().unwrap();
    let rpc = format!("http://127.0.0.1:{}", anvil.port());
    let evm_key = format!("0x{}", alloy::hex::encode(anvil.keys()[0].to_bytes()));
    let contract = AnchorClient::deploy(&rpc, &evm_key).await.unwrap();
    println!("  chain at {rpc}, contract {contract}");

    println!("Step 5: anchor the tree head (size and root hash) in a transaction.");
    let client = AnchorClient::connect(&rpc, &evm_key, &contract, &log_id).await.unwrap();
    let receipt = client.anchor(head.size, head.root_hash).await.unwrap();
    println!(
        "  transaction 0x{} in block {}",
        alloy::hex::encode(receipt.tx_hash),
        receipt.block_number
    );

    println!("Step 6: read the anchor back, as anyone could, without a key.");
    let reader = AnchorClient::connect_read_only(&rpc, &contract, &log_id).await.unwrap();
    let anchored = reader.latest().await.unwrap().unwrap();
    println!(
        "  on chain: size {}, root {}, block {}",
        anchored.size,
        encode_hash(&anchored.root_hash),
        anchored.block_number
    );
    let matches = anchored.size == head.size && anchored.root_hash == head.root_hash;
    println!("  the anchor matches the registry's tree head: {matches}");

    drop(reader);
    drop(client);
    drop(anvil);
    drop(registry);
    let _ = std::fs::remove_dir_all(&dir);
    if matches {
        println!("Result: the tree head is anchored on chain and reads back identical.");
    } else {
        println!("Result: FAILED");
        std::process::exit(1);
    }
}
