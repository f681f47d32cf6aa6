//! What the issuer's VC-API issues, verified by Digital Bazaar's libraries
//! (`interop/node/vc_status_list.mjs`: `@digitalbazaar/vc` with
//! `@digitalbazaar/vc-bitstring-status-list`, pinned in `interop/node/package-lock.json`): VC 2.0
//! and VC 1.1 credentials secured with `ecdsa-rdfc-2019` and `ecdsa-jcs-2019`, their Bitstring
//! Status List entries checked against the lists the live issuer publishes as Data Integrity
//! credentials, and a revocation showing there at once.

use crate::common;

use std::io::Write as _;
use std::process::{Command, Stdio};

use serde_json::{Value, json};
use vc_issuer::config::{Config, DidMethod};

fn bridge(request: &Value) -> Value {
    let script = common::repo_root().join("interop/node/vc_status_list.mjs");
    let mut child = Command::new("node")
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node is installed (scripts/test installs it)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(request.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
        panic!(
            "the bridge answered no JSON ({e}):\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

async fn call(request: Value) -> Value {
    tokio::task::spawn_blocking(move || bridge(&request)).await.unwrap()
}

/// The status the library found for `purpose`: `Some(true)` when the bit is set.
fn bit(answer: &Value, purpose: &str) -> Option<bool> {
    answer["status"]
        .as_array()?
        .iter()
        .find(|s| s["purpose"] == purpose)
        .and_then(|s| {
            assert_eq!(s["verified"], true, "the {purpose} list did not verify: {answer:#}");
            s["status"].as_bool()
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn digital_bazaar_verifies_vc_api_credentials_and_their_status_lists() {
    let dir = common::scratch("status-list-interop");
    let mut config = Config {
        listen: "127.0.0.1:0".into(),
        data_dir: dir.join("issuer"),
        ..Config::default()
    };
    config.did.method = DidMethod::Key;
    let running = vc_issuer::server::start(config.validated().unwrap()).await.unwrap();
    let url = running.url();
    let admin = running.admin_token.as_ref().unwrap().to_string();
    let did = running.state.issuer.did.clone();
    let http = reqwest::Client::new();

    let mut issued = Vec::new();
    for (version, credential) in [
        (
            "2.0",
            json!({
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": ["VerifiableCredential"],
                "issuer": did,
                "credentialSubject": {"id": "did:example:ebfeb1f712ebc6f1c276e12ec21"}
            }),
        ),
        (
            "1.1",
            json!({
                "@context": ["https://www.w3.org/2018/credentials/v1"],
                "type": ["VerifiableCredential"],
                "issuer": did,
                "issuanceDate": "2026-01-01T00:00:00Z",
                "credentialSubject": {"id": "did:example:ebfeb1f712ebc6f1c276e12ec21"}
            }),
        ),
    ] {
        for format in ["ecdsa-rdfc-2019", "ecdsa-jcs-2019"] {
            let response = http
                .post(format!("{url}/credentials/issue"))
                .bearer_auth(&admin)
                .json(&json!({"credential": credential, "options": {"format": format}}))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 201, "VC {version} {format}");
            let body: Value = response.json().await.unwrap();
            let vc = body["verifiableCredential"].clone();
            let answer = call(json!({"op": "verify_credential", "credential": vc, "allow_http": true})).await;
            assert_eq!(answer["ok"], true, "VC {version} {format}: {answer:#}");
            assert_eq!(answer["verified"], true, "VC {version} {format}: {answer:#}");
            assert_eq!(answer["proof_verified"], true);
            assert_eq!(
                bit(&answer, "revocation"),
                Some(false),
                "VC {version} {format}: {answer:#}"
            );
            assert_eq!(
                bit(&answer, "suspension"),
                Some(false),
                "VC {version} {format}: {answer:#}"
            );
            issued.push((format!("VC {version} {format}"), vc));
        }
    }

    // The lists themselves are Bitstring Status List credentials to the library.
    let list_url = issued[0].1["credentialStatus"][0]["statusListCredential"]
        .as_str()
        .unwrap()
        .to_owned();
    let answer = call(json!({"op": "verify_status_list", "url": list_url, "allow_http": true})).await;
    assert_eq!(answer["ok"], true, "{answer:#}");
    assert_eq!(answer["verified"], true, "{answer:#}");
    assert_eq!(answer["status_purpose"], "revocation");
    assert!(answer["length"].as_u64().unwrap() >= 131_072, "{answer:#}");

    // Revoked through the VC-API: the library reads the bit at once; the others stay clear.
    let (what, revoked) = &issued[3];
    let response = http
        .post(format!("{url}/credentials/status"))
        .bearer_auth(&admin)
        .json(&json!({
            "credentialId": revoked["id"],
            "credentialStatus": [{"type": "BitstringStatusListCredential", "status": "revoked"}]
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let answer = call(json!({"op": "verify_credential", "credential": revoked, "allow_http": true})).await;
    assert_eq!(bit(&answer, "revocation"), Some(true), "{what}: {answer:#}");
    let (what, other) = &issued[0];
    let answer = call(json!({"op": "verify_credential", "credential": other, "allow_http": true})).await;
    assert_eq!(bit(&answer, "revocation"), Some(false), "{what}: {answer:#}");

    running.stop().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
