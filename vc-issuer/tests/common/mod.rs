//! Helpers shared by the integration tests.

#![allow(dead_code, unused_macros, unused_imports, clippy::unwrap_used)]

pub mod pg;
pub mod serve;

use serde_json::{Value, json};
use vc_issuer::config::{Config, DidMethod};
use vc_issuer::server::{self, Running};

/// The database a service test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Database {
    /// The embedded default: a SQLite file under the data folder.
    Sqlite,
    /// A fresh database on the private PostgreSQL test server.
    Postgres,
}

impl Database {
    /// Points `config` at this database (SQLite is the configuration's own default).
    pub async fn configure(self, config: &mut vc_issuer::config::Config) {
        if self == Database::Postgres {
            config.database_url = Some(pg::database().await);
        }
    }
}

/// Runs each `async fn $name(db: Database)` as two tests, `$name::sqlite` and
/// `$name::postgres`, on a two-thread runtime. The PostgreSQL one is a system test (ignored by
/// `cargo test`, run by `./scripts/test`), since it needs the PostgreSQL server programs.
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(crate::common::Database::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[ignore = "system test (PostgreSQL server programs): ./scripts/test runs it"]
            async fn postgres() {
                super::$name(crate::common::Database::Postgres).await;
            }
        }
    )*};
}
pub(crate) use on_both_databases;

/// The service on a free port of 127.0.0.1 with `method` as its DID method, on `db`: the
/// running service, its data folder (removed on drop) and the admin token.
pub async fn start_service(method: DidMethod, db: Database) -> (Running, tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config {
        listen: "127.0.0.1:0".into(),
        data_dir: dir.path().to_path_buf(),
        ..Config::default()
    };
    config.did.method = method;
    // The concurrency tests send 1,000 requests at once from this one address.
    config.limits.max_connections_per_client = config.limits.max_connections;
    db.configure(&mut config).await;
    let running = server::start(config.validated().unwrap()).await.unwrap();
    let token = running.admin_token.as_ref().unwrap().to_string();
    (running, dir, token)
}

/// Valid `EmployeeIdCredential` claims for employee `number`.
pub fn employee(number: &str) -> Value {
    json!({
        "employee_number": number,
        "name_ko": "김민준",
        "name_latin": "Kim Minjun",
        "organization": "Gangwon Province",
        "department": "Digital Policy",
        "position": "Deputy Director",
        "access_groups": ["hq-main", "server-room"],
        "photo_digest": "sha256-47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"
    })
}

/// `verifier verify --allow-http-status [extra…] <file>` on `credential`, in this process:
/// the exit code and the JSON report (null when it printed none).
pub async fn verifier_verify(credential: &str, extra: &[&str]) -> (i32, Value) {
    use clap::Parser as _;
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), credential).unwrap();
    let path = file.path().display().to_string();
    let mut args = vec!["verifier", "verify", "--allow-http-status"];
    args.extend_from_slice(extra);
    args.push(&path);
    let cli = verifier::cli::Cli::try_parse_from(args).unwrap();
    let mut out = Vec::new();
    let code = verifier::cli::run(cli, &mut out).await;
    (code, serde_json::from_slice(&out).unwrap_or(Value::Null))
}

/// The `--registry <url>/registry --registry-key <key>` arguments for `running`'s in-process
/// registry.
pub fn registry_args(running: &Running) -> [String; 4] {
    [
        "--registry".to_owned(),
        format!("{}/registry", running.url()),
        "--registry-key".to_owned(),
        running.registry_key.clone().unwrap(),
    ]
}

/// `vc-issuer <args>` through the command line's entry point, in this process: the exit code,
/// standard output and standard error.
pub fn issuer_cli(args: &[&str]) -> (i32, String, String) {
    use clap::Parser as _;
    let mut argv = vec!["vc-issuer"];
    argv.extend_from_slice(args);
    let cli = vc_issuer::cli::Cli::try_parse_from(argv).unwrap();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = vc_issuer::cli::run(cli, &mut out, &mut err);
    (
        code,
        String::from_utf8_lossy(&out).into_owned(),
        String::from_utf8_lossy(&err).into_owned(),
    )
}

/// `POST <url>/admin/credentials` of an `EmployeeIdCredential` for employee `number`, which
/// must answer 201: the answer (`id`, `credential`, `record`).
pub async fn issue_employee(http: &reqwest::Client, url: &str, token: &str, number: &str) -> Value {
    let response = http
        .post(format!("{url}/admin/credentials"))
        .bearer_auth(token)
        .json(&json!({"type": "EmployeeIdCredential", "claims": employee(number)}))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let answer: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(status, 201, "{answer}");
    answer
}

/// The `kid` of a compact JWS or SD-JWT (its first part's header).
pub fn jws_kid(compact: &str) -> String {
    use base64::Engine as _;
    let header = compact.split('.').next().unwrap();
    let header: Value =
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
    header["kid"].as_str().unwrap_or_default().to_owned()
}
