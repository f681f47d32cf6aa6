//! Anchoring against a real local EVM development chain: Foundry's anvil from npm
//! (`interop/node`, installed by `scripts/test`), started on 127.0.0.1 by each test.

use crate::common;

use std::time::{Duration, Instant};

use common::chain::*;
use common::{Node, cli, cli_raw, create_did, start_node, start_node_with, temp_dir};
use registry_anchor::anchor::{AnchorClient, AnchorError, Anchored, log_key};
use serde_json::Value;

#[test]
#[ignore = "system test (anvil from interop/node): ./scripts/test runs it"]
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
        // Each anchor names the transaction and block that recorded it.
        assert_eq!(anchors[0].block_number, first.block_number);
        assert_eq!(anchors[0].tx_hash, first.tx_hash);
        assert_eq!(anchors[1].block_number, second.block_number);
    });
}

#[test]
#[ignore = "system test (anvil from interop/node): ./scripts/test runs it"]
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

        // Reading needs no key, and a reader cannot write.
        let reader = AnchorClient::connect_read_only(&url, &address, "log-a").await.unwrap();
        assert_eq!(reader.latest().await.unwrap().unwrap().size, 5);
        assert_eq!(reader.at_size(5).await.unwrap().unwrap().root_hash, [1; 32]);
        assert_eq!(reader.at_size(4).await.unwrap(), None);
        let read_only = reader.anchor(6, [1; 32]).await.unwrap_err();
        assert!(matches!(read_only, AnchorError::ReadOnly), "{read_only}");
    });
}

#[test]
#[ignore = "system test (anvil from interop/node): ./scripts/test runs it"]
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
#[ignore = "system test (Node.js and solc from interop/node): ./scripts/test runs it"]
fn anchor_contract_artifact_is_fresh() {
    let script = repo_root().join("registry-anchor/contracts/compile.mjs");
    let output = std::process::Command::new("node")
        .arg(&script)
        .arg("--check")
        .output()
        .expect("node runs (installed by scripts/test)");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

// ---- The operator CLI and the node's periodic task, through the binary ----

#[test]
#[ignore = "system test (anvil from interop/node): ./scripts/test runs it"]
fn the_node_anchors_its_tree_heads_periodically() {
    let dir = temp_dir("anchor-periodic");
    let chain = chain_with_contract(&dir);
    let node = start_node_with(
        &dir.join("data"),
        &[
            "--anchor-rpc",
            &chain.anvil.endpoint(),
            "--anchor-contract",
            &chain.contract,
            "--anchor-key-file",
            chain.key_file.to_str().unwrap(),
            "--anchor-every-secs",
            "1",
        ],
    );
    let key = registry_key(&node);
    // An empty log is never anchored.
    let (code, answer) = check_anchor_cli(&node, &chain, &key, &[]);
    assert_eq!((code, error_code(&answer)), (1, "not_anchored"), "{answer}");

    create_did(&node, &dir, "a");
    create_did(&node, &dir, "b");
    let deadline = Instant::now() + Duration::from_secs(60);
    let answer = loop {
        let (code, answer) = check_anchor_cli(&node, &chain, &key, &[]);
        if code == 0 && answer["anchored"]["size"] == 2 {
            break answer;
        }
        assert!(Instant::now() < deadline, "never anchored: {answer}");
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(answer["ok"], true);
    assert_eq!(answer["consistent"], true);
    assert_eq!(answer["logId"], node.log_id.as_str());
    assert_eq!(answer["treeHead"]["size"], 2);
    assert_eq!(answer["anchored"]["rootHash"], answer["treeHead"]["rootHash"]);
    assert!(answer["anchored"]["block"].as_u64().unwrap() > 1, "{answer}");
    assert!(answer["anchored"]["time"].as_u64().unwrap() > 0, "{answer}");

    // The node anchors only when the log grew: a few idle ticks add nothing on chain.
    std::thread::sleep(Duration::from_millis(2500));
    let reader = runtime().block_on(async {
        let reader = AnchorClient::connect_read_only(&chain.anvil.endpoint(), &chain.contract, &node.log_id)
            .await
            .unwrap();
        reader.anchors().await.unwrap()
    });
    assert_eq!(reader.last().unwrap().size, 2);
    assert!(reader.windows(2).all(|w| w[0].size < w[1].size), "{reader:?}");
}

#[test]
#[ignore = "system test (anvil from interop/node): ./scripts/test runs it"]
fn anchor_cli_writes_the_head_once_and_check_anchor_verifies_it() {
    let dir = temp_dir("anchor-cli");
    let chain = chain_with_contract(&dir);
    let node = start_node(&dir.join("data"));
    let key = registry_key(&node);
    create_did(&node, &dir, "a");

    let (code, first) = anchor_cli(&node, &chain, &key);
    assert_eq!(code, 0, "{first}");
    assert_eq!(first["size"], 1);
    assert_eq!(first["logId"], node.log_id.as_str());
    assert!(first["transaction"].as_str().unwrap().starts_with("0x"));
    assert!(first["block"].as_u64().unwrap() > 0);
    assert!(first.get("alreadyAnchored").is_none());

    // Again: the chain already holds this size, so nothing is sent.
    let (code, again) = anchor_cli(&node, &chain, &key);
    assert_eq!(code, 0, "{again}");
    assert_eq!(again["alreadyAnchored"], true);
    assert_eq!(again["anchored"]["transaction"], first["transaction"]);
    assert!(again.get("transaction").is_none());

    // The registry key may also be a public JWK file.
    let jwk = dir.join("operator.pub.jwk");
    std::fs::write(&jwk, serde_json::to_string(&node.operator.to_jwk()).unwrap()).unwrap();
    let (code, checked) = check_anchor_cli(&node, &chain, jwk.to_str().unwrap(), &[]);
    assert_eq!(code, 0, "{checked}");
    assert_eq!(checked["anchored"]["size"], 1);
    assert_eq!(checked["anchored"]["rootHash"], first["rootHash"]);
    assert_eq!(checked["anchored"]["transaction"], first["transaction"]);
    assert_eq!(checked["anchored"]["block"], first["block"]);

    // The log grows: the old anchor stays consistent with it.
    create_did(&node, &dir, "b");
    create_did(&node, &dir, "c");
    let (code, checked) = check_anchor_cli(&node, &chain, &key, &[]);
    assert_eq!(code, 0, "{checked}");
    assert_eq!(
        (checked["anchored"]["size"].clone(), checked["treeHead"]["size"].clone()),
        (1.into(), 3.into())
    );
    let (code, second) = anchor_cli(&node, &chain, &key);
    assert_eq!((code, second["size"].clone()), (0, 3.into()), "{second}");
    let (code, checked) = check_anchor_cli(&node, &chain, &key, &["--size", "1"]);
    assert_eq!((code, checked["anchored"]["size"].clone()), (0, 1.into()), "{checked}");
    let (code, checked) = check_anchor_cli(&node, &chain, &key, &["--size", "2"]);
    assert_eq!((code, error_code(&checked)), (1, "not_anchored"), "{checked}");

    // Heads signed by another key are refused before anything is read from or sent to the chain.
    let stranger = registry_key(&start_node(&dir.join("other")));
    let (code, refused) = anchor_cli(&node, &chain, &stranger);
    assert_eq!((code, error_code(&refused)), (1, "bad_tree_head"), "{refused}");
    let (code, refused) = check_anchor_cli(&node, &chain, &stranger, &[]);
    assert_eq!((code, error_code(&refused)), (1, "bad_tree_head"), "{refused}");

    // Another account cannot anchor this log: the contract refuses.
    let intruder = dir.join("intruder.hex");
    std::fs::write(&intruder, key_hex(&chain.anvil, 1)).unwrap();
    create_did(&node, &dir, "d");
    let (code, stolen) = cli(&[
        "anchor",
        "--node",
        &node.url,
        "--rpc",
        &chain.anvil.endpoint(),
        "--contract",
        &chain.contract,
        "--key-file",
        intruder.to_str().unwrap(),
        "--registry-key",
        &key,
    ]);
    assert_eq!((code, error_code(&stolen)), (1, "anchor_refused"), "{stolen}");
}

#[test]
#[ignore = "system test (anvil from interop/node): ./scripts/test runs it"]
fn check_anchor_detects_a_rolled_back_or_rewritten_log() {
    let dir = temp_dir("anchor-fork");
    let chain = chain_with_contract(&dir);
    let honest = start_node(&dir.join("a"));
    let key = registry_key(&honest);
    create_did(&honest, &dir, "a1");
    create_did(&honest, &dir, "a2");
    let (code, anchored) = anchor_cli(&honest, &chain, &key);
    assert_eq!((code, anchored["size"].clone()), (0, 2.into()), "{anchored}");

    // The same operator key (so the same log id), another history.
    std::fs::create_dir_all(dir.join("b")).unwrap();
    std::fs::copy(dir.join("a/operator-key.jwk"), dir.join("b/operator-key.jwk")).unwrap();
    let forked = start_node(&dir.join("b"));
    assert_eq!(forked.log_id, honest.log_id);

    // Shorter than the anchor: rolled back.
    create_did(&forked, &dir, "b1");
    let (code, answer) = check_anchor_cli(&forked, &chain, &key, &[]);
    assert_eq!((code, error_code(&answer)), (1, "anchor_ahead"), "{answer}");
    let (code, answer) = anchor_cli(&forked, &chain, &key);
    assert_eq!((code, error_code(&answer)), (1, "anchor_ahead"), "{answer}");

    // As long as the anchor, then longer, with other entries: rewritten.
    create_did(&forked, &dir, "b2");
    let (code, answer) = check_anchor_cli(&forked, &chain, &key, &[]);
    assert_eq!((code, error_code(&answer)), (1, "anchor_mismatch"), "{answer}");
    create_did(&forked, &dir, "b3");
    let (code, answer) = check_anchor_cli(&forked, &chain, &key, &[]);
    assert_eq!((code, error_code(&answer)), (1, "anchor_mismatch"), "{answer}");
    // And the rewritten log is not anchored on top of the honest one.
    let (code, answer) = anchor_cli(&forked, &chain, &key);
    assert_eq!((code, error_code(&answer)), (1, "anchor_mismatch"), "{answer}");

    // The honest node still checks out.
    let (code, answer) = check_anchor_cli(&honest, &chain, &key, &[]);
    assert_eq!(code, 0, "{answer}");
}

#[test]
fn anchoring_arguments_are_checked() {
    let dir = temp_dir("anchor-args");
    let data = dir.join("data");
    let data = data.to_str().unwrap();
    let serve = |extra: &[&str]| {
        let mut args = vec!["serve", "--listen", "127.0.0.1:0", "--data", data];
        args.extend_from_slice(extra);
        cli_raw(&args).0
    };
    // Usage errors (exit 2): an RPC without contract or key, a contract without RPC, interval 0.
    assert_eq!(serve(&["--anchor-rpc", "http://127.0.0.1:1"]), 2);
    assert_eq!(
        serve(&["--anchor-rpc", "http://127.0.0.1:1", "--anchor-key-file", "k"]),
        2
    );
    assert_eq!(
        serve(&["--anchor-contract", "0x0000000000000000000000000000000000000001"]),
        2
    );
    let key_file = dir.join("evm-key.hex");
    std::fs::write(
        &key_file,
        "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    )
    .unwrap();
    let key_file = key_file.to_str().unwrap();
    let contract = "0x0000000000000000000000000000000000000001";
    let mut zero = vec![
        "--anchor-rpc",
        "http://127.0.0.1:1",
        "--anchor-contract",
        contract,
        "--anchor-key-file",
        key_file,
    ];
    zero.extend(["--anchor-every-secs", "0"]);
    assert_eq!(serve(&zero), 2);

    // A key file that holds no key, or a contract that is no address: the node does not start (exit 1).
    let bad_key = dir.join("bad.hex");
    std::fs::write(&bad_key, "not a key").unwrap();
    let (code, out) = cli_raw(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--data",
        data,
        "--anchor-rpc",
        "http://127.0.0.1:1",
        "--anchor-contract",
        contract,
        "--anchor-key-file",
        bad_key.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("invalid_key") && !out.contains("not a key"), "{out}");
    let (code, out) = cli_raw(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--data",
        data,
        "--anchor-rpc",
        "http://127.0.0.1:1",
        "--anchor-contract",
        "nowhere",
        "--anchor-key-file",
        key_file,
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("no_contract"), "{out}");

    let some_key = did_core::key::SigningKey::generate(did_core::key::KeyType::P256).unwrap();
    let some_key = format!("did:key:{}", some_key.verifying_key().to_multikey());
    // The CLI: a missing argument is a usage error; a node that is not there is a failure.
    assert_eq!(cli_raw(&["anchor", "--node", "http://127.0.0.1:1"]).0, 2);
    assert_eq!(cli_raw(&["check-anchor", "--node", "http://127.0.0.1:1"]).0, 2);
    let (code, answer) = cli(&[
        "check-anchor",
        "--node",
        "http://127.0.0.1:1",
        "--rpc",
        "http://127.0.0.1:1",
        "--contract",
        contract,
        "--registry-key",
        &some_key,
    ]);
    assert_eq!((code, error_code(&answer)), (1, "unreachable"), "{answer}");
    let (code, answer) = cli(&[
        "anchor",
        "--node",
        "http://127.0.0.1:1",
        "--rpc",
        "http://127.0.0.1:1",
        "--contract",
        contract,
        "--key-file",
        bad_key.to_str().unwrap(),
        "--registry-key",
        &some_key,
    ]);
    assert_eq!((code, error_code(&answer)), (1, "invalid_key"), "{answer}");
}

#[test]
#[ignore = "system test (anvil from interop/node): ./scripts/test runs it"]
fn periodic_failures_go_to_stderr_and_the_node_recovers() {
    use std::io::{BufRead as _, BufReader};
    use std::process::{Command, Stdio};

    let dir = temp_dir("anchor-recover");
    let anvil = start_chain();
    let key = key_hex(&anvil, 0);
    let key_file = dir.join("evm-key.hex");
    std::fs::write(&key_file, &key).unwrap();
    // Where the first deployment by account 0 will be: nothing is there yet.
    let contract = anvil.addresses()[0].create(0).to_string();
    let mut child = Command::new(common::BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--batch-interval-ms", "5", "--data"])
        .arg(dir.join("data"))
        .args(["--anchor-rpc", &anvil.endpoint(), "--anchor-contract", &contract])
        .arg("--anchor-key-file")
        .arg(&key_file)
        .args(["--anchor-every-secs", "1"])
        .env("DOJANG_LOG_FORMAT", "json")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let started = common::read_banner(&mut stdout);
    let multikey = started["operatorKey"].as_str().unwrap().split('#').nth(1).unwrap();
    let node = Node {
        child,
        url: started["listening"].as_str().unwrap().to_owned(),
        log_id: started["logId"].as_str().unwrap().to_owned(),
        operator: did_core::key::VerifyingKey::from_multikey(multikey).unwrap(),
    };
    // The node logs through `tracing` as JSON lines (DOJANG_LOG_FORMAT=json): the anchoring
    // events are told from the request log by their message.
    let (tx, lines) = std::sync::mpsc::channel::<Value>();
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            let event: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
            if matches!(event["message"].as_str(), Some("anchor failed" | "anchored")) {
                let _ = tx.send(event);
            }
        }
    });
    create_did(&node, &dir, "a");

    // Two failed rounds, one JSON line each; the node keeps serving.
    for _ in 0..2 {
        let event = lines.recv_timeout(Duration::from_secs(30)).unwrap();
        assert_eq!(event["message"], "anchor failed", "{event}");
        assert_eq!(event["level"], "WARN", "{event}");
        assert_eq!(event["code"], "no_contract", "{event}");
        assert!(
            !event.to_string().contains(key.trim_start_matches("0x")),
            "the key leaked: {event}"
        );
    }
    create_did(&node, &dir, "b");

    // The contract appears where the node looks: the next round anchors.
    let deployed = runtime()
        .block_on(AnchorClient::deploy(&anvil.endpoint(), &key))
        .unwrap();
    assert_eq!(deployed, contract);
    let anchored = loop {
        let event = lines.recv_timeout(Duration::from_secs(30)).unwrap();
        if event["message"] == "anchored" {
            break event;
        }
    };
    assert_eq!(anchored["size"], 2);
    assert_eq!(anchored["log_id"], node.log_id.as_str());
    let chain = Chain {
        anvil,
        contract,
        key_file,
    };
    let (code, checked) = check_anchor_cli(&node, &chain, &registry_key(&node), &[]);
    assert_eq!(code, 0, "{checked}");
    assert_eq!(checked["anchored"]["transaction"], anchored["transaction"]);
}
