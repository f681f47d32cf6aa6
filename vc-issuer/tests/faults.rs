//! Storage faults of the issuer (issue 10): a full disk and a read-only database give clear
//! errors, not corruption, and the service works again once the fault is gone.
//!
//! - Full disk: the `vc-issuer serve` binary runs with SIGXFSZ ignored (`trap '' XFSZ`, which
//!   survives `exec`); once it has issued some credentials, `prlimit --pid` lowers its file
//!   size limit (RLIMIT_FSIZE) to just above its database files' sizes, so the next writes
//!   that grow the database or its WAL fail with EFBIG, as they would with ENOSPC on a full
//!   disk. This works as root and as any user, with no mount; it is a file that cannot grow,
//!   which is what a full disk is to SQLite (only the errno differs). Issuance must then answer
//!   503 `storage` (no 500, no hang), reads must go on working, and raising the limit again
//!   must bring issuance back without a restart. After a SIGKILL and a restart the database
//!   passes `PRAGMA integrity_check`, holds every credential returned, and none of the refused
//!   requests (their idempotency keys issue afresh).
//! - Read-only database: a database the service may not write (opened with `mode=ro` in
//!   `DATABASE_URL`, which SQLite enforces for root too; and, when not root or when `setpriv`
//!   can drop root's capabilities, a database file and folder with their write permission
//!   removed) stops the service at start with a message naming the database, and changes
//!   nothing: the next normal start finds the same records.

use std::io::Read as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use crate::common;
use crate::process;

use common::serve::{self, BIN, ClearConfig as _, Service, configure};
use process::{permissions_bind_prefix, prlimit_fsize};

const TYPE: &str = "EmployeeIdCredential";

fn database(dir: &Path) -> PathBuf {
    dir.join("data").join("issuer.db")
}

/// `vc-issuer serve` with SIGXFSZ ignored (so a file size limit makes writes fail with EFBIG
/// instead of killing the process), `prefix` run before it (e.g. `setpriv ...`), and `env`.
/// With `log_file`, its standard error goes to `<dir>/stderr.log`, which starts at 1 MiB: once
/// the file size limit is lowered, its log lines cannot be written either, as on a full disk
/// where the log file lives too (a service must go on answering then).
fn command(dir: &Path, prefix: &[&str], env: &[(&str, String)], log_file: bool) -> Command {
    let log = dir.join("stderr.log");
    if log_file && !log.exists() {
        std::fs::write(&log, vec![b'#'; 1024 * 1024]).unwrap();
    }
    let script = if log_file {
        "trap '' XFSZ; exec \"$@\" 2>>\"$DOJANG_TEST_STDERR\""
    } else {
        "trap '' XFSZ; exec \"$@\""
    };
    let mut command = Command::new("sh");
    command
        .env_clear_config()
        .env("DOJANG_TEST_STDERR", &log)
        .arg("-c")
        .arg(script)
        .arg("sh")
        .args(prefix)
        .arg(BIN)
        .args(["serve", "--config"])
        .arg(configure(dir));
    for (name, value) in env {
        command.env(name, value);
    }
    command
}

/// Starts the service; returns it and the admin token when this start made one.
fn start(dir: &Path) -> (Service, Option<String>) {
    serve::start(&mut command(dir, &[], &[], true))
}

/// Runs the service expecting it to stop at start; returns its exit code and standard error.
fn start_fails(dir: &Path, prefix: &[&str], env: &[(&str, String)]) -> (i32, String) {
    let mut child = command(dir, prefix, env, false)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    let status = child.wait().unwrap();
    (status.code().unwrap_or(-1), err)
}

fn kill(mut service: Service) {
    service.child.kill().unwrap();
    service.child.wait().unwrap();
}

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// `POST /admin/credentials` for employee `n` with idempotency key `fault:<n>`.
async fn issue(http: &reqwest::Client, service: &Service, token: &str, n: usize) -> (u16, Value) {
    let response = http
        .post(format!("{}/admin/credentials", service.url))
        .bearer_auth(token)
        .json(&json!({
            "type": TYPE,
            "claims": common::employee(&format!("E-{n:05}")),
            "idempotency_key": format!("fault:{n}"),
        }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Every record's ID, through the admin API.
async fn record_ids(http: &reqwest::Client, service: &Service, token: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let mut url = format!("{}/admin/credentials?limit=500", service.url);
        if let Some(after) = &next {
            url.push_str(&format!("&after={after}"));
        }
        let page: Value = http
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for record in page["credentials"].as_array().unwrap() {
            ids.push(record["id"].as_str().unwrap().to_owned());
        }
        match page["next"].as_str() {
            Some(after) => next = Some(after.to_owned()),
            None => return ids,
        }
    }
}

/// `PRAGMA integrity_check` on the (closed) database.
async fn integrity(db: &Path) -> String {
    use sqlx::Connection as _;
    let mut conn = sqlx::sqlite::SqliteConnection::connect(&format!("sqlite://{}?mode=ro", db.display()))
        .await
        .unwrap();
    let (result,): (String,) = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    result
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_is_a_503_then_issuance_resumes_and_nothing_is_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let http = reqwest::Client::new();
    let (service, token) = start(dir.path());
    let token = token.unwrap();
    let mut returned = Vec::new();
    for n in 0..20 {
        let (status, body) = issue(&http, &service, &token, n).await;
        assert_eq!(status, 201, "{body}");
        returned.push(body["id"].as_str().unwrap().to_owned());
    }
    // The disk is now full: no file of the service may grow past 8 KiB beyond the largest one.
    let db = database(dir.path());
    let largest = [db.clone(), db.with_extension("db-wal"), db.with_extension("db-shm")]
        .iter()
        .map(|p| file_len(p))
        .max()
        .unwrap();
    prlimit_fsize(service.child.id(), &(largest + 8 * 1024).to_string());
    let mut refused = Vec::new();
    let mut n = 20;
    while refused.len() < 5 {
        assert!(n < 2000, "2,000 issuances with a full disk and no refusal");
        let (status, body) = issue(&http, &service, &token, n).await;
        match status {
            201 => returned.push(body["id"].as_str().unwrap().to_owned()),
            503 => {
                assert!(body["type"].as_str().unwrap().ends_with("/storage"), "{body}");
                assert_eq!(body["detail"], "the database is unavailable; nothing was changed");
                refused.push(n);
            }
            other => panic!("a full disk answered {other}: {body}"),
        }
        n += 1;
    }
    // Reads go on.
    let read = http
        .get(format!("{}/admin/credentials/{}", service.url, returned[0]))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status().as_u16(), 200);
    // Space again: issuance resumes without a restart; a refused request left nothing behind
    // (its idempotency key issues afresh).
    prlimit_fsize(service.child.id(), "unlimited");
    for &n in &refused {
        let (status, body) = issue(&http, &service, &token, n).await;
        assert_eq!(status, 201, "after the disk has space again: {body}");
        returned.push(body["id"].as_str().unwrap().to_owned());
    }
    kill(service);
    assert_eq!(integrity(&db).await, "ok");
    let (service, _) = start(dir.path());
    let mut ids = record_ids(&http, &service, &token).await;
    ids.sort();
    returned.sort();
    assert_eq!(ids, returned, "the records are exactly the credentials returned");
    let (status, body) = issue(&http, &service, &token, 5000).await;
    assert_eq!(status, 201, "{body}");
    eprintln!(
        "full disk: {} credentials returned before the limit and after it was lifted, {} requests refused with \
         503 storage, integrity_check ok, every returned credential on record",
        returned.len(),
        refused.len()
    );
    kill(service);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_database_stops_the_start_with_its_path_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let http = reqwest::Client::new();
    let (service, token) = start(dir.path());
    let token = token.unwrap();
    for n in 0..5 {
        assert_eq!(issue(&http, &service, &token, n).await.0, 201);
    }
    let mut before = record_ids(&http, &service, &token).await;
    kill(service);
    let db = database(dir.path());
    let path = db.display().to_string();

    // 1. Opened read-only by configuration: SQLite refuses every write, as root too.
    let (code, err) = start_fails(dir.path(), &[], &[("DATABASE_URL", format!("sqlite://{path}?mode=ro"))]);
    eprintln!("mode=ro: exit {code}: {err}");
    assert_ne!(code, 0);
    assert!(err.contains(&path), "the message names the database: {err}");
    assert!(err.contains("read-only") || err.contains("readonly"), "{err}");

    // 2. The file and its folder without write permission. Root ignores permissions unless
    // its capabilities are dropped (setpriv, util-linux); without it that case is skipped.
    let data = dir.path().join("data");
    if let Some(prefix) = permissions_bind_prefix() {
        let files: Vec<PathBuf> = std::fs::read_dir(&data).unwrap().map(|e| e.unwrap().path()).collect();
        for file in files.iter().filter(|f| f.to_string_lossy().contains("issuer.db")) {
            std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o444)).unwrap();
        }
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o555)).unwrap();
        let (code, err) = start_fails(dir.path(), &prefix, &[]);
        eprintln!("chmod: exit {code}: {err}");
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
        for file in files.iter().filter(|f| f.to_string_lossy().contains("issuer.db")) {
            std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        assert_ne!(code, 0);
        assert!(err.contains(&path), "the message names the database: {err}");
    } else {
        eprintln!("read-only permissions: skipped (root, and setpriv cannot drop capabilities here)");
    }

    // Nothing changed: the next normal start has the same records and issues.
    assert_eq!(integrity(&db).await, "ok");
    let (service, _) = start(dir.path());
    let mut after = record_ids(&http, &service, &token).await;
    before.sort();
    after.sort();
    assert_eq!(before, after);
    assert_eq!(issue(&http, &service, &token, 99).await.0, 201);
    kill(service);
}
