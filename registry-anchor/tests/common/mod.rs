//! Helpers the registry's integration tests share: a node on 127.0.0.1 through the binary,
//! key files, the CLI, and HTTP GETs.
#![allow(dead_code)]

pub mod chain;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use did_core::key::{KeyType, SigningKey, VerifyingKey};
use registry_anchor::operation::{self, KeyCommitment, Operation};
use registry_anchor::resolution::{ResolutionVerifier, TreeHeadView};
use registry_anchor::tree_head::TreeHead;
use serde_json::{Map, Value, json};

pub const BIN: &str = env!("CARGO_BIN_EXE_registry-anchor");

pub struct Node {
    pub child: Child,
    pub url: String,
    pub log_id: String,
    pub operator: VerifyingKey,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dojang-node-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Starts `registry-anchor serve` on 127.0.0.1 with a 5 ms batch interval.
pub fn start_node(data: &Path) -> Node {
    start_node_with(data, &[])
}

/// Starts `registry-anchor serve` with extra arguments (a 5 ms batch interval unless they give
/// `--batch-interval-ms`), and reads its start line.
pub fn start_node_with(data: &Path, extra: &[&str]) -> Node {
    start_node_at(data, "127.0.0.1:0", extra)
}

/// Starts `registry-anchor serve` listening on `listen`, with extra arguments (a 5 ms batch
/// interval unless they give `--batch-interval-ms`).
pub fn start_node_at(data: &Path, listen: &str, extra: &[&str]) -> Node {
    let mut args = vec!["serve", "--listen", listen];
    if !extra.contains(&"--batch-interval-ms") {
        args.extend(["--batch-interval-ms", "5"]);
    }
    args.extend(["--data", data.to_str().unwrap()]);
    args.extend_from_slice(extra);
    let (child, started) = spawn_started(&args);
    let kid = started["operatorKey"].as_str().unwrap();
    let multikey = kid.split('#').nth(1).unwrap();
    Node {
        child,
        url: started["listening"].as_str().unwrap().to_owned(),
        log_id: started["logId"].as_str().unwrap().to_owned(),
        operator: VerifyingKey::from_multikey(multikey).unwrap(),
    }
}

pub fn key_file(dir: &Path, name: &str) -> PathBuf {
    let key = SigningKey::generate(KeyType::P256).unwrap();
    let path = dir.join(format!("{name}.jwk"));
    std::fs::write(&path, serde_json::to_string(&key.to_jwk()).unwrap()).unwrap();
    path
}

pub fn cli(args: &[&str]) -> (i32, Value) {
    let output = Command::new(BIN).args(args).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout:?}"));
    (output.status.code().unwrap(), value)
}

/// `registry-anchor did <command> --node --did --key [--next-key] [extra ...]`.
pub fn did_cli(
    node: &Node,
    command: &str,
    did: &str,
    key: &Path,
    next_key: Option<&PathBuf>,
    extra: &[&str],
) -> (i32, Value) {
    let mut args = vec![
        "did",
        command,
        "--node",
        &node.url,
        "--did",
        did,
        "--key",
        key.to_str().unwrap(),
    ];
    if let Some(next) = next_key {
        args.extend(["--next-key", next.to_str().unwrap()]);
    }
    args.extend_from_slice(extra);
    cli(&args)
}

pub fn get(url: &str) -> (u16, Value) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let response = reqwest::get(url).await.unwrap();
        let status = response.status().as_u16();
        (status, serde_json::from_str(&response.text().await.unwrap()).unwrap())
    })
}

/// Spawns the binary with `args` and reads the JSON start line it prints once it listens;
/// the rest of its standard output is drained in the background.
pub fn spawn_started(args: &[&str]) -> (Child, Value) {
    spawn_started_with(args, Stdio::inherit())
}

/// [`spawn_started`] with the child's standard error sent to `stderr`.
pub fn spawn_started_with(args: &[&str], stderr: Stdio) -> (Child, Value) {
    let mut child = Command::new(BIN)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let started = read_banner(&mut stdout);
    // Keep reading stdout in the background so the child never blocks on a full pipe.
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    (child, started)
}

/// Reads a `serve` or `mirror` start-up banner (through its last line, `tree size`) as JSON:
/// `listening` (the URL), `logId`, `operatorKey` (serve only) and `size`.
pub fn read_banner(stdout: &mut impl BufRead) -> Value {
    let mut text = String::new();
    loop {
        let mut line = String::new();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "the banner ended early: {text:?}"
        );
        text.push_str(&line);
        if line.trim_start().starts_with("tree size") {
            break;
        }
    }
    let value = |label| did_core::cli::banner_value(&text, label);
    json!({
        "listening": value("listening on"),
        "logId": value("log id"),
        "operatorKey": value("operator key"),
        "size": value("tree size").map(|size| size.parse::<u64>().unwrap()),
    })
}

/// A free port on 127.0.0.1 (a test restarting a node on the same address uses it).
pub use crate::process::free_port;

/// Creates a DID on `node` with two fresh keys in `dir`, and returns it.
pub fn create_did(node: &Node, dir: &Path, name: &str) -> String {
    let key = key_file(dir, &format!("{name}-0"));
    let next = key_file(dir, &format!("{name}-1"));
    create_did_with(node, &key, &next)
}

/// Creates a DID on `node` signed by the key file `key`, committing to `next`, and returns it.
pub fn create_did_with(node: &Node, key: &Path, next: &Path) -> String {
    let (code, created) = cli(&[
        "did",
        "create",
        "--node",
        &node.url,
        "--key",
        key.to_str().unwrap(),
        "--next-key",
        next.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{created}");
    created["did"].as_str().unwrap().to_owned()
}

/// Runs the binary and returns its exit code and its stdout, whatever they are.
pub fn cli_raw(args: &[&str]) -> (i32, String) {
    let output = Command::new(BIN).args(args).output().unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

/// A DID document (relative ids, no `id`) holding `key`, with one service whose endpoint
/// names `version`, so successive updates change the document.
pub fn document(key: &SigningKey, version: usize) -> Map<String, Value> {
    let value = json!({
        "verificationMethod": [{
            "id": "#key-1",
            "type": "Multikey",
            "publicKeyMultibase": key.verifying_key().to_multikey(),
        }],
        "authentication": ["#key-1"],
        "service": [{"id": "#home", "type": "LinkedDomains", "serviceEndpoint": format!("https://v{version}.example/")}],
    });
    match value {
        Value::Object(map) => map,
        _ => unreachable!(),
    }
}

/// A signed `create` of a fresh DID: the operation, its signing key and the committed next key.
pub fn signed_create(key_type: KeyType) -> (Operation, SigningKey, SigningKey) {
    let key = SigningKey::generate(key_type).unwrap();
    let next = SigningKey::generate(key_type).unwrap();
    let create = operation::create(&key, KeyCommitment::of(next.verifying_key()), document(&key, 0)).unwrap();
    (create, key, next)
}

/// The node's latest tree head, checked against its operator key and log id.
pub async fn verified_head(client: &reqwest::Client, node: &Node) -> TreeHead {
    let response = client.get(format!("{}/tree-head", node.url)).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let view: TreeHeadView = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    ResolutionVerifier::new(node.operator.clone(), node.log_id.clone())
        .verify_tree_head_view(&view)
        .unwrap()
        .head()
        .clone()
}

/// Every entry `0..size` through `GET /entries`, page by page (the node caps a page at 1,000),
/// checking that the indexes come back contiguous.
pub async fn all_entries(client: &reqwest::Client, url: &str, size: u64) -> Vec<String> {
    let mut entries = Vec::new();
    while (entries.len() as u64) < size {
        let start = entries.len() as u64;
        let response = client
            .get(format!("{url}/entries?start={start}&end={size}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let page: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
        let page = page["entries"].as_array().unwrap();
        assert!(
            !page.is_empty(),
            "no entries from {start} though the head's size is {size}"
        );
        for entry in page {
            assert_eq!(entry["index"].as_u64().unwrap(), entries.len() as u64);
            entries.push(entry["operation"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(entries.len() as u64, size);
    entries
}
