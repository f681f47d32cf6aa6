//! Issuer key rotation (issue 26) on a running service: a credential issued before the
//! rotation and one issued after both verify through the issuer's DID (did:dojang through the
//! in-process registry, did:web through its served document); the old key cannot be retired
//! while live credentials need it unless forced, and once retired the old credential fails
//! with the key named; a restart keeps signing with the new key; did:key refuses.

use std::sync::Arc;
use std::time::Duration;

use did_core::clock::SystemClock;
use did_core::resolve::{CompositeResolver, Resolver, WebResolver};
use did_core::sd_jwt::VerifyOptions;
use registry_anchor::client::RegistryResolver;
use registry_anchor::resolution::{ResolutionVerifier, default_log_id, parse_registry_key};
use reqwest::StatusCode;
use serde_json::Value;
use vc_issuer::config::DidMethod;
use vc_issuer::server::{self, Running};

use crate::common::{self, Database, start_service};

/// A resolver for the service's own DID, caching nothing (a retirement shows at once).
fn resolver(running: &Running) -> Arc<dyn Resolver> {
    let mut resolver = CompositeResolver::with_default_methods()
        .with("web", Arc::new(WebResolver::danger_plain_http_for_testing().unwrap()));
    if let Some(key) = &running.registry_key {
        let operator = parse_registry_key(key).unwrap();
        let log_id = default_log_id(&operator);
        let registry = RegistryResolver::new(
            [format!("{}/registry", running.url())],
            ResolutionVerifier::new(operator, log_id),
        )
        .unwrap()
        .with_ttl(Duration::ZERO);
        resolver = resolver.with("dojang", Arc::new(registry));
    }
    Arc::new(resolver)
}

async fn verify(running: &Running, sd_jwt: &str) -> Result<(), String> {
    did_core::sd_jwt::verify_with_resolver(
        sd_jwt,
        resolver(running).as_ref(),
        &VerifyOptions::sd_jwt_vc(),
        &SystemClock,
    )
    .await
    .map(|_| ())
    .map_err(|e| e.to_string())
}

use common::jws_kid as kid;

async fn call(method: reqwest::Method, url: String, token: &str, body: Option<Value>) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new().request(method, url).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn issue(running: &Running, token: &str, number: &str) -> (String, String) {
    let answer = common::issue_employee(&reqwest::Client::new(), &running.url(), token, number).await;
    (
        answer["id"].as_str().unwrap().to_owned(),
        answer["credential"].as_str().unwrap().to_owned(),
    )
}

async fn rotates_and_retires(method: DidMethod) {
    let (running, _dir, token) = start_service(method, Database::Sqlite).await;
    let did = running.state.issuer.did.clone();
    let (_, before) = issue(&running, &token, "E-0001").await;
    assert_eq!(kid(&before), format!("{did}#key-1"));
    verify(&running, &before).await.unwrap();
    // Issue times are to the second: a second apart, each credential is counted for one key.
    tokio::time::sleep(Duration::from_millis(1100)).await;

    let (status, rotated) = call(
        reqwest::Method::POST,
        format!("{}/admin/keys/rotate", running.url()),
        &token,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    assert_eq!(rotated["id"], "key-2");
    assert_eq!(rotated["method"], format!("{did}#key-2"));
    assert_eq!(rotated["previous"], format!("{did}#key-1"));
    tokio::time::sleep(Duration::from_millis(1100)).await;

    let (_, after) = issue(&running, &token, "E-0002").await;
    assert_eq!(
        kid(&after),
        format!("{did}#key-2"),
        "new credentials are signed with the new key"
    );
    verify(&running, &after).await.unwrap();
    verify(&running, &before)
        .await
        .expect("a credential from before the rotation still verifies");
    // Status lists are signed with the new key too.
    let list = reqwest::get(format!("{}/status/1/token", running.url()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(kid(&list), format!("{did}#key-2"));

    let (status, keys) = call(
        reqwest::Method::GET,
        format!("{}/admin/keys", running.url()),
        &token,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(keys["signing"], format!("{did}#key-2"));
    assert_eq!(keys["keys"].as_array().unwrap().len(), 2, "{keys}");

    let retire = |id: &str, force: bool| {
        let url = format!(
            "{}/admin/keys/{id}/retire{}",
            running.url(),
            if force { "?force=true" } else { "" }
        );
        call(reqwest::Method::POST, url, &token, None)
    };
    let (status, refused) = retire("key-2", false).await;
    assert_eq!(status, StatusCode::CONFLICT, "the signing key: {refused}");
    let (status, refused) = retire("key-1", false).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert!(
        refused["detail"].as_str().unwrap().contains("1 live credentials"),
        "{refused}"
    );
    let (status, missing) = retire("key-9", true).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
    let (status, retired) = retire("key-1", true).await;
    assert_eq!(status, StatusCode::OK, "{retired}");
    assert_eq!(retired["live_credentials"], 1, "{retired}");

    let failure = verify(&running, &before)
        .await
        .expect_err("the retired key's credential fails");
    assert!(failure.contains("key-1"), "the failure names the key: {failure}");
    verify(&running, &after).await.unwrap();

    // A restart signs with the newest key the database records.
    let mut config = running.state.config.clone();
    config.listen = running.addr.to_string();
    running.stop().await.unwrap();
    let again = server::start(config).await.unwrap();
    let (_, third) = issue(&again, &token, "E-0003").await;
    assert_eq!(kid(&third), format!("{did}#key-2"));
    verify(&again, &third).await.unwrap();
    again.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_did_dojang_issuer_rotates_its_key_and_retires_the_old_one() {
    rotates_and_retires(DidMethod::Dojang).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_did_web_issuer_rotates_its_key_and_retires_the_old_one() {
    rotates_and_retires(DidMethod::Web).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_did_key_issuer_refuses_rotation_and_says_why() {
    let (running, _dir, token) = start_service(DidMethod::Key, Database::Sqlite).await;
    let (status, refused) = call(
        reqwest::Method::POST,
        format!("{}/admin/keys/rotate", running.url()),
        &token,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert!(refused["detail"].as_str().unwrap().contains("did:key"), "{refused}");
    running.stop().await.unwrap();
}

/// `vc-issuer keys …` through the command line's entry point.
fn keys_cli(args: &[&str]) -> (i32, String, String) {
    let mut argv = vec!["keys"];
    argv.extend_from_slice(args);
    common::issuer_cli(&argv)
}

#[test]
fn the_command_line_rotates_a_stopped_service_and_refuses_a_running_one() {
    let dir = tempfile::tempdir().unwrap();
    let config_file = dir.path().join("dojang.toml");
    let port = crate::process::free_port();
    std::fs::write(
        &config_file,
        format!(
            "listen = \"127.0.0.1:{port}\"\ndata_dir = {:?}\n[did]\nmethod = \"dojang\"\n",
            dir.path().join("data").display().to_string()
        ),
    )
    .unwrap();
    let config = || {
        vc_issuer::config::Config::load(Some(&config_file))
            .unwrap()
            .validated()
            .unwrap()
    };
    let file = config_file.to_str().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();

    let running = runtime.block_on(server::start(config())).unwrap();
    let token = running.admin_token.as_ref().unwrap().to_string();
    let did = running.state.issuer.did.clone();
    let (_, before) = runtime.block_on(issue(&running, &token, "E-0001"));
    // While it runs, the data folder is the service's: the command says so.
    let (code, _, err) = keys_cli(&["rotate", "--config", file]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("is the service running"), "{err}");
    runtime.block_on(running.stop()).unwrap();

    let (code, out, err) = keys_cli(&["rotate", "--config", file]);
    assert_eq!(code, 0, "{err}");
    let rotated: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(rotated["method"], format!("{did}#key-2"), "{out}");
    let (code, out, _) = keys_cli(&["list", "--config", file]);
    assert_eq!(code, 0);
    let listed: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(listed["keys"].as_array().unwrap().len(), 2, "{out}");
    let (code, _, err) = keys_cli(&["retire", "--config", file, "key-2"]);
    assert_eq!(code, 1, "the signing key cannot be retired: {err}");

    let again = runtime.block_on(server::start(config())).unwrap();
    let (_, after) = runtime.block_on(issue(&again, &token, "E-0002"));
    assert_eq!(kid(&after), format!("{did}#key-2"));
    runtime.block_on(verify(&again, &after)).unwrap();
    runtime.block_on(verify(&again, &before)).unwrap();
    runtime.block_on(again.stop()).unwrap();

    // A key file for key-2 that holds another key (replaced by hand, a wrong restore) stops
    // the start: the service never signs with a key its DID document does not list.
    let (code, out, err) = common::issuer_cli(&["keygen"]);
    assert_eq!(code, 0, "{err}");
    std::fs::write(dir.path().join("data/issuer-key-2.jwk"), out).unwrap();
    let refused = runtime.block_on(server::start(config()));
    let Err(error) = refused else {
        panic!("the service started on a replaced key file");
    };
    let error = error.to_string();
    assert!(error.contains("not the one the database records"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leaked_keys_credentials_are_revoked_in_bulk_and_then_it_retires_without_force() {
    let (running, _dir, token) = start_service(DidMethod::Dojang, Database::Sqlite).await;
    let url = running.url();
    let (old_id, _) = issue(&running, &token, "E-0001").await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, _) = call(reqwest::Method::POST, format!("{url}/admin/keys/rotate"), &token, None).await;
    assert_eq!(status, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (new_id, after) = issue(&running, &token, "E-0002").await;

    // The signing key's credentials cannot be revoked this way: rotate first.
    let (status, refused) = call(
        reqwest::Method::POST,
        format!("{url}/admin/keys/key-2/revoke-credentials"),
        &token,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    let (status, revoked) = call(
        reqwest::Method::POST,
        format!("{url}/admin/keys/key-1/revoke-credentials"),
        &token,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{revoked}");
    assert_eq!(revoked["revoked"], 1, "{revoked}");
    let status_of = |id: String| {
        let token = token.clone();
        let url = url.clone();
        async move {
            call(
                reqwest::Method::GET,
                format!("{url}/admin/credentials/{id}"),
                &token,
                None,
            )
            .await
            .1["status"]
                .clone()
        }
    };
    assert_eq!(status_of(old_id).await, "revoked");
    assert_eq!(status_of(new_id).await, "active");
    // Nothing live needs key-1 now: it retires without force.
    let (status, retired) = call(
        reqwest::Method::POST,
        format!("{url}/admin/keys/key-1/retire"),
        &token,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{retired}");
    assert_eq!(retired["live_credentials"], 0);
    verify(&running, &after).await.unwrap();
    running.stop().await.unwrap();
}
