//! The `vc-issuer` command line.

use std::io::Read as _;

use clap::{Parser, Subcommand};
use did_core::key::Algorithm;
use time::OffsetDateTime;

use crate::issue::{self, Format};
use crate::key_file::{self, IssuerKey};

/// Exit code when the command did its job.
pub const EXIT_OK: i32 = 0;
/// Exit code when the command ran but failed (bad key, refused credential).
pub const EXIT_FAILED: i32 = 1;
/// Exit code for a usage error (clap uses the same).
pub const EXIT_USAGE: i32 = 2;

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
    /// Generate a key and print it as a private JWK whose `kid` is its did:key method.
    Keygen {
        /// ES256 (P-256), ES384 (P-384) or EdDSA (Ed25519).
        #[arg(long, default_value = "ES256", value_parser = parse_algorithm)]
        alg: Algorithm,
    },
    /// Run the issuer service (the main job). With no configuration: 127.0.0.1:8080, SQLite
    /// under ./data, a key made on first start, an in-process did:dojang registry.
    Serve {
        /// A TOML configuration file (environment variables override it).
        #[arg(long)]
        config: Option<std::path::PathBuf>,
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
        Command::Keygen { alg } => key_file::generate(alg)
            .map_err(|e| (EXIT_FAILED, e.to_string()))
            .and_then(|jwk| serde_json::to_string_pretty(&jwk).map_err(|e| (EXIT_FAILED, e.to_string()))),
        Command::Issue {
            key,
            format,
            disclose,
            credential,
        } => issue_command(&key, format, &disclose, &credential),
        Command::Serve { config } => serve_command(config.as_deref(), out),
        Command::BulkIssue(args) => crate::bulk::command(&args, out, err),
    };
    match result {
        Ok(text) => match writeln!(out, "{text}") {
            Ok(()) => EXIT_OK,
            Err(_) => EXIT_FAILED,
        },
        Err((code, message)) => {
            let _ = writeln!(err, "vc-issuer: {message}");
            code
        }
    }
}

fn issue_command(key: &str, format: Format, disclose: &[String], credential: &str) -> Result<String, (i32, String)> {
    let key_text = zeroize::Zeroizing::new(read(key).map_err(|m| (EXIT_USAGE, m))?);
    let issuer = IssuerKey::from_jwk_json(&key_text).map_err(|e| (EXIT_FAILED, e.to_string()))?;
    let text = read(credential).map_err(|m| (EXIT_USAGE, m))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| (EXIT_FAILED, format!("the credential is not JSON: {e}")))?;
    issue::issue(value, format, &issuer, disclose, OffsetDateTime::now_utc()).map_err(|e| (EXIT_FAILED, e.to_string()))
}

fn serve_command(config: Option<&std::path::Path>, out: &mut dyn std::io::Write) -> Result<String, (i32, String)> {
    let config = crate::config::Config::load(config).map_err(|e| (EXIT_USAGE, e.to_string()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| (EXIT_FAILED, format!("cannot start the runtime: {e}")))?;
    runtime.block_on(async {
        let running = crate::server::start(config)
            .await
            .map_err(|e| (EXIT_FAILED, e.to_string()))?;
        let state = &running.state;
        let mut lines = vec![
            format!("vc-issuer listening on {}", running.url()),
            format!("  public URL      {}", state.issuer.public_url),
            format!("  issuer DID      {}", state.issuer.did),
            format!("  issuer key      {}", running.key_description),
            format!("  database        {}", redact(&state.config.database_url())),
        ];
        if let Some(key) = &running.registry_key {
            lines.push(format!(
                "  registry        {}/registry (operator key {key})",
                state.issuer.public_url
            ));
        }
        match &running.admin_token {
            Some(token) => lines.push(format!(
                "  admin token     {} (shown once: keep it; it has every scope)",
                token.as_str()
            )),
            None => lines.push("  admin token     (made on first start; create more with POST /admin/tokens)".into()),
        }
        let _ = writeln!(out, "{}", lines.join("\n"));
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
