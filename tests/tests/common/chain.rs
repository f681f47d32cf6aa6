//! A local EVM dev chain (Foundry's anvil from `interop/node`, installed by scripts/test) with
//! the anchor contract, and the registry's anchoring command line.

use std::path::{Path, PathBuf};

use alloy::node_bindings::{Anvil, AnvilInstance};
use clap::Parser as _;
use registry_anchor::anchor::AnchorClient;

/// anvil on 127.0.0.1 with the anchor contract deployed; stopped when dropped.
pub struct Chain {
    pub anvil: AnvilInstance,
    pub contract: String,
    pub key_file: PathBuf,
}

fn anvil_binary() -> PathBuf {
    let scope = super::repo_root().join("interop/node/node_modules/@foundry-rs");
    std::fs::read_dir(&scope)
        .ok()
        .and_then(|dir| {
            dir.filter_map(Result::ok)
                .map(|entry| entry.path().join("bin/anvil"))
                .find(|path| path.is_file())
        })
        .unwrap_or_else(|| {
            panic!(
                "anvil is not under {}: run `npm ci --prefix interop/node`",
                scope.display()
            )
        })
}

impl Chain {
    pub async fn start(dir: &Path) -> Chain {
        let anvil = Anvil::new().path(anvil_binary()).try_spawn().expect("anvil starts");
        let key = format!("0x{}", alloy::hex::encode(anvil.keys()[0].to_bytes()));
        let contract = AnchorClient::deploy(&anvil.endpoint(), &key).await.unwrap();
        let key_file = dir.join("evm-key.hex");
        std::fs::write(&key_file, format!("{key}\n")).unwrap();
        Chain {
            anvil,
            contract,
            key_file,
        }
    }

    /// `registry-anchor <command> --node <node> --rpc .. --contract .. --registry-key ..
    /// [extra]`, as an operator runs it; returns the exit code.
    pub async fn cli(&self, command: &str, node: &str, registry_key: &str, extra: &[&str]) -> i32 {
        let mut args: Vec<String> = [
            "registry-anchor",
            command,
            "--node",
            node,
            "--rpc",
            &self.anvil.endpoint(),
            "--contract",
            &self.contract,
            "--registry-key",
            registry_key,
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        let cli = registry_anchor::cli::Cli::try_parse_from(&args).unwrap();
        tokio::task::spawn_blocking(move || registry_anchor::cli::run(cli))
            .await
            .unwrap()
    }
}
