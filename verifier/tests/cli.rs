//! `verifier resolve` as a user runs it: the real binary, its output and exit codes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::process::Command;

fn verifier(args: &[&str]) -> (i32, serde_json::Value, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_verifier"))
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let json = serde_json::from_str(&stdout).unwrap_or(serde_json::Value::Null);
    (
        output.status.code().unwrap(),
        json,
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn resolves_a_did_key_and_exits_zero() {
    let did = "did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169";
    let (code, json, _) = verifier(&["resolve", did]);
    assert_eq!(code, 0);
    assert_eq!(json["didDocument"]["id"], did);
    assert_eq!(json["didResolutionMetadata"]["contentType"], "application/did+ld+json");
    assert_eq!(json["didDocument"]["verificationMethod"][0]["type"], "Multikey");

    let (code, json, _) = verifier(&["resolve", "--accept", "application/did+json", did]);
    assert_eq!(code, 0);
    assert!(json["didDocument"].get("@context").is_none());
}

#[test]
fn failed_resolution_exits_one_with_the_error_code() {
    for (did, error) in [
        ("did:example:123", "methodNotSupported"),
        ("not-a-did", "invalidDid"),
        (
            "did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme",
            "unsupportedPublicKeyType",
        ),
        (
            "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK#x",
            "invalidDid",
        ),
    ] {
        let (code, json, _) = verifier(&["resolve", did]);
        assert_eq!(code, 1, "{did}");
        assert_eq!(json["didResolutionMetadata"]["error"], error, "{did}");
        assert!(json["didDocument"].is_null());
    }
    let (code, json, _) = verifier(&[
        "resolve",
        "--accept",
        "text/html",
        "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
    ]);
    assert_eq!(code, 1);
    assert_eq!(json["didResolutionMetadata"]["error"], "representationNotSupported");
}

#[test]
fn usage_errors_exit_two() {
    for args in [
        &[][..],
        &["resolve"][..],
        &["frobnicate"][..],
        &["resolve", "--bogus", "did:key:x"][..],
    ] {
        let (code, _, stderr) = verifier(args);
        assert_eq!(code, 2, "{args:?}");
        assert!(!stderr.is_empty());
    }
}
