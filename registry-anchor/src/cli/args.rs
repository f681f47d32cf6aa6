//! The command-line arguments.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// The did:dojang registry: node, DID operations, anchoring.
#[derive(Debug, Parser)]
#[command(
    name = "registry-anchor",
    version,
    about = "The did:dojang registry node and its operator tools"
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a registry node over HTTP.
    Serve(ServeArgs),
    /// Create, update, rotate or deactivate a did:dojang DID on a node.
    #[command(subcommand)]
    Did(DidCommand),
    /// Follow a node: verify every entry and tree head, serve resolution, stop loudly on a fork.
    Mirror(super::mirror::MirrorArgs),
    /// Co-sign a node's tree heads, each only if consistent with the last one co-signed.
    Witness(super::witness::WitnessArgs),
    /// Write a node's latest tree head to an EVM chain.
    Anchor(super::anchor::AnchorArgs),
    /// Check that a node's log is consistent with the tree head anchored on chain.
    CheckAnchor(super::anchor::CheckAnchorArgs),
    /// Copy the node's log to a new file, while the node runs.
    Backup(super::backup::BackupArgs),
    /// Put a log backup in place in a data directory, checked against its operator key.
    Restore(super::backup::RestoreArgs),
    /// Print a shell completion script (e.g. `registry-anchor completions bash >
    /// /etc/bash_completion.d/registry-anchor`).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// `serve` options.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8070")]
    pub listen: SocketAddr,
    /// Directory of the store and the operator key (created when missing).
    #[arg(long, default_value = "./registry-data")]
    pub data: PathBuf,
    /// The log id tree heads name (default: the operator key's did:key).
    #[arg(long)]
    pub log_id: Option<String>,
    /// Most operations per batch (one fsync and one tree head per batch).
    #[arg(long, default_value_t = 256)]
    pub batch_max: usize,
    /// Milliseconds a batch stays open for more operations.
    #[arg(long, default_value_t = 20)]
    pub batch_interval_ms: u64,
    /// Pending submissions beyond this are refused with 503 and Retry-After.
    #[arg(long, default_value_t = 4096)]
    pub queue: usize,
    /// Take writes (operations, co-signatures) only with a bearer token from this file (one
    /// token per line, at least 32 characters, e.g. `openssl rand -hex 32`); without it anyone
    /// may write. Reads stay public.
    #[arg(long)]
    pub write_token_file: Option<PathBuf>,
    /// Operations a client (an IP address; an IPv6 client by its /64) may submit per hour;
    /// more get 429 with Retry-After. 0: no limit (a node behind a proxy sees one client).
    #[arg(long, default_value_t = 1000)]
    pub writes_per_client_per_hour: u32,
    /// Operations one DID may have submitted per hour (its controller's updates); more get
    /// 429. 0: no limit.
    #[arg(long, default_value_t = 60)]
    pub writes_per_did_per_hour: u32,
    /// Connection limits.
    #[command(flatten)]
    pub limits: LimitArgs,
    /// Periodic anchoring of tree heads to an EVM chain (off unless `--anchor-rpc` is given).
    #[command(flatten)]
    pub anchoring: super::anchor::AnchoringArgs,
}

/// A DID on a node.
#[derive(Debug, Args)]
pub struct Target {
    /// The node's URL.
    #[arg(long)]
    pub node: String,
    /// The DID.
    #[arg(long)]
    pub did: String,
    /// The node's write token, for a node that takes writes only with one (`serve
    /// --write-token-file`): the file's first line that is not blank or a `#` comment.
    #[arg(long)]
    pub write_token_file: Option<PathBuf>,
}

/// `did` subcommands. Keys are private JWK files (e.g. from `vc-issuer keygen`).
#[derive(Debug, Subcommand)]
pub enum DidCommand {
    /// Create a DID whose document holds `--key` (for authentication and assertion) and commits
    /// to `--next-key` for the next change.
    Create {
        /// The node's URL.
        #[arg(long)]
        node: String,
        /// The key that signs this operation and is put in the document.
        #[arg(long)]
        key: PathBuf,
        /// The key committed to for the next operation (keep it offline).
        #[arg(long)]
        next_key: PathBuf,
        /// A service: `id,type,endpoint` (repeatable).
        #[arg(long)]
        service: Vec<String>,
        /// The node's write token file, as for `update`.
        #[arg(long)]
        write_token_file: Option<PathBuf>,
    },
    /// Change a DID's document with a JSON Patch or a whole new document.
    Update {
        /// The node and the DID.
        #[command(flatten)]
        target: Target,
        /// The key committed to by the DID's latest operation.
        #[arg(long)]
        key: PathBuf,
        /// The key to commit to for the next operation.
        #[arg(long)]
        next_key: PathBuf,
        /// A JSON Patch (RFC 6902) file.
        #[arg(long, conflicts_with = "document")]
        patch: Option<PathBuf>,
        /// A whole new document (relative ids, no `id`) file.
        #[arg(long, required_unless_present = "patch")]
        document: Option<PathBuf>,
    },
    /// Replace the DID's verification methods with `--key` (the pre-committed key), e.g. after
    /// losing the device that held the old one. Services and other members are kept.
    Rotate {
        /// The node and the DID.
        #[command(flatten)]
        target: Target,
        /// The key committed to by the DID's latest operation; it becomes the document's key.
        #[arg(long)]
        key: PathBuf,
        /// The key to commit to for the next operation.
        #[arg(long)]
        next_key: PathBuf,
    },
    /// Deactivate a DID for good.
    Deactivate {
        /// The node and the DID.
        #[command(flatten)]
        target: Target,
        /// The key committed to by the DID's latest operation.
        #[arg(long)]
        key: PathBuf,
    },
    /// Print a DID's resolution from a node (without proof checking; use `verifier resolve`).
    Show {
        /// The node and the DID.
        #[command(flatten)]
        target: Target,
    },
}

/// The connection limits of a service (`did_core::server::Limits`).
#[derive(Debug, Clone, Copy, Args)]
pub struct LimitArgs {
    /// Open connections at most; one more is closed at once.
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,
    /// Open connections from one client (an IP address; an IPv6 client by its /64) at most;
    /// one more is closed at once. 0: a quarter of --max-connections.
    #[arg(long, default_value_t = 0)]
    pub max_connections_per_client: u32,
    /// Seconds a client has to send a request's headers (also how long an idle keep-alive
    /// connection stays open).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub header_timeout_secs: u64,
    /// Seconds a request may take to be answered (then 503 `timeout`).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub request_timeout_secs: u64,
}

impl LimitArgs {
    /// The limits as the server takes them.
    pub fn limits(&self) -> did_core::server::Limits {
        did_core::server::Limits::from_secs(
            usize::try_from(self.max_connections).unwrap_or(usize::MAX),
            self.header_timeout_secs,
            self.request_timeout_secs,
        )
        .per_client(usize::try_from(self.max_connections_per_client).unwrap_or(usize::MAX))
    }
}
