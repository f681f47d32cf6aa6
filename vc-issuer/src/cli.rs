//! The `vc-issuer` command line.

use std::collections::BTreeSet;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};
use did_core::cli::Banner;
use did_core::key::Algorithm;
use time::OffsetDateTime;
use zeroize::Zeroizing;

use crate::Error;
use crate::issue::{self, Format};
use crate::key_file::{self, IssuerKey};
use crate::operator::actor;
use crate::private_fs;
use crate::store::Scope;

pub use crate::operator::{EXIT_FAILED, EXIT_OK, EXIT_USAGE};

/// The largest credential file read, in bytes (1 MiB).
const MAX_INPUT_LEN: u64 = 1024 * 1024;

/// Dojang credential issuer.
#[derive(Debug, Parser)]
#[command(name = "vc-issuer", version, about = "Dojang issuer: make keys, issue credentials")]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate a key as a private JWK whose `kid` is its did:key method: written to a new
    /// owner-only file with `--out` (then its public JWK is printed), else printed.
    Keygen {
        /// ES256 (P-256), ES384 (P-384) or EdDSA (Ed25519).
        #[arg(long, default_value = "ES256", value_parser = parse_algorithm)]
        alg: Algorithm,
        /// Write the private JWK to this new file, owner-only (0600, whatever the umask;
        /// missing folders are made 0700); an existing file is never overwritten. Prefer this
        /// to redirecting standard output, which makes the file with the umask's mode.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Admin API tokens, made offline in the service's database.
    #[command(subcommand)]
    Token(TokenCommand),
    /// The issuer's signing keys, changed in the service's data folder while it is stopped
    /// (a running service: `POST /admin/keys/rotate`, `POST /admin/keys/{id}/retire`).
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Run the issuer service (the main job). With no configuration: 127.0.0.1:8080, SQLite
    /// under ./data, a key made on first start, an in-process did:dojang registry.
    Serve {
        /// A TOML configuration file (environment variables override it).
        #[arg(long)]
        config: Option<PathBuf>,
        /// The address to listen on, over the configuration's `listen` and `DOJANG_LISTEN`
        /// [default: 127.0.0.1:8080].
        #[arg(long, value_name = "ADDRESS:PORT")]
        listen: Option<String>,
    },
    /// Make one OpenID4VCI credential offer (link, QR code, PIN) per row of a CSV file,
    /// directly in the service's database; safe to re-run.
    BulkIssue(crate::bulk::BulkArgs),
    /// Sign a credential and print it: compact for JOSE and SD-JWT, JSON for Data Integrity.
    ///
    /// The issuer is the key's DID unless the credential names it already (then they must match).
    Issue {
        /// The private JWK file (from `keygen`).
        #[arg(long)]
        key: String,
        /// vc+jwt, vc1-jwt, sd-jwt, ecdsa-rdfc-2019, ecdsa-jcs-2019, eddsa-rdfc-2022, eddsa-jcs-2022.
        #[arg(long)]
        format: Format,
        /// A JSON Pointer to a claim to make selectively disclosable (sd-jwt; repeatable), into
        /// the credential file (`/credentialSubject/name`) or the SD-JWT VC claims (`/name`).
        #[arg(long)]
        disclose: Vec<String>,
        /// The credential JSON file, or `-` for standard input.
        credential: String,
    },
    /// Back the service up into a new folder while it runs: the SQLite database (copied from
    /// one transaction), the in-process registry's log, the key files and a manifest of
    /// digests. With PostgreSQL, back the database up with pg_dump and pass --skip-database.
    Backup {
        /// A TOML configuration file, as for `serve` (environment variables override it).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// The new (or empty) folder to write, owner-only.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Leave the database out (PostgreSQL: pg_dump backs it up).
        #[arg(long)]
        skip_database: bool,
    },
    /// Put a backup back for the service `--config` describes (which must not be running):
    /// every file is checked first and nothing is overwritten. The status lists the backup
    /// holds are closed to new credentials, so a slot given after the backup is never given
    /// again. With PostgreSQL, pg_restore the database first.
    Restore {
        /// A TOML configuration file, as for `serve` (environment variables override it).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// The backup folder (from `backup`).
        #[arg(long, value_name = "DIR")]
        from: PathBuf,
    },
    /// Print a shell completion script (e.g. `vc-issuer completions bash >
    /// /etc/bash_completion.d/vc-issuer`).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// `vc-issuer keys …`: each prints JSON, as the admin API answers.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// List the key generations and which one signs.
    List {
        /// A TOML configuration file, as for `serve` (environment variables override it).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Make the next key and publish the DID document listing it first; the service signs
    /// with it from its next start.
    Rotate {
        /// A TOML configuration file, as for `serve` (environment variables override it).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Take an old key (`key-<n>`) out of the DID document: what it signed stops verifying.
    Retire {
        /// A TOML configuration file, as for `serve` (environment variables override it).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Retire even while live credentials were issued under it.
        #[arg(long)]
        force: bool,
        /// The key, e.g. `key-1`.
        id: String,
    },
}

/// `vc-issuer token …`.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Make an admin API token directly in the service's database (found as `serve` finds
    /// it: `--config`, then the DOJANG_* variables and DATABASE_URL) and print it, once: for
    /// an operator who lost the first one. Only its SHA-256 digest is stored, as for tokens
    /// made with `POST /admin/tokens`; the audit log records `token.create` by
    /// `cli:token-create`. Safe while the service runs.
    Create {
        /// A TOML configuration file, as for `serve` (environment variables override it).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// A label for people (1 to 100 characters), e.g. "ops, after the lost one".
        #[arg(long)]
        label: String,
        /// The scopes, comma-separated: issue, revoke, read, admin (admin implies the rest).
        #[arg(long, value_delimiter = ',', required = true, value_parser = parse_scope)]
        scopes: Vec<Scope>,
    },
}

/// The completion script for `shell`.
fn completions(shell: clap_complete::Shell) -> String {
    let mut script = Vec::new();
    clap_complete::generate(
        shell,
        &mut <Cli as clap::CommandFactory>::command(),
        "vc-issuer",
        &mut script,
    );
    String::from_utf8_lossy(&script).trim_end().to_owned()
}

fn parse_scope(s: &str) -> Result<Scope, String> {
    Scope::parse(s.trim()).map_err(|_| format!("unknown scope {s:?}; use issue, revoke, read or admin"))
}

fn parse_algorithm(s: &str) -> Result<Algorithm, String> {
    Algorithm::from_name(s).map_err(|_| format!("unsupported algorithm {s:?}; use ES256, ES384 or EdDSA"))
}

fn read(path: &str) -> Result<String, String> {
    let mut bytes = Vec::new();
    let read = if path == "-" {
        std::io::stdin().lock().take(MAX_INPUT_LEN + 1).read_to_end(&mut bytes)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(MAX_INPUT_LEN + 1).read_to_end(&mut bytes))
    };
    read.map_err(|e| format!("cannot read {path}: {e}"))?;
    if bytes.len() as u64 > MAX_INPUT_LEN {
        return Err(format!("{path} is over {MAX_INPUT_LEN} bytes"));
    }
    String::from_utf8(bytes).map_err(|_| format!("{path} is not UTF-8 text"))
}

/// Runs a parsed command line, writing the result to `out` and problems to `err`.
/// Returns the exit code.
pub fn run(cli: Cli, out: &mut dyn std::io::Write, err: &mut dyn std::io::Write) -> i32 {
    let result = match cli.command {
        Command::Keygen { alg, out } => keygen_command(alg, out.as_deref()),
        Command::Token(TokenCommand::Create { config, label, scopes }) => {
            token_create_command(config.as_deref(), &label, &scopes, err)
        }
        Command::Keys(command) => keys_command(command),
        Command::Issue {
            key,
            format,
            disclose,
            credential,
        } => issue_command(&key, format, &disclose, &credential),
        Command::Serve { config, listen } => serve_command(config.as_deref(), listen, out),
        Command::Completions { shell } => Ok(completions(shell)),
        Command::BulkIssue(args) => crate::bulk::command(&args, out, err),
        Command::Backup {
            config,
            out,
            skip_database,
        } => backup_command(config.as_deref(), &out, skip_database),
        Command::Restore { config, from } => restore_command(config.as_deref(), &from),
    };
    match result {
        Ok(text) => match writeln!(out, "{text}") {
            Ok(()) => EXIT_OK,
            Err(_) => EXIT_FAILED,
        },
        Err((code, message)) => {
            did_core::cli::write_error(err, &message, None);
            code
        }
    }
}

/// `keygen`: the private JWK printed, or written to a new owner-only file `out` with the
/// public JWK printed.
fn keygen_command(alg: Algorithm, out: Option<&Path>) -> Result<String, (i32, String)> {
    let failed = |e: &dyn std::fmt::Display| (EXIT_FAILED, e.to_string());
    let jwk = key_file::generate(alg).map_err(|e| failed(&e))?;
    let private = Zeroizing::new(serde_json::to_string_pretty(&jwk).map_err(|e| failed(&e))?);
    let Some(path) = out else {
        return Ok(private.to_string());
    };
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        private_fs::create_dir(dir).map_err(|e| (EXIT_FAILED, format!("cannot create {}: {e}", dir.display())))?;
    }
    let mut file = private_fs::create_new(path).map_err(|e| {
        let why = if e.kind() == std::io::ErrorKind::AlreadyExists {
            "it exists, and a key file is never overwritten; choose another name".to_owned()
        } else {
            e.to_string()
        };
        (EXIT_FAILED, format!("cannot write {}: {why}", path.display()))
    })?;
    let written = file
        .write_all(private.as_bytes())
        .and_then(|()| file.write_all(b"\n"))
        .and_then(|()| file.sync_all());
    if let Err(e) = written {
        drop(file);
        let _ = std::fs::remove_file(path);
        return Err((EXIT_FAILED, format!("cannot write {}: {e}", path.display())));
    }
    let mut public = jwk;
    public.d = None;
    serde_json::to_string_pretty(&public).map_err(|e| failed(&e))
}

/// `token create`: a token in the configured database, its secret returned (printed once).
fn token_create_command(
    config: Option<&Path>,
    label: &str,
    scopes: &[Scope],
    err: &mut dyn std::io::Write,
) -> Result<String, (i32, String)> {
    let config = crate::config::Config::load(config).map_err(|e| (EXIT_USAGE, e.to_string()))?;
    if label.is_empty() || label.chars().count() > 100 {
        return Err((EXIT_USAGE, "--label: 1 to 100 characters".into()));
    }
    let url = config.database_url();
    // A token in a database the service does not use would be no use: never make one.
    if let Some(file) = crate::store::sqlite_file(&url)
        && !file.exists()
    {
        return Err((
            EXIT_USAGE,
            format!(
                "there is no database at {}: run this where `vc-issuer serve` runs, with its --config",
                file.display()
            ),
        ));
    }
    let scopes: BTreeSet<Scope> = scopes.iter().copied().collect();
    let (info, secret) = command_runtime()?
        .block_on(async {
            let store = crate::store::Store::open(&url).await?;
            let made = store.create_token(label, &scopes, &actor("token-create")).await;
            store.close().await;
            made
        })
        .map_err(|e| (EXIT_FAILED, e.to_string()))?;
    let names: Vec<&str> = info.scopes.iter().map(|s| s.as_str()).collect();
    let _ = writeln!(
        err,
        "vc-issuer: made token {} ({:?}, scopes {}); it is printed once, on standard output: keep it",
        info.id,
        info.label,
        names.join(" ")
    );
    Ok(secret.to_string())
}

/// `keys list|rotate|retire` on the service's data folder, the service stopped.
fn keys_command(command: KeysCommand) -> Result<String, (i32, String)> {
    let config = match &command {
        KeysCommand::List { config } | KeysCommand::Rotate { config } | KeysCommand::Retire { config, .. } => {
            config.clone()
        }
    };
    let config = crate::config::Config::load(config.as_deref()).map_err(|e| (EXIT_USAGE, e.to_string()))?;
    let failed = |e: Error| (EXIT_FAILED, e.to_string());
    let value = command_runtime()?.block_on(async {
        // The service's own start-up, without serving: its key, database, DID and registry.
        let (state, _, _, _) = crate::server::build(config).await.map_err(|e| match e {
            e @ Error::InUse(_) => (
                EXIT_FAILED,
                format!("{e} Use POST /admin/keys/rotate (or /retire) on the running service instead"),
            ),
            other => failed(other),
        })?;
        let actor = actor("keys");
        let value = match &command {
            KeysCommand::List { .. } => {
                let keys = state.issuer.store.issuer_keys().await.map_err(failed)?;
                serde_json::json!({"signing": state.issuer.signing().method, "keys": keys})
            }
            KeysCommand::Rotate { .. } => {
                let rotated = crate::key_rotation::rotate(&state.config, &state.issuer, &state.keys, &actor)
                    .await
                    .map_err(failed)?;
                serde_json::json!(rotated)
            }
            KeysCommand::Retire { id, force, .. } => {
                let generation = id
                    .strip_prefix("key-")
                    .and_then(|n| n.parse::<i64>().ok())
                    .ok_or_else(|| (EXIT_USAGE, format!("{id}: key ids are key-1, key-2, ...")))?;
                serde_json::json!(
                    crate::key_rotation::retire(&state.config, &state.issuer, &state.keys, generation, *force, &actor)
                        .await
                        .map_err(failed)?
                )
            }
        };
        state.issuer.store.close().await;
        Ok::<_, (i32, String)>(value)
    })?;
    serde_json::to_string_pretty(&value).map_err(|e| (EXIT_FAILED, e.to_string()))
}

/// A runtime for a command that does I/O on the service's files.
fn command_runtime() -> Result<tokio::runtime::Runtime, (i32, String)> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| (EXIT_FAILED, format!("cannot start the runtime: {e}")))
}

/// `backup`: the manifest of what was written, as JSON.
fn backup_command(config: Option<&Path>, out: &Path, skip_database: bool) -> Result<String, (i32, String)> {
    let config = crate::config::Config::load(config).map_err(|e| (EXIT_USAGE, e.to_string()))?;
    let manifest = command_runtime()?
        .block_on(crate::backup::backup(&config, out, skip_database))
        .map_err(|e| (EXIT_FAILED, e.to_string()))?;
    let summary = serde_json::json!({"ok": true, "backup": out.display().to_string(), "manifest": manifest});
    serde_json::to_string_pretty(&summary).map_err(|e| (EXIT_FAILED, e.to_string()))
}

/// `restore`: what was put back, as JSON.
fn restore_command(config: Option<&Path>, from: &Path) -> Result<String, (i32, String)> {
    let config = crate::config::Config::load(config).map_err(|e| (EXIT_USAGE, e.to_string()))?;
    let summary = command_runtime()?
        .block_on(crate::backup::restore(&config, from))
        .map_err(|e| (EXIT_FAILED, e.to_string()))?;
    serde_json::to_string_pretty(&summary).map_err(|e| (EXIT_FAILED, e.to_string()))
}

fn issue_command(key: &str, format: Format, disclose: &[String], credential: &str) -> Result<String, (i32, String)> {
    let key_text = zeroize::Zeroizing::new(read(key).map_err(|m| (EXIT_USAGE, m))?);
    let issuer = IssuerKey::from_jwk_json(&key_text).map_err(|e| (EXIT_FAILED, e.to_string()))?;
    let text = read(credential).map_err(|m| (EXIT_USAGE, m))?;
    let value = crate::json::parse(text.as_bytes()).map_err(|e| (EXIT_FAILED, format!("the credential file: {e}")))?;
    issue::issue(value, format, &issuer, disclose, OffsetDateTime::now_utc()).map_err(|e| (EXIT_FAILED, e.to_string()))
}

fn serve_command(
    config: Option<&std::path::Path>,
    listen: Option<String>,
    out: &mut dyn std::io::Write,
) -> Result<String, (i32, String)> {
    let mut config = crate::config::Config::load_unchecked(config).map_err(|e| (EXIT_USAGE, e.to_string()))?;
    if let Some(listen) = listen {
        config.listen = listen;
    }
    let config = config.validated().map_err(|e| (EXIT_USAGE, e.to_string()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| (EXIT_FAILED, format!("cannot start the runtime: {e}")))?;
    runtime.block_on(async {
        let running = crate::server::start(config)
            .await
            .map_err(|e| (EXIT_FAILED, e.to_string()))?;
        let state = &running.state;
        let mut banner = Banner::new("vc-issuer", running.url())
            .field("public URL", &state.issuer.public_url)
            .field("issuer DID", &state.issuer.did)
            .field("issuer key", &running.key_description)
            .field("database", redact(&state.config.database_url()));
        if let Some(key) = &running.registry_key {
            banner = banner.field(
                "registry",
                format_args!("{}/registry (operator key {key})", state.issuer.public_url),
            );
        }
        banner = match &running.admin_token {
            Some(token) => banner.field(
                "admin token",
                format_args!("{} (shown once: keep it; it has every scope)", token.as_str()),
            ),
            None => banner.field(
                "admin token",
                "(made on first start; create more with POST /admin/tokens, or `vc-issuer token create`)",
            ),
        };
        let _ = writeln!(out, "{banner}");
        let _ = out.flush();
        tokio::select! {
            served = running.wait() => served.map_err(|e| (EXIT_FAILED, e.to_string()))?,
            _ = tokio::signal::ctrl_c() => {}
        }
        Ok("vc-issuer stopped".to_owned())
    })
}

/// A database URL without its password.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let user_info = url.get(scheme + 3..at).unwrap_or_default();
            let user = user_info.split(':').next().unwrap_or_default();
            format!(
                "{}{user}:***{}",
                url.get(..scheme + 3).unwrap_or_default(),
                url.get(at..).unwrap_or_default()
            )
        }
        _ => url.to_owned(),
    }
}
