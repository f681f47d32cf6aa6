//! `verifier resolve` as a user runs it: the real binary, its output and exit codes.

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
        // P-256 with SEC1's compact tag 0x05: it used to resolve to the 0x03 point's document.
        (
            "did:key:zDnafJTWdqUuifCiSB2VHBtdT5oHfX5PkrjJiA9QMAKwkhCu2",
            "invalidPublicKey",
        ),
        // ed25519-pub and 3 bytes.
        ("did:key:zTjsVPtY", "invalidPublicKeyLength"),
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

fn temp_file(name: &str, contents: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("dojang-verifier-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

#[test]
fn verify_prints_the_report_and_exits_by_outcome() {
    let jwk = vc_issuer::key_file::generate(did_core::key::Algorithm::Es256).unwrap();
    let issuer = vc_issuer::key_file::IssuerKey::from_jwk_json(&serde_json::to_string(&jwk).unwrap()).unwrap();
    let credential = serde_json::json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "did:example:ana"}
    });
    let now = time::OffsetDateTime::now_utc();
    let token = vc_issuer::issue::issue(credential, vc_issuer::issue::Format::VcJwt, &issuer, &[], now).unwrap();
    let good = temp_file("good.jwt", &token);
    let (code, report, _) = verifier(&["verify", good.to_str().unwrap()]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["verified"], true);
    assert_eq!(report["format"], "vc+jwt");
    assert_eq!(report["issuer"], serde_json::json!(issuer.did));
    assert!(report["checks"].as_array().unwrap().len() >= 4);
    assert_eq!(report["errors"], serde_json::json!([]));

    let (code, report, _) = verifier(&["verify", "--now", "2000-01-01T00:00:00Z", good.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(report["verified"], false);
    assert_eq!(report["errors"][0]["code"], "NOT_YET_VALID");

    let bad = temp_file("bad.txt", "not a credential");
    let (code, report, _) = verifier(&["verify", bad.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(report["verified"], false);

    let (code, _, stderr) = verifier(&["verify", "/nonexistent/credential.jwt"]);
    assert_eq!(code, 2, "{stderr}");
    let (code, _, _) = verifier(&["verify", "--now", "yesterday", good.to_str().unwrap()]);
    assert_eq!(code, 2);
}

/// A credential whose HTTPS status list cannot be fetched is not verified: exit 1 with
/// `STATUS_RETRIEVAL_ERROR`, unless the caller opts out with `--allow-unchecked-status`.
/// Before, the check was skipped and the credential reported verified (it may be revoked).
#[test]
fn an_unreachable_https_status_list_fails_verification_unless_skipped_explicitly() {
    let jwk = vc_issuer::key_file::generate(did_core::key::Algorithm::Es256).unwrap();
    let issuer = vc_issuer::key_file::IssuerKey::from_jwk_json(&serde_json::to_string(&jwk).unwrap()).unwrap();
    // A port that nothing listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    for url in [
        format!("https://127.0.0.1:{port}/status/1"),
        // Plain HTTP is refused without --allow-http-status: unreachable too.
        format!("http://127.0.0.1:{port}/status/1"),
    ] {
        let credential = serde_json::json!({
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential"],
            "credentialSubject": {"id": "did:example:ana"},
            "credentialStatus": {
                "id": format!("{url}#7"),
                "type": "BitstringStatusListEntry",
                "statusPurpose": "revocation",
                "statusListIndex": "7",
                "statusListCredential": url
            }
        });
        let now = time::OffsetDateTime::now_utc();
        let token = vc_issuer::issue::issue(credential, vc_issuer::issue::Format::VcJwt, &issuer, &[], now).unwrap();
        let file = temp_file("status.jwt", &token);
        let (code, report, _) = verifier(&["verify", file.to_str().unwrap()]);
        assert_eq!(code, 1, "{url}: {report}");
        assert_eq!(report["verified"], false);
        assert_eq!(report["errors"][0]["code"], "STATUS_RETRIEVAL_ERROR", "{report}");

        let (code, report, _) = verifier(&["verify", "--allow-unchecked-status", file.to_str().unwrap()]);
        assert_eq!(code, 0, "{url}: {report}");
        assert_eq!(report["verified"], true);
        let status = report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["check"] == "status")
            .unwrap()
            .clone();
        assert_eq!(status["result"], "skipped", "{report}");
    }
}

/// Starts `verifier serve` on the example door with `data_dir`, reads the client id its
/// start-up lines name, and stops it.
fn served_client_id(data_dir: &std::path::Path) -> String {
    use std::io::BufRead as _;
    let policy = concat!(env!("CARGO_MANIFEST_DIR"), "/door.example.toml");
    let mut child = Command::new(env!("CARGO_BIN_EXE_verifier"))
        .args(["serve", "--policy", policy, "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut client_id = None;
    for line in stdout.lines() {
        let line = line.unwrap();
        if let Some(id) = did_core::cli::banner_value(&line, "client id") {
            client_id = id.strip_suffix(" (signs requests by reference)").map(str::to_owned);
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    client_id.expect("verifier serve printed no client id line")
}

#[test]
fn the_door_keeps_its_request_signing_certificate_across_restarts() {
    let dir = std::env::temp_dir().join(format!("dojang-verifier-cli-{}-door-data", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let first = served_client_id(&dir);
    assert!(first.starts_with("x509_hash:"), "{first}");
    assert!(dir.join("request-signer.pem").is_file());
    assert_eq!(
        served_client_id(&dir),
        first,
        "a restart keeps the client id wallets know"
    );
    let other = std::env::temp_dir().join(format!("dojang-verifier-cli-{}-door-data-2", std::process::id()));
    let _ = std::fs::remove_dir_all(&other);
    assert_ne!(served_client_id(&other), first, "another door has its own certificate");
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&other);
}

#[test]
fn a_did_dojang_without_a_registry_says_which_flags_to_give() {
    let (code, json, stderr) = verifier(&["resolve", "did:dojang:zQmaYL7yCxC6xX1Kz6XqkYHGgU2oVwvLNEnRGyLAmQBh4jF"]);
    assert_eq!(code, 1);
    assert_eq!(json["didResolutionMetadata"]["error"], "methodNotSupported");
    assert!(
        stderr.contains("--registry URL") && stderr.contains("--registry-key KEY"),
        "{stderr}"
    );
    // Another method's failure gets no registry hint.
    let (_, _, stderr) = verifier(&["resolve", "did:example:123"]);
    assert!(!stderr.contains("--registry"), "{stderr}");
}

#[test]
fn a_door_policy_error_names_the_line_and_key() {
    let dir = std::env::temp_dir().join(format!("verifier-policy-error-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let policy = dir.join("door.toml");
    std::fs::write(
        &policy,
        "door = \"east\"\naudience = \"https://door.example\"\nnonce_ttl_seconds = \"soon\"\n[[accept]]\ntype = \"A\"\n",
    )
    .unwrap();
    let (code, _, stderr) = verifier(&["serve", "--policy", policy.to_str().unwrap(), "--listen", "127.0.0.1:0"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("line 3, column 21 (nonce_ttl_seconds)"), "{stderr}");
    std::fs::write(
        &policy,
        "door = \"east\"\naudience = \"https://door.example\"\n[[accept]]\ntype = \"A\"\nissuers = [\"did:web\"]\n",
    )
    .unwrap();
    let (code, _, stderr) = verifier(&["serve", "--policy", policy.to_str().unwrap(), "--listen", "127.0.0.1:0"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("accept[0].issuers[0]"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn completions_are_printed() {
    let output = Command::new(env!("CARGO_BIN_EXE_verifier"))
        .args(["completions", "bash"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let script = String::from_utf8(output.stdout).unwrap();
    assert!(
        script.contains("verifier") && script.contains("--bundle-key"),
        "{script}"
    );
}

/// Issue 28, finding 1: `verifier serve` closes a silent connection after
/// `--header-timeout-secs`, sheds one over `--max-connections`, and answers the rest.
#[test]
fn serve_closes_idle_connections_and_sheds_over_the_cap() {
    use std::io::{BufRead as _, Read as _, Write as _};
    use std::time::{Duration, Instant};
    let policy = concat!(env!("CARGO_MANIFEST_DIR"), "/door.example.toml");
    let dir = std::env::temp_dir().join(format!("dojang-verifier-cli-{}-limits", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut child = Command::new(env!("CARGO_BIN_EXE_verifier"))
        .args(["serve", "--policy", policy, "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&dir)
        .args([
            "--header-timeout-secs",
            "1",
            "--max-connections",
            "3",
            // Above the cap, so that the cap is what the fourth connection meets.
            "--max-connections-per-client",
            "4",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut banner = String::new();
    stdout.read_line(&mut banner).unwrap();
    let url = banner.trim().strip_prefix("verifier listening on ").unwrap();
    let addr = url.trim_start_matches("http://").trim_end_matches('/').to_owned();
    let closed_after = |stream: &mut std::net::TcpStream| {
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let started = Instant::now();
        let mut rest = Vec::new();
        let _ = stream.read_to_end(&mut rest);
        started.elapsed()
    };
    let mut held: Vec<_> = (0..3).map(|_| std::net::TcpStream::connect(&addr).unwrap()).collect();
    std::thread::sleep(Duration::from_millis(200));
    let mut over = std::net::TcpStream::connect(&addr).unwrap();
    assert!(
        closed_after(&mut over) < Duration::from_millis(500),
        "a connection over the cap was kept"
    );
    let waited = closed_after(&mut held[0]);
    assert!(waited < Duration::from_secs(3), "a silent connection stayed {waited:?}");
    std::thread::sleep(Duration::from_millis(300));
    let mut health = std::net::TcpStream::connect(&addr).unwrap();
    health
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    health.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // The shed connection is counted where an operator's monitoring looks.
    let mut metrics = std::net::TcpStream::connect(&addr).unwrap();
    metrics
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    metrics.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer
            .lines()
            .any(|l| l == "dojang_door_security_events_total{event=\"connection_shed\"} 1"),
        "{answer}"
    );
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
}
