//! `verifier resolve` for did:dojang: the real binary against an in-process registry node on
//! 127.0.0.1, with every proof checked, and offline through a snapshot.

use crate::support;

use std::process::Command;

use did_core::key::{KeyType, SigningKey};
use serde_json::Value;
use support::registry::Node;

fn verifier(args: &[&str]) -> (i32, Value) {
    let output = Command::new(env!("CARGO_BIN_EXE_verifier"))
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    (
        output.status.code().unwrap(),
        serde_json::from_str(&stdout).unwrap_or(Value::Null),
    )
}

/// A node with one DID, served on 127.0.0.1 from a background runtime. Returns the runtime
/// (dropping it stops the node), the URL, the operator's did:key and the DID.
fn node(name: &str) -> (tokio::runtime::Runtime, String, String, String) {
    let node = Node::start(&format!("verifier-{name}"), KeyType::Ed25519);
    (node.rt, node.url, node.operator_did, node.did)
}

#[test]
fn resolves_did_dojang_with_proofs_and_exits_one_when_a_proof_fails() {
    let (_rt, url, operator, did) = node("resolve");
    let (code, json) = verifier(&["resolve", &did, "--registry", &url, "--registry-key", &operator]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["didDocument"]["id"], did.as_str());
    assert_eq!(json["didDocumentMetadata"]["deactivated"], false);
    assert_eq!(json["didDocumentMetadata"]["treeHead"]["size"], 1);

    // Trusting another operator key: the tree head's signature fails, so resolution fails.
    let stranger = SigningKey::generate(KeyType::P256).unwrap();
    let stranger = format!("did:key:{}", stranger.verifying_key().to_multikey());
    let (code, json) = verifier(&[
        "resolve",
        &did,
        "--registry",
        &url,
        "--registry-key",
        &stranger,
        "--registry-log-id",
        &operator,
    ]);
    assert_eq!(code, 1, "{json}");
    assert_eq!(json["didResolutionMetadata"]["error"], "invalidProof");
    assert!(json["didDocument"].is_null());

    // A registry without a key to check it against is a usage error.
    let output = Command::new(env!("CARGO_BIN_EXE_verifier"))
        .args(["resolve", &did, "--registry", &url])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn a_door_resolves_from_a_snapshot_without_the_registry() {
    let (rt, url, operator, did) = node("snapshot");
    let out = std::env::temp_dir().join(format!("dojang-verifier-{}-snapshot.json", std::process::id()));
    let out_arg = out.to_str().unwrap();
    let (code, json) = verifier(&[
        "registry-snapshot",
        "--registry",
        &url,
        "--registry-key",
        &operator,
        "--out",
        out_arg,
        &did,
    ]);
    assert_eq!(code, 0, "{json}");
    drop(rt); // the registry is gone
    let (code, json) = verifier(&[
        "resolve",
        &did,
        "--registry-key",
        &operator,
        "--registry-snapshot",
        out_arg,
    ]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["didDocument"]["id"], did.as_str());
    // A snapshot checked against another key does not load.
    let stranger = SigningKey::generate(KeyType::P256).unwrap();
    let stranger = format!("did:key:{}", stranger.verifying_key().to_multikey());
    let output = Command::new(env!("CARGO_BIN_EXE_verifier"))
        .args([
            "resolve",
            &did,
            "--registry-key",
            &stranger,
            "--registry-log-id",
            &operator,
            "--registry-snapshot",
            out_arg,
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}
