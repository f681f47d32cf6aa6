//! A private PostgreSQL server for tests: one cluster per test binary, made with `initdb`
//! in a temporary folder, listening on 127.0.0.1 at a free port, with a fresh database per
//! test ([`database`]).
//!
//! The programs come from `DOJANG_PG_BIN` or the newest `/usr/lib/postgresql/*/bin`. The
//! server refuses to run as root, so as root the programs run as the `postgres` user.
//!
//! Stopping at exit: Rust runs no destructors for statics, so a small watchdog shell is
//! started with the server, reading a pipe whose only writer is this process. When the
//! test binary ends (normally, by panic or killed) the pipe closes, the watchdog reads
//! end-of-file at once, stops the server (`pg_ctl -m immediate stop`) and removes the folder.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};

use rand_core::RngCore as _;
use sqlx::Connection as _;

/// The running cluster.
struct Server {
    port: u16,
    /// Holds the write end of the watchdog's pipe open until the process exits.
    _watchdog: Mutex<Child>,
}

static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();

/// The folder holding `initdb`, `pg_ctl` and `postgres`.
pub fn bin_dir() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("DOJANG_PG_BIN").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    let mut found: Vec<(Vec<u32>, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|e| format!("no PostgreSQL in /usr/lib/postgresql ({e}); install it or set DOJANG_PG_BIN"))?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry
                .file_name()
                .to_str()?
                .split('.')
                .map(|part| part.parse().ok())
                .collect::<Option<Vec<u32>>>()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    found.sort();
    found
        .pop()
        .map(|(_, bin)| bin)
        .ok_or_else(|| "no /usr/lib/postgresql/*/bin/initdb; install postgresql or set DOJANG_PG_BIN".to_owned())
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

/// `program args..`, as the `postgres` user when this process is root.
fn pg_command(root: bool, program: &Path, args: &[&str]) -> Command {
    if root {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(program).args(args);
        cmd
    } else {
        let mut cmd = Command::new(program);
        cmd.args(args);
        cmd
    }
}

fn run(mut cmd: Command, what: &str) -> Result<(), String> {
    let out = cmd.output().map_err(|e| format!("{what}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("binding a port: {e}"))?;
    listener.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

/// Single-quotes `s` for `sh`.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn start() -> Result<Server, String> {
    let bin = bin_dir()?;
    let root = running_as_root();
    let dir = std::env::temp_dir().join(format!(
        "dojang-pg-{}-{:016x}",
        std::process::id(),
        rand_core::OsRng.next_u64()
    ));
    std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let data = dir.join("data");
    let dir_str = dir.to_str().ok_or("temporary folder is not UTF-8")?.to_owned();
    let data_str = data.to_str().ok_or("temporary folder is not UTF-8")?.to_owned();

    // The watchdog first, so the folder is removed whatever happens next.
    let pg_ctl = bin.join("pg_ctl");
    let stop = pg_command(root, &pg_ctl, &["-D", &data_str, "-m", "immediate", "-w", "stop"]);
    let stop_line = std::iter::once(stop.get_program())
        .chain(stop.get_args())
        .map(|a| sh_quote(&a.to_string_lossy()))
        .collect::<Vec<_>>()
        .join(" ");
    let script = format!(
        "read _ ; if [ -f {pid} ]; then {stop_line} >/dev/null 2>&1; fi; rm -rf {dir}",
        pid = sh_quote(&format!("{data_str}/postmaster.pid")),
        dir = sh_quote(&dir_str),
    );
    let watchdog = Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("starting the watchdog: {e}"))?;

    if root {
        run(
            {
                let mut c = Command::new("chown");
                c.args(["-R", "postgres:"]).arg(&dir);
                c
            },
            "chown",
        )?;
    }
    let mut initdb = pg_command(
        root,
        &bin.join("initdb"),
        &[
            "-D",
            &data_str,
            "-U",
            "dojang",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        ],
    );
    initdb.current_dir(&dir);
    run(initdb, "initdb")?;

    // Another process may take the port between our probe and the server's bind: retry.
    let mut last = String::new();
    for _ in 0..5 {
        let port = free_port()?;
        let options = format!(
            "-h 127.0.0.1 -p {port} -k {} -F -c max_connections=300 -c log_min_messages=fatal",
            dir_str
        );
        let log = format!("{dir_str}/server.log");
        let mut start = pg_command(
            root,
            &pg_ctl,
            &["-D", &data_str, "-l", &log, "-o", &options, "-w", "-t", "60", "start"],
        );
        start.current_dir(&dir).stdin(Stdio::null());
        match run(start, "pg_ctl start") {
            Ok(()) => {
                return Ok(Server {
                    port,
                    _watchdog: Mutex::new(watchdog),
                });
            }
            Err(e) => last = format!("{e}\n{}", std::fs::read_to_string(&log).unwrap_or_default()),
        }
    }
    drop(watchdog);
    Err(last)
}

fn server() -> &'static Server {
    match SERVER.get_or_init(start) {
        Ok(server) => server,
        Err(e) => panic!("cannot start the test PostgreSQL server: {e}"),
    }
}

/// A fresh, empty database on the shared test server; returns its URL.
pub async fn database() -> String {
    let port = server().port;
    let name = format!("t_{:016x}", rand_core::OsRng.next_u64());
    let admin = format!("postgres://dojang@127.0.0.1:{port}/postgres");
    let mut conn = sqlx::postgres::PgConnection::connect(&admin)
        .await
        .expect("connecting to the test server");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("CREATE DATABASE");
    conn.close().await.ok();
    format!("postgres://dojang@127.0.0.1:{port}/{name}")
}
