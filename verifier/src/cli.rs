//! The `verifier` command line.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use clap::{Parser, Subcommand};
use did_core::clock::{Clock, FixedClock, SystemClock};
use did_core::resolve::{ResolutionOptions, ResolutionResult, Resolver};
use did_core::vc::jwt::Binding;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::registry::RegistryArgs;
use crate::verify::{MAX_INPUT_LEN, Verifier};

pub use did_core::cli::{EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use did_core::cli::{json_failure, write_error};

/// Dojang verifier.
#[derive(Debug, Parser)]
#[command(
    name = "verifier",
    version,
    about = "Dojang verifier: resolve DIDs, verify credentials"
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Resolve a DID and print the DID Resolution result as JSON.
    ///
    /// Exit status: 0 resolved, 1 resolution failed (`didResolutionMetadata.error` is set), 2 usage error.
    ///
    /// did:dojang needs `--registry-key` (and `--registry` or `--registry-snapshot`): every
    /// signature, inclusion and consistency proof is checked, and any failure is an error.
    Resolve {
        /// The DID to resolve (did:key, did:jwk, did:web, did:dojang).
        did: String,
        /// Media type to ask for: application/did+ld+json (default) or application/did+json.
        #[arg(long)]
        accept: Option<String>,
        /// The did:dojang registry.
        #[command(flatten)]
        registry: RegistryArgs,
    },
    /// Resolve did:dojang DIDs with every proof checked and write them as an offline snapshot
    /// a door device loads with `--registry-snapshot`.
    ///
    /// Exit status: 0 written, 1 a DID failed to resolve or verify, 2 usage error.
    RegistrySnapshot {
        /// The did:dojang registry.
        #[command(flatten)]
        registry: RegistryArgs,
        /// Where to write the snapshot.
        #[arg(long)]
        out: PathBuf,
        /// The DIDs to include.
        #[arg(required = true)]
        dids: Vec<String>,
    },
    /// Offline trust bundles: build one signed with the operator key, or inspect one.
    Bundle {
        /// What to do with a bundle.
        #[command(subcommand)]
        command: crate::bundle::cli::BundleCommand,
    },
    /// Verify a credential or presentation and print a JSON report.
    ///
    /// Accepts VC-JOSE-COSE (`vc+jwt`, `vp+jwt`), VC 1.1 JWTs, SD-JWT VCs (with or without key
    /// binding) and Data Integrity JSON. Resolves DIDs, checks signatures, validity and, when
    /// the credential names a status list, status: a list that cannot be fetched means not
    /// verified, unless `--allow-unchecked-status`.
    ///
    /// Exit status: 0 verified, 1 not verified, 2 usage error (including an unreadable file).
    Verify {
        /// Verify as of this time (RFC 3339) instead of now.
        #[arg(long, value_parser = parse_rfc3339)]
        now: Option<OffsetDateTime>,
        /// The nonce (challenge) a presentation must carry.
        #[arg(long)]
        nonce: Option<String>,
        /// The audience (domain) a presentation must be addressed to.
        #[arg(long)]
        aud: Option<String>,
        /// Allowed clock skew in seconds.
        #[arg(long, default_value_t = 60)]
        skew: u64,
        /// Also fetch status lists over plain HTTP (a lab or loopback issuer; never in
        /// production: the list's signature is checked, but not its freshness on the path).
        #[arg(long)]
        allow_http_status: bool,
        /// Report a credential whose status list cannot be fetched as verified if everything
        /// else checks, with the status check `skipped`. Without it such a credential is not
        /// verified (exit 1, `STATUS_RETRIEVAL_ERROR`): its status was not checked.
        #[arg(long)]
        allow_unchecked_status: bool,
        /// The file to verify, or `-` for standard input.
        input: String,
        /// The did:dojang registry.
        #[command(flatten)]
        registry: RegistryArgs,
    },
    /// Run the door/kiosk service: the HTTP API and the kiosk page, deciding by `--policy`.
    ///
    /// Runs until interrupted. Exit status: 1 if it cannot start, 2 usage error.
    Serve(crate::serve::ServeArgs),
    /// Print a shell completion script (e.g. `verifier completions bash >
    /// /etc/bash_completion.d/verifier`).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

fn parse_rfc3339(s: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(s, &Rfc3339).map_err(|e| format!("not an RFC 3339 date-time: {e}"))
}

/// Reads `path` (or standard input for `-`), at most [`MAX_INPUT_LEN`] bytes.
fn read_input(path: &str) -> Result<String, String> {
    let mut bytes = Vec::new();
    let limit = u64::try_from(MAX_INPUT_LEN).unwrap_or(u64::MAX) + 1;
    let read = if path == "-" {
        std::io::stdin().lock().take(limit).read_to_end(&mut bytes)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(limit).read_to_end(&mut bytes))
    };
    read.map_err(|e| format!("cannot read {path}: {e}"))?;
    String::from_utf8(bytes).map_err(|_| format!("{path} is not UTF-8 text"))
}

/// Runs a parsed command line, writing the result to `out`. Returns the exit code.
pub async fn run(cli: Cli, out: &mut dyn std::io::Write) -> i32 {
    match cli.command {
        Command::Resolve { did, accept, registry } => {
            let resolver = match registry.composite() {
                Ok(resolver) => resolver,
                Err(message) => {
                    write_error(&mut std::io::stderr(), &message, None);
                    return EXIT_USAGE;
                }
            };
            let result = match did_core::did::Did::parse(&did) {
                Ok(parsed) => {
                    let mut options = ResolutionOptions::default();
                    if let Some(accept) = accept {
                        options = options.with_accept(accept);
                    }
                    ResolutionResult::from(resolver.resolve(&parsed, &options).await)
                }
                Err(e) => ResolutionResult::from(Err(did_core::resolve::ResolutionError::InvalidDid(e))),
            };
            let failed = result.did_resolution_metadata.error.is_some();
            if failed && did.starts_with("did:dojang:") && registry.registries.is_empty() {
                write_error(
                    &mut std::io::stderr(),
                    "did:dojang DIDs are resolved through their registry, and none was given",
                    Some("give --registry URL (a node or mirror) and --registry-key KEY (its operator's public key)"),
                );
            }
            let json = serde_json::to_string_pretty(&result).unwrap_or_default();
            if writeln!(out, "{json}").is_err() {
                return EXIT_FAILED;
            }
            if failed { EXIT_FAILED } else { EXIT_OK }
        }
        Command::Verify {
            now,
            nonce,
            aud,
            skew,
            allow_http_status,
            allow_unchecked_status,
            input,
            registry,
        } => {
            let resolver = match registry.composite() {
                Ok(resolver) => resolver,
                Err(message) => {
                    write_error(&mut std::io::stderr(), &message, None);
                    return EXIT_USAGE;
                }
            };
            let text = match read_input(&input) {
                Ok(text) => text,
                Err(message) => {
                    write_error(&mut std::io::stderr(), &message, None);
                    return EXIT_USAGE;
                }
            };
            let clock: Arc<dyn Clock> = match now {
                Some(at) => Arc::new(FixedClock::new(SystemTime::from(at))),
                None => Arc::new(SystemClock),
            };
            let verifier = Verifier {
                resolver: Arc::new(resolver),
                clock,
                skew: Duration::from_secs(skew),
                binding: Binding { nonce, aud },
                status_source: match if allow_http_status {
                    did_core::status::HttpStatusListSource::danger_plain_http_for_testing()
                } else {
                    did_core::status::HttpStatusListSource::new()
                } {
                    Ok(source) => Arc::new(source),
                    Err(e) => {
                        write_error(
                            &mut std::io::stderr(),
                            &format!("cannot start the status list client: {e}"),
                            None,
                        );
                        return EXIT_FAILED;
                    }
                },
                status_cache: None,
                unreachable_status: if allow_unchecked_status {
                    crate::verify::UnreachableStatus::Skip
                } else {
                    crate::verify::UnreachableStatus::Fail
                },
                holder_subjects: crate::verify::HolderSubjects::MustBeHolder,
            };
            let report = verifier.verify(&text).await;
            let json = serde_json::to_string_pretty(&report).unwrap_or_default();
            if writeln!(out, "{json}").is_err() {
                return EXIT_FAILED;
            }
            if report.verified { EXIT_OK } else { EXIT_FAILED }
        }
        Command::Serve(args) => crate::serve::run(args, out).await,
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut <Cli as clap::CommandFactory>::command(), "verifier", out);
            EXIT_OK
        }
        Command::RegistrySnapshot {
            registry,
            out: path,
            dids,
        } => registry_snapshot(&registry, &path, &dids, out).await,
        Command::Bundle { command } => crate::bundle::cli::run(command, out).await,
    }
}

async fn registry_snapshot(registry: &RegistryArgs, path: &Path, dids: &[String], out: &mut dyn std::io::Write) -> i32 {
    let resolver = match registry.resolver() {
        Ok(Some(resolver)) => resolver,
        Ok(None) => {
            write_error(
                &mut std::io::stderr(),
                "registry-snapshot needs --registry and --registry-key",
                None,
            );
            return EXIT_USAGE;
        }
        Err(message) => {
            write_error(&mut std::io::stderr(), &message, None);
            return EXIT_USAGE;
        }
    };
    let result = match resolver.export_snapshot(dids).await {
        Ok(snapshot) => std::fs::write(path, snapshot.to_json())
            .map(|()| serde_json::json!({"ok": true, "dids": dids.len(), "out": path.display().to_string()}))
            .map_err(|e| ("write", format!("{}: {e}", path.display()))),
        Err(e) => Err(("registry", e.to_string())),
    };
    let (code, json) = match result {
        Ok(json) => (EXIT_OK, json),
        Err((code, message)) => {
            write_error(&mut std::io::stderr(), &message, None);
            (EXIT_FAILED, json_failure(code, &message))
        }
    };
    if writeln!(out, "{json}").is_err() {
        return EXIT_FAILED;
    }
    code
}
