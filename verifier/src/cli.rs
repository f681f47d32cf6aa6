//! The `verifier` command line.

use clap::{Parser, Subcommand};
use did_core::resolve::{CompositeResolver, ResolutionOptions, ResolutionResult, Resolver};

/// Exit code when the command did its job.
pub const EXIT_OK: i32 = 0;
/// Exit code when the command ran but the answer is a failure (e.g. resolution failed).
pub const EXIT_FAILED: i32 = 1;
/// Exit code for a usage error (clap uses the same).
pub const EXIT_USAGE: i32 = 2;

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
    Resolve {
        /// The DID to resolve (did:key, did:jwk, did:web).
        did: String,
        /// Media type to ask for: application/did+ld+json (default) or application/did+json.
        #[arg(long)]
        accept: Option<String>,
    },
}

/// Runs a parsed command line, writing the result to `out`. Returns the exit code.
pub async fn run(cli: Cli, out: &mut dyn std::io::Write) -> i32 {
    match cli.command {
        Command::Resolve { did, accept } => {
            let resolver = CompositeResolver::with_default_methods();
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
            let json = serde_json::to_string_pretty(&result).unwrap_or_default();
            if writeln!(out, "{json}").is_err() {
                return EXIT_FAILED;
            }
            if failed { EXIT_FAILED } else { EXIT_OK }
        }
    }
}
