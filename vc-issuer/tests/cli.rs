//! `vc-issuer keygen` and `vc-issuer issue` as a user runs them.

use std::io::Write as _;
use std::process::{Command, Stdio};

fn vc_issuer(args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vc-issuer"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The process may exit before reading (usage errors): a broken pipe is fine.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    let output = child.wait_with_output().unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

fn keygen(alg: &str) -> (serde_json::Value, std::path::PathBuf) {
    let (code, out, err) = vc_issuer(&["keygen", "--alg", alg], "");
    assert_eq!(code, 0, "{err}");
    let jwk: serde_json::Value = serde_json::from_str(&out).unwrap();
    let dir = std::env::temp_dir().join(format!("dojang-vc-issuer-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = dir.join(format!("{alg}-{n}.jwk"));
    std::fs::write(&path, &out).unwrap();
    (jwk, path)
}

const CREDENTIAL: &str = r#"{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"credentialSubject":{"id":"did:example:ana","name":"Ana"}}"#;

#[test]
fn keygen_prints_a_private_jwk_named_by_its_did_key_method() {
    for (alg, kty, crv) in [
        ("ES256", "EC", "P-256"),
        ("ES384", "EC", "P-384"),
        ("EdDSA", "OKP", "Ed25519"),
    ] {
        let (jwk, _) = keygen(alg);
        assert_eq!(jwk["kty"], kty);
        assert_eq!(jwk["crv"], crv);
        assert_eq!(jwk["alg"], alg);
        assert!(jwk["d"].is_string());
        let kid = jwk["kid"].as_str().unwrap();
        let (did, fragment) = kid.split_once('#').unwrap();
        assert_eq!(did, format!("did:key:{fragment}"));
    }
    let (code, _, _) = vc_issuer(&["keygen", "--alg", "RS256"], "");
    assert_eq!(code, 2);
}

#[test]
fn issue_prints_compact_or_json_by_format() {
    let (jwk, key) = keygen("ES256");
    let did = jwk["kid"].as_str().unwrap().split('#').next().unwrap().to_owned();
    let key = key.to_str().unwrap();
    for (format, compact) in [
        ("vc+jwt", true),
        ("vc1-jwt", true),
        ("sd-jwt", true),
        ("ecdsa-rdfc-2019", false),
        ("ecdsa-jcs-2019", false),
    ] {
        let (code, out, err) = vc_issuer(&["issue", "--key", key, "--format", format, "-"], CREDENTIAL);
        assert_eq!(code, 0, "{format}: {err}");
        let out = out.trim();
        if compact {
            assert_eq!(out.split('~').next().unwrap().split('.').count(), 3, "{format}");
        } else {
            let json: serde_json::Value = serde_json::from_str(out).unwrap();
            assert_eq!(json["issuer"], serde_json::json!(did));
            assert_eq!(json["proof"]["cryptosuite"], format);
        }
    }
    let (code, out, _) = vc_issuer(
        &["issue", "--key", key, "--format", "sd-jwt", "--disclose", "/name", "-"],
        CREDENTIAL,
    );
    assert_eq!(code, 0);
    assert_eq!(out.trim().matches('~').count(), 2, "one disclosure: jwt~disclosure~");
    // A pointer into the credential file as its author wrote it names the same claim.
    let (code, written, err) = vc_issuer(
        &[
            "issue",
            "--key",
            key,
            "--format",
            "sd-jwt",
            "--disclose",
            "/credentialSubject/name",
            "-",
        ],
        CREDENTIAL,
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(written.trim().matches('~').count(), 2, "{written}");
    let disclosure = written.trim().split('~').nth(1).unwrap();
    use base64::Engine as _;
    let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(disclosure)
        .unwrap();
    let decoded: serde_json::Value = serde_json::from_slice(&decoded).unwrap();
    assert_eq!(decoded[1], "name");
    assert_eq!(decoded[2], "Ana");
    // A pointer to nothing in either is still refused.
    let (code, _, err) = vc_issuer(
        &[
            "issue",
            "--key",
            key,
            "--format",
            "sd-jwt",
            "--disclose",
            "/credentialSubject/age",
            "-",
        ],
        CREDENTIAL,
    );
    assert_eq!(code, 1, "{err}");
}

#[test]
fn issue_refuses_what_it_cannot_honour() {
    let (_, key) = keygen("ES256");
    let key = key.to_str().unwrap();
    let (code, _, _) = vc_issuer(&["issue", "--key", key, "--format", "vc+cwt", "-"], CREDENTIAL);
    assert_eq!(code, 2, "unknown format is a usage error");
    let foreign = CREDENTIAL.replace(r#""type""#, r#""issuer":"did:example:other","type""#);
    let (code, _, err) = vc_issuer(&["issue", "--key", key, "--format", "vc+jwt", "-"], &foreign);
    assert_eq!(code, 1);
    assert!(err.contains("not controlled"), "{err}");
    let (code, _, err) = vc_issuer(&["issue", "--key", key, "--format", "eddsa-jcs-2022", "-"], CREDENTIAL);
    assert_eq!(code, 1, "{err}");
    let (code, _, _) = vc_issuer(
        &["issue", "--key", "/nonexistent.jwk", "--format", "vc+jwt", "-"],
        CREDENTIAL,
    );
    assert_eq!(code, 2);
    let (code, _, _) = vc_issuer(
        &["issue", "--key", key, "--format", "vc+jwt", "-"],
        "{\"not\": \"a credential\"}",
    );
    assert_eq!(code, 1);
}
