//! `verifier bundle build` and `verifier bundle inspect`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use clap::Subcommand;
use did_core::key::{Jwk, SigningKey};
use did_core::resolve::CompositeResolver;
use did_core::status::HttpStatusListSource;
use registry_anchor::client::read_registry_key;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use zeroize::Zeroizing;

use super::{BundleBuilder, LoadedBundle, TrustBundle};
use crate::registry::RegistryArgs;
use did_core::cli::{EXIT_FAILED, EXIT_OK, EXIT_USAGE, json_failure, write_error};

/// The largest operator key file read.
const MAX_KEY_FILE: usize = 16 * 1024;

/// The `bundle` subcommands.
#[derive(Debug, Subcommand)]
pub enum BundleCommand {
    /// Resolve the trusted issuers, fetch the status lists, and write a bundle signed with the
    /// operator key.
    ///
    /// Exit status: 0 written, 1 an issuer or list could not be had, 2 usage error.
    Build {
        /// The bundle operator's private key: a file holding a private JWK (the format of
        /// vc-issuer's owner-only key files and registry-anchor's key files). Private keys are
        /// `--…-key-file` in every Dojang command line, public keys `--…-key`.
        #[arg(long = "bundle-key-file", alias = "operator-key", value_name = "FILE")]
        operator_key: PathBuf,
        /// A trusted issuer, as `TYPE=DID` (TYPE is a VC type or SD-JWT VC vct; repeatable).
        #[arg(long = "issuer", value_parser = parse_issuer)]
        issuers: Vec<(String, String)>,
        /// A holder's DID whose document to carry, for credentials bound to its key
        /// (`cnf.kid`) presented offline (repeatable).
        #[arg(long = "holder")]
        holders: Vec<String>,
        /// A status list URL to carry (repeatable).
        #[arg(long = "status-list")]
        status_lists: Vec<String>,
        /// How long the bundle stays fresh: e.g. `24h`, `90m`, `7d`, `3600s`.
        #[arg(long, default_value = "24h", value_parser = parse_duration)]
        valid_for: Duration,
        /// Also fetch status lists over plain HTTP (a lab or loopback issuer only).
        #[arg(long)]
        allow_http_status: bool,
        /// Where to write the bundle.
        #[arg(long)]
        out: PathBuf,
        /// The did:dojang registry (needed when an issuer is a did:dojang DID).
        #[command(flatten)]
        registry: RegistryArgs,
    },
    /// Check a bundle against the operator key and print a JSON summary.
    ///
    /// Exit status: 0 valid (stale or not: see `stale`), 1 invalid, 2 usage error.
    Inspect {
        /// The bundle file.
        file: PathBuf,
        /// The bundle operator's public key: did:key, Multikey, public JWK, or a file holding one.
        #[arg(long = "bundle-key", alias = "operator", value_name = "KEY")]
        operator: String,
        /// Judge staleness as of this time (RFC 3339) instead of now.
        #[arg(long, value_parser = parse_rfc3339)]
        now: Option<OffsetDateTime>,
        /// The did:dojang registry key (needed when the bundle carries did:dojang answers).
        #[command(flatten)]
        registry: RegistryArgs,
    },
}

fn parse_rfc3339(s: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(s, &Rfc3339).map_err(|e| format!("not an RFC 3339 date-time: {e}"))
}

fn parse_issuer(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((kind, did)) if !kind.is_empty() && did.starts_with("did:") => Ok((kind.to_owned(), did.to_owned())),
        _ => Err(
            "expected TYPE=DID, TYPE being the credential's vct or VC type as the door policy names it, \
             e.g. https://hr.example/vct/EmployeeIdCredential=did:web:hr.example"
                .into(),
        ),
    }
}

/// Parses `24h`, `90m`, `7d`, `3600s` or a bare number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (number, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(split) => (s.get(..split).unwrap_or_default(), s.get(split..).unwrap_or_default()),
        None => (s, "s"),
    };
    let number: u64 = number
        .parse()
        .map_err(|_| format!("{s:?} is not a duration such as 24h"))?;
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("{s:?}: the unit must be s, m, h or d")),
    };
    number
        .checked_mul(scale)
        .filter(|secs| *secs > 0)
        .map(Duration::from_secs)
        .ok_or_else(|| format!("{s:?} is not a positive duration that fits"))
}

/// Reads a private JWK file (at most 16 KiB; the text is zeroized when dropped).
pub fn read_signing_key(path: &Path) -> Result<SigningKey, String> {
    let shown = path.display();
    let text = Zeroizing::new(crate::files::read_limited(path, MAX_KEY_FILE).map_err(|e| e.to_string())?);
    let jwk = Jwk::from_json(&text).map_err(|e| format!("{shown}: {e}"))?;
    SigningKey::from_jwk(&jwk).map_err(|e| format!("{shown}: not a private key: {e}"))
}

fn rfc3339(at: SystemTime) -> String {
    OffsetDateTime::from(at).format(&Rfc3339).unwrap_or_default()
}

/// The JSON summary `bundle inspect` prints.
pub fn summary(bundle: &LoadedBundle, now: SystemTime) -> Value {
    let lists: Vec<Value> = bundle
        .status_list_urls()
        .map(|url| json!({"url": url, "fetched_at": bundle.status_fetched_at(url).map(rfc3339)}))
        .collect();
    json!({
        "ok": true,
        "operator": bundle.operator(),
        "issued_at": rfc3339(bundle.issued_at()),
        "expires_at": rfc3339(bundle.expires_at()),
        "stale": bundle.is_stale(now),
        "issuers": bundle.issuers(),
        "dids": bundle.dids(),
        "tree_head": bundle.tree_head().map(|head| json!({
            "log": head.log,
            "size": head.size,
            "timestamp": rfc3339(SystemTime::UNIX_EPOCH + Duration::from_millis(head.timestamp_ms)),
        })),
        "status_lists": lists,
    })
}

fn print(out: &mut dyn std::io::Write, code: i32, json: &Value) -> i32 {
    let text = serde_json::to_string_pretty(json).unwrap_or_default();
    if writeln!(out, "{text}").is_err() {
        return EXIT_FAILED;
    }
    code
}

fn usage(message: &str) -> i32 {
    write_error(&mut std::io::stderr(), message, None);
    EXIT_USAGE
}

/// A failure: `error:` on stderr and the JSON failure on `out`.
fn failed(out: &mut dyn std::io::Write, code: &str, message: &str) -> i32 {
    write_error(&mut std::io::stderr(), message, None);
    print(out, EXIT_FAILED, &json_failure(code, message))
}

/// Runs a `bundle` subcommand, writing its JSON answer to `out`. Returns the exit code.
pub async fn run(command: BundleCommand, out: &mut dyn std::io::Write) -> i32 {
    match command {
        BundleCommand::Build {
            operator_key,
            issuers,
            holders,
            status_lists,
            valid_for,
            allow_http_status,
            out: path,
            registry,
        } => {
            let key = match read_signing_key(&operator_key) {
                Ok(key) => key,
                Err(message) => return usage(&format!("--bundle-key-file: {message}")),
            };
            let dojang = match registry.resolver() {
                Ok(resolver) => resolver,
                Err(message) => return usage(&message),
            };
            let source = if allow_http_status {
                HttpStatusListSource::danger_plain_http_for_testing()
            } else {
                HttpStatusListSource::new()
            };
            let source = match source {
                Ok(source) => source,
                Err(e) => return failed(out, "status_client", &e.to_string()),
            };
            let mut builder = BundleBuilder::new(
                Arc::new(key),
                Arc::new(CompositeResolver::with_default_methods()),
                Arc::new(source),
            )
            .valid_for(valid_for);
            for (kind, did) in issuers {
                builder = builder.issuer(kind, did);
            }
            for did in holders {
                builder = builder.holder(did);
            }
            for url in status_lists {
                builder = builder.status_list(url);
            }
            if let Some(dojang) = dojang {
                builder = builder.registry(Arc::new(dojang));
            }
            let result = match builder.build().await {
                Ok(bundle) => std::fs::write(&path, bundle.as_bytes())
                    .map(|()| bundle.len())
                    .map_err(|e| ("write", format!("{}: {e}", path.display()))),
                Err(e) => Err(("bundle_build", e.to_string())),
            };
            match result {
                Ok(len) => print(
                    out,
                    EXIT_OK,
                    &json!({"ok": true, "out": path.display().to_string(), "bytes": len}),
                ),
                Err((code, message)) => failed(out, code, &message),
            }
        }
        BundleCommand::Inspect {
            file,
            operator,
            now,
            registry,
        } => {
            let operator = match read_registry_key(&operator) {
                Ok(key) => key,
                Err(e) => return usage(&format!("--bundle-key: {e}")),
            };
            let verifier = match registry.resolver() {
                Ok(resolver) => resolver.map(|r| r.verifier().clone()),
                Err(message) => return usage(&message),
            };
            let now = now.map_or_else(SystemTime::now, SystemTime::from);
            match TrustBundle::load_file(&file, &operator, verifier.as_ref()) {
                Ok(bundle) => print(out, EXIT_OK, &summary(&bundle, now)),
                Err(e @ crate::Error::Io { .. }) => usage(&e.to_string()),
                Err(e) => failed(out, "bundle_invalid", &e.to_string()),
            }
        }
    }
}
