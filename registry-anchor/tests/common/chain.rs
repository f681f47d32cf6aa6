//! A local EVM chain for tests: Foundry's anvil from npm (`interop/node`, installed by
//! `scripts/test`) on 127.0.0.1, the anchor contract, and the anchoring CLI.

use std::path::{Path, PathBuf};

use alloy::node_bindings::{Anvil, AnvilInstance};
use registry_anchor::anchor::AnchorClient;
use serde_json::Value;

use super::{Node, cli};

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The anvil binary that `@foundry-rs/anvil` installed for this platform.
pub fn anvil_binary() -> PathBuf {
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

pub fn start_chain() -> AnvilInstance {
    Anvil::new()
        .path(anvil_binary())
        .try_spawn()
        .expect("anvil starts on 127.0.0.1")
}

pub fn key_hex(anvil: &AnvilInstance, index: usize) -> String {
    format!("0x{}", alloy::hex::encode(anvil.keys()[index].to_bytes()))
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A chain with the contract deployed, and a key file for its first account.
pub struct Chain {
    pub anvil: AnvilInstance,
    pub contract: String,
    pub key_file: PathBuf,
}

pub fn chain_with_contract(dir: &Path) -> Chain {
    let anvil = start_chain();
    let key = key_hex(&anvil, 0);
    let contract = runtime()
        .block_on(AnchorClient::deploy(&anvil.endpoint(), &key))
        .unwrap();
    let key_file = dir.join("evm-key.hex");
    std::fs::write(&key_file, format!("{key}\n")).unwrap();
    Chain {
        anvil,
        contract,
        key_file,
    }
}

/// The node's operator key as the did:key DID a verifier configures.
pub fn registry_key(node: &Node) -> String {
    format!("did:key:{}", node.operator.to_multikey())
}

pub fn anchor_cli(node: &Node, chain: &Chain, registry_key: &str) -> (i32, Value) {
    cli(&[
        "anchor",
        "--node",
        &node.url,
        "--rpc",
        &chain.anvil.endpoint(),
        "--contract",
        &chain.contract,
        "--key-file",
        chain.key_file.to_str().unwrap(),
        "--registry-key",
        registry_key,
    ])
}

pub fn check_anchor_cli(node: &Node, chain: &Chain, registry_key: &str, extra: &[&str]) -> (i32, Value) {
    let endpoint = chain.anvil.endpoint();
    let mut args = vec![
        "check-anchor",
        "--node",
        &node.url,
        "--rpc",
        &endpoint,
        "--contract",
        &chain.contract,
        "--registry-key",
        registry_key,
    ];
    args.extend_from_slice(extra);
    cli(&args)
}

pub fn error_code(answer: &Value) -> &str {
    answer["error"]["code"].as_str().unwrap_or_default()
}
