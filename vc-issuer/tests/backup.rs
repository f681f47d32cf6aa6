//! Backups that restore (issue 26): `vc-issuer backup` runs while clients are being issued
//! credentials by `vc-issuer serve` (did:dojang on the in-process registry, SQLite); then the data
//! folder is destroyed, `vc-issuer restore` puts the backup back, and the service starts on it
//! with the same DID and keys: every credential acknowledged before the backup has its record and
//! verifies (signature, DID, status), new credentials verify, and no status slot is given twice:
//! the credentials issued after the backup (lost with the disk, but still in their holders'
//! hands) share no status list with anything issued after the restore.

use std::collections::{BTreeSet, HashSet};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use crate::common;
use crate::common::serve::{self, ClearConfig as _, Service};
use crate::process::free_port;

const TYPE: &str = "EmployeeIdCredential";

/// A credential the service returned.
#[derive(Debug, Clone)]
struct Ack {
    id: String,
    credential: String,
    slot: (i64, i64),
    /// Whether the backup had been started when the answer came.
    after_backup: bool,
}

fn start(config: &Path) -> (Service, Option<String>) {
    serve::start(
        Command::new(serve::BIN)
            .env_clear_config()
            .args(["serve", "--config"])
            .arg(config),
    )
}

fn vc_issuer(args: &[&str]) -> (i32, Value, String) {
    let output = Command::new(serve::BIN).env_clear_config().args(args).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (
        output.status.code().unwrap(),
        serde_json::from_str(&stdout).unwrap_or(Value::Null),
        stderr,
    )
}

/// Issues credentials to `E-<client>-<n>` until `stop`.
async fn issue_until(
    url: String,
    token: String,
    client: usize,
    stop: Arc<AtomicBool>,
    backup_started: Arc<AtomicBool>,
    acks: Arc<Mutex<Vec<Ack>>>,
) {
    let http = reqwest::Client::new();
    let mut n = 0;
    while !stop.load(Ordering::SeqCst) {
        n += 1;
        let body = json!({"type": TYPE, "claims": common::employee(&format!("E-{client}-{n:05}"))});
        let response = http
            .post(format!("{url}/admin/credentials"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 201);
        let answer: Value = response.json().await.unwrap();
        let credential = match &answer["credential"] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let record = &answer["record"];
        acks.lock().unwrap().push(Ack {
            id: answer["id"].as_str().unwrap().to_owned(),
            credential,
            slot: (
                record["status_list"].as_i64().unwrap(),
                record["status_index"].as_i64().unwrap(),
            ),
            after_backup: backup_started.load(Ordering::SeqCst),
        });
    }
}

/// `verifier verify` of `credential` against the service's in-process registry.
async fn verify(credential: &str, url: &str, registry_key: &str) -> (i32, Value) {
    let registry = format!("{url}/registry");
    common::verifier_verify(credential, &["--registry", &registry, "--registry-key", registry_key]).await
}

use common::jws_kid as kid;

/// The banner's `registry` line: `<url>/registry (operator key <did:key>)` → the key.
fn registry_key(service: &Service) -> String {
    let line = did_core::cli::banner_value(&service.banner, "registry").unwrap();
    line.rsplit("operator key ")
        .next()
        .unwrap()
        .trim_end_matches(')')
        .to_owned()
}

#[test]
fn a_backup_taken_under_load_restores_with_the_same_did_keys_and_no_slot_given_twice() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = dir.path().join("dojang.toml");
    // A fixed port: the credentials' status list URLs name it, before and after the restore.
    let port = free_port();
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:{port}\"\ndata_dir = {:?}\n\n[did]\nmethod = \"dojang\"\n",
            data.display().to_string()
        ),
    )
    .unwrap();
    let config_arg = config.to_str().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();

    let (service, token) = start(&config);
    let token = token.expect("the first start shows the admin token");
    let did = did_core::cli::banner_value(&service.banner, "issuer DID")
        .unwrap()
        .to_owned();
    assert!(did.starts_with("did:dojang:"), "{did}");
    let operator = registry_key(&service);

    // Four clients issue while the backup is taken.
    let stop = Arc::new(AtomicBool::new(false));
    let backup_started = Arc::new(AtomicBool::new(false));
    let acks = Arc::new(Mutex::new(Vec::new()));
    let clients: Vec<_> = (0..4)
        .map(|client| {
            runtime.spawn(issue_until(
                service.url.clone(),
                token.clone(),
                client,
                stop.clone(),
                backup_started.clone(),
                acks.clone(),
            ))
        })
        .collect();
    // Halfway, the issuer key is rotated: the backup must carry both generations.
    std::thread::sleep(Duration::from_millis(700));
    let rotated = runtime.block_on(async {
        reqwest::Client::new()
            .post(format!("{}/admin/keys/rotate", service.url))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
    });
    assert_eq!(rotated.status().as_u16(), 200);
    std::thread::sleep(Duration::from_millis(800));
    backup_started.store(true, Ordering::SeqCst);
    let backup = dir.path().join("backup");
    let (code, made, stderr) = vc_issuer(&["backup", "--config", config_arg, "--out", backup.to_str().unwrap()]);
    assert_eq!(code, 0, "{made} {stderr}");
    std::thread::sleep(Duration::from_millis(1000));
    stop.store(true, Ordering::SeqCst);
    for client in clients {
        runtime.block_on(client).unwrap();
    }
    let acks = acks.lock().unwrap().clone();
    let (before, after): (Vec<&Ack>, Vec<&Ack>) = acks.iter().partition(|a| !a.after_backup);
    assert!(
        before.len() >= 20 && after.len() >= 5,
        "{} before, {} after",
        before.len(),
        after.len()
    );
    let manifest = &made["manifest"];
    assert_eq!(manifest["issuerDid"].as_str(), Some(did.as_str()), "{made}");
    let roles: BTreeSet<&str> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["role"].as_str().unwrap())
        .collect();
    assert_eq!(
        roles,
        BTreeSet::from([
            "database",
            "registry_log",
            "issuer_key",
            "pin_key",
            "did_update_key",
            "did_next_key",
            "registry_operator_key"
        ]),
        "{made}"
    );
    assert!(
        manifest["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["role"] == "issuer_key" && f["generation"] == 2),
        "the rotated key is in the backup: {made}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&backup), 0o700);
        for entry in std::fs::read_dir(&backup).unwrap() {
            let path = entry.unwrap().path();
            assert_eq!(mode(&path), 0o600, "{}", path.display());
        }
    }
    let issued_before_loss: Vec<(i64, i64)> = acks.iter().map(|a| a.slot).collect();
    assert_eq!(
        issued_before_loss.iter().collect::<HashSet<_>>().len(),
        acks.len(),
        "slots are unique before the loss"
    );

    // The disk is lost.
    drop(service);
    std::fs::remove_dir_all(&data).unwrap();

    // A damaged backup is refused, and nothing is put in place.
    let damaged = dir.path().join("damaged");
    std::fs::create_dir(&damaged).unwrap();
    for entry in std::fs::read_dir(&backup).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), damaged.join(entry.file_name())).unwrap();
    }
    let mut key = std::fs::read(damaged.join("pin-key")).unwrap();
    key[0] ^= 1;
    std::fs::write(damaged.join("pin-key"), key).unwrap();
    let (code, _, stderr) = vc_issuer(&["restore", "--config", config_arg, "--from", damaged.to_str().unwrap()]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("the backup is damaged") && stderr.contains("pin-key"),
        "{stderr}"
    );
    assert!(!data.join("issuer.db").exists() && !data.join("issuer-key.jwk").exists());
    // So is a folder that is not a finished backup (no manifest).
    std::fs::remove_file(damaged.join("manifest.json")).unwrap();
    let (code, _, stderr) = vc_issuer(&["restore", "--config", config_arg, "--from", damaged.to_str().unwrap()]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("not a finished issuer backup"), "{stderr}");

    let (code, restored, stderr) = vc_issuer(&["restore", "--config", config_arg, "--from", backup.to_str().unwrap()]);
    assert_eq!(code, 0, "{restored} {stderr}");
    assert_eq!(restored["issuerDid"].as_str(), Some(did.as_str()));
    assert!(restored["statusListsClosed"].as_u64().unwrap() >= 1, "{restored}");
    // A second restore would overwrite: refused.
    let (code, _, stderr) = vc_issuer(&["restore", "--config", config_arg, "--from", backup.to_str().unwrap()]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("a restore never overwrites"), "{stderr}");

    let (service, made_token) = start(&config);
    assert!(made_token.is_none(), "the restored database has the admin token");
    assert_eq!(
        did_core::cli::banner_value(&service.banner, "issuer DID"),
        Some(did.as_str())
    );
    assert_eq!(registry_key(&service), operator, "the same registry operator key");
    let http = reqwest::Client::new();
    runtime.block_on(async {
        // Every credential acknowledged before the backup has its record, in its slot.
        for ack in &before {
            let response = http
                .get(format!("{}/admin/credentials/{}", service.url, ack.id))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status().as_u16(), 200, "{} is lost", ack.id);
            let record: Value = response.json().await.unwrap();
            assert_eq!(
                (record["status_list"].as_i64(), record["status_index"].as_i64()),
                (Some(ack.slot.0), Some(ack.slot.1))
            );
        }
        // ... and verifies against the restored registry and status lists: the same DID and
        // keys, both generations.
        let signed_by = |generation: &str| {
            before
                .iter()
                .find(|ack| kid(&ack.credential).ends_with(generation))
                .unwrap_or_else(|| panic!("no credential before the backup was signed with {generation}"))
        };
        for ack in [signed_by("#key-1"), signed_by("#key-2")]
            .into_iter()
            .chain(before.iter().step_by(before.len() / 5))
        {
            let (code, report) = verify(&ack.credential, &service.url, &operator).await;
            assert_eq!(code, 0, "{report:#}");
        }
        // The service goes on issuing; new credentials verify, and take no slot of a list the
        // lost credentials (issued after the backup) live in.
        let stop = Arc::new(AtomicBool::new(false));
        let fresh = Arc::new(Mutex::new(Vec::new()));
        let client = tokio::spawn(issue_until(
            service.url.clone(),
            token.clone(),
            9,
            stop.clone(),
            Arc::new(AtomicBool::new(false)),
            fresh.clone(),
        ));
        tokio::time::sleep(Duration::from_millis(500)).await;
        stop.store(true, Ordering::SeqCst);
        client.await.unwrap();
        let fresh = fresh.lock().unwrap().clone();
        assert!(!fresh.is_empty());
        let (code, report) = verify(&fresh[0].credential, &service.url, &operator).await;
        assert_eq!(code, 0, "{report:#}");
        assert!(
            kid(&fresh[0].credential).ends_with("#key-2"),
            "the restored issuer signs with key-2"
        );
        let lost_lists: HashSet<i64> = after.iter().map(|a| a.slot.0).collect();
        let mut slots: HashSet<(i64, i64)> = issued_before_loss.iter().copied().collect();
        for ack in &fresh {
            assert!(
                !lost_lists.contains(&ack.slot.0),
                "a new credential went to list {}, where credentials issued after the backup live",
                ack.slot.0
            );
            assert!(slots.insert(ack.slot), "slot {:?} given twice", ack.slot);
        }
    });
    drop(service);
}

/// With PostgreSQL the database is backed up with `pg_dump` and restored with `pg_restore`, the
/// rest with `vc-issuer backup --skip-database` / `restore`, as docs/operations.md says: the
/// restored issuer has its DID, keys and records, and closes the restored lists.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "system test (PostgreSQL server programs): ./scripts/test runs it"]
async fn postgresql_is_backed_up_with_its_own_tools_and_the_rest_restores_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let write_config = |database: &str| {
        let file = dir.path().join("dojang.toml");
        std::fs::write(
            &file,
            format!(
                "listen = \"127.0.0.1:0\"\ndata_dir = {:?}\ndatabase_url = {database:?}\n[did]\nmethod = \"dojang\"\n",
                data.display().to_string()
            ),
        )
        .unwrap();
        file
    };
    let load = |file: &Path| {
        vc_issuer::config::Config::load(Some(file))
            .unwrap()
            .validated()
            .unwrap()
    };
    let first_db = crate::common::pg::database().await;
    let config_file = write_config(&first_db);
    let file = config_file.to_str().unwrap().to_owned();

    let running = vc_issuer::server::start(load(&config_file)).await.unwrap();
    let token = running.admin_token.as_ref().unwrap().to_string();
    let did = running.state.issuer.did.clone();
    let http = reqwest::Client::new();
    let issue = async |url: &str, number: &str| -> (String, (i64, i64)) {
        let answer = common::issue_employee(&http, url, &token, number).await;
        let record = &answer["record"];
        (
            answer["id"].as_str().unwrap().to_owned(),
            (
                record["status_list"].as_i64().unwrap(),
                record["status_index"].as_i64().unwrap(),
            ),
        )
    };
    let url = running.url();
    let kept = issue(&url, "E-1").await;

    // The command refuses a PostgreSQL database it would not copy, and says what to do.
    let backup = dir.path().join("backup");
    let backup_arg = backup.to_str().unwrap().to_owned();
    let (code, _, err) =
        tokio::task::block_in_place(|| common::issuer_cli(&["backup", "--config", &file, "--out", &backup_arg]));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("pg_dump"), "{err}");
    let (code, out, err) = tokio::task::block_in_place(|| {
        common::issuer_cli(&["backup", "--config", &file, "--out", &backup_arg, "--skip-database"])
    });
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"databaseIncluded\": false"), "{out}");
    let bin = crate::common::pg::bin_dir().unwrap();
    let dump = dir.path().join("issuer.dump");
    let status = std::process::Command::new(bin.join("pg_dump"))
        .args(["-Fc", "--no-owner", "-f"])
        .arg(&dump)
        .arg(&first_db)
        .status()
        .unwrap();
    assert!(status.success(), "pg_dump");
    let lost = issue(&url, "E-2").await;
    running.stop().await.unwrap();

    // A new machine: an empty database, pg_restore, then vc-issuer restore.
    std::fs::remove_dir_all(&data).unwrap();
    let second_db = crate::common::pg::database().await;
    let config_file = write_config(&second_db);
    let status = std::process::Command::new(bin.join("pg_restore"))
        .args(["--no-owner", "-d", &second_db])
        .arg(&dump)
        .status()
        .unwrap();
    assert!(status.success(), "pg_restore");
    let (code, out, err) =
        tokio::task::block_in_place(|| common::issuer_cli(&["restore", "--config", &file, "--from", &backup_arg]));
    assert_eq!(code, 0, "{err}");
    let restored: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(restored["issuerDid"].as_str(), Some(did.as_str()), "{out}");
    assert!(restored["statusListsClosed"].as_u64().unwrap() >= 1, "{out}");

    let again = vc_issuer::server::start(load(&config_file)).await.unwrap();
    assert_eq!(again.state.issuer.did, did);
    let url = again.url();
    let record: Value = http
        .get(format!("{url}/admin/credentials/{}", kept.0))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(record["status_index"].as_i64(), Some(kept.1.1), "{record}");
    let fresh = issue(&url, "E-3").await;
    assert_ne!(
        fresh.1.0, lost.1.0,
        "a new credential went to the list of one lost with the disk"
    );
    again.stop().await.unwrap();
}
