//! The registry end to end on 127.0.0.1: a node and a mirror (both through the binary), DIDs
//! created, updated, rotated (pre-rotation) and deactivated, resolved through the mirror by the
//! did:dojang client with every proof checked, a tree head anchored to a local EVM chain, and
//! a rewritten log caught by the mirror, the client and the anchor check.

use crate::common;

use std::io::{BufReader, Read as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::chain::{Chain, anchor_cli, chain_with_contract, check_anchor_cli, error_code};
use common::{BIN, Node, cli, create_did, create_did_with, did_cli, free_port, get, key_file, start_node_at, temp_dir};
use did_core::key::{Jwk, SigningKey};
use did_core::resolve::{ResolutionError, Resolver};
use registry_anchor::client::RegistryResolver;
use registry_anchor::resolution::ResolutionVerifier;
use registry_anchor::tree_head::{SignedTreeHead, Witness};
use serde_json::Value;

struct Mirror {
    child: Child,
    url: String,
}

impl Drop for Mirror {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_mirror(data: &Path, upstream: &Node) -> Mirror {
    let registry_key = format!("did:key:{}", upstream.operator.to_multikey());
    let mut child = Command::new(BIN)
        .args(["mirror", "--listen", "127.0.0.1:0", "--poll-ms", "50", "--upstream"])
        .arg(&upstream.url)
        .args(["--registry-key", &registry_key, "--log-id", &upstream.log_id, "--data"])
        .arg(data)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let started = crate::common::read_banner(&mut stdout);
    child.stdout = Some(stdout.into_inner());
    Mirror {
        child,
        url: started["listening"].as_str().unwrap().to_owned(),
    }
}

fn size_of(url: &str) -> u64 {
    let (status, head) = get(&format!("{url}/tree-head"));
    if status != 200 {
        return 0;
    }
    let compact = head["treeHead"].as_str().unwrap();
    registry_anchor::tree_head::UnverifiedTreeHead::parse(compact)
        .unwrap()
        .head()
        .size
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(25));
    }
}

fn resolver_for(node: &Node, url: &str) -> RegistryResolver {
    RegistryResolver::new(
        [url],
        ResolutionVerifier::new(node.operator.clone(), node.log_id.clone()),
    )
    .unwrap()
    .with_ttl(Duration::ZERO)
}

fn public_multikey(path: &PathBuf) -> String {
    let jwk = Jwk::from_json(&std::fs::read_to_string(path).unwrap()).unwrap();
    SigningKey::from_jwk(&jwk).unwrap().verifying_key().to_multikey()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
#[ignore = "system test (anvil from interop/node): ./scripts/test runs it"]
fn dids_live_on_a_node_resolve_through_a_mirror_with_proofs_and_a_rewritten_log_is_caught() {
    let dir = temp_dir("mirror-e2e");
    let listen = format!("127.0.0.1:{}", free_port());
    let node = start_node_at(&dir.join("node"), &listen, &[]);
    let mirror = start_mirror(&dir.join("mirror"), &node);
    let keys: Vec<PathBuf> = (0..4).map(|i| key_file(&dir, &format!("alice{i}"))).collect();

    // Alice: create, update by JSON Patch, rotate to the pre-committed key, deactivate.
    let alice = create_did_with(&node, &keys[0], &keys[1]);
    let patch = dir.join("patch.json");
    std::fs::write(
        &patch,
        r##"[{"op":"add","path":"/service","value":[{"id":"#hr","type":"LinkedDomains","serviceEndpoint":"https://hr.example"}]}]"##,
    )
    .unwrap();
    let (code, out) = did_cli(
        &node,
        "update",
        &alice,
        &keys[1],
        Some(&keys[2]),
        &["--patch", patch.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{out}");
    let (code, out) = did_cli(&node, "rotate", &alice, &keys[2], Some(&keys[3]), &[]);
    assert_eq!(code, 0, "{out}");

    // Bob: created and rotated; Carol: created only.
    let bob_keys: Vec<PathBuf> = (0..3).map(|i| key_file(&dir, &format!("bob{i}"))).collect();
    let bob = create_did_with(&node, &bob_keys[0], &bob_keys[1]);
    let (code, out) = did_cli(&node, "rotate", &bob, &bob_keys[1], Some(&bob_keys[2]), &[]);
    assert_eq!(code, 0, "{out}");
    let carol = create_did(&node, &dir, "carol");

    // A resolver that has seen the rotated state of Alice through the node.
    let rt = runtime();
    let client = resolver_for(&node, &mirror.url);
    wait_until("the mirror caught up", || size_of(&mirror.url) == 6);
    let resolved = rt.block_on(client.resolve_verified(&alice, false)).unwrap();
    assert_eq!(resolved.state().version(), 3);
    let document = serde_json::to_string(resolved.state().document()).unwrap();
    assert!(
        document.contains(&public_multikey(&keys[2])),
        "rotated to the committed key"
    );
    assert!(!document.contains(&public_multikey(&keys[0])), "the first key is gone");
    assert!(document.contains("https://hr.example"));

    let (code, out) = did_cli(&node, "deactivate", &alice, &keys[3], None, &[]);
    assert_eq!(code, 0, "{out}");
    wait_until("the mirror copied the deactivation", || size_of(&mirror.url) == 7);
    // Through the did-core Resolver trait: deactivated metadata, and no key can be used.
    let result = rt.block_on(client.resolve_to_result(&alice));
    assert_eq!(result.did_document_metadata.deactivated, Some(true), "{result:?}");
    assert!(result.did_document_metadata.updated.is_some());
    let bob_state = rt.block_on(client.resolve_verified(&bob, false)).unwrap();
    assert!(
        serde_json::to_string(bob_state.state().document())
            .unwrap()
            .contains(&public_multikey(&bob_keys[1]))
    );
    rt.block_on(client.resolve_verified(&carol, false)).unwrap();
    // The mirror answers exactly what the node answers.
    for did in [&alice, &bob, &carol] {
        assert_eq!(
            get(&format!("{}/dids/{did}", node.url)).1["didDocument"],
            get(&format!("{}/dids/{did}", mirror.url)).1["didDocument"]
        );
    }
    // A mirror does not take writes.
    let (status, refused) = post(&format!("{}/operations", mirror.url), "x.y.z");
    assert_eq!(status, 405, "{refused}");

    // Anchor the node's head to a local EVM chain; the anchor checks out through the mirror.
    let chain: Chain = chain_with_contract(&dir);
    let registry_key = format!("did:key:{}", node.operator.to_multikey());
    let (code, anchored) = anchor_cli(&node, &chain, &registry_key);
    assert_eq!(code, 0, "{anchored}");
    assert_eq!(anchored["size"], 7);
    let endpoint = chain.anvil.endpoint();
    let (code, checked) = cli(&[
        "check-anchor",
        "--node",
        &mirror.url,
        "--rpc",
        &endpoint,
        "--contract",
        &chain.contract,
        "--registry-key",
        &registry_key,
    ]);
    assert_eq!(code, 0, "{checked}");
    // A client asking the node directly has seen the honest head of size 7.
    let direct = resolver_for(&node, &node.url);
    rt.block_on(direct.resolve_verified(&bob, false)).unwrap();
    assert_eq!(direct.seen_tree_head().unwrap().size, 7);
    let operator = node.operator.clone();

    // The operator rewrites history: same key and address, a fresh store with other entries,
    // longer than what was published.
    let operator_key = std::fs::read(dir.join("node/operator-key.jwk")).unwrap();
    drop(node);
    std::fs::create_dir_all(dir.join("rewritten")).unwrap();
    std::fs::write(dir.join("rewritten/operator-key.jwk"), operator_key).unwrap();
    let rewritten = start_node_at(&dir.join("rewritten"), &listen, &[]);
    assert_eq!(rewritten.operator, operator);
    for i in 0..9 {
        create_did(&rewritten, &dir, &format!("forger{i}"));
    }

    // The mirror stops, non-zero, saying so on stderr and in its JSON result.
    let mut mirror = mirror;
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = mirror.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the mirror kept following a rewritten log");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(1));
    let mut stderr = String::new();
    mirror.child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    assert!(stderr.contains("UPSTREAM LOG FORKED OR REWRITTEN"), "{stderr}");
    let mut stdout = String::new();
    mirror.child.stdout.take().unwrap().read_to_string(&mut stdout).unwrap();
    let result: Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    assert_eq!(error_code(&result), "upstream_forked", "{result}");

    // The client that saw the honest log refuses the rewritten one, even for a DID it never
    // resolved (a newcomer, with no memory, would accept it: that is what witnesses and
    // anchors are for).
    let forged = create_did(&rewritten, &dir, "forged");
    let newcomer = resolver_for(&rewritten, &rewritten.url);
    rt.block_on(newcomer.resolve_verified(&forged, false)).unwrap();
    let error = rt.block_on(direct.resolve_verified(&forged, false));
    assert!(matches!(error, Err(ResolutionError::InvalidProof(_))), "{error:?}");
    let error = rt.block_on(direct.latest_tree_head());
    assert!(matches!(error, Err(ResolutionError::InvalidProof(_))), "{error:?}");

    // And the anchor no longer matches the log the node serves.
    let (code, mismatch) = check_anchor_cli(&rewritten, &chain, &registry_key, &[]);
    assert_eq!(code, 1, "{mismatch}");
    assert_eq!(error_code(&mismatch), "anchor_mismatch", "{mismatch}");
}

fn post(url: &str, body: &str) -> (u16, Value) {
    runtime().block_on(async {
        let response = reqwest::Client::new()
            .post(url)
            .body(body.to_owned())
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, serde_json::from_str(&response.text().await.unwrap()).unwrap())
    })
}

fn witness_cli(node: &Node, key: &Path, state: &Path) -> (i32, Value) {
    let registry_key = format!("did:key:{}", node.operator.to_multikey());
    cli(&[
        "witness",
        "--once",
        "--node",
        &node.url,
        "--registry-key",
        &registry_key,
        "--log-id",
        &node.log_id,
        "--key",
        key.to_str().unwrap(),
        "--state",
        state.to_str().unwrap(),
    ])
}

#[test]
fn witnesses_co_sign_consistent_heads_and_resolvers_can_require_them() {
    let dir = temp_dir("witness");
    let listen = format!("127.0.0.1:{}", free_port());
    let node = start_node_at(&dir.join("node"), &listen, &[]);
    let witness_key = key_file(&dir, "witness");
    let witness_public = public_multikey(&witness_key);
    let state = dir.join("witness-state.jws");
    let alice = create_did(&node, &dir, "alice");
    let (code, signed) = witness_cli(&node, &witness_key, &state);
    assert_eq!(code, 0, "{signed}");
    assert_eq!(signed["size"], 1);

    let rt = runtime();
    let policy = |threshold| {
        let witness = did_core::key::VerifyingKey::from_multikey(&witness_public).unwrap();
        let stranger = key_file(&dir, "stranger");
        let stranger = did_core::key::VerifyingKey::from_multikey(&public_multikey(&stranger)).unwrap();
        registry_anchor::tree_head::WitnessPolicy::new([witness, stranger], threshold).unwrap()
    };
    let verifier = |threshold| {
        ResolutionVerifier::new(node.operator.clone(), node.log_id.clone()).with_witnesses(policy(threshold))
    };
    let one_of_two = RegistryResolver::new([node.url.as_str()], verifier(1)).unwrap();
    rt.block_on(one_of_two.resolve_verified(&alice, false)).unwrap();
    let two_of_two = RegistryResolver::new([node.url.as_str()], verifier(2)).unwrap();
    let error = rt.block_on(two_of_two.resolve_verified(&alice, false)).unwrap_err();
    assert!(matches!(error, ResolutionError::InvalidProof(_)), "{error}");

    // The log grows; the witness checks consistency with the head it signed and co-signs again.
    let bob = create_did(&node, &dir, "bob");
    let error = rt.block_on(one_of_two.resolve_verified(&bob, true)).unwrap_err();
    assert!(
        matches!(error, ResolutionError::InvalidProof(_)),
        "the new head is not co-signed yet"
    );
    let (code, signed) = witness_cli(&node, &witness_key, &state);
    assert_eq!(code, 0, "{signed}");
    assert_eq!(signed["size"], 2);
    rt.block_on(one_of_two.resolve_verified(&bob, true)).unwrap();

    // A rewritten log under the same key is never co-signed by this witness.
    let operator_key = std::fs::read(dir.join("node/operator-key.jwk")).unwrap();
    drop(node);
    std::fs::create_dir_all(dir.join("rewritten")).unwrap();
    std::fs::write(dir.join("rewritten/operator-key.jwk"), operator_key).unwrap();
    let rewritten = start_node_at(&dir.join("rewritten"), &listen, &[]);
    for i in 0..3 {
        create_did(&rewritten, &dir, &format!("forger{i}"));
    }
    let (code, refused) = witness_cli(&rewritten, &witness_key, &state);
    assert_eq!(code, 1, "{refused}");
    assert_eq!(error_code(&refused), "inconsistent", "{refused}");
    // The node takes only co-signatures over its latest head: one over the honest head the
    // witness signed is refused, as is garbage; one over the current head is taken.
    let witness = Witness::new(
        SigningKey::from_jwk(&Jwk::from_json(&std::fs::read_to_string(&witness_key).unwrap()).unwrap()).unwrap(),
        rewritten.operator.clone(),
        rewritten.log_id.clone(),
    );
    let honest_head =
        SignedTreeHead::verify(std::fs::read_to_string(&state).unwrap().trim(), &rewritten.operator).unwrap();
    let stale = witness.cosign(None, &honest_head, &[]).unwrap();
    let (status, problem) = post(&format!("{}/cosignatures", rewritten.url), stale.as_compact());
    assert_eq!(
        (status, problem["code"].as_str()),
        (409, Some("cosignature_refused")),
        "{problem}"
    );
    let (status, _) = post(&format!("{}/cosignatures", rewritten.url), "not.a.jws");
    assert_eq!(status, 409);
    let (_, current) = get(&format!("{}/tree-head", rewritten.url));
    let current = SignedTreeHead::verify(current["treeHead"].as_str().unwrap(), &rewritten.operator).unwrap();
    let fresh = witness.cosign(None, &current, &[]).unwrap();
    let (status, taken) = post(&format!("{}/cosignatures", rewritten.url), fresh.as_compact());
    assert_eq!((status, taken["cosignatures"].as_u64()), (202, Some(1)), "{taken}");
}
