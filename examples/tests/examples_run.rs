//! Runs every example binary and checks what it prints, so the examples a newcomer reads
//! first keep working. `cargo test -p examples` builds the examples before running this.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::path::PathBuf;
use std::process::Command;

/// `target/<profile>/examples/<name>`, next to this test's `target/<profile>/deps/`.
fn example_binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let path = profile_dir.join("examples").join(name);
    assert!(
        path.is_file(),
        "{} is missing: run `cargo test -p examples` (it builds the examples first)",
        path.display()
    );
    path
}

/// Runs example `name`, asserts it succeeded, and returns what it printed.
fn run(name: &str) -> String {
    let output = Command::new(example_binary(name)).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "example {name} failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    stdout
}

fn assert_has(output: &str, expected: &str) {
    assert!(output.contains(expected), "expected {expected:?} in:\n{output}");
}

#[test]
fn resolve_did() {
    let out = run("resolve_did");
    assert_has(&out, "DID: did:key:zDn");
    assert_has(&out, "DID: did:jwk:");
    assert_has(&out, "\"assertionMethod\"");
    assert_has(&out, "the resolved key is the one we generated: true");
    assert_has(&out, "did:example:123 -> error methodNotSupported");
    assert_has(&out, "Result: resolved a did:key and a did:jwk.");
}

#[test]
fn issue_and_verify() {
    let out = run("issue_and_verify");
    for format in [
        "vc+jwt",
        "vc1-jwt",
        "sd-jwt",
        "ecdsa-rdfc-2019",
        "ecdsa-jcs-2019",
        "eddsa-rdfc-2022",
        "eddsa-jcs-2022",
    ] {
        let line = out
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{format} ")))
            .unwrap_or_else(|| panic!("no line for {format} in:\n{out}"));
        assert!(line.contains("-> verified"), "{line}");
    }
    assert_has(&out, "tampered ecdsa-rdfc-2019 -> verified: false");
    assert_has(
        &out,
        "Result: every format verified, and the tampered copy was refused.",
    );
}

#[test]
fn selective_disclosure() {
    let out = run("selective_disclosure");
    assert_has(&out, "the issued SD-JWT carries 3 disclosures");
    assert_has(&out, "disclosures sent: 1");
    assert_has(&out, "key-binding JWT attached: true");
    assert_has(&out, "verified: true");
    assert_has(&out, "department: \"IT\"");
    assert_has(&out, "withheld claims absent: name, birthdate");
    assert!(!out.contains("Kim Minji") && !out.contains("1990-04-01"), "{out}");
    assert_has(&out, "Result: only the department was disclosed, and it verified.");
}

#[test]
fn door_decision() {
    let out = run("door_decision");
    assert_has(&out, "first presentation: ALLOWED");
    assert_has(&out, "ALLOWED: Allowed / 허용");
    assert_has(&out, "replayed presentation: DENIED");
    assert_has(
        &out,
        "NONCE_REPLAYED: This presentation was already used / 이미 사용된 제시입니다",
    );
    assert_has(&out, "presentation after revocation: DENIED");
    assert_has(&out, "REVOKED: The credential has been revoked");
    assert_has(&out, "Result: allowed once, replay denied, revoked credential denied.");
}

#[test]
fn registry_proofs() {
    let out = run("registry_proofs");
    assert_has(&out, "DID: did:dojang:z");
    assert_has(&out, "after create: proofs verified");
    assert_has(&out, "signed tree head: size 1,");
    assert_has(&out, "after rotation: proofs verified");
    assert_has(&out, "signed tree head: size 2,");
    assert_has(&out, "the document now holds the new key: true");
    assert_has(&out, "tree head 1 -> 2: consistent: true");
    assert_has(&out, "refused: true (tree_head)");
    assert_has(&out, "Result: every proof verified before and after the key rotation.");
}

#[test]
#[ignore = "system test (anvil from interop/node): ./scripts/test runs it"]
fn anchoring() {
    let scope = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../interop/node/node_modules/@foundry-rs");
    let installed = std::fs::read_dir(&scope)
        .map(|dir| dir.filter_map(Result::ok).any(|e| e.path().join("bin/anvil").is_file()))
        .unwrap_or(false);
    assert!(
        installed,
        "anvil is not installed under {}: run `npm ci --prefix interop/node` (scripts/test does)",
        scope.display()
    );
    let out = run("anchoring");
    assert_has(&out, "registered did:dojang:z");
    assert_has(&out, "size 3, root ");
    assert_has(&out, "on chain: size 3, root ");
    assert_has(&out, "the anchor matches the registry's tree head: true");
    assert_has(
        &out,
        "Result: the tree head is anchored on chain and reads back identical.",
    );
}
